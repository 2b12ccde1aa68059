"""Error-level contract violations planted on request (``--break KIND``), a handful of rows each.

Each kind plants its own violation and nothing else, so a test can tell which check fired.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from examples import _text as tx
from examples._rand import stream
from examples._tables import MONEY, money

HANDFUL = 3

KINDS_OF_BREAK: dict[str, str] = {
    "duplicate_order_id": "orders: 3 rows delivered twice (same id, later updated_at)",
    "bad_status": "orders: status CANCELLED / ' cancelled ' / NULL",
    "null_placed_at": "orders: created_at NULL on 3 rows",
    "negative_quantity": "orderitem: quantity -1, 0, -3 (discount NULL)",
    "excess_discount": "orderitem: discount above quantity x unit_price on 3 lines",
    "negative_price": "product: a newest version with a price below 0 for 3 products",
    "null_event_at": "events: 3 extra events with a NULL event_timestamp",
    "duplicate_customer_id": "customer: 3 customers present twice (same id)",
}

Tables = dict[str, pa.Table]


def _rows(rng: np.random.Generator, n: int, k: int = HANDFUL) -> np.ndarray:
    return np.sort(rng.choice(n, min(k, n), replace=False))


def _set(table: pa.Table, name: str, column: pa.Array | pa.ChunkedArray) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, column)


def _column(table: pa.Table, name: str) -> pa.Array:
    return table[name].combine_chunks()


def _later(column: pa.Array | pa.ChunkedArray, delta: timedelta) -> pa.Array:
    return pc.add(column, pa.scalar(delta, pa.duration("us"))).cast(column.type)


def _append(table: pa.Table, rows: pa.Table) -> pa.Table:
    return pa.concat_tables([table, rows.cast(table.schema)]).combine_chunks()


def duplicate_order_id(t: Tables, rng: np.random.Generator) -> None:
    o = t["orders"]
    copy = o.take(_rows(rng, o.num_rows))
    t["orders"] = _append(
        o, _set(copy, "updated_at", _later(copy["updated_at"], timedelta(hours=1)))
    )


def bad_status(t: Tables, rng: np.random.Generator) -> None:
    o = t["orders"]
    values = pa.array(["CANCELLED", " cancelled ", None], type=pa.string())
    t["orders"] = _set(
        o, "status", tx.scatter(_column(o, "status"), _rows(rng, o.num_rows), values)
    )


def null_placed_at(t: Tables, rng: np.random.Generator) -> None:
    o = t["orders"]
    t["orders"] = _set(
        o, "created_at", tx.set_null(_column(o, "created_at"), _rows(rng, o.num_rows))
    )


def negative_quantity(t: Tables, rng: np.random.Generator) -> None:
    i = t["orderitem"]
    rows = _rows(rng, i.num_rows)
    quantity = tx.scatter(
        _column(i, "quantity"), rows, pa.array([-1, 0, -3][: len(rows)], pa.int32())
    )
    # No discount on these lines: the quantity check alone must fire, not the discount one.
    i = _set(i, "quantity", quantity)
    t["orderitem"] = _set(i, "discount", tx.set_null(_column(i, "discount"), rows))


def excess_discount(t: Tables, rng: np.random.Generator) -> None:
    i = t["orderitem"]
    priced = np.flatnonzero(pc.greater(i["unit_price"], 0).to_numpy(zero_copy_only=False))
    rows = np.sort(priced[_rows(rng, len(priced))])
    sub = i.take(pa.array(rows))
    gross = pc.multiply(sub["quantity"].cast(pa.decimal128(10, 0)), sub["unit_price"])
    over = money(np.array([1, 100, 500][: len(rows)]))
    discount = pc.add(gross, over).cast(MONEY).combine_chunks()
    t["orderitem"] = _set(i, "discount", tx.scatter(_column(i, "discount"), rows, discount))


def negative_price(t: Tables, rng: np.random.Generator) -> None:
    p = t["product"]
    ids = p["id"].to_numpy()
    first_rows = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    copy = p.take(pa.array(first_rows[_rows(rng, len(first_rows))]))
    # Newer than every version of the table, so it is each product's latest one.
    newest = pc.max(p["updated_at"])
    copy = _set(
        copy,
        "updated_at",
        pa.array([newest.as_py() + timedelta(hours=1)] * copy.num_rows, pa.timestamp("us")),
    )
    copy = _set(copy, "price", money(np.array([-100, -1, -999][: copy.num_rows])))
    t["product"] = _append(p, copy)


def null_event_at(t: Tables, rng: np.random.Generator) -> None:
    e = t["events"]
    copy = e.take(_rows(rng, e.num_rows))
    first_new = pc.max(e["id"]).as_py() + 1
    copy = _set(copy, "id", pa.array(np.arange(first_new, first_new + copy.num_rows)))
    copy = _set(copy, "event_timestamp", pa.nulls(copy.num_rows, pa.timestamp("us")))
    t["events"] = _append(e, copy)


def duplicate_customer_id(t: Tables, rng: np.random.Generator) -> None:
    c = t["customer"]
    copy = c.take(_rows(rng, c.num_rows))
    t["customer"] = _append(
        c, _set(copy, "updated_at", _later(copy["updated_at"], timedelta(days=1)))
    )


_PLANT: dict[str, Callable[[Tables, np.random.Generator], None]] = {
    "duplicate_order_id": duplicate_order_id,
    "bad_status": bad_status,
    "null_placed_at": null_placed_at,
    "negative_quantity": negative_quantity,
    "excess_discount": excess_discount,
    "negative_price": negative_price,
    "null_event_at": null_event_at,
    "duplicate_customer_id": duplicate_customer_id,
}


def apply(tables: Tables, breaks: Sequence[str], seed: int) -> Tables:
    """Plant the requested breaks, always in the order of KINDS_OF_BREAK (each its own stream)."""
    out = dict(tables)
    for number, kind in enumerate(KINDS_OF_BREAK):
        if kind in breaks:
            _PLANT[kind](out, stream(seed, "breaks", number))
    return out
