"""Marts over hand-made upstream tables; every expected value computed by hand.

Each test runs on DuckDB and on PostgreSQL (the ``ws`` fixture).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts.base import Contract
from contracts.intermediate import (
    DimCustomer,
    FctOrders,
    IntCartValue,
    IntCheckOrder,
    IntLastSessionPerCustomer,
    IntOrderFulfillment,
)
from contracts.marts import MartCartValue, MartSales, OrderFulfillment
from tests.conftest import Workspace, every_engine
from tests.test_intermediate import arrow, assert_rows, by, failures, run

engine = every_engine()  # DuckDB, PostgreSQL and Spark

D = Decimal
AT = date(2024, 1, 1)


def _ts(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour)


# --- mart_sales --------------------------------------------------------------------------------


def fct_order(
    order_id: int,
    week: date,
    status: str,
    items: int,
    gross: str,
    discount: str,
    *,
    placed_day: int = 2,
) -> dict[str, Any]:
    placed = _ts(week + timedelta(days=placed_day))
    return dict(
        order_id=order_id,
        customer_id=1,
        order_status=status,
        placed_at=placed,
        shipped_at=placed + timedelta(days=1) if status == "SHIPPED" else None,
        order_week=week,
        item_count=items,
        gross_amount=D(gross),
        discount_amount=D(discount),
        net_amount=D(gross) - D(discount),
    )


def test_mart_sales_every_week_zero_filled_all_statuses(ws: Workspace) -> None:
    orders = arrow(
        FctOrders,
        [
            fct_order(1, date(2024, 1, 1), "PLACED", 2, "10.10", "0.10", placed_day=0),
            fct_order(2, date(2024, 1, 1), "SHIPPED", 1, "5.05", "1.00", placed_day=6),
            fct_order(3, date(2024, 1, 1), "PAID", 0, "0.00", "0.00"),
            # weeks of 2024-01-08 and 2024-01-15 have no order; across the year's end too
            fct_order(4, date(2024, 1, 22), "PAID", 3, "99999.99", "0.01"),
            fct_order(5, date(2023, 12, 25), "SHIPPED", 1, "0.01", "0.00"),
        ],
    )
    rows = run(ws, "mart_sales", fct_orders=orders)

    def week(day: date, n: int, items: int, gross: str, disc: str, net: str) -> dict[str, Any]:
        return dict(
            week_start=day,
            order_count=n,
            items_sold=items,
            gross_revenue=D(gross),
            discount_total=D(disc),
            net_revenue=D(net),
        )

    expected = [
        week(date(2023, 12, 25), 1, 1, "0.01", "0.00", "0.01"),
        week(date(2024, 1, 1), 3, 3, "15.15", "1.10", "14.05"),
        week(date(2024, 1, 8), 0, 0, "0.00", "0.00", "0.00"),
        week(date(2024, 1, 15), 0, 0, "0.00", "0.00", "0.00"),
        week(date(2024, 1, 22), 1, 3, "99999.99", "0.01", "99999.98"),
    ]
    got_by_week = by(rows, "week_start")
    assert sorted(got_by_week) == [w["week_start"] for w in expected]
    for want in expected:
        assert_rows(got_by_week[want["week_start"]], want)


def test_mart_sales_one_week(ws: Workspace) -> None:
    orders = arrow(FctOrders, [fct_order(1, date(2024, 2, 26), "PLACED", 4, "8.00", "2.00")])
    rows = run(ws, "mart_sales", fct_orders=orders)
    assert rows == [
        dict(
            week_start=date(2024, 2, 26),
            order_count=1,
            items_sold=4,
            gross_revenue=D("8.00"),
            discount_total=D("2.00"),
            net_revenue=D("6.00"),
        )
    ]


def test_mart_sales_no_orders_no_rows(ws: Workspace) -> None:
    assert run(ws, "mart_sales", fct_orders=arrow(FctOrders, [])) == []


# --- mart_cart_value ---------------------------------------------------------------------------


def test_mart_cart_value(ws: Workspace) -> None:
    def start(c: int) -> datetime:
        return _ts(AT, 8 + c)

    customers = [1, 2, 3, 7, 9]
    last = arrow(
        IntLastSessionPerCustomer,
        [
            dict(
                customer_id=c,
                last_session_number=3,
                session_id=f"{c}-3",
                session_start=start(c),
                session_end=start(c) + timedelta(minutes=20),
            )
            for c in customers
        ],
    )
    checked = arrow(
        IntCheckOrder,
        [
            dict(
                customer_id=c,
                last_session_number=3,
                session_id=f"{c}-3",
                orders_in_session=n,
                first_order_id=100 + c,
            )
            for c, n in [(1, 2), (2, 1), (3, 1), (7, 1)]  # 9 placed no order in the session
        ],
    )

    def cart(c: int, n: int, value: str) -> dict[str, Any]:
        return dict(
            customer_id=c,
            session_number=n,
            session_id=f"{c}-{n}",
            add_to_cart_events=1,
            cart_value=D(value),
            unpriced_events=0,
        )

    carts = arrow(
        IntCartValue,
        [
            cart(1, 3, "30.00"),
            cart(1, 2, "5.00"),  # an earlier session: not the last one
            cart(2, 1, "7.00"),  # customer 2's last session had no add-to-cart event
            cart(3, 3, "0.00"),
            cart(7, 3, "12.34"),
            cart(9, 3, "1.00"),
        ],
    )
    people = arrow(
        DimCustomer,
        [
            dict(customer_id=1, email="one@x.org", has_duplicate_email=False),
            dict(customer_id=2, email="two@x.org", has_duplicate_email=False),
            dict(customer_id=3, email=None, has_duplicate_email=False),
            dict(customer_id=9, email="nine@x.org", has_duplicate_email=False),
            # customer 7 is absent from dim_customer
        ],
    )
    rows = run(
        ws,
        "mart_cart_value",
        int_check_order=checked,
        int_last_session_per_customer=last,
        int_cart_value=carts,
        dim_customer=people,
    )

    def row(c: int, email: str | None, value: str, n: int) -> dict[str, Any]:
        return dict(
            customer_id=c,
            email=email,
            session_id=f"{c}-3",
            session_start=start(c),
            session_end=start(c) + timedelta(minutes=20),
            cart_value=D(value),
            orders_in_session=n,
        )

    got = by(rows, "customer_id")
    assert sorted(got) == [1, 2, 3, 7]
    assert_rows(got[1], row(1, "one@x.org", "30.00", 2))
    assert_rows(got[2], row(2, "two@x.org", "0.00", 1))
    assert_rows(got[3], row(3, None, "0.00", 1))
    assert_rows(got[7], row(7, None, "12.34", 1))


# --- order_fulfillment -------------------------------------------------------------------------


def test_order_fulfillment(ws: Workspace) -> None:
    def shipped(order_id: int, week: date, hours: float, valid: bool) -> dict[str, Any]:
        placed = _ts(week)
        return dict(
            order_id=order_id,
            customer_id=1,
            placed_at=placed,
            shipped_at=placed + timedelta(hours=hours),
            order_week=week,
            hours_to_ship=hours,
            is_valid=valid,
        )

    w1, w2, w3 = date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 22)
    rows = run(
        ws,
        "order_fulfillment",
        int_order_fulfillment=arrow(
            IntOrderFulfillment,
            [
                shipped(1, w1, 2.0, True),
                shipped(2, w1, 4.5, True),
                shipped(3, w1, -1.0, False),  # invalid rows count, but not in the hours
                shipped(4, w2, 2500.0, False),  # a week with only invalid rows
                shipped(5, w3, 2160.0, True),
                shipped(6, w3, 0.1, True),
                shipped(7, w3, 0.2, True),
            ],
        ),
    )
    got = by(rows, "week_start")
    assert sorted(got) == [w1, w2, w3]
    assert_rows(
        got[w1],
        dict(
            week_start=w1,
            shipped_orders=3,
            valid_orders=2,
            invalid_orders=1,
            avg_hours_to_ship=3.25,
            max_hours_to_ship=4.5,
        ),
    )
    assert got[w2] == dict(
        week_start=w2,
        shipped_orders=1,
        valid_orders=0,
        invalid_orders=1,
        avg_hours_to_ship=None,
        max_hours_to_ship=None,
    )
    assert_rows(
        got[w3],
        dict(
            week_start=w3,
            shipped_orders=3,
            valid_orders=3,
            invalid_orders=0,
            avg_hours_to_ship=2160.3 / 3,
            max_hours_to_ship=2160.0,
        ),
    )


# --- contracts ---------------------------------------------------------------------------------


def sales_week(day: date, net: str = "1.00") -> dict[str, Any]:
    return dict(
        week_start=day,
        order_count=1,
        items_sold=1,
        gross_revenue=D("1.00"),
        discount_total=D("0.00"),
        net_revenue=D(net),
    )


CONTRACT_CASES: list[tuple[type[Contract], list[dict[str, Any]], dict[str, tuple[int, str]]]] = [
    (
        MartSales,
        [
            sales_week(date(2024, 1, 1)),
            sales_week(date(2024, 1, 8)),
            sales_week(date(2024, 1, 22)),  # after 01-08: a gap
            sales_week(date(2024, 1, 24)),  # after 01-22: 2 days; after 01-24: 8 days
            dict(
                week_start=date(2024, 2, 1),
                order_count=-1,
                items_sold=-1,
                gross_revenue=D("-1.00"),
                discount_total=D("-1.00"),
                net_revenue=D("-0.01"),
            ),
            dict(week_start=None, order_count=None),
        ],
        {
            "week_start not null": (1, "error"),
            "order_count not null": (1, "error"),
            "items_sold not null": (1, "error"),
            "gross_revenue not null": (1, "error"),
            "discount_total not null": (1, "error"),
            "net_revenue not null": (1, "error"),
            "order_count >= 0": (1, "error"),
            "items_sold >= 0": (1, "error"),
            "gross_revenue >= 0": (1, "error"),
            "discount_total >= 0": (1, "error"),
            "net_revenue >= 0": (1, "error"),
            "week_start consecutive": (3, "error"),  # after 01-08, 01-22, 01-24
        },
    ),
    (
        MartSales,
        [sales_week(date(2024, 1, 1)), sales_week(date(2024, 1, 1)), sales_week(date(2024, 1, 8))],
        {"week_start unique": (2, "error"), "week_start consecutive": (1, "error")},
    ),
    (
        MartCartValue,
        [
            dict(
                customer_id=1,
                session_id="1-1",
                session_start=_ts(AT),
                session_end=_ts(AT),
                cart_value=D("-0.01"),
                orders_in_session=1,
            ),
            dict(
                customer_id=1,
                session_id=None,
                session_start=_ts(AT),
                session_end=_ts(AT),
                cart_value=D("0.00"),
                orders_in_session=0,
            ),
        ],
        {
            "customer_id unique": (2, "error"),
            "cart_value >= 0": (1, "error"),
            "session_id not null": (1, "error"),
            "orders_in_session >= 1": (1, "error"),
        },
    ),
    (
        OrderFulfillment,
        [
            dict(
                week_start=AT,
                shipped_orders=2,
                valid_orders=1,
                invalid_orders=1,
                avg_hours_to_ship=2160.0,
                max_hours_to_ship=2160.0,
            ),
            dict(
                week_start=AT,
                shipped_orders=1,
                valid_orders=0,
                invalid_orders=1,
                avg_hours_to_ship=None,
                max_hours_to_ship=None,
            ),
            dict(
                week_start=date(2024, 1, 8),
                shipped_orders=2,
                valid_orders=2,
                invalid_orders=1,
                avg_hours_to_ship=2160.0000000002778,
                max_hours_to_ship=-0.5,
            ),
            dict(
                week_start=date(2024, 1, 15),
                shipped_orders=1,
                valid_orders=1,
                invalid_orders=0,
                avg_hours_to_ship=-0.5,
                max_hours_to_ship=3000.0,
            ),
        ],
        {
            "week_start unique": (2, "error"),
            "avg_hours_to_ship >= 0": (1, "error"),
            "avg_hours_to_ship <= 2160": (1, "error"),
            "max_hours_to_ship >= 0": (1, "error"),
            "max_hours_to_ship <= 2160": (1, "error"),
            "valid_orders + invalid_orders = shipped_orders": (1, "error"),
        },
    ),
]


@pytest.mark.parametrize(
    ("contract", "rows", "expected"),
    CONTRACT_CASES,
    ids=["MartSales", "MartSales-duplicate", "MartCartValue", "OrderFulfillment"],
)
def test_contract_checks_catch_planted_violations(
    ws: Workspace,
    contract: type[Contract],
    rows: list[dict[str, Any]],
    expected: dict[str, tuple[int, str]],
) -> None:
    assert failures(ws, contract.__name__.lower(), contract, rows) == expected
