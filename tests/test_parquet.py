"""Parquet in and out, on both engines: `transforms load DIR` and `transforms export --out DIR`."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import transforms
from examples.generate import CLOCK_TABLE, Clock, generate
from examples.generate import load as load_generated
from tests import sample_data
from tests.conftest import ENGINES, Workspace
from transforms.engine.dialects import BUILD_PREFIX
from transforms.engine.dialects.spark import VERSION_PREFIX
from transforms.engine.parquet import arrow_schema
from transforms.project import webshop

SOURCES = ("customer", "product", "orders", "orderitem", "events")
MARTS = ("mart_sales", "order_fulfillment", "mart_cart_value")


@functools.cache
def _generated() -> dict[str, pa.Table]:
    return generate(scale=0.01)


def write_extract(directory: Path, tables: dict[str, pa.Table]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(table, directory / f"{name}.parquet")
    return directory


def rows(table: pa.Table) -> list[dict[str, Any]]:
    return sorted(table.to_pylist(), key=lambda r: tuple((v is None, str(v)) for v in r.values()))


def db_rows(ws: Workspace, name: str, schema: str) -> list[dict[str, Any]]:
    return rows(ws.con.to_pyarrow(ws.con.table(name, database=schema)))


def snapshot(ws: Workspace, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of ``schema`` with its column types and all its rows, sorted."""
    return {
        t: [
            tuple(str(ws.con.get_schema(t, database=schema)).splitlines()),
            *sorted(ws.sql(f"SELECT * FROM {ws.q(schema, t)}"), key=repr),
        ]
        for t in sorted(ws.dialect.list_tables(ws.con, schema))
    }


def published(ws: Workspace, schema: str) -> set[str]:
    """The tables a reader of ``schema`` sees (Spark's views, not the versions behind them)."""
    return {t for t in ws.dialect.list_tables(ws.con, schema) if not t.startswith(VERSION_PREFIX)}


def assert_no_load_leftovers(ws: Workspace) -> None:
    schema = ws.source_schema
    assert not [t for t in ws.dialect.list_tables(ws.con, schema) if BUILD_PREFIX in t]
    assert not [s for s in ws.dialect.list_schemas(ws.con) if s.startswith(schema + "__")]


def build(ws: Workspace, schema: str | None = None, target: str | None = None) -> None:
    result = transforms.build(
        ws.con,
        source_schema=schema or ws.source_schema,
        target_schema=target or ws.target_schema,
    )
    assert result.ok and not result.errors


# --- export -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_export_writes_every_published_model_as_its_contract_says(
    ws: Workspace, tmp_path: Path
) -> None:
    load_generated(ws.con, ws.dialect, ws.source_schema, _generated())
    build(ws)
    out = tmp_path / "export"
    result = transforms.export_parquet(out, ws.con, target_schema=ws.target_schema)

    project = webshop()
    assert [f.model for f in result.files] == project.order
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.parquet" for n in project.order)
    for f in result.files:
        contract = project.models[f.model].contract
        written = pq.read_table(f.path)
        assert written.schema == arrow_schema(contract), f.model
        published = db_rows(ws, f.model, ws.target_schema)
        assert written.num_rows == f.rows == len(published) > 0, f.model
        assert rows(written) == published, f.model
    sales = pq.read_schema(out / "mart_sales.parquet")
    assert sales.field("net_revenue").type == pa.decimal128(18, 2)
    assert sales.field("week_start").type == pa.date32()
    assert not sales.field("week_start").nullable
    session = pq.read_schema(out / "int_session.parquet")
    assert session.field("event_at").type == pa.timestamp("us")
    assert pq.read_schema(out / "dim_customer.parquet").field("has_duplicate_email").type == (
        pa.bool_()
    )


def _staging(ws: Workspace) -> None:
    for name, table in sample_data.sources(1).items():
        ws.load(name, table)
    result = transforms.build(
        ws.con,
        select=["staging"],
        source_schema=ws.source_schema,
        target_schema=ws.target_schema,
    )
    assert result.ok


