"""A tiny valid webshop (a few rows per source) for tests that need whole runs, not realism."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pyarrow as pa

TS = pa.timestamp("us")
MONEY = pa.decimal128(10, 2)
T0 = datetime(2026, 11, 2, 9, 0)


def sources(version: int = 1) -> dict[str, pa.Table]:
    """Valid sources; ``version`` 2 adds an order and changes a price (a later day's data)."""
    n_orders = 2 + version
    return {
        "customer": pa.table(
            {
                "id": pa.array([1, 2, 3], pa.int64()),
                "first_name": [" Ann", "Bob\t", None],
                "last_name": ["Lee", "Ray", "Kim"],
                "email": [" Ann@Example.com", "bob@example.com", "ann@example.com "],
                "phone_number": ["(555) 123-4567", "+1 555.123.4567 x89", "555-1234"],
                "created_at": pa.array([T0] * 3, TS),
                "updated_at": pa.array([T0] * 3, TS),
            }
        ),
        "product": pa.table(
            {
                "id": pa.array([10, 10, 11], pa.int64()),
                "name": ["Mug", "Mug ", "Tea"],
                "category": ["kitchen", "kitchen", "food"],
                "price": pa.array(
                    [Decimal("5.00"), Decimal(f"{5 + version}.50"), Decimal("3.20")], MONEY
                ),
                "created_at": pa.array([T0, T0 + timedelta(days=1), T0], TS),
                "updated_at": pa.array([T0, T0 + timedelta(days=1), T0], TS),
            }
        ),
        "orders": pa.table(
            {
                "id": pa.array(range(100, 100 + n_orders), pa.int64()),
                "customer_id": pa.array([1, 2, 1, 4][:n_orders], pa.int64()),
                "status": [" shipped", "PAID", "placed ", "Shipped"][:n_orders],
                "created_at": pa.array(
                    [T0 + timedelta(days=7 * i, minutes=5) for i in range(n_orders)], TS
                ),
                "shipped_at": pa.array(
                    [T0 + timedelta(days=2), None, None, T0 + timedelta(days=30)][:n_orders], TS
                ),
                "updated_at": pa.array([T0] * n_orders, TS),
            }
        ),
        "orderitem": pa.table(
            {
                "id": pa.array([1000, 1001, 1002, 1003], pa.int64()),
                "order_id": pa.array([100, 100, 101, 999], pa.int64()),
                "product_id": pa.array([10, 11, 10, 11], pa.int64()),
                "quantity": pa.array([2, 1, 1, 1], pa.int32()),
                "unit_price": pa.array(
                    [Decimal("5.00"), Decimal("3.20"), Decimal("5.50"), Decimal("3.20")], MONEY
                ),
                "discount": pa.array([Decimal("1.00"), None, None, None], MONEY),
                "created_at": pa.array([T0] * 4, TS),
            }
        ),
        "events": pa.table(
            {
                "id": pa.array([1, 2, 2, 3, 4, 5], pa.int64()),
                "customer_id": pa.array([1, 1, 1, 1, None, 2], pa.int64()),
                "event_type": [
                    "VISIT",
                    "add_product_to_cart",
                    "ADD_PRODUCT_TO_CART",
                    "PLACE_ORDER",
                    "VISIT",
                    "SEARCH",
                ],
                "product_id": pa.array([None, 10, 10, None, None, None], pa.int64()),
                "order_id": pa.array([None, None, None, 100, None, None], pa.int64()),
                "event_timestamp": pa.array(
                    [
                        T0,
                        T0 + timedelta(minutes=2),
                        T0 + timedelta(minutes=3),
                        T0 + timedelta(minutes=5),
                        T0,
                        T0,
                    ],
                    TS,
                ),
            }
        ),
    }
