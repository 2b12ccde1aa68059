"""Intermediate: dimensions, facts, sessions and fulfillment — the business logic."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from contracts.base import (
    Contract,
    Date,
    Flag,
    Float64,
    Int32,
    Int64,
    Money,
    OneOf,
    RowCheck,
    Text,
    Timestamp,
    Unique,
    UniqueKey,
)
from contracts.staging import ORDER_STATUSES

# --- Dimensions --------------------------------------------------------------------------------


class DimCustomer(Contract):
    customer_id: Annotated[Int64, Unique()]
    first_name: Annotated[Text | None, Field(description="Trimmed; empty becomes NULL.")]
    last_name: Annotated[Text | None, Field(description="Trimmed; empty becomes NULL.")]
    full_name: Annotated[
        Text | None,
        Field(
            description="First and last name joined by one space; one alone when the other is "
            "NULL; NULL when both are."
        ),
    ]
    email: Annotated[
        Text | None,
        Unique(severity="warn"),
        Field(description="ASCII lower-cased and trimmed; shared addresses are kept, flagged."),
    ]
    phone_number: Annotated[Text | None, Field(description="10 digits, or NULL.")]
    created_at: Timestamp | None
    has_duplicate_email: Annotated[
        Flag,
        Field(description="True when the email is not NULL and another customer has the same one."),
    ]


class DimProduct(Contract):
    product_id: Annotated[Int64, Unique()]
    product_name: Text | None
    category: Text | None
    price: Annotated[Money | None, Field(ge=0, description="Current price (latest version).")]


# --- Facts -------------------------------------------------------------------------------------


class FctOrders(Contract):
    order_id: Annotated[Int64, Unique()]
    customer_id: Int64 | None
    order_status: Annotated[Text, OneOf(*ORDER_STATUSES)]
    placed_at: Annotated[Timestamp, Field(description="When the order was placed.")]
    shipped_at: Timestamp | None
    order_week: Annotated[Date, Field(description="Monday of the ISO week of placed_at.")]
    item_count: Annotated[
        Int64, Field(ge=0, description="Sum of the lines' quantity; 0 without items.")
    ]
    gross_amount: Annotated[
        Money, Field(ge=0, description="Sum of quantity × unit_price; 0.00 without items.")
    ]
    discount_amount: Annotated[
        Money, Field(ge=0, description="Sum of the lines' discounts; 0.00 without items.")
    ]
    net_amount: Annotated[Money, Field(ge=0, description="gross_amount − discount_amount.")]


class FctOrderitem(Contract):
    order_item_id: Annotated[Int64, Unique()]
    order_id: Annotated[Int64, Field(description="Always an order of stg_orders.")]
    customer_id: Annotated[Int64 | None, Field(description="The order's customer.")]
    product_id: Int64 | None
    order_week: Annotated[Date, Field(description="Monday of the ISO week of placed_at.")]
    placed_at: Annotated[Timestamp, Field(description="When the order was placed.")]
    quantity: Int32 | None
    unit_price: Money | None
    discount: Annotated[Money | None, Field(description="Total discount on the line.")]
    gross_amount: Annotated[Money | None, Field(description="quantity × unit_price.")]
    net_amount: Annotated[Money | None, Field(description="gross_amount − discount.")]


class FctEvents(Contract):
    event_id: Int64
    customer_id: Annotated[Int64, Field(description="Anonymous events are left out.")]
    event_type: Text | None
    product_id: Int64 | None
    order_id: Int64 | None
    event_at: Timestamp


# --- Sessions ----------------------------------------------------------------------------------


class IntSession(Contract):
    event_id: Annotated[Int64, Unique()]
    customer_id: Int64
    event_type: Text | None
    product_id: Int64 | None
    order_id: Int64 | None
    event_at: Timestamp
    session_number: Annotated[
        Int64,
        Field(
            ge=1,
            description="1, 2, 3 … per customer; a new session starts after a gap of more "
            "than 30 minutes.",
        ),
    ]
    session_id: Annotated[Text, Field(description='"<customer_id>-<session_number>".')]


class IntSessionBounds(Contract):
    customer_id: Int64
    session_number: Annotated[Int64, Field(ge=1)]
    session_id: Annotated[Text, Field(description='"<customer_id>-<session_number>".')]
    session_start: Annotated[Timestamp, Field(description="First event_at of the session.")]
    session_end: Annotated[Timestamp, Field(description="Last event_at of the session.")]
    event_count: Annotated[Int64, Field(ge=1)]
    duration_seconds: Annotated[
        Float64, Field(ge=0, description="session_end − session_start, in seconds.")
    ]

    checks = (
        UniqueKey(("customer_id", "session_number")),
        RowCheck(
            "session_end >= session_start",
            lambda t: t.session_end >= t.session_start,
            description="A session ends at or after its start.",
        ),
    )


class IntLastSessionPerCustomer(Contract):
    customer_id: Annotated[Int64, Unique()]
    last_session_number: Annotated[
        Int64, Field(ge=1, description="The customer's highest session_number.")
    ]
    session_id: Text
    session_start: Timestamp
    session_end: Timestamp


class IntCartValue(Contract):
    customer_id: Int64
    session_number: Annotated[Int64, Field(ge=1)]
    session_id: Text
    add_to_cart_events: Annotated[Int64, Field(ge=1)]
    cart_value: Annotated[
        Money,
        Field(
            ge=0,
            description="Sum of the current product price of every add-to-cart event; "
            "removals do not subtract; 0.00 when every event is unpriced.",
        ),
    ]
    unpriced_events: Annotated[
        Int64,
        Field(
            ge=0,
            description="Add-to-cart events of an unknown or NULL product, or of a product "
            "without price.",
        ),
    ]

    checks = (
        RowCheck(
            "unpriced_events <= add_to_cart_events",
            lambda t: t.unpriced_events <= t.add_to_cart_events,
        ),
    )


class IntCheckOrder(Contract):
    customer_id: Annotated[Int64, Unique()]
    last_session_number: Annotated[Int64, Field(ge=1)]
    session_id: Text
    orders_in_session: Annotated[
        Int64,
        Field(
            ge=1,
            description="The customer's orders named by a PLACE_ORDER event of the session or "
            "placed within [session_start, session_end]; each counted once.",
        ),
    ]
    first_order_id: Annotated[Int64, Field(description="Smallest id of those orders.")]


# --- Fulfillment -------------------------------------------------------------------------------


class IntOrderFulfillment(Contract):
    order_id: Annotated[Int64, Unique()]
    customer_id: Int64 | None
    placed_at: Timestamp
    shipped_at: Timestamp
    order_week: Annotated[Date, Field(description="Monday of the ISO week of placed_at.")]
    hours_to_ship: Annotated[
        Float64, Field(description="(shipped_at − placed_at) in hours, not rounded.")
    ]
    is_valid: Annotated[
        Flag,
        Field(description="placed_at ≤ shipped_at ≤ placed_at + 90 days, on exact timestamps."),
    ]

    checks = (
        RowCheck(
            "is_valid",
            lambda t: t.is_valid,
            severity="warn",
            description="Shipped before being placed, or more than 90 days after: flagged, kept.",
        ),
    )
