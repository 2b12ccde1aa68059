"""Whole-pipeline runs on generated data: DuckDB, PostgreSQL and Spark give identical tables."""

from __future__ import annotations

import math
import uuid
from typing import Any

import pyarrow.parquet as pq
import pytest

import transforms
from examples.generate import KINDS_OF_BREAK, generate, load
from transforms.engine.compile import compile_all
from transforms.engine.dialects import Dialect
from transforms.engine.target import Target
from transforms.project import webshop

SCALE = 0.05


def _build(
    url: str, tables: dict[str, Any], source: str = "public", **kwargs: Any
) -> tuple[Any, Dialect, Any]:
    dialect = Dialect.for_target(Target.parse(url))
    con = dialect.connect()
    load(con, dialect, source, tables, replace=True)
    return transforms.build(con, source_schema=source, **kwargs), dialect, con


def _rows(
    con: Any, dialect: Dialect, table: str, schema: str = "analytics"
) -> list[tuple[Any, ...]]:
    return _sorted(dialect.sql(con, f"SELECT * FROM {dialect.q(schema, table)}"))


def _sorted(rows: Any) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return type(a) is type(b) and a == b


@pytest.mark.slow
@pytest.mark.postgres
def test_duckdb_and_postgres_build_identical_tables(tmp_path: Any, pg_url: str) -> None:
    tables = generate(scale=SCALE)
    duck, duck_dialect, duck_con = _build(f"duckdb://{tmp_path}/parity.duckdb", tables)
    pg, pg_dialect, pg_con = _build(pg_url, tables)
    try:
        assert duck.errors == [] and pg.errors == []
        assert duck.rows() == pg.rows()
        assert {(c.model, c.check, c.failing) for c in duck.checks} == {
            (c.model, c.check, c.failing) for c in pg.checks
        }
        for name in webshop().order:
            assert duck.rows()[name] > 0, f"{name} is empty: the example data must feed it"
            left, right = _rows(duck_con, duck_dialect, name), _rows(pg_con, pg_dialect, name)
            assert len(left) == len(right), name
            for a, b in zip(left, right, strict=True):
                assert all(_same(x, y) for x, y in zip(a, b, strict=True)), (name, a, b)
    finally:
        pg_dialect.sql(pg_con, "DROP SCHEMA IF EXISTS analytics CASCADE")
        pg_dialect.sql(pg_con, "DROP SCHEMA IF EXISTS analytics_meta CASCADE")
        pg_con.disconnect()
        duck_con.disconnect()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.spark
def test_spark_builds_the_tables_duckdb_and_postgres_build(
    tmp_path: Any, pg_url: str, spark_url: str
) -> None:
    """The three engines' tables are equal; on Spark the sources arrive as a Parquet extract
    (`transforms load`), the published models leave as Parquet (`transforms export`) with the
    rows DuckDB has, and each file of `transforms compile --dialect spark` returns the rows the
    run built."""
    tables = generate(scale=SCALE)
    duck, duck_dialect, duck_con = _build(f"duckdb://{tmp_path}/parity.duckdb", tables)
    pg, pg_dialect, pg_con = _build(pg_url, tables, target_schema="three")
    tag = uuid.uuid4().hex[:8]
    source, target = f"src_{tag}", f"an_{tag}"
    spark_dialect = Dialect.for_target(Target.parse(spark_url))
    spark_con = spark_dialect.connect()
    extract = tmp_path / "extract"
    extract.mkdir()
    for name, table in tables.items():
        if name in webshop().sources:
            pq.write_table(table, extract / f"{name}.parquet")
    transforms.load_parquet(extract, spark_con, source_schema=source)
    spark = transforms.build(spark_con, source_schema=source, target_schema=target)
    try:
        assert duck.errors == pg.errors == spark.errors == []
        assert duck.rows() == pg.rows() == spark.rows()
        checks = [{(c.model, c.check, c.failing) for c in r.checks} for r in (duck, pg, spark)]
        assert checks[0] == checks[1] == checks[2]
        for name in webshop().order:
            assert duck.rows()[name] > 0, f"{name} is empty: the example data must feed it"
            left = _rows(duck_con, duck_dialect, name)
            for other in (
                _rows(pg_con, pg_dialect, name, "three"),
                _rows(spark_con, spark_dialect, name, f"an_{tag}"),
            ):
                assert len(left) == len(other), name
                for a, b in zip(left, other, strict=True):
                    assert all(_same(x, y) for x, y in zip(a, b, strict=True)), (name, a, b)

        exported = transforms.export_parquet(tmp_path / "out", spark_con, target_schema=target)
        assert exported.rows() == duck.rows()
        for name in webshop().order:
            written = pq.read_table(tmp_path / "out" / f"{name}.parquet").to_pylist()
            rows = _sorted(tuple(r.values()) for r in written)
            left = _rows(duck_con, duck_dialect, name)
            pairs = zip(left, rows, strict=True)
            assert all(_same(x, y) for a, b in pairs for x, y in zip(a, b, strict=True)), name

        compiled = compile_all(
            webshop(), tmp_path / "sql", dialect="spark", source_schema=source, target_schema=target
        )
        for path in compiled:
            query = f"SELECT * FROM ({path.read_text().rstrip().rstrip(';')})"
            built = f"SELECT * FROM {spark_dialect.q(target, path.stem)}"
            [(missing, extra)] = spark_dialect.sql(
                spark_con,
                f"SELECT (SELECT COUNT(*) FROM ({built} EXCEPT ALL {query})), "
                f"(SELECT COUNT(*) FROM ({query} EXCEPT ALL {built}))",
            )
            assert (missing, extra) == (0, 0), path.stem
    finally:
        for schema in ("three", "three_meta"):
            pg_dialect.sql(pg_con, f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        for schema in (source, target, f"{target}_meta"):
            spark_dialect.sql(spark_con, f"DROP DATABASE IF EXISTS {schema} CASCADE")
        pg_con.disconnect()
        duck_con.disconnect()


BROKEN_CHECK = {
    "duplicate_order_id": ("stg_orders", "order_id unique"),
    "bad_status": ("stg_orders", "order_status in PLACED/PAID/SHIPPED"),
    "null_placed_at": ("stg_orders", "placed_at not null"),
    "negative_quantity": ("stg_orderitem", "quantity > 0"),
    "excess_discount": ("stg_orderitem", "discount_within_line"),
    "negative_price": ("stg_product", "price >= 0"),
    "null_event_at": ("stg_events", "event_at not null"),
    "duplicate_customer_id": ("stg_customer", "customer_id unique"),
}


def test_every_kind_of_break_is_named() -> None:
    assert set(BROKEN_CHECK) == set(KINDS_OF_BREAK)


@pytest.mark.duckdb
@pytest.mark.parametrize("kind", sorted(BROKEN_CHECK))
def test_each_break_fails_its_contract_and_publishes_nothing(tmp_path: Any, kind: str) -> None:
    url = f"duckdb://{tmp_path}/broken.duckdb"
    with pytest.raises(transforms.ContractError) as info:
        _build(url, generate(scale=0.01, breaks=[kind]), select=["staging"])
    failed = {(r.model, r.check) for r in info.value.results if r.is_error}
    model, check = BROKEN_CHECK[kind]
    # a planted row may break a neighbouring rule of the same model too (a negative quantity
    # also breaks 0 ≤ discount ≤ quantity × unit_price), never another model's
    assert (model, check) in failed
    assert {m for m, _ in failed} == {model}
    con = Dialect.for_target(Target.parse(url)).connect()
    assert "analytics" not in con.list_databases() or not con.list_tables(database="analytics")
