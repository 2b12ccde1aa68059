"""Several models at a time: the same tables, checks that wait for what they read, clean stops."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pyarrow as pa
import pytest

import transforms
from tests import sample_data
from tests.conftest import Workspace
from tests.test_safety import cli, load, published
from transforms.engine.runner import Session
from transforms.project import webshop


def _orders_without_placed_at(version: int) -> pa.Table:
    """The sample orders with the last one's placed_at NULL: a not-null error in stg_orders."""
    orders = sample_data.sources(version)["orders"]
    column = orders.schema.get_field_index("created_at")
    placed = pa.array([*orders["created_at"].to_pylist()[:-1], None], sample_data.TS)
    return orders.set_column(column, "created_at", placed)


def test_threads_change_nothing_in_the_results(ws: Workspace) -> None:
    load(ws)
    one = transforms.build(
        ws.con, source_schema=ws.source_schema, target_schema=ws.target_schema, threads=1
    )
    four = transforms.build(
        ws.con, source_schema=ws.source_schema, target_schema=f"{ws.target_schema}_4", threads=4
    )
    assert one.published == four.published == webshop().order
    assert [b.name for b in one.builds] == [b.name for b in four.builds] == webshop().order
    assert one.rows() == four.rows()
    assert [(c.model, c.check, c.failing, c.sample) for c in one.checks] == [
        (c.model, c.check, c.failing, c.sample) for c in four.checks
    ]
    assert published(ws, ws.target_schema) == published(ws, f"{ws.target_schema}_4")


