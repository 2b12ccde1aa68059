"""A failed run never damages what was published; one run at a time; clear errors."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any

import pyarrow as pa
import pytest

import transforms
from tests import sample_data
from tests.conftest import Workspace
from transforms.engine.dialects import BUILD_PREFIX

STAGING = ["stg_customer", "stg_events", "stg_orderitem", "stg_orders", "stg_product"]


def load(ws: Workspace, version: int = 1, **replace: pa.Table) -> None:
    for name, table in {**sample_data.sources(version), **replace}.items():
        ws.load(name, table)


def build(ws: Workspace, **kwargs: Any) -> transforms.RunResult:
    kwargs.setdefault("select", ["staging"])  # the runner's behaviour, not the models', is tested
    kwargs.setdefault("source_schema", ws.source_schema)
    kwargs.setdefault("target_schema", ws.target_schema)
    return transforms.build(ws.con, **kwargs)


def published(ws: Workspace, schema: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the target schema with all its rows, sorted: a byte-for-byte snapshot."""
    schema = schema or ws.target_schema
    tables = sorted(ws.dialect.list_tables(ws.con, schema))
    return {t: sorted(ws.sql(f"SELECT * FROM {ws.q(schema, t)}"), key=repr) for t in tables}


def assert_no_build_leftovers(ws: Workspace) -> None:
    assert not [t for t in ws.dialect.list_tables(ws.con, ws.target_schema) if BUILD_PREFIX in t]
    assert not [s for s in ws.dialect.list_schemas(ws.con) if s.startswith(ws.target_schema + "__")]


def broken_orders() -> pa.Table:
    orders = sample_data.sources(2)["orders"]
    ids = pa.array([100, 100, 102, 103], pa.int64())  # duplicate order id: an error check
    return orders.set_column(0, "id", ids)


def test_error_violation_publishes_nothing(ws: Workspace) -> None:
    load(ws, 1)
    build(ws)
    before = published(ws)
    assert sorted(before) == STAGING
    load(ws, 2, orders=broken_orders())
    with pytest.raises(transforms.ContractError) as info:
        build(ws)
    assert "stg_orders" in str(info.value)
    [failure] = [r for r in info.value.results if r.is_error]
    assert (failure.model, failure.check, failure.failing) == ("stg_orders", "order_id unique", 2)
    assert published(ws) == before
    assert_no_build_leftovers(ws)


def test_warn_violation_publishes_and_reports(ws: Workspace) -> None:
    load(ws, 1)
    result = build(ws)
    assert result.published == STAGING
    warned = {(w.model, w.check, w.failing) for w in result.warnings}
    assert ("stg_orderitem", "order_id in stg_orders", 1) in warned  # item of order 999
    assert result.errors == []


def test_source_values_that_break_a_cast_publish_nothing(ws: Workspace) -> None:
    load(ws, 1)
    build(ws)
    before = published(ws)
    items = sample_data.sources(2)["orderitem"]
    too_big = pa.array([2, 1, 1, 3_000_000_000], pa.int64())  # quantity no longer fits int32
    load(ws, 2, orderitem=items.set_column(3, "quantity", too_big))
    with pytest.raises(transforms.TransformsError, match="stg_orderitem"):
        build(ws)
    assert published(ws) == before
    assert_no_build_leftovers(ws)


def test_unselected_models_stay_as_they_were(ws: Workspace) -> None:
    load(ws, 1)
    build(ws)
    before = published(ws)
    load(ws, 2)
    result = build(ws, select=["stg_orders"])
    assert result.published == ["stg_orders"]
    after = published(ws)
    assert after["stg_product"] == before["stg_product"]
    assert len(after["stg_orders"]) == len(before["stg_orders"]) + 1


def test_running_twice_gives_identical_tables(ws: Workspace) -> None:
    load(ws, 1)
    build(ws)
    first = published(ws)
    build(ws)
    assert published(ws) == first


@pytest.mark.parametrize(("source", "target"), [("default", "Analytics-2025")])
def test_schema_names_are_quoted(ws: Workspace, source: str, target: str) -> None:
    ws.source_schema = source
    try:
        load(ws, 1)
        result = build(ws, target_schema=target)
        assert result.published == STAGING
        assert len(published(ws, target)["stg_orders"]) == 3
    finally:
        for schema in (source, target):
            ws.sql(f"DROP SCHEMA IF EXISTS {ws.q(schema)} CASCADE")


