"""Intermediate models over hand-made upstream tables; every expected value computed by hand.

Each test runs on DuckDB and on PostgreSQL (the ``ws`` fixture). :func:`run` also materialises
the model on the engine and compares the *stored* column types with the contract, as a run does.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from contracts.base import Contract
from contracts.intermediate import (
    DimCustomer,
    DimProduct,
    FctEvents,
    FctOrderitem,
    FctOrders,
    IntCartValue,
    IntCheckOrder,
    IntLastSessionPerCustomer,
    IntOrderFulfillment,
    IntSession,
    IntSessionBounds,
)
from contracts.staging import StgCustomer, StgEvents, StgOrderitem, StgOrders, StgProduct
from tests.conftest import Workspace, every_engine
from transforms import expression
from transforms.engine.checks import run_checks, schema_problems
from transforms.project import webshop

engine = every_engine()  # DuckDB, PostgreSQL and Spark

D = Decimal
T = datetime.fromisoformat
ADD, REMOVE, VIEW = "ADD_PRODUCT_TO_CART", "REMOVE_PRODUCT_FROM_CART", "VIEW_PRODUCT"

ARROW = {
    "int64": pa.int64(),
    "int32": pa.int32(),
    "float64": pa.float64(),
    "decimal(18, 2)": pa.decimal128(18, 2),
    "decimal(10, 2)": pa.decimal128(10, 2),
    "string": pa.string(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}


def arrow(contract: type[Contract], rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table with ``contract``'s exact columns and types; absent values are NULL."""
    columns = contract.columns()
    for row in rows:
        unknown = set(row) - {c.name for c in columns}
        assert not unknown, f"{contract.__name__} has no column {unknown}"
    return pa.table(
        {c.name: pa.array([r.get(c.name) for r in rows], type=ARROW[c.dtype]) for c in columns}
    )


def run(ws: Workspace, name: str, **inputs: pa.Table) -> list[dict[str, Any]]:
    """The model's rows (sorted as ``ws.model_rows`` sorts them), after checking stored types."""
    rows = ws.model_rows(name, **inputs)
    # ws.model_rows compares Ibis's idea of the types; the engine may store another one
    # (SUM of integers is HUGEINT on DuckDB, numeric on PostgreSQL): compare the real table too.
    expr = expression(name, {u: ws.table(u) for u in inputs})
    ws.dialect.create_table_as(ws.con, ws.source_schema, f"out_{name}", ws.dialect.to_sql(expr))
    stored = ws.con.get_schema(f"out_{name}", database=ws.source_schema)
    problems = schema_problems(webshop().models[name].contract, stored)
    assert not problems, f"{name} as stored on {ws.engine}: {problems}"
    return rows


def by(rows: list[dict[str, Any]], *key: str) -> dict[Any, dict[str, Any]]:
    """Rows keyed by one column (or a tuple of columns); the key must be unique."""
    keyed = {(r[key[0]] if len(key) == 1 else tuple(r[k] for k in key)): r for r in rows}
    assert len(keyed) == len(rows), f"duplicate {key}"
    return keyed


