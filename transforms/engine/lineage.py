"""Column-level lineage, read off the models' Ibis expressions: no database, no SQL parsing.

A model's expression is a graph of Ibis operations over unbound tables named after its inputs.
Walking it from each output column back to those tables tells, per column, which input
columns it is computed from, and how each one takes part:

- ``value``: the column's value is derived from it (``cart_value`` ← ``dim_product.price``);
- ``filter``: it decides which rows there are, or which rows go together or in which order —
  a ``filter`` predicate, a ``join`` condition, a ``group`` key (of an aggregate or a window's
  partition), an ``order`` key (of a window, or of the row a ``first_per`` keeps).

A left join's condition decides the right side's values (which row matches), not the left
side's rows: it is a ``join`` dependency of the right side's columns only. The direct
dependencies of every model, chained through the project's graph, give the lineage of any
column down to the sources, or everything that depends on a source column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import ibis.expr.operations as ops

from transforms.engine.errors import TransformsError
from transforms.engine.graph import LAYERS, Project, did_you_mean

Kind = Literal["value", "filter"]
Role = Literal["value", "filter", "join", "group", "order"]
ROW_ROLES: tuple[Role, ...] = ("filter", "join", "group", "order")

# Per column of a relation: the input columns it depends on, each with its roles.
_Deps = dict[tuple[str, str], frozenset[Role]]


@dataclass(frozen=True, order=True)
class ColumnRef:
    """A column of a source or model; ``layer`` is ``"source"`` or the model's layer."""

    table: str
    column: str
    layer: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass(frozen=True)
class Dependency:
    """``column`` depends directly on ``upstream``, a column of one of its model's inputs.

    ``roles`` are ``("value",)`` for a value dependency, else the ways it decides the rows
    (``filter``, ``join``, ``group``, ``order``). A column can depend on the same upstream
    column both ways (``session_number`` on ``event_at``): then there are two dependencies.
    """

    column: ColumnRef
    upstream: ColumnRef
    kind: Kind
    roles: tuple[Role, ...]


@dataclass(frozen=True)
class Reached:
    """A column on the way: ``value`` when a chain of value dependencies alone reaches it."""

    column: ColumnRef
    kind: Kind


@dataclass(frozen=True)
class Lineage:
    """The lineage of ``column``: what it is computed from, or (``downstream``) what reads it.

    ``dependencies`` holds every direct dependency on the way, once each; ``reached`` every
    column it leads to, marts first and sources last.
    """

    column: ColumnRef
    downstream: bool
    values_only: bool
    dependencies: tuple[Dependency, ...]
    reached: tuple[Reached, ...]

    def next(self, column: ColumnRef) -> list[Dependency]:
        """The dependencies one step further from the asked column: its inputs, or its readers."""
        side = (lambda d: d.upstream) if self.downstream else (lambda d: d.column)
        return [d for d in self.dependencies if side(d) == column]

    @property
    def sources(self) -> list[ColumnRef]:
        """The source columns reached (upstream lineage)."""
        return [r.column for r in self.reached if r.column.layer == "source"]


