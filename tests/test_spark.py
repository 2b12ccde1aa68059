"""Spark as a target: what Ibis 12 compiles differently there, and safe runs.

The facts (docs/decisions.md, "Spark") are each tested on Spark and, where the expression is
portable, on DuckDB and PostgreSQL too: the three must agree. The models' own fixture tests
run on Spark through ``every_engine`` in their modules.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest

import transforms
from tests import sample_data
from tests.conftest import Workspace, every_engine
from transforms.engine.checks import first_rows, run_checks
from transforms.engine.dialects import Dialect
from transforms.engine.dialects import spark as spark_dialect
from transforms.engine.errors import TransformsError
from transforms.engine.target import Target
from transforms.models._helpers import iso_week, trimmed
from transforms.project import webshop

engine = every_engine()  # the facts hold on every engine
spark_only = pytest.mark.parametrize(
    "engine", [pytest.param("spark", marks=pytest.mark.spark, id="spark")]
)

STAGING = ["stg_customer", "stg_events", "stg_orderitem", "stg_orders", "stg_product"]


def _one(ws: Workspace, expr: ibis.Table) -> dict[str, Any]:
    [row] = ws.rows(expr)
    return row


# --- Targets (no JVM) ---------------------------------------------------------------------------


@pytest.mark.duckdb
@pytest.mark.parametrize(
    ("value", "says"),
    [("spark.x=1", "TRANSFORMS_SPARK_CONF is not JSON"), ('["a"]', "must be a JSON object")],
)
def test_bad_extra_spark_settings_say_what_to_write(
    monkeypatch: pytest.MonkeyPatch, value: str, says: str
) -> None:
    monkeypatch.setenv("TRANSFORMS_SPARK_CONF", value)
    with pytest.raises(TransformsError, match=says):
        spark_dialect._extra_conf()
    monkeypatch.setenv("TRANSFORMS_SPARK_CONF", '{"spark.executor.cores": 2}')
    assert spark_dialect._extra_conf() == {"spark.executor.cores": "2"}


@pytest.mark.duckdb
def test_spark_urls_parse() -> None:
    local = Target.parse("spark:///srv/warehouse")
    assert (local.engine, local.path, local.spark_connect) == ("spark", "/srv/warehouse", False)
    remote = Target.parse("sc://spark.internal:15003")
    assert (remote.engine, remote.host, remote.port, remote.spark_connect) == (
        "spark",
        "spark.internal",
        15003,
        True,
    )
    assert Target.parse("sc://spark.internal").port == 15002


@pytest.mark.duckdb
@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("spark://master:7077", "spark:///absolute/warehouse/dir"),
        ("spark:///", "absolute warehouse directory"),
        ("sc://", "names no host"),
    ],
)
def test_bad_spark_urls_say_what_to_write(url: str, says: str) -> None:
    with pytest.raises(TransformsError, match=says):
        Target.parse(url)


@pytest.mark.duckdb
def test_without_pyspark_one_line_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark → ImportError
    with pytest.raises(TransformsError) as info:
        spark_dialect._require_pyspark()
    assert "pip install 'webshop-transforms[spark]'" in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.duckdb
def test_without_java_one_line_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java there
    with pytest.raises(TransformsError, match="needs Java"):
        spark_dialect._require_java()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(TransformsError, match="has no bin/java"):
        spark_dialect._require_java()


@pytest.mark.duckdb
def test_spark_sql_compiles_offline(tmp_path: Path) -> None:
    # no cluster, no session: the SQL of every model (run on Spark in test_compile)
    sql = transforms.compile_sql("stg_customer", dialect="spark")
    assert "CHR(" in sql and "$1" in sql and "\\v" not in sql


# --- The facts ----------------------------------------------------------------------------------


# ibis #11894: Ibis writes the six white-space characters as ' \t\n\r\v\f', and Spark reads
# \v and \f as the letters v and f.
def test_strip_trims_the_six_white_space_characters_and_no_letters(ws: Workspace) -> None:
    ws.load("t", {"s": ["fluff", "\v\f vivid \t\n\r", "v", "\u00a0x\u00a0", " \v \f "]})
    t = ws.table("t")
    rows = ws.rows(t.select(s=t.s, out=trimmed(t.s)))
    assert {r["s"]: r["out"] for r in rows} == {
        "fluff": "fluff",
        "\v\f vivid \t\n\r": "vivid",
        "v": "v",
        "\u00a0x\u00a0": "\u00a0x\u00a0",  # a no-break space is not one of the six
        " \v \f ": None,
    }


# Java's regexp_replace: $1 is a back-reference, \1 a literal "1"; a literal $ stays a $.
def test_regex_back_references_and_dollars(ws: Workspace) -> None:
    ws.load("t", {"s": ["15551234567", "5551234567", "a$b"]})
    t = ws.table("t")
    rows = ws.rows(
        t.select(
            s=t.s,
            out=t.s.re_replace("^1([0-9]{10})$", "\\1"),
            swapped=t.s.re_replace("^(.)(.)", "\\2\\1"),
            dollar=t.s.re_replace("b", "$"),
        )
    )
    got = {r["s"]: (r["out"], r["swapped"], r["dollar"]) for r in rows}
    assert got == {
        "15551234567": ("5551234567", "51551234567", "15551234567"),
        "5551234567": ("5551234567", "5551234567", "5551234567"),
        "a$b": ("a$b", "$ab", "a$$"),
    }


def test_phone_numbers_keep_their_digits(ws: Workspace) -> None:
    customer = sample_data.sources(1)["customer"]
    rows = ws.model_rows("stg_customer", customer=customer)
    assert [r["phone_number"] for r in rows] == ["5551234567", "5551234567", None]


# count(where=…) is SUM(CAST(pred AS BIGINT)) in Ibis's Spark SQL: NULL on no rows.
def test_filtered_counts_of_no_rows_are_zero(ws: Workspace) -> None:
    ws.load("t", {"x": pa.array([1, 2], pa.int64())})
    t = ws.table("t")
    empty = t.filter(t.x > 5)
    row = _one(ws, empty.aggregate(n=empty.count(where=empty.x > 0), all=empty.count()))
    assert row == {"n": 0, "all": 0}
    contract = webshop().models["stg_orderitem"].contract
    ws.load("items", sample_data.sources(1)["orderitem"].slice(0, 0))
    items = ws.table("items")
    staged = webshop().expression("stg_orderitem", {"orderitem": items})
    results = run_checks("stg_orderitem", contract, staged, lambda n: staged, ws.rows)
    assert len(results) > 5 and [r.check for r in results if r.failing] == []


# SUM(decimal(18, 2)) is decimal(28, 2) on Spark and AVG decimal(22, 6); Ibis says
# decimal(38, 2) and decimal(18, 2) (PostgreSQL's numeric has no precision either: the models
# cast what they store, as money()).
@spark_only
def test_decimal_sums_and_means_have_the_types_ibis_gives_them(ws: Workspace) -> None:
    ws.load("t", {"d": pa.array([Decimal("1.25"), Decimal("2.50")], pa.decimal128(18, 2))})
    t = ws.table("t")
    expr = t.aggregate(total=t.d.sum(), mean=t.d.mean())
    assert dict(expr.schema().items()) == {
        "total": dt("decimal(38, 2)"),
        "mean": dt("decimal(18, 2)"),  # Spark's own: decimal(22, 6)
    }
    ws.dialect.create_table_as(ws.con, ws.source_schema, "agg", ws.dialect.to_sql(expr))
    stored = ws.con.get_schema("agg", database=ws.source_schema)
    assert dict(stored.items()) == dict(expr.schema().items())
    assert ws.rows(ws.table("agg")) == [{"total": Decimal("3.75"), "mean": Decimal("1.88")}]


def dt(text: str) -> ibis.DataType:
    return ibis.dtype(text)


# Float literals: Spark reads 1000000.0 as a DECIMAL.
@spark_only
def test_float_literals_are_doubles(ws: Workspace) -> None:
    ws.load("t", {"x": pa.array([3], pa.int64())})
    t = ws.table("t")
    expr = t.select(y=t.x / 1e6)
    ws.dialect.create_table_as(ws.con, ws.source_schema, "f", ws.dialect.to_sql(expr))
    assert ws.con.get_schema("f", database=ws.source_schema)["y"] == dt("float64")
    assert ws.rows(ws.table("f")) == [{"y": 3e-6}]


# Samples: NULLs last, texts in byte order ('B' < 'a', 'é' after 'z').
def test_sample_order_puts_nulls_last_and_texts_in_byte_order(ws: Workspace) -> None:
    ws.load("t", {"s": ["a", None, "é", "B", "z"], "n": pa.array([1, None, 3, 2, None])})
    t = ws.table("t")
    assert [r["s"] for r in ws.rows(first_rows(t, ("s",)))] == ["B", "a", "z", "é", None]
    assert [r["n"] for r in ws.rows(first_rows(t.select("n"), ("n",)))] == [1, 2, 3, None, None]
    desc = t.order_by(t.n.desc()).select("n")
    assert [r["n"] for r in ws.rows(desc)] == [3, 2, 1, None, None]


# date_trunc('week') is Monday on every engine; timestamps keep their wall-clock value (UTC).
def test_weeks_start_on_monday_and_timestamps_round_trip(ws: Workspace) -> None:
    stamps = [
        datetime(2026, 11, 29, 23, 59, 59, 999999),  # a Sunday
        datetime(2026, 11, 30, 0, 0),  # the next Monday
        datetime(2026, 3, 29, 1, 30),  # a daylight-saving change in Europe
    ]
    ws.load("t", {"ts": pa.array(stamps, pa.timestamp("us"))})
    t = ws.table("t")
    rows = ws.rows(t.select(ts=t.ts, week=iso_week(t.ts)))
    assert {r["ts"]: r["week"] for r in rows} == {
        stamps[0]: date(2026, 11, 23),
        stamps[1]: date(2026, 11, 30),
        stamps[2]: date(2026, 3, 23),
    }


# Ibis's PySpark get_schema / create_table(database=…) switch the session's database while
# they run (USE): with threads on one session they would interleave. Ours reads by name.
@spark_only
def test_reading_a_schema_leaves_the_current_database(ws: Workspace) -> None:
    ws.load("t", {"x": pa.array([1], pa.int64())})
    [(before,)] = ws.sql("SELECT current_database()")
    assert ws.con.get_schema("t", database=ws.source_schema).names == ("x",)
    assert ws.sql("SELECT current_database()") == [(before,)]
    assert ws.sql("SELECT current_timezone()") == [("UTC",)]


# --- Safe runs ----------------------------------------------------------------------------------


def _build(ws: Workspace, **kwargs: Any) -> transforms.RunResult:
    kwargs.setdefault("select", ["staging"])
    return transforms.build(
        ws.con, source_schema=ws.source_schema, target_schema=ws.target_schema, **kwargs
    )


def _published(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    tables = sorted(webshop().models)
    present = ws.dialect.list_tables(ws.con, ws.target_schema)
    return {
        t: sorted(ws.sql(f"SELECT * FROM {ws.q(ws.target_schema, t)}"), key=repr)
        for t in tables
        if t in present
    }


@spark_only
def test_an_error_check_on_spark_publishes_nothing(ws: Workspace) -> None:
    for name, table in sample_data.sources(1).items():
        ws.load(name, table)
    first = _build(ws)
    assert [b.reason for b in first.builds] == [spark_dialect.Spark.full_only] * len(STAGING)
    before = _published(ws)
    assert sorted(before) == STAGING
    orders = sample_data.sources(2)["orders"]
    ws.load("orders", orders.set_column(0, "id", pa.array([100, 100, 102, 103], pa.int64())))
    with pytest.raises(transforms.ContractError) as info:
        _build(ws)
    [failure] = [r for r in info.value.results if r.is_error]
    assert (failure.model, failure.check, failure.failing) == ("stg_orders", "order_id unique", 2)
    assert _published(ws) == before
    # only the published versions are left: one table behind each view
    tables = ws.dialect.list_tables(ws.con, ws.target_schema)
    versions = [t for t in tables if t.startswith(spark_dialect.VERSION_PREFIX)]
    assert len(versions) == len(STAGING)
    assert set(ws.dialect.published_versions(ws.con, ws.target_schema).values()) == set(versions)


# The steps below run in processes of their own: a local warehouse admits one process at a
# time (its embedded catalog), so this test's warehouse is not the suite's. Each process runs
# CLI commands (`transforms.cli.main`, its own output) and prints snapshots of the published
# tables (every table of the target with its rows) as JSON lines, or is killed in the middle of
# a run (``kill-mid-run``), so that a JVM starts only twice.
STEPS = """
import json, os, signal, sys
from transforms.cli import main
from transforms.engine.dialects import Dialect
from transforms.engine.target import Target