def test_checks_wait_for_what_they_read_and_layers_for_the_checks_before_them(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stg_orderitem references stg_orders: its check waits for stg_orders, built slowly here;
    no intermediate model is built before every staging model has passed its checks."""
    load(ws)
    events: list[tuple[str, str]] = []
    lock = threading.Lock()
    build_task, check_task = Session._build, Session._check_task

    def slow_build(self: Session, name: str, *args: Any) -> Any:
        if name == "stg_orders":
            time.sleep(0.5)
        out = build_task(self, name, *args)
        with lock:
            events.append(("built", name))
        return out

    def logged_check(self: Session, name: str, *args: Any) -> Any:
        with lock:
            events.append(("checking", name))
        out = check_task(self, name, *args)
        with lock:
            events.append(("checked", name))
        return out

    monkeypatch.setattr(Session, "_build", slow_build)
    monkeypatch.setattr(Session, "_check_task", logged_check)
    transforms.build(
        ws.con, source_schema=ws.source_schema, target_schema=ws.target_schema, threads=4
    )
    project = webshop()
    for i, (what, name) in enumerate(events):
        if what == "checking":
            needs = {name} | (project.models[name].contract.references() & set(project.models))
            assert needs <= {n for w, n in events[:i] if w == "built"}, (name, events[:i])
    # the other staging models were not held up by the slow one
    assert events.index(("built", "stg_orderitem")) < events.index(("built", "stg_orders"))
    for layer, later in (("staging", "intermediate"), ("intermediate", "marts")):
        last_check = max(
            i
            for i, (w, n) in enumerate(events)
            if w == "checked" and project.models[n].layer == layer
        )
        first_build = min(
            i
            for i, (w, n) in enumerate(events)
            if w == "built" and project.models[n].layer == later
        )
        assert last_check < first_build, events


def test_an_error_stops_the_run_with_nothing_published_or_left_behind(ws: Workspace) -> None:
    load(ws)
    transforms.build(ws.con, source_schema=ws.source_schema, target_schema=ws.target_schema)
    before = published(ws, ws.target_schema)
    load(ws, 2, orders=_orders_without_placed_at(2))
    reported: list[str] = []

    class Layers:
        def info(self, message: str) -> None: ...
        def model_built(self, build: Any) -> None: ...
        def run_finished(self, result: Any) -> None: ...
        def layer_checked(self, layer: str, results: list[Any], seconds: float) -> None:
            reported.extend(f"{r.model}: {r.check}" for r in results if r.is_error)

    with pytest.raises(transforms.ContractError, match=r"staging \(stg_orders\)"):
        transforms.build(
            ws.con,
            source_schema=ws.source_schema,
            target_schema=ws.target_schema,
            threads=3,
            reporter=Layers(),
        )
    assert reported == ["stg_orders: placed_at not null"]
    assert published(ws, ws.target_schema) == before
    leftovers = [t for t in ws.dialect.list_tables(ws.con, ws.target_schema) if "build" in t]
    assert leftovers == []
    assert not any(s.startswith(f"{ws.target_schema}__") for s in ws.dialect.list_schemas(ws.con))


def test_threads_must_be_at_least_one(ws: Workspace) -> None:
    load(ws)
    with pytest.raises(transforms.TransformsError, match="threads must be a whole number"):
        transforms.build(
            ws.con, source_schema=ws.source_schema, target_schema=ws.target_schema, threads=0
        )


@pytest.mark.parametrize("engine", ["duckdb"], indirect=False)
def test_cli_takes_threads(ws: Workspace) -> None:
    load(ws)
    ws.con.disconnect()  # a DuckDB file has one writer process at a time
    where = ["--target", ws.url, "--source-schema", ws.source_schema]
    where += ["--target-schema", ws.target_schema]
    bad = cli("run", *where, "--threads", "0")
    assert bad.returncode == 2
    assert "--threads: not a whole number of at least 1: '0'" in bad.stderr
    ok = cli("run", *where, "--threads", "3", "--select", "staging")
    assert ok.returncode == 0, ok.stderr
    assert "Done: built 5, published 5" in ok.stdout
    ws.con = ws.dialect.connect()


LONG_STATEMENT = {
    "postgres": "SELECT pg_sleep(30)",
    "duckdb": "SELECT count(*) FROM range(1000000000000)",  # minutes of work
}


def test_an_error_check_cancels_what_still_runs(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stg_orders fails an error check while stg_events is still being built: the statement
    building stg_events is cancelled rather than waited for."""
    load(ws, orders=_orders_without_placed_at(1))
    stopped: list[str] = []
    build = Session._build

    def slow_events(self: Session, name: str, *args: Any) -> Any:
        if name == "stg_events":
            con = args[-1]
            try:
                self.dialect.sql(con, LONG_STATEMENT[ws.engine])
            except Exception as exc:
                stopped.append(type(exc).__name__)
                raise
        return build(self, name, *args)

    monkeypatch.setattr(Session, "_build", slow_events)
    with pytest.raises(transforms.ContractError, match=r"staging \(stg_orders\)"):
        transforms.build(
            ws.con, source_schema=ws.source_schema, target_schema=ws.target_schema, threads=2
        )
    assert stopped, "the long statement ran to its end instead of being cancelled"
    assert ws.dialect.list_tables(ws.con, ws.target_schema) == set()  # and no build leftovers


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=False)
def test_a_task_that_leaves_its_transaction_aborted_hands_back_a_usable_connection(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancel that lands on a COMMIT fails the COMMIT and leaves its transaction open and
    aborted. The connection — with one thread, the caller's own — is rolled back before the
    run cleans up on it, so the build area is dropped and the caller can go on using it."""
    load(ws)
    build = Session._build

    def commit_cancelled(self: Session, name: str, location: Any, con: Any) -> Any:
        if name == "stg_customer":
            con.con.execute("BEGIN")
            con.con.execute("SELECT 1 / 0")  # the state a cancelled COMMIT leaves
        return build(self, name, location, con)

    monkeypatch.setattr(Session, "_build", commit_cancelled)
    with pytest.raises(psycopg.errors.DivisionByZero):
        transforms.build(
            ws.con, source_schema=ws.source_schema, target_schema=ws.target_schema, threads=1
        )
    assert ws.sql("SELECT 1") == [(1,)]
    assert not any(s.startswith(f"{ws.target_schema}__") for s in ws.dialect.list_schemas(ws.con))
