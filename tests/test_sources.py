"""Source validation stops a run before anything is built; a failed run publishes nothing.

Everything goes through the library API (``transforms.build`` / ``transforms.session``) on a
workspace's own source and target schemas, on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

import transforms
from tests import sample_data
from tests.conftest import Workspace
from transforms.engine.checks import schema_problems
from transforms.project import webshop

TS = pa.timestamp("us")
MONEY10 = pa.decimal128(10, 2)
T0 = datetime(2024, 3, 4, 9, 0)  # a Monday
STAGING = ["stg_customer", "stg_orderitem", "stg_orders", "stg_product", "stg_events"]


def minimal_sources() -> dict[str, pa.Table]:
    """Small, valid raw tables with the exact source types (every contract passes)."""
    return {
        "customer": pa.table(
            {
                "id": pa.array([1, 2, 3], pa.int64()),
                "first_name": [" Ann", "Bob\t", None],
                "last_name": ["Lee", "Ray", "Kim"],
                "email": [" Ann@Example.COM", "bob@example.com", None],
                "phone_number": ["(555) 123-4567", "+1 555.123.4567 x89", "555-1234"],
                "created_at": pa.array([T0] * 3, TS),
                "updated_at": pa.array([T0] * 3, TS),
            }
        ),
        "product": pa.table(
            {
                "id": pa.array([10, 10, 11], pa.int64()),
                "name": ["Mug", " Big mug", "Tea"],
                "category": ["kitchen", "kitchen", "food"],
                "price": pa.array([Decimal("5.00"), Decimal("6.50"), Decimal("3.20")], MONEY10),
                "created_at": pa.array([T0, T0, T0], TS),
                "updated_at": pa.array([T0, T0 + timedelta(days=1), T0], TS),
            }
        ),
        "orders": pa.table(
            {
                "id": pa.array([100, 101, 102], pa.int64()),
                "customer_id": pa.array([1, 2, 1], pa.int64()),
                "status": [" shipped", "PAID", "placed "],
                "created_at": pa.array(
                    [T0 + timedelta(minutes=5), T0 + timedelta(days=1), T0 + timedelta(days=8)],
                    TS,
                ),
                "shipped_at": pa.array([T0 + timedelta(days=2), None, None], TS),
                "updated_at": pa.array([T0] * 3, TS),
            }
        ),
        "orderitem": pa.table(
            {
                "id": pa.array([1000, 1001, 1002], pa.int64()),
                "order_id": pa.array([100, 100, 101], pa.int64()),
                "product_id": pa.array([10, 11, 10], pa.int64()),
                "quantity": pa.array([2, 1, 1], pa.int32()),
                "unit_price": pa.array(
                    [Decimal("5.00"), Decimal("3.20"), Decimal("6.50")], MONEY10
                ),
                "discount": pa.array([None, Decimal("0.20"), None], MONEY10),
                "created_at": pa.array([T0] * 3, TS),
            }
        ),
        "events": pa.table(
            {
                "id": pa.array([1, 2, 3, 3, 4, 5, 6], pa.int64()),
                "customer_id": pa.array([1, 1, 1, 1, 2, None, 2], pa.int64()),
                "event_type": [
                    "visit",
                    "add_product_to_cart",
                    "PLACE_ORDER",
                    "place_order",
                    "visit",
                    "visit",
                    "add_product_to_cart",
                ],
                "product_id": pa.array([None, 10, None, None, None, None, 11], pa.int64()),
                "order_id": pa.array([None, None, 100, 100, None, None, None], pa.int64()),
                "event_timestamp": pa.array(
                    [
                        T0,
                        T0 + timedelta(minutes=1),
                        T0 + timedelta(minutes=4),
                        T0 + timedelta(minutes=6),
                        T0 + timedelta(days=1),
                        T0,
                        T0 + timedelta(days=1, minutes=3),
                    ],
                    TS,
                ),
            }
        ),
    }


def load_sources(ws: Workspace, sources: dict[str, pa.Table] | None = None) -> None:
    for name, table in (sources or minimal_sources()).items():
        ws.load(name, table)


def _build(ws: Workspace, **kwargs: Any) -> transforms.RunResult:
    kwargs.setdefault("source_schema", ws.source_schema)
    return transforms.build(ws.con, target_schema=ws.target_schema, **kwargs)


def _target_tables(ws: Workspace) -> set[str]:
    """Every table of the target schema and of any build area next to it (not the run log)."""
    schemas = ws.dialect.list_schemas(ws.con)
    return {
        f"{schema}.{table}"
        for schema in schemas
        if schema.startswith(ws.target_schema) and schema != f"{ws.target_schema}_meta"
        for table in ws.dialect.list_tables(ws.con, schema)
    }


def _contents(ws: Workspace) -> dict[str, Any]:
    """Schema and every row (sorted) of every table in the target schema."""
    out = {}
    for table in sorted(ws.dialect.list_tables(ws.con, ws.target_schema)):
        schema = ws.con.get_schema(table, database=ws.target_schema)
        rows = ws.sql(f"SELECT * FROM {ws.q(ws.target_schema, table)}")
        out[table] = (schema, sorted(rows, key=repr))
    return out


# --- sources that stop a run -------------------------------------------------------------------


def test_missing_source_schema_stops_the_run(ws: Workspace) -> None:
    missing = f"{ws.source_schema}_missing"
    with pytest.raises(transforms.TransformsError, match=f"source schema '{missing}' does not"):
        _build(ws, source_schema=missing)
    assert _target_tables(ws) == set()


def test_missing_source_table_stops_the_run(ws: Workspace) -> None:
    sources = minimal_sources()
    del sources["product"]
    load_sources(ws, sources)
    with pytest.raises(transforms.TransformsError) as err:
        _build(ws)
    assert f"source table {ws.source_schema}.product is missing" in str(err.value)
    assert _target_tables(ws) == set()


def test_missing_source_column_stops_the_run(ws: Workspace) -> None:
    sources = minimal_sources()
    sources["product"] = sources["product"].drop_columns(["category"])
    load_sources(ws, sources)
    with pytest.raises(transforms.TransformsError) as err:
        _build(ws)
    message = str(err.value)
    assert f"{ws.source_schema}.product" in message
    assert "'category'" in message
    assert _target_tables(ws) == set()


@pytest.mark.parametrize(
    ("table", "column", "arrow_type"),
    [
        ("product", "price", pa.string()),
        ("orders", "created_at", pa.string()),
        ("customer", "id", pa.string()),
        ("orderitem", "quantity", pa.float64()),
        ("customer", "first_name", pa.int64()),
        ("events", "event_timestamp", pa.timestamp("us", tz="UTC")),  # with a time zone
    ],
)
def test_incompatible_source_type_stops_the_run(
    ws: Workspace, table: str, column: str, arrow_type: pa.DataType
) -> None:
    sources = minimal_sources()
    data = sources[table]
    values = data[column].to_pylist()
    if pa.types.is_string(arrow_type):
        values = [None if v is None else str(v) for v in values]
    elif pa.types.is_int64(arrow_type):
        values = [None] * len(values)
    elif pa.types.is_floating(arrow_type):
        values = [None if v is None else float(v) for v in values]
    index = data.schema.get_field_index(column)
    sources[table] = data.set_column(index, column, pa.array(values, arrow_type))
    load_sources(ws, sources)
    with pytest.raises(transforms.TransformsError) as err:
        _build(ws)
    message = str(err.value)
    assert f"{ws.source_schema}.{table}.{column}" in message
    assert "expected" in message
    assert _target_tables(ws) == set()


def test_validate_sources_returns_the_live_schemas(ws: Workspace) -> None:
    load_sources(ws)
    session = transforms.session(
        ws.con, source_schema=ws.source_schema, target_schema=ws.target_schema
    )
    live = session.validate_sources()
    assert sorted(live) == ["customer", "events", "orderitem", "orders", "product"]
    assert str(live["product"]["price"]) == "decimal(10, 2)"
    assert str(live["orderitem"]["quantity"]) == "int32"


def test_compatible_variants_are_accepted(ws: Workspace) -> None:
    # a narrower integer, extra columns and another column order do not stop the run
    sources = minimal_sources()
    customer = sources["customer"]
    customer = customer.set_column(0, "id", customer["id"].cast(pa.int32()))
    customer = customer.append_column("loyalty_tier", pa.array(["gold", None, "silver"]))
    sources["customer"] = customer.select(list(reversed(customer.column_names)))
    load_sources(ws, sources)
    result = _build(ws, select=["staging"])
    assert result.ok
    rows = ws.sql(f"SELECT customer_id FROM {ws.q(ws.target_schema, 'stg_customer')}")
    assert sorted(rows) == [(1,), (2,), (3,)]


# --- a good run, a failed run ------------------------------------------------------------------


def test_valid_sources_build_and_publish_every_staging_model(ws: Workspace) -> None:
    load_sources(ws)
    result = _build(ws, select=["staging"])
    assert result.ok and result.error is None
    assert sorted(result.published) == sorted(STAGING)
    assert result.rows() == {
        "stg_customer": 3,
        "stg_product": 2,
        "stg_orders": 3,
        "stg_orderitem": 3,
        "stg_events": 6,
    }
    assert result.errors == [] and result.warnings == []
    # only the published tables are left: no build area
    assert _target_tables(ws) == {f"{ws.target_schema}.{m}" for m in STAGING}
    project = webshop()
    for name in STAGING:
        actual = ws.con.get_schema(name, database=ws.target_schema)
        assert schema_problems(project.models[name].contract, actual) == [], name
    product = ws.sql(f"SELECT * FROM {ws.q(ws.target_schema, 'stg_product')} ORDER BY 1")
    assert product == [
        (10, "Big mug", "kitchen", Decimal("6.50"), T0 + timedelta(days=1)),
        (11, "Tea", "food", Decimal("3.20"), T0),
    ]
    events = ws.sql(
        "SELECT event_id, event_type, event_at "
        f"FROM {ws.q(ws.target_schema, 'stg_events')} WHERE event_id = 3"
    )
    assert events == [(3, "PLACE_ORDER", T0 + timedelta(minutes=4))]


def test_a_warning_is_reported_and_the_run_goes_on(ws: Workspace) -> None:
    sources = minimal_sources()
    orders = sources["orders"]
    sources["orders"] = orders.set_column(1, "customer_id", pa.array([1, 2, 99], pa.int64()))
    load_sources(ws, sources)
    result = _build(ws, select=["staging"])
    assert result.ok
    assert [(w.model, w.check, w.failing, w.sample) for w in result.warnings] == [
        ("stg_orders", "customer_id in stg_customer", 1, [{"order_id": 102, "customer_id": 99}])
    ]
    assert sorted(result.published) == sorted(STAGING)


def test_an_error_publishes_nothing_and_keeps_the_previous_tables(ws: Workspace) -> None:
    load_sources(ws)
    _build(ws, select=["staging"])
    before = _contents(ws)
    assert sorted(before) == sorted(STAGING)

    # the next day's data: a changed customer, and a duplicate order id
    sources = minimal_sources()
    customer = sources["customer"]
    sources["customer"] = customer.set_column(
        1, "first_name", pa.array(["Zoe", "Bob", "Kim"], pa.string())
    )
    orders = sources["orders"]
    sources["orders"] = orders.set_column(0, "id", pa.array([100, 100, 102], pa.int64()))
    load_sources(ws, sources)
    with pytest.raises(transforms.ContractError) as err:
        _build(ws, select=["staging"])
    assert "stg_orders" in str(err.value)
    assert "nothing was published" in str(err.value)
    errors = [(r.model, r.check, r.failing) for r in err.value.results if r.is_error]
    assert errors == [("stg_orders", "order_id unique", 2)]
    sample = next(r.sample for r in err.value.results if r.check == "order_id unique")
    assert sample == [{"order_id": 100}, {"order_id": 100}]

    assert _contents(ws) == before
    assert _target_tables(ws) == {f"{ws.target_schema}.{m}" for m in STAGING}


def test_a_finer_decimal_scale_is_incompatible(ws: Workspace) -> None:
    tables = dict(sample_data.sources(1))
    tables["product"] = tables["product"].set_column(
        3, "price", tables["product"]["price"].cast(pa.decimal128(12, 4))
    )
    for name, table in tables.items():
        ws.load(name, table)
    with pytest.raises(transforms.TransformsError, match=r"product\.price is decimal\(12, 4\)"):
        transforms.build(ws.con, source_schema=ws.source_schema, target_schema=ws.target_schema)