def column_lineage(
    project: Project,
    table: str,
    column: str,
    *,
    downstream: bool = False,
    values_only: bool = False,
) -> Lineage:
    """The lineage of ``table.column`` (a model's or a source's) through ``project``.

    ``values_only`` follows value dependencies alone: where the value comes from, or what
    takes its value from the column.
    """
    root = _ref(project, table, column)
    edges = direct_dependencies(project)
    step: dict[ColumnRef, list[Dependency]] = {}
    for deps in edges.values():
        for d in deps:
            if values_only and d.kind != "value":
                continue
            step.setdefault(d.upstream if downstream else d.column, []).append(d)

    # Breadth first; a column is reached by value if some chain of value steps gets there.
    kinds: dict[ColumnRef, Kind] = {root: "value"}
    seen_edges: list[Dependency] = []
    frontier = [root]
    while frontier:
        following: list[ColumnRef] = []
        for col in frontier:
            for d in step.get(col, []):
                seen_edges.append(d)
                there = d.column if downstream else d.upstream
                kind: Kind = "value" if d.kind == "value" and kinds[col] == "value" else "filter"
                if there not in kinds:
                    kinds[there] = kind
                    following.append(there)
                elif kind == "value" and kinds[there] == "filter":
                    kinds[there] = "value"
                    following.append(there)  # what it reaches by value is reached by value too
        frontier = following
    reached = [Reached(c, k) for c, k in kinds.items() if c != root]
    unique = list(dict.fromkeys(seen_edges))
    return Lineage(
        column=root,
        downstream=downstream,
        values_only=values_only,
        dependencies=tuple(
            sorted(unique, key=lambda d: (_rank(project, d.column), d.kind != "value"))
        ),
        reached=tuple(sorted(reached, key=lambda r: _rank(project, r.column))),
    )


def roles_by_upstream(deps: Iterable[Dependency]) -> dict[ColumnRef, list[Role]]:
    """Each upstream column of ``deps`` with its roles: a value and a filter dependency on one
    column are one entry, the value first (as :func:`model_dependencies` lists them)."""
    roles: dict[ColumnRef, list[Role]] = {}
    for d in deps:
        roles.setdefault(d.upstream, []).extend(d.roles)
    return roles


def direct_dependencies(project: Project) -> dict[ColumnRef, list[Dependency]]:
    """Every model column's direct dependencies on its inputs' columns (kept for the project)."""
    cached = project.memo.get("lineage")
    if cached is None:
        cached = {}
        for name in project.order:
            cached.update(model_dependencies(project, name))
        project.memo["lineage"] = cached
    return cached


def model_dependencies(project: Project, name: str) -> dict[ColumnRef, list[Dependency]]:
    """The direct dependencies of each output column of model ``name``, in column order."""
    model = project.models[name]
    expr = project.expression(name, {dep: project.unbound(dep) for dep in model.depends_on})
    tracer = _Tracer()
    found, rows = tracer.columns(expr.op()), tracer.rows(expr.op())
    out: dict[ColumnRef, list[Dependency]] = {}
    for column in expr.columns:
        ref = ColumnRef(name, column, model.layer)
        deps: list[Dependency] = []
        for (table, upstream), roles in sorted(_merge(found[column], rows).items()):
            up = _ref(project, table, upstream)
            if "value" in roles:
                deps.append(Dependency(ref, up, "value", ("value",)))
            deciding = tuple(r for r in ROW_ROLES if r in roles)
            if deciding:
                deps.append(Dependency(ref, up, "filter", deciding))
        out[ref] = deps
    return out


def _ref(project: Project, table: str, column: str) -> ColumnRef:
    if table in project.sources:
        layer = "source"
    elif table in project.models:
        layer = project.models[table].layer
    else:
        known = set(project.sources) | set(project.models)
        raise TransformsError(f"no model or source named {table!r}{did_you_mean(table, known)}")
    columns = project.columns(table)
    if column not in columns:
        raise TransformsError(
            f"{table!r} has no column {column!r}{did_you_mean(column, columns)}: "
            f"its columns are {', '.join(columns)}"
        )
    return ColumnRef(table, column, layer)


def _rank(project: Project, ref: ColumnRef) -> tuple[int, int, int]:
    """Marts first, sources last; in a layer the later built first, then in column order."""
    layer = [*reversed(LAYERS), "source"].index(ref.layer)
    if ref.layer == "source":
        position = list(project.sources).index(ref.table)
    else:
        position = -project.order.index(ref.table)
    return (layer, position, list(project.columns(ref.table)).index(ref.column))


# --- reading an expression ---------------------------------------------------------------------