class KillAfterThreeModels:  # of the five staging models
    built = 0
    def info(self, message): pass
    def layer_checked(self, layer, results, seconds): pass
    def run_finished(self, result): pass
    def model_built(self, build):
        KillAfterThreeModels.built += 1
        if KillAfterThreeModels.built == 3:
            os.kill(os.getpid(), signal.SIGKILL)  # as if the machine died mid-build

url, steps = sys.argv[1], sys.argv[2:]
for step in steps:
    if step == "kill-mid-run":
        import transforms
        transforms.build(url, select=["staging"], reporter=KillAfterThreeModels())
    elif step == "snapshot":
        d = Dialect.for_target(Target.parse(url))
        con = d.connect()
        tables = sorted(d.list_tables(con, "analytics"))
        out = {t: sorted(map(repr, d.sql(con, f"SELECT * FROM {d.q('analytics', t)}")))
               for t in tables}
        print("SNAPSHOT " + json.dumps(out), flush=True)
    else:
        argv = step.split()
        code = main([*argv[:1], "--target", url, *argv[1:]])
        print(f"EXIT {argv[0]} {code}", flush=True)
"""


def _process(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)


def _steps(
    url: str, *steps: str, code: int = 0
) -> tuple[list[str], list[dict[str, list[str]]], str]:
    """Run ``steps`` in one process: its exit lines, its snapshots, and its stderr."""
    proc = _process(sys.executable, "-c", STEPS, url, *steps)
    assert proc.returncode == code, proc.stderr
    lines = proc.stdout.splitlines()
    exits = [line for line in lines if line.startswith("EXIT ")]
    snapshots = [json.loads(line[9:]) for line in lines if line.startswith("SNAPSHOT ")]
    return exits, snapshots, proc.stderr


@pytest.mark.slow
@spark_only
def test_generate_run_and_a_killed_run_on_a_spark_warehouse(
    engine: str, spark_url: str, tmp_path: Path
) -> None:
    url = f"spark://{tmp_path}/warehouse"
    exits, [before], stderr = _steps(
        url, "generate --scale 0.01", "run --select staging", "snapshot", "kill-mid-run", code=-9
    )
    assert exits == ["EXIT generate 0", "EXIT run 0"]
    # nothing but the CLI's own lines: Spark's JVM and PySpark's loggers stay quiet
    noise = [line for line in stderr.splitlines() if "incubator modules" not in line]
    assert noise == []
    views = sorted(t for t in before if not t.startswith(spark_dialect.VERSION_PREFIX))
    assert views == STAGING
    assert len(before) == 2 * len(STAGING)  # a view and its version's table per model

    # another process sees the tables the killed one published and cleans up after it
    exits, [after, final], _ = _steps(
        url, "snapshot", "run --select staging", "snapshot", "check --select staging"
    )
    assert exits == ["EXIT run 0", "EXIT check 0"]
    # the killed run changed nothing published; it left tables of its own in the build area
    assert {t: after[t] for t in views} == {t: before[t] for t in views}
    assert len(after) > len(before)
    # the next run dropped them: one version per model again, behind its view
    assert sorted(t for t in final if not t.startswith(spark_dialect.VERSION_PREFIX)) == views
    assert len(final) == len(before)


@pytest.mark.slow
@spark_only
def test_a_second_process_on_a_warehouse_in_use_gets_one_line(ws: Workspace) -> None:
    ws.load("t", {"x": pa.array([1], pa.int64())})  # this process's session holds the catalog
    proc = _process(sys.executable, "-m", "transforms", "check", "--target", ws.url)
    assert proc.returncode == 1
    # one line naming the JVM that holds the catalog, said before a JVM of its own starts
    # (no Java warning): the lock is read off /proc/locks
    [line] = proc.stderr.splitlines()
    assert re.search(r"in use by process \d+ \(its embedded catalog", line), proc.stderr


@pytest.mark.slow
@pytest.mark.spark
def test_spark_connect_builds_what_duckdb_builds(spark_connect_url: str, tmp_path: Path) -> None:
    """sc://: a Spark Connect server (this process's local Spark, with Connect's plugin)."""
    wrong = re.sub(r"token=\w+", "token=wrong", spark_connect_url)
    with pytest.raises(TransformsError) as info:
        Dialect.for_target(Target.parse(wrong)).connect()
    [line] = str(info.value).splitlines()
    assert re.fullmatch(
        r"cannot reach Spark Connect at sc://localhost:\d+/;token=\*\*\*: UNAUTHENTICATED: .+ "
        r"\(check the host, the port and the ;token= of the URL\)",
        line,
    ), line

    sources = sample_data.sources(1)
    built = {}
    tag = uuid.uuid4().hex[:8]
    for url in (f"duckdb://{tmp_path}/x.duckdb", spark_connect_url):
        dialect = Dialect.for_target(Target.parse(url))
        con = dialect.connect()
        try:
            for name, table in sources.items():
                dialect.load_arrow(con, f"src_{tag}", name, table)  # over Connect: a DataFrame
            result = transforms.build(
                con, source_schema=f"src_{tag}", target_schema=f"an_{tag}", select=["staging"]
            )
            assert result.ok
            built[url] = {
                name: sorted(dialect.sql(con, f"SELECT * FROM {dialect.q(f'an_{tag}', name)}"))
                for name in STAGING
            }
        finally:
            if url == spark_connect_url:
                for schema in (f"src_{tag}", f"an_{tag}", f"an_{tag}_meta"):
                    dialect.sql(con, f"DROP DATABASE IF EXISTS {dialect.q(schema)} CASCADE")
            con.disconnect()
    duck, connect = built.values()
    assert connect == duck
