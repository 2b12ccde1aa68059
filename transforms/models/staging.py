"""Staging: one model per source — rename, cast, clean text, de-duplicate. No business logic."""

from __future__ import annotations

import ibis
from ibis import _

from contracts.staging import StgCustomer, StgEvents, StgOrderitem, StgOrders, StgProduct
from transforms.engine.model import by, model
from transforms.models._helpers import (
    MONEY,
    ascii_lower,
    ascii_upper,
    byte_order,
    first_per,
    per_distinct_value,
    trimmed,
)


def _clean_code(s: ibis.StringValue) -> ibis.StringValue:
    """A status or event type: ASCII upper-cased, trimmed, empty → NULL."""
    return trimmed(ascii_upper(s))


@model(layer="staging", contract=StgCustomer, incremental=by("customer_id", customer="id"))
def stg_customer(customer: ibis.Table) -> ibis.Table:
    """One row per source customer, names and email trimmed, phone numbers normalised."""
    # Phone normalisation as a chain of regular-expression replacements, each step reading the
    # previous one once: PostgreSQL inlines a subquery's expressions into every reference, so
    # a step used twice (length test + value) is computed again for each use (the former
    # TRANSLATE/POSITION/SUBSTRING version ran its regex 8 and TRANSLATE 24 times per row).
    #   1. cut at the first "x" or "X" ("x89", "ext. 89", "Fax: …" alike; lower-casing A–Z only
    #      matters for "X", and digits survive it unchanged); (?s): "." also matches newlines
    #   2. keep the digits 0-9
    #   3. 11 digits starting with 1: drop that 1
    #   4. anything but exactly 10 digits becomes empty, hence NULL
    phone = (
        customer.phone_number.re_replace("(?s)[xX].*", "")
        .re_replace("[^0-9]", "")
        .re_replace("^1([0-9]{10})$", "\\1")
        .re_replace("^([0-9]{0,9}|[0-9]{11,})$", "")
        .nullif("")
    )
    return customer.select(
        customer_id=_.id.cast("int64"),
        first_name=trimmed(_.first_name),
        last_name=trimmed(_.last_name),
        email=trimmed(ascii_lower(_.email)),
        phone_number=phone,
        created_at=_.created_at,
        updated_at=_.updated_at,
    )


@model(layer="staging", contract=StgProduct, incremental=by("product_id", product="id"))
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


@model(layer="staging", contract=StgOrders, incremental=by("order_id", orders="id"))
def stg_orders(orders: ibis.Table) -> ibis.Table:
    """One row per source order, status upper-cased and trimmed."""
    # A handful of distinct statuses: cleaned once each and joined back (TRANSLATE is slow)
    o = per_distinct_value(orders, "status", _clean_code)
    return o.select(
        order_id=_.id.cast("int64"),
        customer_id=_.customer_id.cast("int64"),
        order_status=_.__clean,
        placed_at=_.created_at,
        shipped_at=_.shipped_at,
        updated_at=_.updated_at,
    )


@model(layer="staging", contract=StgOrderitem, incremental=by("order_item_id", orderitem="id"))
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


@model(layer="staging", contract=StgEvents, incremental=by("event_id", events="id"))
def stg_events(events: ibis.Table) -> ibis.Table:
    """One row per event id: duplicate deliveries collapse to the earliest."""
    # A few dozen distinct raw event types: cleaned once each and joined back, instead of a
    # TRANSLATE + TRIM per row (on PostgreSQL that alone took most of the model's time).
    e = per_distinct_value(events, "event_type", _clean_code)
    cleaned = e.select(
        event_id=_.id.cast("int64"),
        customer_id=_.customer_id.cast("int64"),
        event_type=_.__clean,
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
