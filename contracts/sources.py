"""The raw webshop tables, as they are in the source schema (default ``public``)."""

from __future__ import annotations

from contracts.base import Freshness, Int32, Int64, Source, SourceMoney, Text, Timestamp


class Customer(Source):
    table = "customer"

    id: Int64 | None
    first_name: Text | None
    last_name: Text | None
    email: Text | None
    phone_number: Text | None
    created_at: Timestamp | None
    updated_at: Timestamp | None


class Product(Source):
    table = "product"

    id: Int64 | None
    name: Text | None
    category: Text | None
    price: SourceMoney | None
    created_at: Timestamp | None
    updated_at: Timestamp | None


class Orders(Source):
    table = "orders"
    freshness = Freshness("created_at")

    id: Int64 | None
    customer_id: Int64 | None
    status: Text | None
    created_at: Timestamp | None
    shipped_at: Timestamp | None
    updated_at: Timestamp | None


class Orderitem(Source):
    table = "orderitem"

    id: Int64 | None
    order_id: Int64 | None
    product_id: Int64 | None
    quantity: Int32 | None
    unit_price: SourceMoney | None
    discount: SourceMoney | None
    created_at: Timestamp | None


class Events(Source):
    table = "events"
    freshness = Freshness("event_timestamp")

    id: Int64 | None
    customer_id: Int64 | None
    event_type: Text | None
    product_id: Int64 | None
    order_id: Int64 | None
    event_timestamp: Timestamp | None


SOURCES: tuple[type[Source], ...] = (Customer, Product, Orders, Orderitem, Events)
