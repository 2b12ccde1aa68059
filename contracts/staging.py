"""Staging: one cleaned, typed model per source."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from contracts.base import (
    Contract,
    Int32,
    Int64,
    Matches,
    Money,
    OneOf,
    References,
    RowCheck,
    Text,
    Timestamp,
    Unique,
)

ORDER_STATUSES = ("PLACED", "PAID", "SHIPPED")
EVENT_TYPES = (
    "VISIT",
    "SEARCH",
    "VIEW_PRODUCT",
    "ADD_PRODUCT_TO_CART",
    "REMOVE_PRODUCT_FROM_CART",
    "PLACE_ORDER",
)


class StgCustomer(Contract):
    customer_id: Annotated[Int64, Unique()]
    first_name: Annotated[Text | None, Field(description="Trimmed; empty becomes NULL.")]
    last_name: Annotated[Text | None, Field(description="Trimmed; empty becomes NULL.")]
    email: Annotated[Text | None, Field(description="ASCII lower-cased and trimmed.")]
    phone_number: Annotated[
        Text | None,
        Matches(r"^[0-9]{10}$"),
        Field(description="10 digits, extension and US country code removed; else NULL."),
    ]
    created_at: Timestamp | None
    updated_at: Timestamp | None


class StgProduct(Contract):
    product_id: Annotated[Int64, Unique()]
    product_name: Annotated[Text | None, Field(description="Trimmed name of the latest version.")]
    category: Text | None
    price: Annotated[Money | None, Field(ge=0)]
    updated_at: Timestamp | None


class StgOrders(Contract):
    order_id: Annotated[Int64, Unique()]
    customer_id: Annotated[Int64 | None, References("stg_customer", "customer_id", severity="warn")]
    order_status: Annotated[
        Text,
        OneOf(*ORDER_STATUSES),
        Field(description="PLACED, PAID or SHIPPED (source status upper-cased and trimmed)."),
    ]
    placed_at: Annotated[Timestamp, Field(description="When the order was placed.")]
    shipped_at: Timestamp | None
    updated_at: Timestamp | None


class StgOrderitem(Contract):
    order_item_id: Annotated[Int64, Unique()]
    order_id: Annotated[Int64 | None, References("stg_orders", "order_id", severity="warn")]
    product_id: Annotated[Int64 | None, References("stg_product", "product_id", severity="warn")]
    quantity: Annotated[Int32 | None, Field(gt=0)]
    unit_price: Annotated[Money | None, Field(ge=0, description="Price per unit before discount.")]
    discount: Annotated[
        Money | None, Field(description="Total discount on the line; 0.00 if none.")
    ]

    checks = (
        RowCheck(
            "discount_within_line",
            lambda t: (t.discount >= 0) & (t.discount <= t.quantity * t.unit_price),
            description="0 ≤ discount ≤ quantity × unit_price",
        ),
    )


class StgEvents(Contract):
    event_id: Annotated[Int64, Unique()]
    customer_id: Annotated[Int64 | None, Field(description="NULL for anonymous visitors.")]
    event_type: Annotated[Text | None, OneOf(*EVENT_TYPES, severity="warn")]
    product_id: Int64 | None
    order_id: Int64 | None
    event_at: Timestamp