def test_export_select_and_overwrite(ws: Workspace, tmp_path: Path) -> None:
    _staging(ws)
    out = tmp_path / "out"
    out.mkdir()
    (out / "stg_orders.parquet").write_bytes(b"an older export")
    (out / "notes.txt").write_text("not ours")
    result = transforms.export_parquet(
        out, ws.con, select=["stg_orders", "stg_product"], target_schema=ws.target_schema
    )
    assert result.rows() == {"stg_orders": 3, "stg_product": 2}
    assert sorted(p.name for p in out.iterdir()) == [
        "notes.txt",
        "stg_orders.parquet",
        "stg_product.parquet",
    ]
    assert pq.read_table(out / "stg_orders.parquet").num_rows == 3  # replaced
    assert (out / "notes.txt").read_text() == "not ours"


def test_a_failed_export_leaves_no_half_file_and_the_old_files(
    ws: Workspace, tmp_path: Path
) -> None:
    _staging(ws)
    out = tmp_path / "out"
    transforms.export_parquet(out, ws.con, select=["stg_customer"], target_schema=ws.target_schema)
    before = (out / "stg_customer.parquet").read_bytes()
    # a NULL where the contract forbids one, published behind the run's back: its cast fails
    ws.sql(f"UPDATE {ws.q(ws.target_schema, 'stg_product')} SET product_id = NULL")
    with pytest.raises(transforms.TransformsError, match=r"model stg_product: .*transforms check"):
        transforms.export_parquet(
            out, ws.con, select=["stg_customer", "stg_product"], target_schema=ws.target_schema
        )
    assert sorted(p.name for p in out.iterdir()) == ["stg_customer.parquet"]
    assert (out / "stg_customer.parquet").read_bytes() == before


