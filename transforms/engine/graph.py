"""The project graph: sources and models, validated, ordered, grouped by layer, selectable."""

from __future__ import annotations

import difflib
import graphlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import ibis

from contracts.base import References, Source
from transforms.engine.errors import TransformsError
from transforms.engine.model import LAYERS, Model, Via, declared_model


@dataclass
class Project:
    """Every source and model of a project, checked for unknown names, cycles and layering."""

    sources: dict[str, type[Source]]
    models: dict[str, Model]
    order: list[str] = field(init=False)  # models in build order: layer by layer, then topological
    # values derived from the models and kept for the project's life (their fingerprints)
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._check_names()
        self.order = self._build_order()
        for m in self.models.values():
            self._check_incremental(m)

    @classmethod
    def discover(cls, modules: Iterable[ModuleType], sources: Iterable[type[Source]]) -> Project:
        """Collect the models declared in ``modules`` (functions decorated with ``@model``)."""
        models: dict[str, Model] = {}
        for module in modules:
            for value in vars(module).values():
                found = declared_model(value)
                if found is None or found.func.__module__ != module.__name__:
                    continue
                if found.name in models and models[found.name] is not found:
                    raise TransformsError(f"model {found.name!r} is declared twice")
                models[found.name] = found
        return cls(sources={s.table: s for s in sources}, models=models)

    # --- validation ----------------------------------------------------------------------------

    def _check_names(self) -> None:
        known = set(self.sources) | set(self.models)
        for name in set(self.sources) & set(self.models):
            raise TransformsError(f"{name!r} is both a source and a model: rename the model")
        for m in self.models.values():
            for parent in self.checked_against(m.name):
                if parent not in self.models:
                    raise TransformsError(
                        f"model {m.name!r}: a check references unknown model {parent!r}"
                        f"{did_you_mean(parent, self.models)}"
                    )
            for dep in m.depends_on:
                if dep not in known:
                    raise TransformsError(
                        f"model {m.name!r} depends on unknown {dep!r}{did_you_mean(dep, known)}"
                    )
                if dep in self.models:
                    upstream = self.models[dep]
                    if LAYERS.index(upstream.layer) > LAYERS.index(m.layer):
                        raise TransformsError(
                            f"model {m.name!r} ({m.layer}) reads {dep!r} of a later layer "
                            f"({upstream.layer}): move one of them"
                        )

    def columns(self, name: str) -> dict[str, ibis.DataType]:
        """The declared columns of source or model ``name`` and their types."""
        contract = self.sources[name] if name in self.sources else self.models[name].contract
        return {c.name: c.ibis_type() for c in contract.columns()}

    def _check_incremental(self, m: Model) -> None:
        """An ``incremental=by(...)`` declaration names columns that exist, of inputs it reads."""
        decl = m.incremental
        if decl is None:
            return

        def fail(problem: str) -> TransformsError:
            return TransformsError(f"model {m.name!r}: incremental=by({decl.key!r}): {problem}")

        if decl.key not in self.columns(m.name):
            raise fail(f"its contract has no column {decl.key!r}")
        for name, _ in decl.columns:
            if name not in m.depends_on:
                raise fail(f"{name!r} is not one of its inputs ({', '.join(m.depends_on)})")
        sources = [d for d in m.depends_on if d in self.sources and isinstance(decl.column(d), str)]
        if sources and len(sources) != len(m.depends_on):
            raise fail("a model partitioned by a source column reads that one source only")
        for dep in m.depends_on:
            column = decl.column(dep)
            if isinstance(column, Via):
                through = column.model
                if through not in m.depends_on or not isinstance(decl.column(through), str):
                    raise fail(f"via({through!r}) must name another input partitioned by the key")
                if column.column not in self.columns(through):
                    raise fail(f"{through!r} has no column {column.column!r}")
                column = column.input_column
            if column not in self.columns(dep):
                raise fail(f"input {dep!r} has no column {column!r}")
            if dep in self.sources and not self.columns(dep)[column].is_integer():
                raise fail(f"source column {dep}.{column} must be an integer (its id)")

    def _build_order(self) -> list[str]:
        graph = {
            m.name: [d for d in m.depends_on if d in self.models] for m in self.models.values()
        }
        sorter = graphlib.TopologicalSorter(graph)
        try:
            sorter.prepare()
        except graphlib.CycleError as exc:
            cycle = " → ".join(exc.args[1])
            raise TransformsError(f"the models form a cycle: {cycle}") from None
        order: list[str] = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready())
            order.extend(ready)
            sorter.done(*ready)
        rank = {name: i for i, name in enumerate(order)}
        return sorted(order, key=lambda n: (LAYERS.index(self.models[n].layer), rank[n]))

    # --- navigation ----------------------------------------------------------------------------

    def upstream(self, name: str) -> set[str]:
        """Every model ``name`` reads, directly or not (sources excluded)."""
        seen: set[str] = set()
        stack = [d for d in self.models[name].depends_on if d in self.models]
        while stack:
            dep = stack.pop()
            if dep not in seen:
                seen.add(dep)
                stack.extend(d for d in self.models[dep].depends_on if d in self.models)
        return seen

    def downstream(self, name: str) -> set[str]:
        """Every model that reads ``name``, directly or not."""
        return {m for m in self.models if name in self.upstream(m)}

    def checked_against(self, name: str) -> list[str]:
        """The other models the checks of model ``name`` read (its relationship checks)."""
        columns = self.models[name].contract.columns()
        parents = {r.model for c in columns for r in c.checks if isinstance(r, References)}
        return sorted(parents - {name})

    def direct_downstream(self, name: str) -> list[str]:
        return [m for m in self.order if name in self.models[m].depends_on]

    def select(self, patterns: Sequence[str] | None) -> list[str]:
        """Models matching ``name``, ``name+`` (and downstream), ``+name`` (and upstream), in order.

        A pattern may also be a layer name (``staging``); no patterns selects everything.
        """
        if not patterns:
            return list(self.order)
        chosen: set[str] = set()
        for raw in patterns:
            for pattern in raw.replace(",", " ").split():
                name = pattern.strip("+")
                if name in LAYERS:
                    group = {m for m in self.models if self.models[m].layer == name}
                elif name in self.models:
                    group = {name}
                else:
                    options = set(self.models) | set(LAYERS)
                    raise TransformsError(
                        f"--select {pattern!r}: no model named {name!r}"
                        f"{did_you_mean(name, options)}"
                    )
                for member in list(group):
                    if pattern.startswith("+"):
                        group |= self.upstream(member)
                    if pattern.endswith("+"):
                        group |= self.downstream(member)
                chosen |= group
        return [m for m in self.order if m in chosen]

    def layers(self, names: Iterable[str]) -> list[tuple[str, list[str]]]:
        """``names`` grouped by layer, in build order."""
        wanted = set(names)
        return [
            (layer, [m for m in self.order if m in wanted and self.models[m].layer == layer])
            for layer in LAYERS
            if any(self.models[m].layer == layer for m in wanted)
        ]

    # --- expressions ---------------------------------------------------------------------------

    def unbound(self, name: str, database: str | None = None) -> ibis.Table:
        """An unbound Ibis table with the declared schema of source or model ``name``."""
        if name in self.sources:
            return ibis.table(self.sources[name].ibis_schema(), name=name, database=database)
        return ibis.table(self.models[name].contract.ibis_schema(), name=name, database=database)

    def expression(self, name: str, upstream: Mapping[str, ibis.Table]) -> ibis.Table:
        """Model ``name`` as an Ibis expression over the given upstream tables."""
        try:
            model = self.models[name]
        except KeyError:
            raise TransformsError(
                f"no model named {name!r}{did_you_mean(name, self.models)}"
            ) from None
        missing = [d for d in model.depends_on if d not in upstream]
        if missing:
            raise TransformsError(f"model {name!r} needs upstream tables: {', '.join(missing)}")
        return model(**upstream)


def did_you_mean(name: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the option closest to ``name``, or nothing."""
    close = difflib.get_close_matches(name, sorted(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
