"""Every staging rule of the spec, on hand-computed fixtures, on DuckDB and on PostgreSQL.

Each test loads one raw table with the exact source types (bigint, integer, text,
numeric(10,2), timestamp) and compares the model's rows with values worked out by hand.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from tests.conftest import PG_URL, Workspace, _admin_connect, _make_workspace, every_engine
from transforms.engine.target import Target

engine = every_engine()  # DuckDB, PostgreSQL and Spark

T0 = datetime(2024, 3, 4, 9, 0, 0)
T1 = datetime(2024, 3, 4, 10, 0, 0)
T2 = datetime(2024, 3, 4, 11, 0, 0)
TS = pa.timestamp("us")
MONEY10 = pa.decimal128(10, 2)

# The six characters the spec trims, in one string.
WS6 = " \t\n\v\f\r"
NBSP = "\u00a0"


def _by(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    out = {r[key]: r for r in rows}
    assert len(out) == len(rows), f"{key} is not unique in {rows}"
    return out


def _col(rows: list[dict[str, Any]], key: str, column: str) -> dict[Any, Any]:
    return {k: r[column] for k, r in _by(rows, key).items()}


# --- stg_customer ------------------------------------------------------------------------------


def _customers(rows: list[dict[str, Any]]) -> pa.Table:
    """A raw customer table; missing fields are NULL."""
    cols = ["id", "first_name", "last_name", "email", "phone_number", "created_at", "updated_at"]
    types = [pa.int64(), pa.string(), pa.string(), pa.string(), pa.string(), TS, TS]
    return pa.table(
        {c: pa.array([r.get(c) for r in rows], type=t) for c, t in zip(cols, types, strict=True)}
    )


PHONES: dict[int, tuple[str | None, str | None]] = {
    # id: (raw phone_number, expected phone_number)
    1: ("(555) 123-4567", "5551234567"),
    2: ("+1 555.123.4567 x89", "5551234567"),  # extension cut, then the leading 1 dropped
    3: ("555-123-4567 ext. 12", "5551234567"),  # cut at the x of "ext"
    4: ("555 123 4567ext89", "5551234567"),
    5: ("1-555-123-4567", "5551234567"),  # 11 digits starting with 1 → drop the 1
    6: ("15551234567", "5551234567"),
    7: ("1555123456", "1555123456"),  # 10 digits starting with 1: kept as is
    8: ("25551234567", None),  # 11 digits not starting with 1
    9: ("555-1234", None),  # 7 digits
    10: ("Fax: 555 123 4567", None),  # "fax" holds an x: cut after "fa", no digits left
    11: ("555X1234567", None),  # an upper-case X cuts too (else 10 digits would remain)
    12: ("555x1234567", None),
    13: ("555 123 4567 X12", "5551234567"),
    14: (None, None),
    15: ("", None),
    16: (WS6, None),
    17: ("5551234567", "5551234567"),
    18: ("(555) 123-4567 x", "5551234567"),  # nothing after the x
    19: ("５５５１２３４５６７", None),  # full-width digits are not 0-9
    20: ("+44 20 7946 0958", None),  # 12 digits
    21: ("1 (555) 123-4567 X 89", "5551234567"),
    22: ("x5551234567", None),  # cut at position 0: nothing left
    23: ("111-111-1111", "1111111111"),  # 10 digits starting with 1
    24: ("1-111-111-1111", "1111111111"),  # 11 digits, the first 1 dropped once only
}


def test_stg_customer_phone_normalisation(ws: Workspace) -> None:
    raw = _customers([{"id": i, "phone_number": p} for i, (p, _) in PHONES.items()])
    rows = ws.model_rows("stg_customer", customer=raw)
    assert _col(rows, "customer_id", "phone_number") == {i: e for i, (_, e) in PHONES.items()}


def test_stg_customer_trims_the_six_white_space_characters_only(ws: Workspace) -> None:
    raw = _customers(
        [
            # every one of the six characters, on both sides
            {
                "id": 1,
                "first_name": WS6 + "Ann" + WS6,
                "last_name": "\tLee\n",
                "email": "\rA@B.C\f",
            },
            # each character alone
            {"id": 2, "first_name": " Bo", "last_name": "Bo\t", "email": "\nb@c.d"},
            {"id": 3, "first_name": "\vCy", "last_name": "Cy\f", "email": "c@d.e\r"},
            # inner white space is kept
            {"id": 4, "first_name": "Mary \t Jane", "last_name": "van  Dijk", "email": "a b@c.d"},
            # a non-breaking space is not one of the six: kept, and it shields inner spaces
            {
                "id": 5,
                "first_name": NBSP + "Dee" + NBSP,
                "last_name": NBSP + " Ng",
                "email": " " + NBSP + "d@e.f",
            },
            # empty after trimming → NULL; empty → NULL; NULL stays NULL
            {"id": 6, "first_name": WS6, "last_name": "", "email": " \t "},
            {"id": 7},
            # names keep their letter case
            {"id": 8, "first_name": "aNN", "last_name": "McDONALD", "email": None},
        ]
    )
    rows = _by(ws.model_rows("stg_customer", customer=raw), "customer_id")
    got = {i: (r["first_name"], r["last_name"], r["email"]) for i, r in rows.items()}
    assert got == {
        1: ("Ann", "Lee", "a@b.c"),
        2: ("Bo", "Bo", "b@c.d"),
        3: ("Cy", "Cy", "c@d.e"),
        4: ("Mary \t Jane", "van  Dijk", "a b@c.d"),
        5: (NBSP + "Dee" + NBSP, NBSP + " Ng", NBSP + "d@e.f"),
        6: (None, None, None),
        7: (None, None, None),
        8: ("aNN", "McDONALD", None),
    }


def test_stg_customer_email_lower_cases_ascii_only(ws: Workspace) -> None:
    raw = _customers(
        [
            {"id": 1, "email": "ÀB@X.COM"},
            {"id": 2, "email": "  Mixed.Case@Example.ORG "},
            {"id": 3, "email": "ÉMILE@EXEMPLE.FR"},
            {"id": 4, "email": "İSTANBUL@X.TR"},  # dotted capital I: untouched
            {"id": 5, "email": "ẞTRASSE@X.DE"},  # capital sharp s: untouched
            {"id": 6, "email": "ΣΟΦΙΑ@X.GR"},
        ]
    )
    rows = ws.model_rows("stg_customer", customer=raw)
    assert _col(rows, "customer_id", "email") == {
        1: "Àb@x.com",
        2: "mixed.case@example.org",
        3: "Émile@exemple.fr",
        4: "İstanbul@x.tr",
        5: "ẞtrasse@x.de",
        6: "ΣΟΦΙΑ@x.gr",
    }


def test_stg_customer_renames_and_passes_timestamps(ws: Workspace) -> None:
    created = datetime(2023, 12, 31, 23, 59, 59, 999999)
    updated = datetime(2024, 1, 1, 0, 0, 0, 1)
    raw = _customers(
        [
            {
                "id": 42,
                "first_name": "Ann",
                "last_name": "Lee",
                "email": "ann@x.com",
                "phone_number": "555.123.4567",
                "created_at": created,
                "updated_at": updated,
            },
            {"id": 43},
        ]
    )
    rows = ws.model_rows("stg_customer", customer=raw)
    assert rows == [
        {
            "customer_id": 42,
            "first_name": "Ann",
            "last_name": "Lee",
            "email": "ann@x.com",
            "phone_number": "5551234567",
            "created_at": created,
            "updated_at": updated,
        },
        {
            "customer_id": 43,
            "first_name": None,
            "last_name": None,
            "email": None,
            "phone_number": None,
            "created_at": None,
            "updated_at": None,
        },
    ]


# --- stg_product -------------------------------------------------------------------------------


def _products(rows: list[tuple[Any, ...]]) -> pa.Table:
    """Raw product versions: (id, name, category, price, created_at, updated_at)."""
    cols = list(zip(*rows, strict=True))
    types = [pa.int64(), pa.string(), pa.string(), MONEY10, TS, TS]
    names = ["id", "name", "category", "price", "created_at", "updated_at"]
    return pa.table(
        {n: pa.array(list(c), type=t) for n, c, t in zip(names, cols, types, strict=True)}
    )


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def test_stg_product_latest_updated_at_wins_null_oldest(ws: Workspace) -> None:
    # Every later tie-break favours the losers: they were created later, cost more, and have
    # smaller names and categories.
    raw = _products(
        [
            (1, "zz new", "zz", _d("1.00"), T0, T2),
            (1, "aa mid", "aa", _d("9.00"), T2, T1),
            (1, "aa null", "aa", _d("9.00"), T2, None),
            (2, "aa null", "aa", _d("9.00"), T2, None),
            (2, "zz old", "zz", None, None, datetime(1970, 1, 1)),
            (3, "only", None, None, None, None),  # one version, all NULL: kept
        ]
    )
    rows = ws.model_rows("stg_product", product=raw)
    assert rows == [
        {
            "product_id": 1,
            "product_name": "zz new",
            "category": "zz",
            "price": Decimal("1.00"),
            "updated_at": T2,
        },
        {
            "product_id": 2,
            "product_name": "zz old",
            "category": "zz",
            "price": None,
            "updated_at": datetime(1970, 1, 1),
        },
        {
            "product_id": 3,
            "product_name": "only",
            "category": None,
            "price": None,
            "updated_at": None,
        },
    ]


def test_stg_product_then_latest_created_at_null_oldest(ws: Workspace) -> None:
    raw = _products(
        [
            (1, "aa", "aa", _d("9.00"), T1, T2),
            (1, "zz", "zz", _d("1.00"), T2, T2),
            (1, "aa", "aa", _d("9.00"), None, T2),
            (2, "aa", "aa", _d("9.00"), None, None),
            (2, "zz", "zz", None, T0, None),
        ]
    )
    rows = ws.model_rows("stg_product", product=raw)
    assert _col(rows, "product_id", "product_name") == {1: "zz", 2: "zz"}
    assert _col(rows, "product_id", "price") == {1: Decimal("1.00"), 2: None}


def test_stg_product_then_highest_price_null_lowest(ws: Workspace) -> None:
    raw = _products(
        [
            (1, "aa", "aa", _d("9.99"), T1, T2),
            (1, "zz", "zz", _d("10.00"), T1, T2),
            (1, "aa", "aa", None, T1, T2),
            (2, "aa", "aa", None, T1, T2),
            (2, "zz", "zz", _d("0.00"), T1, T2),
            (3, "aa", "aa", _d("-1.00"), None, None),  # negative beats NULL too
            (3, "zz", "zz", None, None, None),
        ]
    )
    rows = ws.model_rows("stg_product", product=raw)
    assert _col(rows, "product_id", "product_name") == {1: "zz", 2: "zz", 3: "aa"}
    assert _col(rows, "product_id", "price") == {
        1: Decimal("10.00"),
        2: Decimal("0.00"),
        3: Decimal("-1.00"),
    }


def test_stg_product_then_smallest_trimmed_name_in_byte_order(ws: Workspace) -> None:
    # The categories favour the losers, so only the name can decide.
    raw = _products(
        [
            (1, "a", "a", _d("1.00"), T1, T2),
            (1, "B", "z", _d("1.00"), T1, T2),  # 'B' 0x42 < 'a' 0x61
            (2, "a", "a", _d("1.00"), T1, T2),
            (2, "Z", "z", _d("1.00"), T1, T2),  # 'Z' 0x5A < 'a'
            (3, "é", "a", _d("1.00"), T1, T2),  # 0xC3 0xA9 > 'z'
            (3, "z", "z", _d("1.00"), T1, T2),
            (4, "  b", "a", _d("1.00"), T1, T2),  # compared trimmed: 'b' > 'a'
            (4, "a\t", "z", _d("1.00"), T1, T2),
            (5, None, "a", _d("1.00"), T1, T2),  # NULL last
            (5, "zz", "z", _d("1.00"), T1, T2),
            (6, WS6, "a", _d("1.00"), T1, T2),  # empty after trim is NULL: last
            (6, "zz", "z", _d("1.00"), T1, T2),
            (7, "ab", "a", _d("1.00"), T1, T2),  # a prefix comes first
            (7, "a", "z", _d("1.00"), T1, T2),
            (8, "a-b", "a", _d("1.00"), T1, T2),  # '-' 0x2D < 'a' 0x61
            (8, "ab", "z", _d("1.00"), T1, T2),
        ]
    )
    rows = ws.model_rows("stg_product", product=raw)
    assert {r["product_id"]: (r["product_name"], r["category"]) for r in rows} == {
        1: ("B", "z"),
        2: ("Z", "z"),
        3: ("z", "z"),
        4: ("a", "z"),
        5: ("zz", "z"),
        6: ("zz", "z"),
        7: ("a", "z"),
        8: ("a-b", "a"),
    }


def test_stg_product_then_smallest_trimmed_category_in_byte_order(ws: Workspace) -> None:
    raw = _products(
        [
            (1, "n", "a", _d("1.00"), T1, T2),
            (1, "n", "B", _d("1.00"), T1, T2),
            (2, "n", "é", _d("1.00"), T1, T2),
            (2, "n", "z", _d("1.00"), T1, T2),
            (3, "n", None, _d("1.00"), T1, T2),
            (3, "n", "\tz ", _d("1.00"), T1, T2),
            (4, "n", " \n", _d("1.00"), T1, T2),
            (4, "n", "zz", _d("1.00"), T1, T2),
            (5, "n", " b", _d("1.00"), T1, T2),
            (5, "n", "a ", _d("1.00"), T1, T2),
        ]
    )
    rows = ws.model_rows("stg_product", product=raw)
    assert _col(rows, "product_id", "category") == {1: "B", 2: "z", 3: "z", 4: "zz", 5: "a"}
    assert _col(rows, "product_id", "product_name") == {i: "n" for i in range(1, 6)}


@pytest.mark.postgres
def test_stg_product_uses_byte_order_under_an_icu_collation(pg_url: str) -> None:
    """A database whose default collation is linguistic ('alpha' < 'Beta') keeps byte order."""
    name = f"transforms_icu_{uuid.uuid4().hex[:8]}"
    admin = _admin_connect(PG_URL)
    try:
        admin.execute(
            f"CREATE DATABASE \"{name}\" LOCALE_PROVIDER icu ICU_LOCALE 'en-US' "
            "LOCALE 'C.UTF-8' TEMPLATE template0"
        )
        base = Target.parse(pg_url)
        auth = base.user + (f":{base.password}" if base.password else "") if base.user else ""
        w = _make_workspace("postgres", f"postgresql://{auth}@{base.host}:{base.port}/{name}", "i")
        try:
            w.dialect.ensure_schema(w.con, w.source_schema)
            # the database really orders linguistically
            assert w.sql("SELECT min(x) FROM (VALUES ('alpha'), ('Beta')) v(x)") == [("alpha",)]
            raw = _products(
                [
                    (1, "alpha", "x", _d("1.00"), T1, T2),
                    (1, "Beta", "x", _d("1.00"), T1, T2),
                    (2, "n", "alpha", _d("1.00"), T1, T2),
                    (2, "n", "Beta", _d("1.00"), T1, T2),
                    (3, "PLACE_ORDER", "x", _d("1.00"), T1, T2),  # '_' 0x5F > 'O' 0x4F
                    (3, "PLACEORDER", "x", _d("1.00"), T1, T2),
                    (4, "é", "x", _d("1.00"), T1, T2),
                    (4, "z", "x", _d("1.00"), T1, T2),
                ]
            )
            rows = w.model_rows("stg_product", product=raw)
            assert {r["product_id"]: (r["product_name"], r["category"]) for r in rows} == {
                1: ("Beta", "x"),
                2: ("n", "Beta"),
                3: ("PLACEORDER", "x"),
                4: ("z", "x"),
            }
            events = _events(
                [
                    (1, 7, "place_order", None, None, T0),
                    (1, 7, "placeorder", None, None, T0),
                ]
            )
            rows = w.model_rows("stg_events", events=events)
            assert [r["event_type"] for r in rows] == ["PLACEORDER"]
        finally:
            w.con.disconnect()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# --- stg_orders --------------------------------------------------------------------------------


def test_stg_orders_cleans_status_and_renames(ws: Workspace) -> None:
    statuses = {
        1: (" placed ", "PLACED"),
        2: ("Shipped\t", "SHIPPED"),
        3: ("\n\rpaid\v\f", "PAID"),
        4: ("SHIPPED", "SHIPPED"),
        5: ("ſhipped", "ſHIPPED"),  # long s (U+017F): not an ASCII letter, left as it is
        6: ("ß", "ß"),  # upper('ß') is 'SS' on some engines: untouched here
        7: ("é", "é"),
        8: (None, None),
        9: (WS6, None),
        10: ("", None),
        11: ("pa id", "PA ID"),
        12: (NBSP + "paid", NBSP + "PAID"),
    }
    n = len(statuses)
    ids = list(statuses)
    raw = pa.table(
        {
            "id": pa.array(ids, type=pa.int64()),
            "customer_id": pa.array([100 + i if i != 3 else None for i in ids], type=pa.int64()),
            "status": pa.array([statuses[i][0] for i in ids], type=pa.string()),
            "created_at": pa.array([T0] * n, type=TS),
            "shipped_at": pa.array([T2 if i == 2 else None for i in ids], type=TS),
            "updated_at": pa.array([T1] * n, type=TS),
        }
    )
    rows = _by(ws.model_rows("stg_orders", orders=raw), "order_id")
    assert {i: r["order_status"] for i, r in rows.items()} == {
        i: e for i, (_, e) in statuses.items()
    }
    assert rows[2] == {
        "order_id": 2,
        "customer_id": 102,
        "order_status": "SHIPPED",
        "placed_at": T0,
        "shipped_at": T2,
        "updated_at": T1,
    }
    assert rows[3]["customer_id"] is None
    assert rows[3]["shipped_at"] is None


# --- stg_orderitem -----------------------------------------------------------------------------


def test_stg_orderitem_discount_defaults_to_zero_and_money_widens(ws: Workspace) -> None:
    raw = pa.table(
        {
            "id": pa.array([1, 2, 3, 4], type=pa.int64()),
            "order_id": pa.array([10, 10, None, 11], type=pa.int64()),
            "product_id": pa.array([5, None, 6, 7], type=pa.int64()),
            "quantity": pa.array([2, 1, None, 3], type=pa.int32()),
            "unit_price": pa.array(
                [Decimal("9.99"), Decimal("99999999.99"), None, Decimal("0.00")], type=MONEY10
            ),
            "discount": pa.array([None, Decimal("1.50"), None, Decimal("0.00")], type=MONEY10),
            "created_at": pa.array([T0, T0, None, T1], type=TS),
        }
    )
    rows = ws.model_rows("stg_orderitem", orderitem=raw)
    assert rows == [
        {
            "order_item_id": 1,
            "order_id": 10,
            "product_id": 5,
            "quantity": 2,
            "unit_price": Decimal("9.99"),
            "discount": Decimal("0.00"),
        },
        {
            "order_item_id": 2,
            "order_id": 10,
            "product_id": None,
            "quantity": 1,
            "unit_price": Decimal("99999999.99"),
            "discount": Decimal("1.50"),
        },
        {
            "order_item_id": 3,
            "order_id": None,
            "product_id": 6,
            "quantity": None,
            "unit_price": None,
            "discount": Decimal("0.00"),
        },
        {
            "order_item_id": 4,
            "order_id": 11,
            "product_id": 7,
            "quantity": 3,
            "unit_price": Decimal("0.00"),
            "discount": Decimal("0.00"),
        },
    ]


def test_stg_orderitem_amounts_are_decimal_18_2_in_the_database(ws: Workspace) -> None:
    from transforms import expression

    ws.load(
        "orderitem",
        pa.table(
            {
                "id": pa.array([1], type=pa.int64()),
                "order_id": pa.array([1], type=pa.int64()),
                "product_id": pa.array([1], type=pa.int64()),
                "quantity": pa.array([3], type=pa.int32()),
                "unit_price": pa.array([Decimal("99999999.99")], type=MONEY10),
                "discount": pa.array([None], type=MONEY10),
                "created_at": pa.array([T0], type=TS),
            }
        ),
    )
    expr = expression("stg_orderitem", {"orderitem": ws.table("orderitem")})
    ws.dialect.create_table_as(ws.con, ws.source_schema, "built", ws.dialect.to_sql(expr))
    schema = ws.con.get_schema("built", database=ws.source_schema)
    assert [str(schema[c]) for c in ("quantity", "unit_price", "discount")] == [
        "int32",
        "decimal(18, 2)",
        "decimal(18, 2)",
    ]
    # the line total exceeds numeric(10,2) and is still exact
    table = ws.q(ws.source_schema, "built")
    assert ws.sql(f"SELECT quantity * unit_price, discount FROM {table}") == [
        (Decimal("299999999.97"), Decimal("0.00"))
    ]


# --- stg_events --------------------------------------------------------------------------------


def _events(rows: list[tuple[Any, ...]]) -> pa.Table:
    """Raw event deliveries: (id, customer_id, event_type, product_id, order_id, timestamp)."""
    cols = list(zip(*rows, strict=True))
    names = ["id", "customer_id", "event_type", "product_id", "order_id", "event_timestamp"]
    types = [pa.int64(), pa.int64(), pa.string(), pa.int64(), pa.int64(), TS]
    return pa.table(
        {n: pa.array(list(c), type=t) for n, c, t in zip(names, cols, types, strict=True)}
    )


def _event_tuples(rows: list[dict[str, Any]]) -> dict[int, tuple[Any, ...]]:
    return {
        r["event_id"]: (
            r["customer_id"],
            r["event_type"],
            r["product_id"],
            r["order_id"],
            r["event_at"],
        )
        for r in _by(rows, "event_id").values()
    }


def test_stg_events_cleans_and_renames(ws: Workspace) -> None:
    raw = _events(
        [
            (1, 7, " visit ", None, None, T0),
            (2, None, "Add_Product_To_Cart\t", 30, None, T1),
            (3, 8, "place_order", None, 900, T2),
            (4, 8, "new_kind", None, None, T2),  # new types pass through
            (5, 8, WS6, None, None, None),
            (6, 8, "ſearch", None, None, T2),
        ]
    )
    rows = ws.model_rows("stg_events", events=raw)
    assert _event_tuples(rows) == {
        1: (7, "VISIT", None, None, T0),
        2: (None, "ADD_PRODUCT_TO_CART", 30, None, T1),
        3: (8, "PLACE_ORDER", None, 900, T2),
        4: (8, "NEW_KIND", None, None, T2),
        5: (8, None, None, None, None),
        6: (8, "ſEARCH", None, None, T2),
    }
    assert list(rows[0]) == [
        "event_id",
        "customer_id",
        "event_type",
        "product_id",
        "order_id",
        "event_at",
    ]


def test_stg_events_keeps_the_earliest_delivery_null_last(ws: Workspace) -> None:
    # Later tie-breaks favour the losers (smaller customer, type, product and order).
    raw = _events(
        [
            (1, 9, "visit", 9, 9, T1),
            (1, 1, "add_product_to_cart", 1, 1, T2),
            (1, 1, "add_product_to_cart", 1, 1, None),
            (2, 1, "add_product_to_cart", 1, 1, None),
            (2, 9, "visit", 9, 9, T2),
            (3, 5, "visit", None, None, None),  # a single NULL-time delivery is kept
        ]
    )
    rows = ws.model_rows("stg_events", events=raw)
    assert _event_tuples(rows) == {
        1: (9, "VISIT", 9, 9, T1),
        2: (9, "VISIT", 9, 9, T2),
        3: (5, "VISIT", None, None, None),
    }


def test_stg_events_then_smallest_customer_id_null_last(ws: Workspace) -> None:
    raw = _events(
        [
            (1, 5, "add_product_to_cart", 1, 1, T0),
            (1, 3, "visit", 9, 9, T0),
            (2, None, "add_product_to_cart", 1, 1, T0),
            (2, 7, "visit", 9, 9, T0),
        ]
    )
    rows = ws.model_rows("stg_events", events=raw)
    assert _event_tuples(rows) == {1: (3, "VISIT", 9, 9, T0), 2: (7, "VISIT", 9, 9, T0)}


def test_stg_events_then_cleaned_event_type_in_byte_order_null_last(ws: Workspace) -> None:
    raw = _events(
        [
            # cleaned first: ' view_product' would sort first raw (space), 'ADD…' wins cleaned
            (1, 5, " view_product", 1, 1, T0),
            (1, 5, "Add_product_to_cart", 9, 9, T0),
            (1, 5, "VISIT", 1, 1, T0),
            # byte order: '_' (0x5F) sorts after 'O' (0x4F)
            (2, 5, "place_order", 1, 1, T0),
            (2, 5, "PLACEORDER", 9, 9, T0),
            # non-ASCII sorts after ASCII
            (3, 5, "év", 1, 1, T0),
            (3, 5, "zoom", 9, 9, T0),
            # NULL (and empty after trim) last
            (4, 5, None, 1, 1, T0),
            (4, 5, " \t", 1, 1, T0),
            (4, 5, "zzz", 9, 9, T0),
        ]
    )
    rows = ws.model_rows("stg_events", events=raw)
    assert _event_tuples(rows) == {
        1: (5, "ADD_PRODUCT_TO_CART", 9, 9, T0),
        2: (5, "PLACEORDER", 9, 9, T0),
        3: (5, "ZOOM", 9, 9, T0),
        4: (5, "ZZZ", 9, 9, T0),
    }


def test_stg_events_then_product_id_then_order_id_null_last(ws: Workspace) -> None:
    raw = _events(
        [
            (1, 5, "visit", 20, 1, T0),
            (1, 5, "visit", 10, 9, T0),
            (2, 5, "visit", None, 1, T0),
            (2, 5, "visit", 30, 9, T0),
            (3, 5, "visit", 10, 200, T0),
            (3, 5, "visit", 10, 100, T0),
            (4, 5, "visit", 10, None, T0),
            (4, 5, "visit", 10, 300, T0),
            (5, 5, "visit", None, None, T0),  # an exact duplicate delivery collapses
            (5, 5, "visit", None, None, T0),
        ]
    )
    rows = ws.model_rows("stg_events", events=raw)
    assert _event_tuples(rows) == {
        1: (5, "VISIT", 10, 9, T0),
        2: (5, "VISIT", 30, 9, T0),
        3: (5, "VISIT", 10, 100, T0),
        4: (5, "VISIT", 10, 300, T0),
        5: (5, "VISIT", None, None, T0),
    }


def test_stg_events_dedups_before_anonymous_events_are_dropped(ws: Workspace) -> None:
    # Delivered once anonymous (earlier) and once with a customer: the anonymous one wins and
    # stays in staging (fct_events leaves it out later), even though a customer would sort first.
    raw = _events(
        [
            (1, None, "visit", None, None, T0),
            (1, 5, "visit", None, None, T1),
            (2, 5, "visit", None, None, T0),
            (2, None, "visit", None, None, T1),
        ]
    )
    rows = ws.model_rows("stg_events", events=raw)
    assert _event_tuples(rows) == {
        1: (None, "VISIT", None, None, T0),
        2: (5, "VISIT", None, None, T0),
    }