KILL_AFTER_STAGING = """
import os, signal, sys
import transforms

class KillAfterLayer:
    def info(self, message): pass
    def model_built(self, build): pass
    def run_finished(self, result): pass
    def layer_checked(self, layer, results, seconds):
        os.kill(os.getpid(), signal.SIGKILL)  # as if the machine died before publishing

transforms.build(sys.argv[1], source_schema=sys.argv[2], target_schema=sys.argv[3],
                 select=["staging"], reporter=KillAfterLayer())
"""


def test_killed_run_leaves_published_tables_and_next_run_cleans_up(ws: Workspace) -> None:
    load(ws, 1)
    build(ws)
    before = published(ws)
    load(ws, 2)
    ws.con.disconnect()  # a DuckDB file has one writer process at a time
    proc = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_STAGING, ws.url, ws.source_schema, ws.target_schema],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -9, proc.stderr
    ws.con = ws.dialect.connect()
    after = {t: rows for t, rows in published(ws).items() if not t.startswith(BUILD_PREFIX)}
    assert after == before
    result = build(ws)
    assert result.published == STAGING
    assert_no_build_leftovers(ws)
    assert len(published(ws)["stg_orders"]) == 4


def test_reader_sees_whole_versions_during_publishes(ws: Workspace) -> None:
    load(ws, 1)
    build(ws)
    stop = threading.Event()
    seen: list[Any] = []
    reader = ws.dialect.connect() if ws.engine == "postgres" else None
    raw = reader.con if reader is not None else ws.con.con.cursor()
    table = ws.q(ws.target_schema, "stg_orders")

    def read() -> None:
        while not stop.is_set():
            try:
                if ws.engine == "postgres":
                    with raw.cursor() as cur:
                        cur.execute(f"SELECT count(*), max(order_id) FROM {table}")
                        seen.append(cur.fetchone())
                else:
                    seen.append(
                        raw.execute(f"SELECT count(*), max(order_id) FROM {table}").fetchone()
                    )
            except Exception as exc:
                seen.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for version in (2, 1, 2, 1, 2):
            load(ws, version)
            build(ws)
    finally:
        stop.set()
        thread.join()
        if reader is not None:
            reader.disconnect()
    assert seen
    assert set(seen) <= {(3, 102), (4, 103)}, [s for s in seen if s not in {(3, 102), (4, 103)}]


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=False)
def test_second_run_waits_for_the_lock_then_stops(ws: Workspace) -> None:
    load(ws, 1)
    holding = threading.Event()
    release = threading.Event()

    class SlowReporter:
        def info(self, message: str) -> None: ...
        def layer_checked(self, *args: Any) -> None: ...
        def run_finished(self, result: Any) -> None: ...
        def model_built(self, build: Any) -> None:
            holding.set()
            release.wait(30)

    outcome: dict[str, Any] = {}

    def first() -> None:
        outcome["first"] = build_url(ws, reporter=SlowReporter())

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(30)
    started = time.monotonic()
    with pytest.raises(transforms.TransformsError, match="another run holds the lock"):
        s = transforms.session(
            ws.url, source_schema=ws.source_schema, target_schema=ws.target_schema
        )
        s.lock_timeout = 0.5
        s.run(["staging"])
    assert time.monotonic() - started >= 0.5
    release.set()
    thread.join()
    assert outcome["first"].published == STAGING
    assert len(published(ws)["stg_orders"]) == 3


def build_url(ws: Workspace, **kwargs: Any) -> transforms.RunResult:
    return transforms.build(
        ws.url,
        select=["staging"],
        source_schema=ws.source_schema,
        target_schema=ws.target_schema,
        **kwargs,
    )


# --- the CLI: one red line, exit code 1 ------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "transforms", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", **_pythonpath()},
    )


def _pythonpath() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "HOME", "VIRTUAL_ENV")}


def test_cli_unreachable_database_names_target_and_hides_password() -> None:
    proc = cli("run", "--target", "postgres://bob:s3cret@127.0.0.1:1/webshop")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "cannot connect to postgres://bob:***@127.0.0.1:1/webshop" in lines[0]
    assert "s3cret" not in proc.stdout + proc.stderr


