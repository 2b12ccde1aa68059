"""Staging: one model per source — rename, cast, clean text, de-duplicate. No business logic."""

from __future__ import annotations

import ibis
from ibis import _

from contracts.staging import StgCustomer, StgEvents, StgOrderitem, StgOrders, StgProduct
from transforms.engine.model import model
from transforms.models._helpers import (
    MONEY,
    ascii_lower,
    ascii_upper,
    byte_order,
    first_per,
    trimmed,
)


@model(layer="staging", contract=StgCustomer)
def stg_customer(customer: ibis.Table) -> ibis.Table:
    """One row per source customer, names and email trimmed, phone numbers normalised."""
    # Successive mutate steps: Ibis inlines nested expressions, so one step per stage keeps
    # the SQL small. Cut at the first "x" ("x89", "ext. 89", "Fax: …" alike), keep the digits.
    phone = customer.mutate(__phone=ascii_lower(customer.phone_number))
    phone = phone.mutate(__cut=_.__phone.find("x"))
    phone = phone.mutate(
        __digits=ibis.ifelse(_.__cut >= 0, _.__phone.substr(0, _.__cut), _.__phone).re_replace(
            "[^0-9]", ""
        )
    )
    phone = phone.mutate(
        __digits=ibis.ifelse(
            (_.__digits.length() == 11) & _.__digits.startswith("1"),
            _.__digits.substr(1),
            _.__digits,
        )
    )
    return phone.select(
        customer_id=_.id.cast("int64"),
        first_name=trimmed(_.first_name),
        last_name=trimmed(_.last_name),
        email=trimmed(ascii_lower(_.email)),
        phone_number=ibis.ifelse(_.__digits.length() == 10, _.__digits, ibis.null("string")),
        created_at=_.created_at,
        updated_at=_.updated_at,
    )


@model(layer="staging", contract=StgProduct)
def stg_product(product: ibis.Table) -> ibis.Table:
    """One row per product id: the latest version (ties broken as the spec lists)."""
    cleaned = product.select(
        product_id=_.id.cast("int64"),
        product_name=trimmed(_.name),
        category=trimmed(_.category),
        price=_.price.cast(MONEY),
        updated_at=_.updated_at,
        __created_at=_.created_at,
    )
    latest = first_per(
        cleaned,
        "product_id",
        [
            cleaned.updated_at.desc(nulls_first=False),
            cleaned.__created_at.desc(nulls_first=False),
            cleaned.price.desc(nulls_first=False),
            byte_order(cleaned.product_name).asc(nulls_first=False),
            byte_order(cleaned.category).asc(nulls_first=False),
        ],
    )
    return latest.drop("__created_at")


@model(layer="staging", contract=StgOrders)
def stg_orders(orders: ibis.Table) -> ibis.Table:
    """One row per source order, status upper-cased and trimmed."""
    return orders.select(
        order_id=_.id.cast("int64"),
        customer_id=_.customer_id.cast("int64"),
        order_status=trimmed(ascii_upper(_.status)),
        placed_at=_.created_at,
        shipped_at=_.shipped_at,
        updated_at=_.updated_at,
    )


@model(layer="staging", contract=StgOrderitem)
def stg_orderitem(orderitem: ibis.Table) -> ibis.Table:
    """One row per source order line; a missing discount is 0.00."""
    return orderitem.select(
        order_item_id=_.id.cast("int64"),
        order_id=_.order_id.cast("int64"),
        product_id=_.product_id.cast("int64"),
        quantity=_.quantity.cast("int32"),
        unit_price=_.unit_price.cast(MONEY),
        discount=_.discount.cast(MONEY).coalesce(ibis.literal(0, MONEY)),
    )


@model(layer="staging", contract=StgEvents)
def stg_events(events: ibis.Table) -> ibis.Table:
    """One row per event id: duplicate deliveries collapse to the earliest."""
    cleaned = events.select(
        event_id=_.id.cast("int64"),
        customer_id=_.customer_id.cast("int64"),
        event_type=trimmed(ascii_upper(_.event_type)),
        product_id=_.product_id.cast("int64"),
        order_id=_.order_id.cast("int64"),
        event_at=_.event_timestamp,
    )
    return first_per(
        cleaned,
        "event_id",
        [
            cleaned.event_at.asc(nulls_first=False),
            cleaned.customer_id.asc(nulls_first=False),
            byte_order(cleaned.event_type).asc(nulls_first=False),
            cleaned.product_id.asc(nulls_first=False),
            cleaned.order_id.asc(nulls_first=False),
        ],
    )