def _as(deps: _Deps, role: Role) -> _Deps:
    """``deps`` as used by a filter, a join condition, a grouping or an ordering: in that role.

    A filter keeps the ``group`` and ``order`` of what it reads: ``row_number() = 0`` keeps
    the first row of each group in an order, and those say which row that is.
    """
    kept = ("group", "order") if role == "filter" else ()
    return {k: frozenset(r if r in kept else role for r in roles) for k, roles in deps.items()}


def _merge(*many: _Deps) -> _Deps:
    out: dict[tuple[str, str], frozenset[Role]] = {}
    for deps in many:
        for key, roles in deps.items():
            out[key] = out.get(key, frozenset()) | roles
    return out


class _Tracer:
    """Per relation of one model's expression: what decides each column's value in a row
    (:meth:`columns`), and what decides which rows there are (:meth:`rows`)."""

    def __init__(self) -> None:
        self._memo: dict[ops.Relation, tuple[dict[str, _Deps], _Deps]] = {}

    def columns(self, rel: ops.Relation) -> dict[str, _Deps]:
        """Each column's dependencies within a row: values, and the matches of a left join."""
        return self._traced(rel)[0]

    def rows(self, rel: ops.Relation) -> _Deps:
        """What decides which rows ``rel`` has: filters, join conditions, group keys, orders."""
        return self._traced(rel)[1]

    def _traced(self, rel: ops.Relation) -> tuple[dict[str, _Deps], _Deps]:
        if rel not in self._memo:
            self._memo[rel] = self._trace(rel)
        return self._memo[rel]

    def _trace(self, rel: ops.Relation) -> tuple[dict[str, _Deps], _Deps]:
        match rel:
            case ops.PhysicalTable(name=name):
                return {c: {(name, c): frozenset({"value"})} for c in rel.schema.names}, {}
            case ops.Project(parent=parent, values=values):
                return {c: self.value(v) for c, v in values.items()}, self.rows(parent)
            case ops.Filter(parent=parent, predicates=predicates):
                kept = [_as(self.value(p), "filter") for p in predicates]
                return self.columns(parent), _merge(self.rows(parent), *kept)
            case ops.Aggregate(parent=parent, groups=groups, metrics=metrics):
                keys = [_as(self.value(v), "group") for v in groups.values()]
                values = {**groups, **metrics}
                return {c: self.value(v) for c, v in values.items()}, _merge(
                    self.rows(parent), *keys
                )
            case ops.JoinChain():
                return self._join(rel)
            case ops.DropColumns(parent=parent, columns_to_drop=dropped):
                kept_columns = {c: d for c, d in self.columns(parent).items() if c not in dropped}
                return kept_columns, self.rows(parent)
            case ops.Sort(parent=parent, keys=keys):
                order = [_as(self.value(k), "order") for k in keys]
                return self.columns(parent), _merge(self.rows(parent), *order)
            case ops.DropNull(parent=parent, subset=subset):
                checked = subset or [ops.Field(parent, c) for c in parent.schema.names]
                kept = [_as(self.value(f), "filter") for f in checked]
                return self.columns(parent), _merge(self.rows(parent), *kept)
            case ops.FillNull(parent=parent, replacements=replacements):
                if not isinstance(replacements, Mapping):  # one value for every column
                    replacements = dict.fromkeys(parent.schema.names, replacements)
                filled = {
                    c: _merge(d, self.value(replacements[c]))
                    if isinstance(replacements.get(c), ops.Node)  # not a plain Python value
                    else d
                    for c, d in self.columns(parent).items()
                }
                return filled, self.rows(parent)
            case ops.Distinct(parent=parent):
                return self.columns(parent), self._distinct(parent)
            case ops.Reference() | ops.Limit() | ops.Sample():
                return self._traced(rel.parent)
            case ops.Set(left=left, right=right):
                return self._set(rel, left, right)
            case ops.DummyTable(values=values):
                return {c: self.value(v) for c, v in values.items()}, {}
            case _:
                return self._unknown(rel)

    def _distinct(self, rel: ops.Relation) -> _Deps:
        """The rows of ``rel`` made distinct: how many there are depends on every value."""
        return _merge(self.rows(rel), *(_as(d, "filter") for d in self.columns(rel).values()))

    def _join(self, chain: ops.JoinChain) -> tuple[dict[str, _Deps], _Deps]:
        tables = [chain.first, *(link.table for link in chain.rest)]
        base = {t: self.columns(t) for t in tables}
        rows = self.rows(chain.first)
        matched: dict[ops.Relation, _Deps] = {}  # what decides the row a left join matches
        for link in chain.rest:
            condition = _merge(*(_as(self.value(p, base), "join") for p in link.predicates))
            if link.how in ("left", "asof"):
                matched[link.table] = _merge(condition, self.rows(link.table))
            else:  # inner, right, outer, semi, anti, …: the condition decides the rows
                rows = _merge(rows, condition, self.rows(link.table))
        scope = {t: {c: _merge(d, matched.get(t, {})) for c, d in base[t].items()} for t in tables}
        return {c: self.value(v, scope) for c, v in chain.values.items()}, rows

    def _set(
        self, rel: ops.Set, left: ops.Relation, right: ops.Relation
    ) -> tuple[dict[str, _Deps], _Deps]:
        lcols, rcols = self.columns(left), self.columns(right)
        pairs = list(zip(lcols, rcols, strict=True))
        if isinstance(rel, ops.Union):
            columns = {a: _merge(lcols[a], rcols[b]) for a, b in pairs}
            rows = _merge(self.rows(left), self.rows(right))
            if rel.distinct:
                rows = _merge(rows, *(_as(d, "filter") for d in columns.values()))
            return columns, rows
        # INTERSECT / EXCEPT: the right side decides which of the left side's rows are kept
        right_side = [_as(rcols[b], "filter") for _, b in pairs]
        return lcols, _merge(self.rows(left), self.rows(right), *right_side)

    def _unknown(self, rel: ops.Relation) -> tuple[dict[str, _Deps], _Deps]:
        """An operation not read above: every column may depend on all of its inputs' columns.

        Conservative: a same-named input column is a value, every other one decides the rows.
        """
        parents = [c for c in rel.__children__ if isinstance(c, ops.Relation)]
        everything = [_as(d, "filter") for p in parents for d in self.columns(p).values()]
        rows = _merge(*(self.rows(p) for p in parents), *everything)
        same = {
            c: [self.columns(p)[c] for p in parents if c in self.columns(p)] for c in rel.schema
        }
        return {c: _merge(*found) for c, found in same.items()}, rows

    def value(
        self, node: ops.Node, scope: Mapping[ops.Relation, dict[str, _Deps]] | None = None
    ) -> _Deps:
        """The input columns a value expression depends on (``scope``: a join's sides)."""
        match node:
            case ops.Field(rel=rel, name=name):
                columns = scope[rel] if scope and rel in scope else self.columns(rel)
                return columns[name]
            case ops.WindowFunction():
                return _merge(
                    self.value(node.func, scope),
                    *(_as(self.value(g, scope), "group") for g in node.group_by),
                    *(_as(self.value(k, scope), "order") for k in node.order_by),
                )
            case ops.ScalarSubquery(rel=rel) | ops.ExistsSubquery(rel=rel):
                return _merge(self.rows(rel), *self.columns(rel).values())
            case ops.InSubquery(rel=rel, needle=needle):
                found = [self.rows(rel), *self.columns(rel).values()]
                return _merge(self.value(needle, scope), *found)
            case ops.Relation():
                return {}  # COUNT(*)'s table: its rows are the enclosing relation's
        where = getattr(node, "where", None) if isinstance(node, ops.Reduction) else None
        parts = [self.value(c, scope) for c in node.__children__ if c is not where]
        if where is not None:
            parts.append(_as(self.value(where, scope), "filter"))
        return _merge(*parts)
