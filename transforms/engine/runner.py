"""Build, check and publish: write-audit-publish, layer by layer.

Every selected model is built into a private build area, a layer at a time — whole, or once
the target holds a published version, as an increment of it (engine.incremental) —; inside a
layer several models are built at once (``threads``, each on a connection of its own), each as
soon as the models it reads are built, and each is checked against its contract as soon as it
is built (and so are the models its relationship checks read). The next layer starts once the
layer passed its checks. Only when no ``error`` check failed is everything published, with the
incremental state, in one transaction. A failure at any point leaves the published tables and
the state as they were.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis

from transforms.engine import incremental, runlog, sources, state
from transforms.engine.audit import audit
from transforms.engine.build import Builds
from transforms.engine.checks import CheckResult, run_checks, schema_problems
from transforms.engine.dialects import Dialect
from transforms.engine.errors import ContractError, TransformsError
from transforms.engine.graph import Project
from transforms.engine.reporter import Reporter, SilentReporter, notify
from transforms.engine.results import ModelBuild, RunResult
from transforms.engine.schedule import LayerDone, run_layer
from transforms.engine.workers import Workers, default_threads

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

__all__ = ["ModelBuild", "RunResult", "Session", "failures_table"]


@dataclass
class Session:
    """A project on a live connection, with its source and target schemas."""

    project: Project
    con: SQLBackend
    dialect: Dialect
    source_schema: str = "public"
    target_schema: str = "analytics"
    reporter: Reporter = field(default_factory=SilentReporter)
    lock_timeout: float = 60.0  # seconds a run waits for another run on the same target
    threads: int = field(default_factory=default_threads)  # models built at the same time
    last_result: RunResult | None = field(default=None, init=False)
    store_failures: bool = False  # keep every failing row in <target>_failures
    record_runs: bool = True  # append each run and its check results to <target>_meta
    freshness_now: datetime | None = None  # check source freshness against this time when set
    # (warn_after, error_after) per source name, "*" for all: overrides the contracts' limits
    freshness_limits: dict[str, tuple[timedelta | None, timedelta | None]] = field(
        default_factory=dict
    )

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (DuckDB then writes its changes into the database file)."""
        self.con.disconnect()

    # --- sources -------------------------------------------------------------------------------

    def validate_sources(self, names: Sequence[str] | None = None) -> dict[str, ibis.Schema]:
        """Compare the live source tables with their contracts; the live schemas if they match."""
        names = list(names if names is not None else self.project.sources)
        return sources.validate(
            self.con, self.dialect, self.source_schema, self.project.sources, names
        )

    def freshness(
        self,
        names: Sequence[str] | None,
        now: datetime,
        limits: sources.Limits | None = None,
    ) -> list[CheckResult]:
        """How old the newest row of each source with a freshness rule is, against ``now``.

        ``limits`` overrides (warn_after, error_after) per source name, ``"*"`` for every source.
        """
        names = list(names if names is not None else self.project.sources)
        return sources.freshness(
            self._query, self.source_schema, self.project.sources, names, now, limits
        )

    # --- building ------------------------------------------------------------------------------

    def _query(self, expr: ibis.Table, con: SQLBackend | None = None) -> list[dict[str, Any]]:
        rows = self.dialect.sql(con or self.con, self.dialect.to_sql(expr))
        return [dict(zip(expr.columns, row, strict=True)) for row in rows]

    def _table(self, schema: str, name: str, declared: ibis.Schema) -> ibis.Table:
        return ibis.table(declared, name=name, database=schema)

    def run(self, select: Sequence[str] | None = None, *, full_refresh: bool = False) -> RunResult:
        """Build and check the selected models, publish them if all is well.

        Models are brought up to date incrementally where the target's state allows, else
        built whole (every one of them with ``full_refresh``); the result says which and why.
        Its inputs are checked first (:meth:`validate_run`): a failure there raises before the
        run starts — nothing is written, logged or reported.
        """
        started = time.perf_counter()
        names = self.validate_run(select)  # bad input: an error before the run, nothing written
        result = RunResult(run_id=uuid.uuid4().hex[:12], target_schema=self.target_schema)
        self.last_result = result
        started_at = datetime.now(UTC).replace(tzinfo=None)
        try:
            notify(self.reporter, "run_started", names)
            with self.dialect.run_lock(self.con, self.target_schema, self.lock_timeout):
                try:
                    self._run(names, result, full_refresh)
                except BaseException as exc:
                    result.error = _describe(exc)
                    raise
                finally:
                    result.seconds = time.perf_counter() - started
                    if self.record_runs:
                        with contextlib.suppress(Exception):  # the log must not mask the outcome
                            runlog.record(
                                self.con, self.dialect, self.target_schema, result, started_at
                            )
        except BaseException as exc:
            result.error = result.error or _describe(exc)
            raise
        finally:
            result.seconds = time.perf_counter() - started
            self.reporter.run_finished(result)
        return result

    def _published(self) -> set[str]:
        # empty when the target schema does not exist yet (information_schema has no rows)
        return self.dialect.list_tables(self.con, self.target_schema)

    def _published_table(self, name: str) -> ibis.Table:
        declared = self.project.models[name].contract.ibis_schema()
        return self._table(self.target_schema, name, declared)

    def validate_run(self, select: Sequence[str] | None = None) -> list[str]:
        """Check a run's inputs, building and writing nothing: the selection, the schema
        names, the source tables against their contracts, and that every model a selected one
        reads is selected or published. The selected models, in build order."""
        names = self.project.select(select)
        self._inputs(names)
        return names

    def _needed_sources(self, names: list[str]) -> list[str]:
        depends = {d for n in names for d in self.project.models[n].depends_on}
        return sorted(depends & set(self.project.sources))

    def _inputs(self, names: list[str]) -> tuple[dict[str, ibis.Schema], set[str]]:
        """The live schemas of the sources ``names`` read, and the published tables."""
        if self.target_schema == self.source_schema:
            raise TransformsError(
                f"the target schema {self.target_schema!r} is the source schema: the models "
                "need a schema of their own (--target-schema, default analytics)"
            )
        for schema in (self.source_schema, self.target_schema):
            self.dialect.check_schema_name(self.con, schema)
        live_sources = self.validate_sources(self._needed_sources(names))
        published = self._published()
        selected = set(names)
        for n in names:
            for dep in self.project.models[n].depends_on:
                if dep in self.project.models and dep not in selected and dep not in published:
                    raise TransformsError(
                        f"model {n!r} reads {dep!r}, which is neither selected nor built in "
                        f"schema {self.target_schema!r}: select it too (e.g. --select +{n})"
                    )
            for parent in self.project.checked_against(n):
                if parent not in selected and parent not in published:
                    raise TransformsError(
                        f"model {n!r} is checked against {parent!r} (a relationship check), "
                        f"which is neither selected nor built in schema {self.target_schema!r}: "
                        f"select it too (--select {n} {parent})"
                    )
        return live_sources, published

    def _run(self, names: list[str], result: RunResult, full_refresh: bool) -> None:
        # again, now that the run holds the lock: another run may have published meanwhile
        live_sources, published = self._inputs(names)
        if self.freshness_now is not None:
            needed = self._needed_sources(names)
            freshness = self.freshness(needed, self.freshness_now, self.freshness_limits)
            result.checks.extend(freshness)
            self.reporter.layer_checked("sources", freshness, 0.0)
            if any(r.is_error for r in freshness):
                raise ContractError("source freshness errors: nothing was built", freshness)

        if self.dialect.full_only is None:
            known = state.load(self.con, self.dialect, self.target_schema)
            modes = incremental.plan(self.project, names, known, published, full_refresh)
        else:  # an engine without increments: no state, every model whole
            known = state.State(state.meta_schema(self.target_schema))
            modes = {n: incremental.full(self.dialect.full_only) for n in names}
        builds = Builds(
            project=self.project,
            dialect=self.dialect,
            source_schema=self.source_schema,
            target_schema=self.target_schema,
            selected=names,
            modes=modes,
            state=known,
            live_sources=live_sources,
            published_tables=published,
        )
        self.dialect.prepare_build_area(self.con, self.target_schema)
        if self.store_failures:
            self.dialect.ensure_schema(self.con, self.failures_schema)
        try:
            with Workers(self.dialect, self.con, self.threads) as workers:
                for layer, members in self.project.layers(names):
                    started = time.perf_counter()
                    done = self._build_and_check(members, builds, result, workers)
                    result.checks.extend(done.results)
                    result.check_seconds[layer] = done.check_seconds
                    result.layer_seconds[layer] = {
                        "builds": done.builds_done - started,
                        "total": time.perf_counter() - started,
                    }
                    self.reporter.layer_checked(layer, done.results, done.check_seconds)
                    if any(r.is_error for r in done.results):
                        failed = sorted({r.model for r in done.results if r.is_error})
                        raise ContractError(
                            f"contract errors in {layer} ({', '.join(failed)}): "
                            "nothing was published",
                            done.results,
                        )
            checked: dict[str, list[CheckResult]] = {}
            for r in result.checks:
                checked.setdefault(r.model, []).append(r)
            statements = builds.statements(result.run_id, checked)
            if (builds.built_whole or statements) and self.dialect.full_only is None:
                state.ensure_tables(self.con, self.dialect, self.target_schema)
            if builds.built_whole or statements:
                self.dialect.publish(self.con, self.target_schema, builds.built_whole, statements)
            result.published = list(names)  # every one up to date, changed or not
        finally:
            _best_effort(self.dialect.drop_build_area, self.con, self.target_schema)

    def _build_and_check(
        self,
        members: list[str],
        builds: Builds,
        result: RunResult,
        workers: Workers,
    ) -> LayerDone:
        """Build and check the models of one layer, ``threads`` at a time (engine.schedule)."""

        def built(build: ModelBuild) -> None:
            result.builds.append(build)
            self.reporter.model_built(build)

        try:
            return run_layer(
                self.project,
                members,
                workers,
                build=lambda name: functools.partial(self._build, name, builds),
                check=lambda name: functools.partial(self._check_task, name, builds, result.run_id),
                built=built,
            )
        finally:
            # in build order, whatever order they finished in
            result.builds.sort(key=lambda b: self.project.order.index(b.name))

    def _check_task(
        self,
        name: str,
        builds: Builds | None,
        run_id: str | None,
        con: SQLBackend,
    ) -> tuple[list[CheckResult], float]:
        """Check one model on ``con``, timed: as built in a run (``builds``), else as published;
        in a run (``run_id``), keep its failing rows too."""
        t0 = time.perf_counter()
        if builds is not None and name in builds.deltas:
            results = self._audit(name, builds, con)
        else:
            results = self.check_model(name, builds.version if builds else None, con)
        if run_id is not None and self.store_failures:
            self._store_failures(con, name, results, run_id)
        return results, time.perf_counter() - t0

    @property
    def failures_schema(self) -> str:
        return f"{self.target_schema}_failures"

    def _store_failures(
        self, con: SQLBackend, model: str, results: list[CheckResult], run_id: str
    ) -> None:
        """Keep every failing row of this run's failed checks of ``model``, a table per check.

        The failures schema always shows the latest run of each model: its old tables go first.
        """
        schema = self.failures_schema
        for table in sorted(self.dialect.list_tables(con, schema)):
            if table.split("__")[0] == model:
                self.dialect.sql(con, f"DROP TABLE {self.dialect.q(schema, table)}")
        for r in results:
            if r.passed or r.violations is None:
                continue
            rows = r.violations.select(ibis.literal(run_id).name("run_id"), *r.violations.columns)
            name = failures_table(r.model, r.check)
            self.dialect.create_table_as(con, schema, name, self.dialect.to_sql(rows))

    def _build(self, name: str, builds: Builds, con: SQLBackend) -> ModelBuild:
        notify(self.reporter, "model_started", name)  # on this worker's thread
        try:
            return builds.build(name, con)
        except TransformsError:
            raise
        except Exception as exc:
            raise TransformsError(f"building model {name!r} failed: {_first_line(exc)}") from exc

    # --- checking ------------------------------------------------------------------------------

    def check_model(
        self,
        name: str,
        location: Callable[[str], ibis.Table] | None = None,
        con: SQLBackend | None = None,
    ) -> list[CheckResult]:
        """Schema check (names, order, types) then the data checks of model ``name``'s contract."""
        con = con or self.con
        contract = self.project.models[name].contract
        location = location or self._published_table
        table = location(name)
        op = table.op()
        actual = con.get_schema(op.name, database=op.namespace.database)
        problems = schema_problems(contract, actual)
        if problems:
            return [CheckResult(name, "schema: " + "; ".join(problems), "error", 1)]
        query = functools.partial(self._query, con=con)
        distinct = functools.partial(self.dialect.distinct_counts, con)
        return run_checks(name, contract, table, location, query, distinct)

    def _audit(self, name: str, builds: Builds, con: SQLBackend) -> list[CheckResult]:
        """The checks of an increment: the verdicts on the table as it will be published."""
        delta = builds.deltas[name]
        contract = self.project.models[name].contract
        if delta.new is not None:
            op = delta.new.op()
            actual = con.get_schema(
                op.name, catalog=op.namespace.catalog, database=op.namespace.database
            )
            problems = schema_problems(contract, actual)
            if problems:
                return [CheckResult(name, "schema: " + "; ".join(problems), "error", 1)]
        previous = {c: s for (m, c), s in builds.state.checks.items() if m == name}
        query = functools.partial(self._query, con=con)
        with self.dialect.for_increments(con):
            return audit(name, contract, delta, previous, builds.parent, query)

    def check(self, select: Sequence[str] | None = None) -> list[CheckResult]:
        """Check the contracts of the published tables, without building."""
        names = self.project.select(select)
        present = self._published()
        needed = [*names, *(p for n in names for p in self.project.checked_against(n))]
        missing = [n for n in dict.fromkeys(needed) if n not in present]
        if missing:
            raise TransformsError(
                f"not built in schema {self.target_schema!r}: {', '.join(missing)}: "
                "run `transforms run` first"
            )
        results: list[CheckResult] = []
        with Workers(self.dialect, self.con, self.threads) as workers:
            for layer, members in self.project.layers(names):
                tasks = [
                    workers.submit(functools.partial(self._check_task, n, None, None))
                    for n in members
                ]
                try:
                    done = [task.result() for task in tasks]
                except BaseException:
                    workers.cancel()
                    raise
                checks = [r for model_results, _ in done for r in model_results]
                self.reporter.layer_checked(layer, checks, sum(seconds for _, seconds in done))
                results.extend(checks)
        return results


def failures_table(model: str, check: str) -> str:
    """``stg_orders__order_id_unique``: the table keeping a check's failing rows (≤ 63 chars)."""
    slug = re.sub(r"[^a-z0-9]+", "_", check.lower()).strip("_")
    return f"{model}__{slug}"[:63]


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, TransformsError) else _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _best_effort(fn: Any, *args: Any) -> None:
    with contextlib.suppress(Exception):
        fn(*args)