def test_cli_debug_shows_the_traceback() -> None:
    proc = cli("run", "--debug", "--target", "postgres://bob@127.0.0.1:1/webshop")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr


@pytest.mark.duckdb
@pytest.mark.parametrize("engine", ["duckdb"], indirect=False)
def test_cli_errors_name_the_problem(
    ws: Workspace,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    # in-process (the command's main()): the process itself is tested above and below
    from transforms.cli import main

    # a case without --target opens ./webshop.duckdb: here, not a file of the checkout (which
    # another DuckDB line may have written, and then could not open)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRANSFORMS_TARGET", raising=False)

    load(ws, 1)
    ws.sql(f"ALTER TABLE {ws.q(ws.source_schema, 'orders')} DROP COLUMN shipped_at")
    ws.con.disconnect()
    base = ["--target", ws.url, "--source-schema", ws.source_schema]
    cases = {
        ("run", "--select", "stg_ordrs"): "did you mean 'stg_orders'",
        (
            "run",
            *base[2:],
            "--target",
            ws.url,
        ): f"{ws.source_schema}.orders lacks column 'shipped_at'",
        (
            "run",
            "--target",
            ws.url,
            "--source-schema",
            "nope",
        ): "source schema 'nope' does not exist",
    }
    for args, message in cases.items():
        code = main(list(args))
        out, err = capsys.readouterr()
        assert code == 1, (args, out, err)
        assert message in err, (args, err)
        assert len(err.strip().splitlines()) == 1, err
    ws.con = ws.dialect.connect()
    assert ws.target_schema not in ws.dialect.list_schemas(ws.con)


@pytest.mark.duckdb
@pytest.mark.parametrize("engine", ["duckdb"], indirect=False)
def test_cli_duckdb_file_in_use(ws: Workspace) -> None:
    proc = cli("run", "--target", ws.url)  # ws.con still holds the file
    assert proc.returncode == 1
    assert "in use by another process" in proc.stderr


def test_store_failures_keeps_every_failing_row_of_the_latest_run(ws: Workspace) -> None:
    load(ws, 2, orders=broken_orders())
    s = transforms.session(ws.con, source_schema=ws.source_schema, target_schema=ws.target_schema)
    s.store_failures = True
    with pytest.raises(transforms.ContractError):
        s.run(["staging"])
    failures = f"{ws.target_schema}_failures"
    assert s.last_result is not None
    stored = ws.sql(
        f"SELECT run_id, order_id FROM {ws.q(failures, 'stg_orders__order_id_unique')} "
        "ORDER BY order_id"
    )
    assert stored == [(s.last_result.run_id, 100), (s.last_result.run_id, 100)]
    assert "stg_orders" not in ws.dialect.list_tables(ws.con, ws.target_schema)

    load(ws, 2)
    s.run(["staging"])
    assert sorted(
        t for t in ws.dialect.list_tables(ws.con, failures) if t.startswith("stg_orders")
    ) == [
        "stg_orders__customer_id_in_stg_customer"  # a warning of the good run; the error is gone
    ]
    # warnings of the good run are kept too (the order item of unknown order 999)
    assert ws.sql(
        f"SELECT order_id FROM {ws.q(failures, 'stg_orderitem__order_id_in_stg_orders')}"
    ) == [(999,)]


def test_every_run_is_logged_with_its_check_results(ws: Workspace) -> None:
    load(ws, 2, orders=broken_orders())
    with pytest.raises(transforms.ContractError):
        build(ws)
    failed = transforms.last_run(ws.con, target_schema=ws.target_schema)
    assert failed is not None
    assert (failed["ok"], failed["published"]) == (False, "")
    assert "contract errors in staging" in failed["error"]
    errors = [
        (c["model"], c["check"], c["failing"])
        for c in failed["checks"]
        if c["severity"] == "error" and c["failing"]
    ]
    assert errors == [("stg_orders", "order_id unique", 2)]

    load(ws, 2)
    result = build(ws)
    good = transforms.last_run(ws.con, target_schema=ws.target_schema)
    assert good is not None
    assert (good["run_id"], good["ok"], good["error"]) == (result.run_id, True, None)
    assert good["published"].split(",") == STAGING
    assert len(good["checks"]) == len(result.checks)
