"""The builds of one run: each model whole into the build area, or as an increment.

:class:`Builds` knows, as a run goes, each model's mode, the increments made so far and the
sources fingerprinted, and so which table a reader of a model sees: the published one (not
selected), the built one (built whole) or the published one with its increment applied. At
the end it gives the statements that publish the increments and the incremental state, which
the dialect runs in the transaction that publishes the run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import ibis

from transforms.engine import incremental
from transforms.engine.audit import Parent
from transforms.engine.checks import CheckResult, plan_checks
from transforms.engine.dialects import Dialect
from transforms.engine.graph import Project
from transforms.engine.incremental import Area, Delta, Mode, SourceChange, location
from transforms.engine.results import ModelBuild
from transforms.engine.state import State, Writer

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend


# Tables from this many rows get an index for increments where they are read by key.
INDEX_MIN_ROWS = 1_000_000


@dataclass
class Builds:
    """The models of one run, their modes and their increments."""

    project: Project
    dialect: Dialect
    source_schema: str
    target_schema: str
    selected: Sequence[str]
    modes: dict[str, Mode]
    state: State
    live_sources: Mapping[str, ibis.Schema]
    published_tables: set[str]
    fingerprints: dict[str, str] = field(default_factory=dict)  # of the models built so far
    deltas: dict[str, Delta] = field(default_factory=dict)
    sources: dict[str, SourceChange] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def area(self) -> Area:
        return Area(self.dialect, self.target_schema)

    # --- what a reader sees ----------------------------------------------------------------------

    def version(self, name: str) -> ibis.Table:
        """The table a reader of source or model ``name`` sees in this run."""
        if name in self.project.sources:
            return ibis.table(self.live_sources[name], name=name, database=self.source_schema)
        if name not in self.selected:
            return self.published(name)
        if name in self.deltas:
            return self.deltas[name].version()
        schema, table = self.dialect.build_location(self.target_schema, name)
        return ibis.table(self._declared(name), name=table, database=schema)

    def published(self, name: str) -> ibis.Table:
        return ibis.table(self._declared(name), name=name, database=self.target_schema)

    def delta(self, name: str) -> Delta | None:
        return self.deltas.get(name)

    def parent(self, name: str) -> Parent:
        """A model that relationship checks point at, as this run leaves it."""
        built_whole = name in self.selected and not self.modes[name].incremental
        return Parent(self.published(name), self.version(name), self.delta(name), built_whole)

    def _declared(self, name: str) -> ibis.Schema:
        return self.project.models[name].contract.ibis_schema()

    # --- building --------------------------------------------------------------------------------

    def build(self, name: str, con: SQLBackend) -> ModelBuild:
        """Build model ``name`` on ``con`` as its mode says (a full upstream makes it full)."""
        started = time.perf_counter()
        model = self.project.models[name]
        mode = self.modes[name]
        # on the worker's thread: compiling every model up front would hold up the first build
        if self.dialect.full_only is None:  # an engine without increments keeps no state
            self.fingerprints[name] = incremental.fingerprint(self.project, name, self.dialect.name)
        known = self.state.models.get(name)
        fuller = [d for d in model.depends_on if d in self.modes and not self.modes[d].incremental]
        if mode.incremental and known is not None and known.fingerprint != self.fingerprints[name]:
            mode = incremental.full("code changed")
        elif mode.incremental and fuller:
            mode = incremental.full(incremental.reads_full(fuller[0]))
        source = self._partitioning_source(name)
        change = None
        if mode.incremental:
            with self.dialect.for_increments(con):
                if source is not None:
                    change = self._fingerprint(source, con, compare=True)
                    self.sources[source] = change
                    if change.changed_rows > incremental.FULL_SHARE * change.rows:
                        share = change.changed_rows / max(1, change.rows)
                        mode = incremental.full(f"{share:.0%} of {source} changed")
                        self.sources[source] = replace(change, changed=None)  # stored whole
                if mode.incremental:
                    self.modes[name] = mode
                    return self._increment(name, con, change, started)
        elif source is not None and self.dialect.full_only is None:
            self.sources[source] = self._fingerprint(source, con, compare=False)
        self.modes[name] = mode
        expr = model(**{d: self.version(d) for d in model.depends_on})
        schema, table = self.dialect.build_location(self.target_schema, name)
        rows = self.dialect.create_table_as(con, schema, table, self.dialect.to_sql(expr))
        if rows >= INDEX_MIN_ROWS and self._read_by_key(name):
            assert model.incremental is not None
            self.dialect.index_for_increments(con, schema, table, model.incremental.key)
        self.rows[name] = rows
        before = self.state.models.get(name)
        replaced = 0 if name not in self.published_tables else before.rows if before else None
        return ModelBuild(
            name, model.layer, rows, time.perf_counter() - started, mode.name, mode.reason,
            rows, replaced, 0,
        )  # fmt: skip

    def _increment(
        self, name: str, con: SQLBackend, change: SourceChange | None, started: float
    ) -> ModelBuild:
        model = self.project.models[name]
        delta = incremental.build(
            self.area,
            con,
            model,
            self.published(name),
            self.state.models[name].rows,
            self.version,
            self.delta,
            change,
        )
        self.deltas[name] = delta
        self.rows[name] = delta.rows_after
        return ModelBuild(
            name,
            model.layer,
            delta.rows_after,
            time.perf_counter() - started,
            "incremental",
            None,
            delta.inserted,
            delta.deleted,
            delta.rows_before - delta.deleted,
        )

    def _read_by_key(self, name: str) -> bool:
        """Do increments read the published rows of model ``name`` by its key? Its readers
        restrict it by that key — but a staging model's readers mostly read the rows it just
        recomputed (the same buckets), and its own old rows are found by bucket."""
        model = self.project.models[name]
        if model.incremental is None or self._partitioning_source(name) is not None:
            return False
        return any(
            reader.incremental is not None
            and reader.incremental.column(name) == model.incremental.key
            for reader in self.project.models.values()
            if name in reader.depends_on
        )

    def _partitioning_source(self, name: str) -> str | None:
        """The source a model is declared incremental by (staging models), if any."""
        model = self.project.models[name]
        if model.incremental is None:
            return None
        return next((d for d in model.depends_on if d in self.project.sources), None)

    def _fingerprint(self, source: str, con: SQLBackend, compare: bool) -> SourceChange:
        model = next(m for m in self.selected if self._partitioning_source(m) == source)
        decl = self.project.models[model].incremental
        assert decl is not None
        column = decl.column(source)
        assert isinstance(column, str)
        known = self.state.sources.get(source) if compare else None
        return incremental.detect(
            self.area,
            con,
            self.version(source),
            list(self.project.columns(source)),
            column,
            known,
            (self.state.schema, "source_buckets") if known is not None else None,
        )

    # --- publishing ------------------------------------------------------------------------------

    @property
    def written(self) -> list[str]:
        """The models whose published table this run changes, in build order."""
        return [
            n
            for n in self.selected
            if not self.modes[n].incremental or (n in self.deltas and self.deltas[n].changed)
        ]

    @property
    def built_whole(self) -> list[str]:
        return [n for n in self.selected if not self.modes[n].incremental]

    def statements(self, run_id: str, results: Mapping[str, list[CheckResult]]) -> list[str]:
        """What publishing runs after moving the models built whole: the increments, then the
        incremental state."""
        if self.dialect.full_only is not None:
            return []  # no increments, no incremental state
        out = [
            s for d in self.deltas.values() for s in d.statements(self.dialect, self.target_schema)
        ]
        state = Writer(self.dialect, self.target_schema, run_id)
        written = set(self.written)
        state.models(
            (n, self.fingerprints[n], self.rows[n])
            for n in self.selected
            if n in written or self._state_differs(n)
        )
        behind = {
            reader
            for name in [*written, *self.sources]
            for reader in self._readers(name)
            if reader not in self.selected and reader in self.state.models
        }
        state.unsync(sorted(behind))
        # A relationship check of a model not in the run reads a model the run changed: its
        # kept verdict no longer holds (the model itself is still what its inputs make it).
        for model in self.project.order:
            if model not in self.selected and model in self.state.models:
                state.forget_checks(model, self._references_to(model, written))
        for source, change in self.sources.items():
            if change.unchanged:
                continue
            assert change.buckets is not None
            state.source(
                source,
                change.shift,
                change.rows,
                change.checksum,
                change.buckets,
                None if change.changed is None else location(change.changed),
            )
        for name in self.selected:
            checks = [(r.check, r.failing, r.sample) for r in results.get(name, [])]
            if name in written or self._checks_differ(name, checks):
                state.checks(name, checks)
        return out + state.statements

    def _state_differs(self, name: str) -> bool:
        known = self.state.models.get(name)
        return known is None or (
            (known.fingerprint, known.synced, known.rows)
            != (self.fingerprints[name], True, self.rows[name])
        )

    def _checks_differ(
        self, model: str, checks: list[tuple[str, int, list[dict[str, Any]]]]
    ) -> bool:
        known = {c: (s.failing, s.sample) for (m, c), s in self.state.checks.items() if m == model}
        return known != {check: (failing, sample) for check, failing, sample in checks}

    def _references_to(self, name: str, models: set[str]) -> list[str]:
        """The relationship checks of model ``name`` that read one of ``models``."""
        contract = self.project.models[name].contract
        planned = plan_checks(contract, self.published)
        return [c.name for c in planned if c.reference and c.reference[1].model in models]

    def _readers(self, name: str) -> list[str]:
        return [m for m in self.project.order if name in self.project.models[m].depends_on]