def test_export_refuses_what_is_not_published(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(transforms.TransformsError, match=r"nothing is published.*transforms run"):
        transforms.export_parquet(out, ws.con, target_schema=ws.target_schema)
    _staging(ws)
    with pytest.raises(transforms.TransformsError, match=r"not published.*: dim_customer, "):
        transforms.export_parquet(out, ws.con, target_schema=ws.target_schema)
    assert not out.exists() or not list(out.iterdir())


def test_export_to_an_unwritable_folder(ws: Workspace, tmp_path: Path) -> None:
    _staging(ws)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(transforms.TransformsError, match=r"cannot write Parquet files to .*a-file"):
        transforms.export_parquet(
            tmp_path / "a-file" / "out", ws.con, target_schema=ws.target_schema, select=["staging"]
        )


# --- load ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_loaded_extract_builds_the_same_marts(ws: Workspace, tmp_path: Path) -> None:
    generated = f"gen_{ws.source_schema}"
    published = f"gen_{ws.target_schema}"
    try:
        load_generated(ws.con, ws.dialect, generated, _generated())
        build(ws, generated, published)
        extract = write_extract(tmp_path / "extract", _generated())
        result = transforms.load_parquet(extract, ws.con, source_schema=ws.source_schema)
        assert result.rows() == {name: _generated()[name].num_rows for name in SOURCES}
        for name in SOURCES:
            assert db_rows(ws, name, ws.source_schema) == db_rows(ws, name, generated), name
        build(ws)
        for mart in MARTS:
            assert db_rows(ws, mart, ws.target_schema) == db_rows(ws, mart, published), mart
    finally:
        if ws.engine == "postgres":
            for schema in (generated, published, f"{published}_meta"):
                ws.sql(f"DROP SCHEMA IF EXISTS {ws.q(schema)} CASCADE")


@pytest.mark.parametrize("engine", ENGINES, indirect=False)
def test_load_casts_to_the_contract_types_and_replaces_the_tables(
    ws: Workspace, tmp_path: Path
) -> None:
    tables = sample_data.sources(2)
    orders = tables["orders"]
    # what other writers produce: narrower integers, zoned or nanosecond timestamps, a
    # dictionary-encoded text column, a column of only NULLs, columns the contract lacks,
    # a table in several files
    tables["orders"] = (
        orders.set_column(0, "id", orders["id"].cast(pa.int32()))
        .set_column(3, "created_at", orders["created_at"].cast(pa.timestamp("us", "UTC")))
        .set_column(2, "status", orders["status"].dictionary_encode())
        .set_column(5, "updated_at", pa.nulls(orders.num_rows))
        .append_column("warehouse", pa.array(["north"] * orders.num_rows))
    )
    events = tables.pop("events")
    events = events.set_column(
        5, "event_timestamp", events["event_timestamp"].cast(pa.timestamp("ns"))
    )
    extract = write_extract(tmp_path / "x", tables)
    # a folder of part files under the table's name, as Spark writes one
    (extract / "events.parquet").mkdir()
    pq.write_table(events.slice(0, 4), extract / "events.parquet" / "part-00000.parquet")
    pq.write_table(events.slice(4), extract / "events.parquet" / "part-00001.parquet")
    (extract / "events.parquet" / "_SUCCESS").write_text("")
    for name, table in sample_data.sources(1).items():
        ws.load(name, table)
    ws.load(CLOCK_TABLE, Clock.of(0.01).to_arrow())
    result = transforms.load_parquet(extract, ws.con, source_schema=ws.source_schema)
    assert [t.name for t in result.tables] == list(SOURCES)
    assert {t.name: t.ignored_columns for t in result.tables}["orders"] == ("warehouse",)
    assert result.rows()["orders"] == 4  # version 2: one order more than what it replaced
    source = webshop().sources
    for name in SOURCES:
        live = ws.con.get_schema(name, database=ws.source_schema)
        assert list(live.names) == [c.name for c in source[name].columns()]
    assert ws.con.get_schema("orders", database=ws.source_schema)["id"].is_int64()
    assert published(ws, ws.source_schema) == set(SOURCES)  # clock dropped
    loaded = db_rows(ws, "orders", ws.source_schema)
    assert [r["created_at"] for r in loaded] == [
        r["created_at"] for r in rows(sample_data.sources(2)["orders"])
    ]
    assert {r["updated_at"] for r in loaded} == {None}
    assert db_rows(ws, "events", ws.source_schema) == rows(sample_data.sources(2)["events"])
    assert_no_load_leftovers(ws)
    build(ws)  # and the models build from it


def _bad_extracts(root: Path) -> dict[str, tuple[Path, str]]:
    """Extracts that must be refused, each with (a pattern of) the one line that says why."""
    good = sample_data.sources(2)

    def extract(name: str, **tables: pa.Table) -> Path:
        return write_extract(root / name, {**good, **tables})

    missing_file = extract("missing_file")
    (missing_file / "orderitem.parquet").unlink()
    not_parquet = extract("not_parquet")
    (not_parquet / "product.parquet").write_text("id,name\n1,Mug\n")
    items = good["orderitem"]
    events = good["events"]
    late = events["event_timestamp"].cast(pa.int64()).to_numpy() * 1000 + 1  # nanoseconds
    return {
        "no directory": (root / "nope", r"extract directory .*nope does not exist"),
        "missing file": (
            missing_file,
            r"lacks orderitem\.parquet: .*customer\.parquet, product\.parquet, orders\.parquet, "
            r"orderitem\.parquet, events\.parquet",
        ),
        "missing column": (
            extract("missing_column", orders=good["orders"].drop_columns(["shipped_at"])),
            r"orders\.parquet: table orders lacks column 'shipped_at' \(timestamp\)",
        ),
        "wrong type": (
            extract(
                "wrong_type",
                orderitem=items.set_column(4, "unit_price", items["unit_price"].cast(pa.float64())),
            ),
            r"column orderitem\.unit_price is double, expected decimal\(10, 2\)",
        ),
        "not parquet": (not_parquet, r"product\.parquet is not a readable Parquet file"),
        # the last file, past the schema checks: its values fail while it is being loaded
        "value out of range": (
            extract(
                "value_out_of_range",
                events=events.set_column(5, "event_timestamp", pa.array(late, pa.timestamp("ns"))),
            ),
            r"events\.parquet: column events\.event_timestamp: Casting from timestamp\[ns\] "
            r"to timestamp\[us\] would lose data: \d+: fix the file; nothing was loaded",
        ),
        "integer too big": (
            extract(
                "integer_too_big",
                orderitem=items.set_column(
                    3, "quantity", pa.array([1, 2, 3, 3_000_000_000], pa.int64())
                ),
            ),
            r"orderitem\.parquet: column orderitem\.quantity: Integer value 3000000000 not in "
            r"range",
        ),
    }


def test_bad_extracts_are_refused_and_change_nothing(ws: Workspace, tmp_path: Path) -> None:
    transforms.load_parquet(
        write_extract(tmp_path / "good", sample_data.sources(1)),
        ws.con,
        source_schema=ws.source_schema,
    )
    before = snapshot(ws, ws.source_schema)
    for case, (directory, message) in _bad_extracts(tmp_path / "bad").items():
        with pytest.raises(transforms.TransformsError, match=message) as info:
            transforms.load_parquet(directory, ws.con, source_schema=ws.source_schema)
        assert len(str(info.value).splitlines()) == 1, case
        assert snapshot(ws, ws.source_schema) == before, case
        assert_no_load_leftovers(ws)


# --- the CLI ------------------------------------------------------------------------------------


@pytest.mark.duckdb
@pytest.mark.parametrize("engine", ["duckdb"], indirect=False)
def test_cli_load_and_export(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from transforms.cli import main

    ws.con.disconnect()  # the commands open the file themselves
    target = ["--target", ws.url]
    extract = write_extract(tmp_path / "extract", sample_data.sources(1))
    assert main(["load", str(extract), *target, "--source-schema", ws.source_schema]) == 0
    out = capsys.readouterr().out
    total = sum(t.num_rows for t in sample_data.sources(1).values())
    assert "orderitem" in out and f"loaded 5 tables, {total} rows" in out
    where = [*target, "--source-schema", ws.source_schema, "--target-schema", ws.target_schema]
    assert main(["run", *where, "--select", "staging"]) == 0
    capsys.readouterr()
    exported = tmp_path / "exported"
    code = main(
        [
            "export",
            "--out",
            str(exported),
            *target,
            "--target-schema",
            ws.target_schema,
            "-s",
            "stg_orders",
        ]
    )
    assert code == 0
    assert "wrote 1 Parquet file to" in capsys.readouterr().out
    assert [p.name for p in exported.iterdir()] == ["stg_orders.parquet"]


@pytest.mark.duckdb
@pytest.mark.parametrize("engine", ["duckdb"], indirect=False)
def test_cli_load_and_export_errors_are_one_red_line(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from transforms.cli import main

    ws.con.disconnect()
    target = ["--target", ws.url]
    cases: dict[tuple[str, ...], str] = {
        ("export", "--out", str(tmp_path / "o"), *target, "--target-schema", ws.target_schema): (
            "run `transforms run` first"
        ),
        ("export", "--out", str(tmp_path / "o"), *target, "-s", "mart_sale"): (
            "did you mean 'mart_sales'"
        ),
    }
    for directory, message in _bad_extracts(tmp_path / "bad").values():
        args = ("load", str(directory), *target, "--source-schema", ws.source_schema)
        cases[args] = message
    for args, message in cases.items():
        code = main(list(args))
        out, err = capsys.readouterr()
        assert code == 1, (args, out, err)
        assert err.startswith("error: "), err
        assert re.search(message, " ".join(err.split())), (args, err)
        assert len(err.strip().splitlines()) == 1, err


@pytest.mark.duckdb
def test_a_bad_extract_is_refused_before_connecting(tmp_path: Path) -> None:
    database = tmp_path / "never.duckdb"
    with pytest.raises(transforms.TransformsError, match="does not exist"):
        transforms.load_parquet(tmp_path / "nope", f"duckdb:///{database}")
    assert not database.exists()


@pytest.mark.duckdb
def test_cli_process_exits_1_with_one_red_line(tmp_path: Path) -> None:
    from tests.test_safety import cli

    extract = write_extract(tmp_path / "extract", sample_data.sources(1))
    (extract / "customer.parquet").write_text("not parquet")
    target = f"duckdb:///{tmp_path}/shop.duckdb"
    proc = cli("load", str(extract), "--target", target)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "customer.parquet is not a readable" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    proc = cli("export", "--out", str(tmp_path / "out"), "--target", target)
    assert proc.returncode == 1
    assert "no DuckDB file at" in proc.stderr  # the failed load created none, nor does export
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "shop.duckdb").exists()
    assert not (tmp_path / "out").exists()
