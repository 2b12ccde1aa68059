"""The library API for embedding: small, typed, re-entrant, and in agreement with the CLI's runs."""

from __future__ import annotations

import inspect
import threading
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, get_type_hints

import pyarrow as pa
import pytest
from pydantic import ValidationError

import transforms
from contracts.marts import MartCartValue, MartSales
from examples.generate import generate, load
from transforms.api import LoggedCheck, LoggedRun
from transforms.engine.compile import compile_sql as engine_compile_sql
from transforms.engine.runner import Session
from transforms.project import webshop


def _loaded(path: Path, seed: int = 42) -> str:
    """A DuckDB file with example data (scale 0.01) in schema public: its URL."""
    url = f"duckdb:///{path}"
    con, dialect = transforms.connect(url)
    try:
        load(con, dialect, "public", generate(scale=0.01, seed=seed))
    finally:
        con.disconnect()
    return url


def _table(con: Any, name: str, schema: str = "analytics") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = con.to_pyarrow(con.table(name, database=schema)).to_pylist()
    return sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r.values()))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An open DuckDB connection with example data and every model built."""
    url = _loaded(tmp_path_factory.mktemp("api") / "shop.duckdb")
    con, _ = transforms.connect(url)
    transforms.build(con)
    yield con
    con.disconnect()


def test_public_api_is_documented_and_typed() -> None:
    for name in transforms.__all__:
        value = getattr(transforms, name)
        assert inspect.getdoc(value), f"transforms.{name} has no docstring"
        if inspect.isfunction(value):  # every parameter and the result annotated
            signature = inspect.signature(value)
            assert signature.return_annotation is not inspect.Signature.empty, name
            for p in signature.parameters.values():
                assert p.annotation is not inspect.Parameter.empty, (name, p.name)


def test_builds_in_two_threads_on_two_files_match_sequential_builds(tmp_path: Path) -> None:
    urls = [_loaded(tmp_path / f"shop{seed}.duckdb", seed) for seed in (1, 2)]
    results: dict[str, transforms.RunResult] = {}
    failures: list[BaseException] = []
    start = threading.Barrier(len(urls))

    def run(url: str) -> None:
        try:
            start.wait()  # both builds at once
            results[url] = transforms.build(url)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(url,)) for url in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not failures, failures
    assert all(results[u].ok for u in urls)
    assert results[urls[0]].rows() != results[urls[1]].rows()  # different data, no cross-talk

    for seed, url in zip((1, 2), urls, strict=True):
        alone = _loaded(tmp_path / f"alone{seed}.duckdb", seed)
        assert transforms.build(alone).rows() == results[url].rows()
        threaded, _ = transforms.connect(url)
        sequential, _ = transforms.connect(alone)
        try:
            for name in ("mart_sales", "mart_cart_value", "order_fulfillment"):
                assert _table(threaded, name) == _table(sequential, name), (seed, name)
        finally:
            threaded.disconnect()
            sequential.disconnect()


def test_a_fetched_row_validates_against_its_contract_class(built: Any) -> None:
    [row] = built.to_pyarrow(
        built.table("mart_cart_value", database="analytics").order_by("customer_id").limit(1)
    ).to_pylist()
    typed = MartCartValue.model_validate(row)
    assert typed.customer_id == row["customer_id"]
    assert isinstance(typed.cart_value, Decimal) and typed.cart_value >= 0
    assert transforms.contract("mart_cart_value") is MartCartValue
    with pytest.raises(ValidationError):
        MartCartValue.model_validate({**row, "cart_value": Decimal("-1.00")})  # ge=0
    with pytest.raises(ValidationError):
        MartCartValue.model_validate({**row, "surprise": 1})  # extra columns are refused
    weeks = built.to_pyarrow(built.table("mart_sales", database="analytics")).to_pylist()
    typed_weeks = [MartSales.model_validate(w) for w in weeks]
    assert [w.model_dump() for w in typed_weeks] == weeks


def test_contract_knows_sources_and_suggests_names() -> None:
    assert transforms.contract("orders") is webshop().sources["orders"]
    with pytest.raises(transforms.TransformsError, match="mart_sales"):
        transforms.contract("mart_sale")


def test_expression_composes_every_model_exactly_as_build_publishes_it(built: Any) -> None:
    project = webshop()
    sources = {name: built.table(name, database="public") for name in project.sources}
    for name in project.order:
        expr = transforms.expression(name, sources=sources)
        rows = built.to_pyarrow(expr).to_pylist()
        key = lambda r: tuple((v is None, str(v)) for v in r.values())  # noqa: E731
        assert sorted(rows, key=key) == _table(built, name), name


def test_expression_uses_given_upstream_models_as_they_are(built: Any) -> None:
    orders = built.table("fct_orders", database="analytics")
    few = orders.filter(orders.order_week == orders.order_week.min())
    expr = transforms.expression("mart_sales", {"fct_orders": few})
    [row] = built.to_pyarrow(expr).to_pylist()
    assert row["order_count"] == built.to_pyarrow(few).num_rows


def test_expression_names_what_is_missing_or_misspelt(built: Any) -> None:
    orders = built.table("orders", database="public")
    with pytest.raises(transforms.TransformsError, match="needs table 'orderitem'"):
        transforms.expression("fct_orders", {"orders": orders})
    with pytest.raises(transforms.TransformsError, match="did you mean 'orders'"):
        transforms.expression("stg_orders", {"order": orders})
    with pytest.raises(transforms.TransformsError, match="did you mean 'stg_orders'"):
        transforms.expression("stg_order", {"orders": orders})


def test_compile_sql_is_offline_and_takes_the_schemas() -> None:
    sql = transforms.compile_sql("mart_sales")
    assert sql == engine_compile_sql(webshop(), "mart_sales", dialect="postgres")
    assert '"analytics"."fct_orders"' in sql
    other = transforms.compile_sql("mart_sales", target_schema="reporting")
    assert '"reporting"."fct_orders"' in other
    raw = transforms.compile_sql("stg_orders", "duckdb", source_schema="raw")
    assert '"raw"."orders"' in raw


def test_check_and_last_run_are_typed_and_agree_with_the_build(built: Any) -> None:
    results = transforms.check(built)
    assert results and not [r for r in results if r.is_error]
    run = transforms.last_run(built)
    assert run is not None
    assert set(run) == set(get_type_hints(LoggedRun))
    assert run["ok"] and run["error"] is None
    assert set(run["published"].split(",")) == set(webshop().order)
    assert all(set(c) == set(get_type_hints(LoggedCheck)) for c in run["checks"])
    logged = {(c["model"], c["check"]): c["failing"] for c in run["checks"]}
    assert {(r.model, r.check): r.failing for r in results} == logged


def test_build_and_check_close_the_connection_they_open_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[object] = []
    close = Session.close
    monkeypatch.setattr(Session, "close", lambda s: (closed.append(s.con), close(s)))
    url = _loaded(tmp_path / "shop.duckdb")
    transforms.build(url, select=["stg_customer"])
    transforms.check(url, select=["stg_customer"])
    assert len(closed) == 2  # not left to the garbage collector
    con, _ = transforms.connect(url)
    transforms.build(con, select=["stg_customer"])
    transforms.check(con, select=["stg_customer"])
    assert len(closed) == 2  # a caller's connection stays open
    assert con.table("stg_customer", database="analytics").count().execute() > 0
    con.disconnect()


def test_last_run_is_none_before_any_run(tmp_path: Path) -> None:
    assert transforms.last_run(f"duckdb:///{tmp_path}/empty.duckdb") is None


def test_connect_refuses_other_engines() -> None:
    sqlite = SimpleNamespace(name="sqlite")  # what an Ibis SQLite backend looks like here
    with pytest.raises(transforms.TransformsError, match="unsupported connection"):
        transforms.connect(sqlite)  # type: ignore[arg-type]


@pytest.mark.duckdb
def test_a_callers_own_ibis_duckdb_connection_builds_and_exports(tmp_path: Path) -> None:
    """A service's own ``ibis.duckdb.connect()`` (not ours): on DuckDB 2 Ibis 12's own
    ``to_pyarrow_batches`` fails; the export streams through the dialect instead."""
    import ibis
    import pyarrow.parquet as pq

    from transforms.engine.dialects import Dialect
    from transforms.engine.target import Target

    con = ibis.duckdb.connect(str(tmp_path / "service.duckdb"))
    try:
        data = generate(scale=0.01)
        load(con, Dialect.for_target(Target.parse("duckdb://")), "public", data)
        assert transforms.build(con).ok
        files = transforms.export_parquet(tmp_path / "out", con, select=["mart_sales"])
        [exported] = files.files
        assert pq.read_table(exported.path).num_rows == exported.rows > 0
    finally:
        con.disconnect()


def test_arrow_tables_can_feed_an_expression_directly() -> None:
    """A service holding Arrow tables (no database of its own) can still use the models."""
    import ibis

    data = generate(scale=0.01)
    con = ibis.duckdb.connect()
    try:
        sources = {name: con.create_table(name, table) for name, table in data.items()}
        expr = transforms.expression("stg_orders", sources)
        out: pa.Table = con.to_pyarrow(expr)
        assert out.num_rows == data["orders"].num_rows
        assert out.column_names == list(transforms.contract("stg_orders").model_fields)
    finally:
        con.disconnect()