def assert_rows(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal row dicts, floats within 1e-9 relative, decimals exact (scale ignored)."""
    assert list(actual) == list(expected)
    for column, want in expected.items():
        got = actual[column]
        if isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), column
        else:
            assert got == want and type(got) is type(want), (column, got, want)


def failures(
    ws: Workspace, name: str, contract: type[Contract], rows: list[dict[str, Any]]
) -> dict[str, tuple[int, str]]:
    """Load ``rows`` as a table and run ``contract``'s checks: {check: (failing, severity)}."""
    ws.load(f"bad_{name}", arrow(contract, rows))
    results = run_checks(name, contract, ws.table(f"bad_{name}"), ws.table, ws.rows)
    return {r.check: (r.failing, r.severity) for r in results if not r.passed}


# --- dim_customer ------------------------------------------------------------------------------


def test_dim_customer_full_name_and_duplicate_emails(ws: Workspace) -> None:
    created = T("2024-01-01 08:00:00")
    stg = arrow(
        StgCustomer,
        [
            dict(customer_id=1, first_name="Ada", last_name="Lovelace", email="ada@x.org"),
            dict(customer_id=2, first_name=None, last_name="Byron", email="ada@x.org"),
            dict(customer_id=3, first_name="Cher", last_name=None, email=None),
            dict(customer_id=4, first_name=None, last_name=None, email=None),
            dict(
                customer_id=5,
                first_name="Eve",
                last_name="Smith",
                email="eve@x.org",
                phone_number="5551234567",
                created_at=created,
            ),
        ],
    )
    rows = by(run(ws, "dim_customer", stg_customer=stg), "customer_id")
    assert {k: r["full_name"] for k, r in rows.items()} == {
        1: "Ada Lovelace",
        2: "Byron",
        3: "Cher",
        4: None,
        5: "Eve Smith",
    }
    # two NULL emails are not duplicates of each other; the flag is never NULL
    assert {k: r["has_duplicate_email"] for k, r in rows.items()} == {
        1: True,
        2: True,
        3: False,
        4: False,
        5: False,
    }
    assert_rows(
        rows[5],
        dict(
            customer_id=5,
            first_name="Eve",
            last_name="Smith",
            full_name="Eve Smith",
            email="eve@x.org",
            phone_number="5551234567",
            created_at=created,
            has_duplicate_email=False,
        ),
    )


def test_dim_product_is_the_current_version(ws: Workspace) -> None:
    stg = arrow(
        StgProduct,
        [
            dict(product_id=1, product_name="Mug", category="Kitchen", price=D("9.99")),
            dict(product_id=2, product_name="Pen", category=None, price=None),
        ],
    )
    rows = run(ws, "dim_product", stg_product=stg)
    assert rows == [
        dict(product_id=1, product_name="Mug", category="Kitchen", price=D("9.99")),
        dict(product_id=2, product_name="Pen", category=None, price=None),
    ]


# --- facts -------------------------------------------------------------------------------------

ORDERS = [
    # placed on a Monday at midnight: its own week
    dict(order_id=1, customer_id=7, order_status="PAID", placed_at=T("2024-01-08 00:00:00")),
    # placed on the Sunday before, one microsecond before midnight: the previous week
    dict(
        order_id=2,
        customer_id=8,
        order_status="SHIPPED",
        placed_at=T("2024-01-07 23:59:59.999999"),
        shipped_at=T("2024-01-09 10:00:00"),
    ),
    # no items, no customer
    dict(order_id=3, customer_id=None, order_status="PLACED", placed_at=T("2024-01-10 12:00:00")),
]
ITEMS = [
    dict(
        order_item_id=10,
        order_id=1,
        product_id=100,
        quantity=2,
        unit_price=D("10.00"),
        discount=D("1.50"),
    ),
    dict(
        order_item_id=11,
        order_id=1,
        product_id=101,
        quantity=1,
        unit_price=D("5.25"),
        discount=D("0.00"),
    ),
    dict(
        order_item_id=12,
        order_id=2,
        product_id=None,
        quantity=3,
        unit_price=D("0.33"),
        discount=D("0.99"),
    ),
    # an item of an unknown order: in no fact
    dict(
        order_item_id=13,
        order_id=99,
        product_id=100,
        quantity=5,
        unit_price=D("1.00"),
        discount=D("0.00"),
    ),
]


def test_fct_orders_measures_week_and_orders_without_items(ws: Workspace) -> None:
    rows = run(
        ws,
        "fct_orders",
        stg_orders=arrow(StgOrders, ORDERS),
        stg_orderitem=arrow(StgOrderitem, ITEMS),
    )
    got = by(rows, "order_id")
    assert sorted(got) == [1, 2, 3]
    assert_rows(
        got[1],
        dict(
            order_id=1,
            customer_id=7,
            order_status="PAID",
            placed_at=T("2024-01-08 00:00:00"),
            shipped_at=None,
            order_week=date(2024, 1, 8),
            item_count=3,
            gross_amount=D("25.25"),  # 2 × 10.00 + 1 × 5.25
            discount_amount=D("1.50"),
            net_amount=D("23.75"),
        ),
    )
    assert_rows(
        got[2],
        dict(
            order_id=2,
            customer_id=8,
            order_status="SHIPPED",
            placed_at=T("2024-01-07 23:59:59.999999"),
            shipped_at=T("2024-01-09 10:00:00"),
            order_week=date(2024, 1, 1),
            item_count=3,
            gross_amount=D("0.99"),
            discount_amount=D("0.99"),
            net_amount=D("0.00"),
        ),
    )
    assert_rows(
        got[3],
        dict(
            order_id=3,
            customer_id=None,
            order_status="PLACED",
            placed_at=T("2024-01-10 12:00:00"),
            shipped_at=None,
            order_week=date(2024, 1, 8),
            item_count=0,
            gross_amount=D("0.00"),
            discount_amount=D("0.00"),
            net_amount=D("0.00"),
        ),
    )


def test_fct_orderitem_lines_of_known_orders(ws: Workspace) -> None:
    rows = run(
        ws,
        "fct_orderitem",
        stg_orderitem=arrow(StgOrderitem, ITEMS),
        stg_orders=arrow(StgOrders, ORDERS),
    )
    got = by(rows, "order_item_id")
    assert sorted(got) == [10, 11, 12]  # item 13 belongs to unknown order 99
    assert_rows(
        got[10],
        dict(
            order_item_id=10,
            order_id=1,
            customer_id=7,
            product_id=100,
            order_week=date(2024, 1, 8),
            placed_at=T("2024-01-08 00:00:00"),
            quantity=2,
            unit_price=D("10.00"),
            discount=D("1.50"),
            gross_amount=D("20.00"),
            net_amount=D("18.50"),
        ),
    )
    assert_rows(
        got[12],
        dict(
            order_item_id=12,
            order_id=2,
            customer_id=8,
            product_id=None,
            order_week=date(2024, 1, 1),
            placed_at=T("2024-01-07 23:59:59.999999"),
            quantity=3,
            unit_price=D("0.33"),
            discount=D("0.99"),
            gross_amount=D("0.99"),
            net_amount=D("0.00"),
        ),
    )
    assert (got[11]["gross_amount"], got[11]["net_amount"]) == (D("5.25"), D("5.25"))


def test_fct_events_leaves_out_anonymous_events(ws: Workspace) -> None:
    at = T("2024-01-01 10:00:00")
    stg = arrow(
        StgEvents,
        [
            dict(event_id=1, customer_id=5, event_type="VISIT", event_at=at),
            dict(event_id=2, customer_id=None, event_type="VISIT", event_at=at),
            dict(
                event_id=3,
                customer_id=5,
                event_type="PLACE_ORDER",
                order_id=40,
                event_at=at + timedelta(minutes=1),
            ),
            dict(event_id=4, customer_id=6, event_type=None, product_id=9, event_at=at),
        ],
    )
    rows = run(ws, "fct_events", stg_events=stg)
    assert rows == [
        dict(
            event_id=1,
            customer_id=5,
            event_type="VISIT",
            product_id=None,
            order_id=None,
            event_at=at,
        ),
        dict(
            event_id=3,
            customer_id=5,
            event_type="PLACE_ORDER",
            product_id=None,
            order_id=40,
            event_at=at + timedelta(minutes=1),
        ),
        dict(event_id=4, customer_id=6, event_type=None, product_id=9, order_id=None, event_at=at),
    ]


# --- sessions ----------------------------------------------------------------------------------


def test_int_session_gaps_ties_and_numbering(ws: Workspace) -> None:
    def ev(event_id: int, customer_id: int, at: str, kind: str = "VISIT") -> dict[str, Any]:
        return dict(event_id=event_id, customer_id=customer_id, event_type=kind, event_at=T(at))

    events = [
        # customer 10, listed out of order on purpose
        ev(13, 10, "2024-01-01 11:00:00.000001"),  # 30:00.000001 after 12: new session (2)
        ev(11, 10, "2024-01-01 10:00:00"),  # first event: session 1
        ev(12, 10, "2024-01-01 10:30:00"),  # exactly 30:00 later: same session
        ev(15, 10, "2024-01-01 11:20:00"),  # tie on event_at, broken by event_id: 14 then 15
        ev(14, 10, "2024-01-01 11:20:00"),
        ev(16, 10, "2024-01-01 11:50:00"),  # exactly 30:00 after the tie: still session 2
        ev(17, 10, "2024-01-02 09:00:00"),  # next day: session 3
        # customer 2, interleaved in time with customer 10
        ev(21, 2, "2024-01-01 10:15:00"),
        ev(22, 2, "2024-01-01 10:45:00.000001"),  # 30:00.000001 later: session 2
        ev(20, 2, "2024-01-01 09:00:00"),  # first: session 1
        # anonymous: not a row of fct_events, so in no session
        dict(event_id=30, customer_id=None, event_type="VISIT", event_at=T("2024-01-01 10:30:00")),
    ]
    rows = run(ws, "int_session", stg_events=arrow(StgEvents, events))
    got = {r["event_id"]: (r["customer_id"], r["session_number"], r["session_id"]) for r in rows}
    assert got == {
        11: (10, 1, "10-1"),
        12: (10, 1, "10-1"),
        13: (10, 2, "10-2"),
        14: (10, 2, "10-2"),
        15: (10, 2, "10-2"),
        16: (10, 2, "10-2"),
        17: (10, 3, "10-3"),
        20: (2, 1, "2-1"),
        21: (2, 2, "2-2"),  # 1 h 15 after event 20
        22: (2, 3, "2-3"),
    }
    assert_rows(
        by(rows, "event_id")[13],
        dict(
            event_id=13,
            customer_id=10,
            event_type="VISIT",
            product_id=None,
            order_id=None,
            event_at=T("2024-01-01 11:00:00.000001"),
            session_number=2,
            session_id="10-2",
        ),
    )


def test_int_session_keeps_the_event_columns(ws: Workspace) -> None:
    at = T("2024-03-01 12:00:00")
    events = [
        dict(
            event_id=1,
            customer_id=3,
            event_type="PLACE_ORDER",
            product_id=None,
            order_id=77,
            event_at=at,
        ),
        dict(
            event_id=2, customer_id=3, event_type="ADD_PRODUCT_TO_CART", product_id=5, event_at=at
        ),
    ]
    rows = run(ws, "int_session", stg_events=arrow(StgEvents, events))
    assert rows == [
        dict(
            event_id=1,
            customer_id=3,
            event_type="PLACE_ORDER",
            product_id=None,
            order_id=77,
            event_at=at,
            session_number=1,
            session_id="3-1",
        ),
        dict(
            event_id=2,
            customer_id=3,
            event_type="ADD_PRODUCT_TO_CART",
            product_id=5,
            order_id=None,
            event_at=at,
            session_number=1,
            session_id="3-1",
        ),
    ]


def session_rows(
    *events: tuple[int, int, int, str, str | None, int | None, int | None],
) -> pa.Table:
    """int_session rows from (event_id, customer_id, session_number, event_at, type, product,
    order)."""
    return arrow(
        IntSession,
        [
            dict(
                event_id=e,
                customer_id=c,
                session_number=n,
                session_id=f"{c}-{n}",
                event_at=T(at),
                event_type=kind,
                product_id=product,
                order_id=order,
            )
            for e, c, n, at, kind, product, order in events
        ],
    )


def test_int_session_bounds(ws: Workspace) -> None:
    sessions = session_rows(
        (1, 10, 1, "2024-01-01 10:00:00", "VISIT", None, None),
        (2, 10, 1, "2024-01-01 10:30:00.5", "SEARCH", None, None),
        (3, 10, 1, "2024-01-01 10:10:00", "VISIT", None, None),
        (4, 10, 2, "2024-01-01 12:00:00", "VISIT", None, None),
        (5, 2, 1, "2024-01-01 23:50:00", "VISIT", None, None),
        (6, 2, 1, "2024-01-02 00:20:00.000001", "VISIT", None, None),
    )
    rows = run(ws, "int_session_bounds", int_session=sessions)
    got = by(rows, "customer_id", "session_number")
    assert sorted(got) == [(2, 1), (10, 1), (10, 2)]
    assert_rows(
        got[(10, 1)],
        dict(
            customer_id=10,
            session_number=1,
            session_id="10-1",
            session_start=T("2024-01-01 10:00:00"),
            session_end=T("2024-01-01 10:30:00.5"),
            event_count=3,
            duration_seconds=1800.5,
        ),
    )
    assert_rows(
        got[(10, 2)],
        dict(
            customer_id=10,
            session_number=2,
            session_id="10-2",
            session_start=T("2024-01-01 12:00:00"),
            session_end=T("2024-01-01 12:00:00"),
            event_count=1,
            duration_seconds=0.0,
        ),
    )
    # across midnight, to the microsecond
    assert got[(2, 1)]["duration_seconds"] == 1800.000001
    assert got[(2, 1)]["session_id"] == "2-1"


def bounds_rows(*sessions: tuple[int, int, str, str]) -> pa.Table:
    """int_session_bounds rows from (customer_id, session_number, start, end)."""
    return arrow(
        IntSessionBounds,
        [
            dict(
                customer_id=c,
                session_number=n,
                session_id=f"{c}-{n}",
                session_start=T(start),
                session_end=T(end),
                event_count=2,
                duration_seconds=(T(end) - T(start)).total_seconds(),
            )
            for c, n, start, end in sessions
        ],
    )


def test_int_last_session_per_customer_takes_the_highest_number(ws: Workspace) -> None:
    bounds = bounds_rows(
        (1, 2, "2024-01-02 10:00:00", "2024-01-02 10:05:00"),
        (1, 10, "2024-01-09 10:00:00", "2024-01-09 10:20:00"),  # 10 > 2 as a number
        (1, 1, "2024-01-01 10:00:00", "2024-01-01 10:05:00"),
        (2, 1, "2024-01-03 08:00:00", "2024-01-03 08:00:00"),
    )
    rows = run(ws, "int_last_session_per_customer", int_session_bounds=bounds)
    assert rows == [
        dict(
            customer_id=1,
            last_session_number=10,
            session_id="1-10",
            session_start=T("2024-01-09 10:00:00"),
            session_end=T("2024-01-09 10:20:00"),
        ),
        dict(
            customer_id=2,
            last_session_number=1,
            session_id="2-1",
            session_start=T("2024-01-03 08:00:00"),
            session_end=T("2024-01-03 08:00:00"),
        ),
    ]


def test_int_cart_value(ws: Workspace) -> None:
    at = "2024-01-01 10:00:00"
    sessions = session_rows(
        # session 1-1: product 1 twice, removed once; NULL price; unknown product; NULL product
        (1, 1, 1, at, ADD, 1, None),
        (2, 1, 1, at, ADD, 1, None),
        (3, 1, 1, at, REMOVE, 1, None),
        (4, 1, 1, at, ADD, 2, None),
        (5, 1, 1, at, ADD, 99, None),
        (6, 1, 1, at, ADD, None, None),
        (7, 1, 1, at, ADD, 3, None),
        # session 1-2: no add-to-cart event: no row
        (8, 1, 2, at, VIEW, 1, None),
        (9, 1, 2, at, REMOVE, 1, None),
        # session 2-1: every add unpriced
        (10, 2, 1, at, ADD, 2, None),
        (11, 2, 1, at, ADD, None, None),
        # session 3-4: one priced add
        (12, 3, 4, at, ADD, 3, None),
        (13, 3, 4, at, "PLACE_ORDER", None, 500),
    )
    products = arrow(
        DimProduct,
        [
            dict(product_id=1, product_name="Mug", price=D("10.00")),
            dict(product_id=2, product_name="Ghost", price=None),
            dict(product_id=3, product_name="Pin", price=D("0.99")),
        ],
    )
    rows = run(ws, "int_cart_value", int_session=sessions, dim_product=products)
    assert rows == [
        dict(
            customer_id=1,
            session_number=1,
            session_id="1-1",
            add_to_cart_events=6,
            cart_value=D("20.99"),  # 10.00 + 10.00 + 0.99; the removal subtracts nothing
            unpriced_events=3,  # NULL price, unknown product, NULL product
        ),
        dict(
            customer_id=2,
            session_number=1,
            session_id="2-1",
            add_to_cart_events=2,
            cart_value=D("0.00"),
            unpriced_events=2,
        ),
        dict(
            customer_id=3,
            session_number=4,
            session_id="3-4",
            add_to_cart_events=1,
            cart_value=D("0.99"),
            unpriced_events=0,
        ),
    ]


def test_int_check_order(ws: Workspace) -> None:
    last = arrow(
        IntLastSessionPerCustomer,
        [
            dict(
                customer_id=c,
                last_session_number=n,
                session_id=f"{c}-{n}",
                session_start=T(start),
                session_end=T(end),
            )
            for c, n, start, end in [
                (1, 2, "2024-01-01 10:00:00", "2024-01-01 11:00:00"),
                (2, 1, "2024-01-01 10:00:00", "2024-01-01 10:45:00"),
                (3, 1, "2024-01-01 10:00:00", "2024-01-01 10:45:00"),
                (4, 1, "2024-01-01 10:00:00", "2024-01-01 10:45:00"),
            ]
        ],
    )
    po = "PLACE_ORDER"
    sessions = session_rows(
        (1, 1, 1, "2024-01-01 08:00:00", po, None, 99),  # an earlier session: not the last one
        (2, 1, 2, "2024-01-01 10:00:00", VIEW, 5, None),
        (3, 1, 2, "2024-01-01 10:50:00", po, None, 102),  # order stamped after the session
        (4, 1, 2, "2024-01-01 10:30:00", po, None, 103),  # both rules match: counted once
        (5, 1, 2, "2024-01-01 10:40:00", po, None, 105),  # another customer's order
        (6, 1, 2, "2024-01-01 10:41:00", po, None, 999),  # unknown order
        (7, 1, 2, "2024-01-01 10:42:00", po, None, 103),  # the same order named twice
        (8, 1, 2, "2024-01-01 11:00:00", "VISIT", None, 104),  # not a PLACE_ORDER event
        (9, 4, 1, "2024-01-01 10:10:00", po, None, 998),  # only an unknown order
        (10, 3, 1, "2024-01-01 10:10:00", po, None, None),
    )

    def order(order_id: int, customer_id: int | None, placed_at: str) -> dict[str, Any]:
        placed = T(placed_at)
        return dict(
            order_id=order_id,
            customer_id=customer_id,
            order_status="PLACED",
            placed_at=placed,
            order_week=date(2024, 1, 1),
            item_count=1,
            gross_amount=D("1.00"),
            discount_amount=D("0.00"),
            net_amount=D("1.00"),
        )

    orders = arrow(
        FctOrders,
        [
            order(99, 1, "2024-01-01 08:00:00"),  # placed and named in session 1: not counted
            order(100, 1, "2024-01-01 10:00:00"),  # exactly at session_start
            order(101, 1, "2024-01-01 11:00:00"),  # exactly at session_end
            order(102, 1, "2024-01-01 11:00:00.000001"),  # after the end, but named by an event
            order(103, 1, "2024-01-01 10:30:00"),
            order(104, 1, "2024-01-01 09:59:59.999999"),  # before the start, named by no event
            order(105, 2, "2024-01-01 10:30:00"),  # customer 2's, in their last session
            order(106, None, "2024-01-01 10:30:00"),  # nobody's
            order(107, 3, "2024-01-01 10:45:00.000001"),  # customer 3's, just after the end
        ],
    )
    rows = run(
        ws,
        "int_check_order",
        int_last_session_per_customer=last,
        int_session=sessions,
        fct_orders=orders,
    )
    assert rows == [
        dict(
            customer_id=1,
            last_session_number=2,
            session_id="1-2",
            orders_in_session=4,  # 100, 101, 102, 103
            first_order_id=100,
        ),
        dict(
            customer_id=2,
            last_session_number=1,
            session_id="2-1",
            orders_in_session=1,
            first_order_id=105,
        ),
    ]


# --- fulfillment -------------------------------------------------------------------------------


def test_int_order_fulfillment(ws: Workspace) -> None:
    placed = T("2024-01-01 00:00:00")

    def order(order_id: int, status: str, shipped: datetime | None) -> dict[str, Any]:
        return dict(
            order_id=order_id,
            customer_id=order_id * 10,
            order_status=status,
            placed_at=placed,
            shipped_at=shipped,
            order_week=date(2024, 1, 1),
            item_count=0,
            gross_amount=D("0.00"),
            discount_amount=D("0.00"),
            net_amount=D("0.00"),
        )

    ninety_days = T("2024-03-31 00:00:00")  # 2024 is a leap year: 31 + 29 + 30 days
    orders = arrow(
        FctOrders,
        [
            order(1, "SHIPPED", ninety_days),  # exactly 2160 h: valid
            order(2, "SHIPPED", ninety_days + timedelta(microseconds=1)),  # 1 µs more: invalid
            order(3, "SHIPPED", placed - timedelta(hours=1)),  # shipped before placed: invalid
            order(4, "SHIPPED", None),  # no shipped_at: left out
            order(5, "PAID", placed + timedelta(hours=1)),  # not SHIPPED: left out
            order(6, "SHIPPED", placed),  # shipped at once: valid, 0 h
            order(7, "SHIPPED", placed + timedelta(hours=1, minutes=30, seconds=0.5)),
        ],
    )
    rows = by(run(ws, "int_order_fulfillment", fct_orders=orders), "order_id")
    assert sorted(rows) == [1, 2, 3, 6, 7]
    assert_rows(
        rows[1],
        dict(
            order_id=1,
            customer_id=10,
            placed_at=placed,
            shipped_at=ninety_days,
            order_week=date(2024, 1, 1),
            hours_to_ship=2160.0,
            is_valid=True,
        ),
    )
    assert rows[1]["hours_to_ship"] == 2160.0
    assert rows[2]["is_valid"] is False
    assert rows[2]["hours_to_ship"] == (2160 * 3600 * 10**6 + 1) / 3.6e9
    assert rows[2]["hours_to_ship"] > 2160.0
    assert (rows[3]["hours_to_ship"], rows[3]["is_valid"]) == (-1.0, False)
    assert (rows[6]["hours_to_ship"], rows[6]["is_valid"]) == (0.0, True)
    assert rows[7]["hours_to_ship"] == pytest.approx(1.5 + 0.5 / 3600, rel=1e-12)
    assert rows[7]["is_valid"] is True


# --- contracts: every declared check catches a planted violation --------------------------------

AT = T("2024-01-01 10:00:00")
WEEK = date(2024, 1, 1)

CONTRACT_CASES: list[tuple[type[Contract], list[dict[str, Any]], dict[str, tuple[int, str]]]] = [
    (
        DimCustomer,
        [
            dict(customer_id=1, email="a@x.org", has_duplicate_email=True),
            dict(customer_id=1, email="a@x.org", has_duplicate_email=True),
            dict(customer_id=2, email="a@x.org", has_duplicate_email=True),
            dict(customer_id=None, email=None, has_duplicate_email=None),
            dict(customer_id=3, email=None, has_duplicate_email=False),
        ],
        {
            "customer_id not null": (1, "error"),
            "has_duplicate_email not null": (1, "error"),
            "customer_id unique": (2, "error"),
            "email unique": (3, "warn"),
        },
    ),
    (
        DimProduct,
        [
            dict(product_id=1, price=D("-0.01")),
            dict(product_id=1, price=None),
            dict(product_id=2, price=D("0.00")),
        ],
        {"price >= 0": (1, "error"), "product_id unique": (2, "error")},
    ),
    (
        FctOrders,
        [
            dict(
                order_id=1,
                customer_id=1,
                order_status="SHIPPED",
                placed_at=AT,
                order_week=WEEK,
                item_count=1,
                gross_amount=D("1.00"),
                discount_amount=D("2.00"),
                net_amount=D("-1.00"),
            ),
            dict(
                order_id=1,
                order_status="LOST",
                placed_at=None,
                order_week=None,
                item_count=-1,
                gross_amount=D("-1.00"),
                discount_amount=D("-0.50"),
                net_amount=None,
            ),
        ],
        {
            "order_id unique": (2, "error"),
            "order_status in PLACED/PAID/SHIPPED": (1, "error"),
            "placed_at not null": (1, "error"),
            "order_week not null": (1, "error"),
            "item_count >= 0": (1, "error"),
            "gross_amount >= 0": (1, "error"),
            "discount_amount >= 0": (1, "error"),
            "net_amount >= 0": (1, "error"),
            "net_amount not null": (1, "error"),
        },
    ),
    (
        FctOrderitem,
        [
            dict(order_item_id=1, order_id=1, order_week=WEEK, placed_at=AT),
            dict(order_item_id=1, order_id=None, order_week=WEEK, placed_at=AT),
        ],
        {"order_item_id unique": (2, "error"), "order_id not null": (1, "error")},
    ),
    (
        FctEvents,
        [
            dict(event_id=1, customer_id=None, event_at=AT),
            dict(event_id=2, customer_id=1, event_at=None),
        ],
        {"customer_id not null": (1, "error"), "event_at not null": (1, "error")},
    ),
    (
        IntSession,
        [
            dict(event_id=1, customer_id=1, event_at=AT, session_number=1, session_id="1-1"),
            dict(event_id=1, customer_id=1, event_at=AT, session_number=0, session_id="1-0"),
            dict(event_id=2, customer_id=1, event_at=AT, session_number=1, session_id=None),
        ],
        {
            "event_id unique": (2, "error"),
            "session_number >= 1": (1, "error"),
            "session_id not null": (1, "error"),
        },
    ),
    (
        IntSessionBounds,
        [
            dict(
                customer_id=1,
                session_number=1,
                session_id="1-1",
                session_start=AT,
                session_end=AT,
                event_count=1,
                duration_seconds=0.0,
            ),
            dict(
                customer_id=1,
                session_number=1,
                session_id="1-1",
                session_start=AT,
                session_end=AT - timedelta(microseconds=1),
                event_count=0,
                duration_seconds=-0.000001,
            ),
        ],
        {
            "unique(customer_id, session_number)": (2, "error"),
            "session_end >= session_start": (1, "error"),
            "event_count >= 1": (1, "error"),
            "duration_seconds >= 0": (1, "error"),
        },
    ),
    (
        IntLastSessionPerCustomer,
        [
            dict(
                customer_id=1,
                last_session_number=2,
                session_id="1-2",
                session_start=AT,
                session_end=AT,
            ),
            dict(
                customer_id=1,
                last_session_number=0,
                session_id="1-0",
                session_start=AT,
                session_end=AT,
            ),
        ],
        {"customer_id unique": (2, "error"), "last_session_number >= 1": (1, "error")},
    ),
    (
        IntCartValue,
        [
            dict(
                customer_id=1,
                session_number=1,
                session_id="1-1",
                add_to_cart_events=1,
                cart_value=D("-0.01"),
                unpriced_events=2,
            ),
            dict(
                customer_id=1,
                session_number=1,
                session_id="1-1",
                add_to_cart_events=0,
                cart_value=D("0.00"),
                unpriced_events=-1,
            ),
        ],
        {
            "cart_value >= 0": (1, "error"),
            "add_to_cart_events >= 1": (1, "error"),
            "unpriced_events >= 0": (1, "error"),
            "unpriced_events <= add_to_cart_events": (1, "error"),
        },
    ),
    (
        IntCheckOrder,
        [
            dict(
                customer_id=1,
                last_session_number=1,
                session_id="1-1",
                orders_in_session=1,
                first_order_id=5,
            ),
            dict(
                customer_id=1,
                last_session_number=1,
                session_id="1-1",
                orders_in_session=0,
                first_order_id=None,
            ),
        ],
        {
            "customer_id unique": (2, "error"),
            "orders_in_session >= 1": (1, "error"),
            "first_order_id not null": (1, "error"),
        },
    ),
    (
        IntOrderFulfillment,
        [
            dict(
                order_id=1,
                placed_at=AT,
                shipped_at=AT,
                order_week=WEEK,
                hours_to_ship=0.0,
                is_valid=True,
            ),
            dict(
                order_id=1,
                placed_at=AT,
                shipped_at=AT,
                order_week=WEEK,
                hours_to_ship=-1.0,
                is_valid=False,
            ),
            dict(
                order_id=2,
                placed_at=AT,
                shipped_at=None,
                order_week=WEEK,
                hours_to_ship=9999.0,
                is_valid=False,
            ),
        ],
        {
            "order_id unique": (2, "error"),
            "shipped_at not null": (1, "error"),
            "is_valid": (2, "warn"),
        },
    ),
]


@pytest.mark.parametrize(
    ("contract", "rows", "expected"), CONTRACT_CASES, ids=[c[0].__name__ for c in CONTRACT_CASES]
)
def test_contract_checks_catch_planted_violations(
    ws: Workspace,
    contract: type[Contract],
    rows: list[dict[str, Any]],
    expected: dict[str, tuple[int, str]],
) -> None:
    assert failures(ws, contract.__name__.lower(), contract, rows) == expected
