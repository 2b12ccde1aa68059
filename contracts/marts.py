"""Marts: the business-ready tables."""

from __future__ import annotations

from typing import Annotated

import ibis
from pydantic import Field

from contracts.base import (
    Contract,
    Date,
    Float64,
    Int64,
    Money,
    RowCheck,
    TableCheck,
    Text,
    Timestamp,
    Unique,
)

MAX_HOURS_TO_SHIP = 2160  # 90 days


def _week_gaps(t: ibis.Table) -> ibis.Table:
    """Weeks whose next week_start is not exactly 7 days later (a gap or a misaligned week)."""
    following = t.mutate(__next=t.week_start.lead().over(order_by=t.week_start))
    return following.filter(
        following.__next.notnull(),
        following.__next != following.week_start + ibis.interval(days=7),
    ).select("week_start", next_week_start=following.__next)


class MartSales(Contract):
    week_start: Annotated[Date, Unique(), Field(description="Monday of the ISO week.")]
    order_count: Annotated[Int64, Field(ge=0, description="Orders placed, every status.")]
    items_sold: Annotated[Int64, Field(ge=0, description="Sum of the orders' item_count.")]
    gross_revenue: Annotated[Money, Field(ge=0)]
    discount_total: Annotated[Money, Field(ge=0)]
    net_revenue: Annotated[Money, Field(ge=0, description="gross_revenue − discount_total.")]

    checks = (
        TableCheck(
            "week_start consecutive",
            _week_gaps,
            description="Every week from the first to the last is present, 7 days apart.",
        ),
    )


class MartCartValue(Contract):
    customer_id: Annotated[Int64, Unique()]
    email: Annotated[Text | None, Field(description="NULL when the customer is unknown.")]
    session_id: Annotated[Text, Field(description="The customer's most recent session.")]
    session_start: Timestamp
    session_end: Timestamp
    cart_value: Annotated[
        Money,
        Field(ge=0, description="Current prices of the session's cart additions; 0.00 if none."),
    ]
    orders_in_session: Annotated[Int64, Field(ge=1)]


class OrderFulfillment(Contract):
    week_start: Annotated[Date, Unique(), Field(description="Monday of the ISO week of placing.")]
    shipped_orders: Annotated[Int64, Field(ge=1, description="Every shipped order of the week.")]
    valid_orders: Annotated[Int64, Field(ge=0)]
    invalid_orders: Annotated[Int64, Field(ge=0)]
    avg_hours_to_ship: Annotated[
        Float64 | None,
        Field(ge=0, le=MAX_HOURS_TO_SHIP, description="Over valid orders; NULL when none."),
    ]
    max_hours_to_ship: Annotated[
        Float64 | None,
        Field(ge=0, le=MAX_HOURS_TO_SHIP, description="Over valid orders; NULL when none."),
    ]

    checks = (
        RowCheck(
            "valid_orders + invalid_orders = shipped_orders",
            lambda t: t.valid_orders + t.invalid_orders == t.shipped_orders,
        ),
    )
