"""Incremental runs: recompute only the partitions a change can reach, and publish just those.

A model declared ``incremental=by(key, …)`` (engine.model) computes its rows with given key
values from its inputs' rows with the same values. An incremental run therefore:

1. **finds what changed in each source, exactly**: the source's ids are grouped into buckets
   and each bucket's row count and checksum (a sum of row hashes) are compared with the ones
   kept from the last published run. Every insert, update or delete shows, whatever its
   timestamps say; an unchanged source costs one aggregate scan.
2. **recomputes each model for the affected keys** (its *partitions*): the keys of the rows
   that changed in its inputs, old and new, plus those a ``via`` input reaches. The inputs are
   read restricted to those keys, the model's own function runs on them unchanged, and the
   result is compared with the published rows of the same keys: only rows that differ are
   changes, and only changes travel downstream.
3. **publishes by replacement**: the published rows of every key with a change are deleted
   and the recomputed ones inserted, in the one transaction that publishes the whole run.

A model builds fully instead when it has no declaration, on the first run, with
``full_refresh``, when its fingerprint (compiled SQL, contract, declaration) changed, when it
fell behind its inputs (a ``--select`` run rebuilt one of them), when most of its source
changed, and when it reads a model that builds fully. Everything is prepared in the build
area: a failed run leaves the published tables and the state as they were.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.operations as ops
import sqlglot.expressions as sge

from contracts.base import Contract, RowCheck, TableCheck, Unique, UniqueKey
from transforms.engine.compile import compile_sql
from transforms.engine.dialects import Dialect, RowHash
from transforms.engine.graph import Project
from transforms.engine.model import Model, Via
from transforms.engine.state import CHECKSUM, SourceState, State

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

# Written into every fingerprint: a change of how increments are made invalidates old states.
STATE_VERSION = "1"
# A source whose changed buckets hold more than this share of its rows is rebuilt fully: at
# that size reading everything costs less than comparing.
FULL_SHARE = 0.9
# Rows per bucket of a source, about: finer buckets re-read fewer unchanged rows around each
# change (a late event re-reads its bucket), coarser ones keep the state smaller. Scale 10 on
# PostgreSQL, a day's changes: 2,048 ids a bucket re-read 2M events, 256 re-read 250k. Small
# tables get at least MIN_BUCKETS buckets: a day's 100 customer updates, spread over 100,000
# ids, would otherwise touch most buckets of 256 ids.
BUCKET_ROWS = 256
MIN_BUCKETS = 4096
KEY = "key"  # the column of a table of affected keys
CHANGE = "__change"  # +1: a row of the new version; -1: a row of the published one


# --- what a model is built with ------------------------------------------------------------------


def fingerprint(project: Project, name: str, dialect: str) -> str:
    """A digest of the model's compiled SQL, its contract and its declaration: a change of any
    of them makes the next run build the model fully. Kept with the project: compiling every
    model costs 0.1-0.2 s, and a service runs one project many times."""
    memo = project.memo.setdefault("fingerprints", {})
    if (name, dialect) not in memo:
        memo[(name, dialect)] = _fingerprint(project, name, dialect)
    return str(memo[(name, dialect)])


def _fingerprint(project: Project, name: str, dialect: str) -> str:
    model = project.models[name]
    sql = compile_sql(
        project,
        name,
        dialect=dialect,
        source_schema="__source__",
        target_schema="__target__",
        pretty=False,  # a quarter of the time, for the same statement
    )
    digest = hashlib.sha256()
    for part in (STATE_VERSION, sql, repr(model.incremental), *_contract(model.contract)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _contract(contract: type[Contract]) -> Iterable[str]:
    table = ibis.table(contract.ibis_schema(), name="t")
    # names, types, nullability and column checks (descriptions are documentation only)
    yield repr([(c.name, c.dtype, c.nullable, c.checks) for c in contract.columns()])
    for check in contract.checks:
        match check:
            case RowCheck(name=label, rule=rule, severity=severity):
                yield f"{label}|{severity}|{ibis.to_sql(table.filter(rule(table)))}"
            case TableCheck(name=label, violations=violations, severity=severity):
                yield f"{label}|{severity}|{ibis.to_sql(violations(table))}"
            case _:
                yield repr(check)


# --- mode of each model --------------------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    """How a model is brought up to date in a run; ``reason`` says why it builds fully."""

    incremental: bool
    reason: str | None = None

    @property
    def name(self) -> str:
        return "incremental" if self.incremental else "full"


INCREMENTAL = Mode(True)


def full(reason: str) -> Mode:
    return Mode(False, reason)


def plan(
    project: Project,
    names: Sequence[str],
    state: State,
    published: set[str],
    full_refresh: bool,
) -> dict[str, Mode]:
    """Each selected model's mode, in build order, as far as the state tells: its build may
    still turn it full (its fingerprint changed, it reads a model built whole, most of its
    source changed).

    The reasons are short, for a line per model on a terminal: ``first run`` (no state kept
    for it), ``--full-refresh``, ``not incremental`` (no declaration), ``table missing``,
    ``code changed`` (its fingerprint: compiled SQL, contract, declaration), ``behind its
    inputs`` (a ``--select`` run rebuilt one of them without it), ``<source> not
    fingerprinted``, ``reads <model> (full)``, and from a build ``<n> % of <source> changed``.
    """
    modes: dict[str, Mode] = {}
    for name in names:
        model = project.models[name]
        known = state.models.get(name)
        fuller = [d for d in model.depends_on if d in modes and not modes[d].incremental]
        sources = [d for d in model.depends_on if d in project.sources]
        if full_refresh:
            modes[name] = full("--full-refresh")
        elif model.incremental is None:
            modes[name] = full("not incremental")
        elif known is None:
            modes[name] = full("first run")
        elif name not in published:
            modes[name] = full("table missing")
        elif not known.synced:
            modes[name] = full("behind its inputs")
        elif missing := [s for s in sources if s not in state.sources]:
            modes[name] = full(f"{missing[0]} not fingerprinted")
        elif fuller:
            modes[name] = full(reads_full(fuller[0]))
        else:
            modes[name] = INCREMENTAL
    return modes


def reads_full(upstream: str) -> str:
    return f"reads {upstream} (full)"


# --- the build area ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """The build area of a run, where increments are prepared: tables and queries."""

    dialect: Dialect
    target_schema: str

    def create(
        self, con: SQLBackend, name: str, expr: ibis.Table, schema: ibis.Schema | None = None
    ) -> tuple[ibis.Table, int]:
        """``expr`` as a working table (typed ``schema``, default the expression's): the
        table and its row count."""
        return self.sql_table(con, name, self.dialect.to_sql(expr), schema or expr.schema())

    def sql_table(
        self, con: SQLBackend, name: str, select_sql: str, schema: ibis.Schema
    ) -> tuple[ibis.Table, int]:
        """A working table from a SELECT statement: the table (typed ``schema``) and its
        row count."""
        where, rows = self.dialect.scratch_table_as(con, self.target_schema, name, select_sql)
        *namespace, table = where
        catalog = namespace[0] if len(namespace) > 1 else None
        return ibis.table(schema, name=table, catalog=catalog, database=namespace[-1]), rows

    def query(self, con: SQLBackend, expr: ibis.Table) -> list[dict[str, Any]]:
        rows = self.dialect.sql(con, self.dialect.to_sql(expr))
        return [dict(zip(expr.columns, row, strict=True)) for row in rows]

    def one(self, con: SQLBackend, expr: ibis.Table) -> dict[str, Any]:
        [row] = self.query(con, expr)
        return row


# --- what changed in a source --------------------------------------------------------------------


def row_hash(table: ibis.Table, columns: Sequence[str]) -> ibis.Value:
    return RowHash(tuple(table[c].op() for c in columns)).to_expr()


def checksum(hashes: ibis.Value) -> ibis.Value:
    """``CAST(SUM(hash) AS DECIMAL(38, 0))``, always emitted (engines sum into other types)."""
    return ops.Cast(hashes.sum(), to=ibis.dtype(CHECKSUM)).to_expr()


@dataclass(frozen=True)
class SourceChange:
    """A source as fingerprinted by a run, and which of its buckets changed."""

    source: str
    shift: int  # buckets of 2**shift ids
    rows: int
    checksum: Decimal
    buckets: tuple[str, ...] | None  # build-area table of every bucket (None: unchanged)
    changed: ibis.Table | None  # build-area table of the changed buckets (column KEY); None: all
    has_null: bool = False  # rows with a NULL id changed too
    changed_rows: int = 0  # rows of the source in the changed buckets

    @property
    def unchanged(self) -> bool:
        return self.buckets is None


def detect(
    area: Area,
    con: SQLBackend,
    source: ibis.Table,
    columns: Sequence[str],
    key: str,
    known: SourceState | None,
    stored: tuple[str, ...] | None,
) -> SourceChange:
    """Fingerprint ``source`` (its contract's ``columns``) by buckets of its ``key``.

    With a ``known`` state and its ``stored`` buckets (the state's table), compare: first the
    whole table (one scan, nothing written), then, if it differs, bucket by bucket. Without,
    fingerprint it whole, for the next run.
    """
    name = source.op().name
    hashes = row_hash(source, columns)
    if known is not None and stored is not None:
        total = area.one(con, source.aggregate(rows=source.count(), checksum=checksum(hashes)))
        if int(total["rows"]) == known.rows and Decimal(total["checksum"]) == known.checksum:
            return SourceChange(name, known.shift, known.rows, known.checksum, None, None)
        shift = known.shift
    else:
        span = area.one(
            con, source.aggregate(rows=source.count(), lo=source[key].min(), hi=source[key].max())
        )
        shift = bucket_shift(span["rows"], span["lo"], span["hi"])
    grouped = source.group_by(bucket=source[key] >> shift).aggregate(
        rows=source.count(), checksum=checksum(hashes)
    )
    buckets, _ = area.create(con, f"{name}__source_buckets", grouped)
    q, sql = area.dialect.q, area.dialect.sql
    mine = q(*location(buckets))
    [(rows, sums)] = sql(con, f"SELECT sum({q('rows')}), sum({q('checksum')}) FROM {mine}")
    rows, sums = int(rows or 0), Decimal(sums or 0)
    if known is None or stored is None:
        return SourceChange(name, shift, rows, sums, location(buckets), None)
    # the buckets whose count or checksum differ, or that exist on one side only (a bucket of
    # NULL ids never matches: it is always changed)
    b, r, c = q("bucket"), q("rows"), q("checksum")
    kept = f"(SELECT {b}, {r}, {c} FROM {q(*stored)} WHERE {q('source')} = {_sql_text(name)})"
    changed, _ = area.sql_table(
        con,
        f"{name}__changed_buckets",
        f"SELECT coalesce(n.{b}, o.{b}) AS {q(KEY)}, coalesce(n.{r}, 0) AS {q('__rows')} "
        f"FROM {mine} AS n FULL OUTER JOIN {kept} AS o ON n.{b} = o.{b} "
        f"WHERE n.{b} IS NULL OR o.{b} IS NULL OR n.{r} <> o.{r} OR n.{c} <> o.{c}",
        ibis.schema({KEY: "int64", "__rows": "int64"}),
    )
    [(changed_rows, nulls)] = sql(
        con,
        f"SELECT sum({q('__rows')}), count(*) - count({q(KEY)}) FROM {q(*location(changed))}",
    )
    return SourceChange(
        name,
        shift,
        rows,
        sums,
        location(buckets),
        changed,
        has_null=bool(nulls),
        changed_rows=int(changed_rows or 0),
    )


def _sql_text(value: str) -> str:
    return sge.Literal.string(value).sql()


def bucket_shift(rows: int, lo: int | None, hi: int | None) -> int:
    """Buckets of ``2**shift`` ids: about BUCKET_ROWS rows each, at least MIN_BUCKETS of them."""
    if lo is None or hi is None:
        return 0
    width = int(hi) - int(lo) + 1
    ids = min(BUCKET_ROWS * width / max(1, int(rows)), width / MIN_BUCKETS)
    return max(0, math.floor(math.log2(max(1.0, ids))))


# --- what changed in a model ---------------------------------------------------------------------


@dataclass(frozen=True)
class Delta:
    """A model's increment in a run, prepared in the build area.

    ``keys`` are the affected partitions (values of the key, or for a staging model buckets
    of ``2**shift`` key values); ``new`` and ``old`` their rows now and as published;
    ``added`` and ``removed`` the rows that differ (``new`` less ``old``, and the reverse, as
    multisets): the changes that travel downstream.
    """

    name: str
    key: str
    published: ibis.Table
    rows_before: int
    shift: int | None = None
    keys: ibis.Table | None = None  # None: nothing changed
    has_null: bool = False  # the partition of the NULL key is affected
    new: ibis.Table | None = None
    old: ibis.Table | None = None
    added: ibis.Table | None = None
    removed: ibis.Table | None = None
    inserted: int = 0  # rows in added
    deleted: int = 0  # rows in removed
    nullable: bool = True  # the key may be NULL (its contract allows it)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.deleted)

    @property
    def rows_after(self) -> int:
        return self.rows_before - self.deleted + self.inserted

    def part(self, value: ibis.Value) -> ibis.Value:
        return value if self.shift is None else value >> self.shift

    def member(self, value: ibis.Value) -> ibis.Value:
        """``value`` (of the key) lies in an affected partition."""
        inside = self.part(value).isin(self._values())
        return (inside | value.isnull()) if self.has_null else inside

    def outside(self, value: ibis.Value) -> ibis.Value:
        """``value`` lies in no affected partition (NULL apart: no NOT IN trap)."""
        inside = self.part(value).isin(self._values())
        return (value.notnull() & ~inside) if self.has_null else (value.isnull() | ~inside)

    def _values(self) -> ibis.Value:
        assert self.keys is not None
        return self.keys.filter(self.keys[KEY].notnull())[KEY]

    def version(self) -> ibis.Table:
        """The table as this run will publish it."""
        return self.kept().union(self.new) if self.new is not None else self.published

    def restricted(self, keep: Callable[[ibis.Table], ibis.Value]) -> ibis.Table:
        """The rows of :meth:`version` for which ``keep`` holds, the condition put on each of
        its parts: a subquery condition (``IN``) at the top of the published table's query is
        one PostgreSQL joins with, through the key's index; on the union it is a filter run
        for each of the published table's rows (int_session at scale 10: 1.3 → 0.1 s)."""
        if self.new is None:
            return self.published.filter(keep(self.published))
        kept = self.kept()
        return kept.filter(keep(kept)).union(self.new.filter(keep(self.new)))

    def kept(self) -> ibis.Table:
        """The published rows this run keeps as they are."""
        if self.keys is None:
            return self.published
        key = self.published[self.key]
        if not self.nullable:  # the published table holds no NULL key (its not-null check)
            return self.published.filter(~self.part(key).isin(self._values()))
        return self.published.filter(self.outside(key))

    def changed_values(self, column: str) -> ibis.Table:
        """The values of ``column`` in the rows that changed, old and new (column ``KEY``)."""
        assert self.added is not None and self.removed is not None
        return self.added.select(**{KEY: self.added[column]}).union(
            self.removed.select(**{KEY: self.removed[column]})
        )

    def statements(self, dialect: Dialect, target_schema: str) -> list[str]:
        """Apply the changes to the published table (in the publishing transaction).

        The rows of every key that lost a row are replaced by the key's new rows; the other
        added rows are inserted. Without removed rows that is an insert alone.
        """
        if not self.changed:
            return []
        assert self.new is not None and self.added is not None and self.removed is not None
        q = dialect.q
        target = q(target_schema, self.name)
        added = q(*location(self.added))
        if not self.deleted:
            return [f"INSERT INTO {target} SELECT * FROM {added}"]
        key = q(self.key)
        removed = q(*location(self.removed))
        lost = f"{key} IN (SELECT {key} FROM {removed} WHERE {key} IS NOT NULL)"
        kept = f"{key} NOT IN (SELECT {key} FROM {removed} WHERE {key} IS NOT NULL)"
        if self.nullable:
            null_lost = f"EXISTS (SELECT 1 FROM {removed} WHERE {key} IS NULL)"
            lost = f"({lost} OR ({key} IS NULL AND {null_lost}))"
            kept = f"(({key} IS NULL AND NOT {null_lost}) OR ({key} IS NOT NULL AND {kept}))"
        return [
            f"DELETE FROM {target} WHERE {lost}",
            f"INSERT INTO {target} SELECT * FROM {q(*location(self.new))} WHERE {lost} "
            f"UNION ALL SELECT * FROM {added} WHERE {kept}",
        ]


def location(table: ibis.Table) -> tuple[str, ...]:
    """(catalog,) schema and name of a physical table."""
    op = table.op()
    return (*(p for p in (op.namespace.catalog, op.namespace.database) if p), op.name)


Versions = Callable[[str], ibis.Table]  # name → the table a reader sees in this run
Deltas = Callable[[str], "Delta | None"]  # name → its delta, when built incrementally now


def build(
    area: Area,
    con: SQLBackend,
    model: Model,
    published: ibis.Table,
    rows_before: int,
    version: Versions,
    delta_of: Deltas,
    source: SourceChange | None = None,
) -> Delta:
    """Bring ``model`` up to date for the partitions its inputs' changes reach."""
    decl = model.incremental
    assert decl is not None
    declared = model.contract.ibis_schema()
    nullable = next(c.nullable for c in model.contract.columns() if c.name == decl.key)
    base = Delta(model.name, decl.key, published, rows_before, nullable=nullable)
    if source is not None:  # a staging model: the changed buckets of its source
        if source.unchanged:
            return base
        if source.changed is None:
            raise AssertionError("a full fingerprint has no changed buckets")
        delta = replace(base, shift=source.shift, keys=source.changed, has_null=source.has_null)
    else:
        found = _affected(area, con, model, version, delta_of)
        if found is None:
            return base
        delta = replace(base, keys=found[0], has_null=found[1])

    inputs = {}
    for dep in model.depends_on:
        column = decl.column(dep)
        if isinstance(column, Via):
            inputs[dep] = version(dep)  # read whole: its changes reached the keys through it
            continue
        upstream = delta_of(dep)
        if _covers(area, con, upstream, column, delta):
            assert upstream is not None and upstream.new is not None
            new_rows = upstream.new  # every row of these keys was recomputed upstream already
            inputs[dep] = new_rows.filter(delta.member(new_rows[column]))
        elif upstream is not None:
            inputs[dep] = upstream.restricted(functools.partial(_keyed, delta, column))
        else:
            table = version(dep)
            inputs[dep] = table.filter(delta.member(table[column]))
    computed = model(**inputs)
    new, _ = area.create(
        con, f"{model.name}__new", computed.filter(delta.member(computed[decl.key])), declared
    )
    # The rest is set arithmetic on tables of the build area, written as SQL: compiling it
    # through Ibis cost 5 ms a statement, a fifth of a small increment.
    q = area.dialect.q
    published_sql = q(*location(published))
    old, _ = area.sql_table(
        con,
        f"{model.name}__old",
        # the published table holds no NULL key if the contract forbids it (its not-null check)
        f"SELECT * FROM {published_sql} WHERE "
        + _member_sql(
            area.dialect, delta if nullable else replace(delta, has_null=False), decl.key
        ),
        declared,
    )
    new_sql, old_sql = q(*location(new)), q(*location(old))
    identity = _identity(model.contract)
    added, inserted = area.sql_table(
        con, f"{model.name}__added", _less(q, new_sql, old_sql, declared, identity), declared
    )
    removed, deleted = area.sql_table(
        con, f"{model.name}__removed", _less(q, old_sql, new_sql, declared, identity), declared
    )
    return replace(
        delta,
        new=new,
        old=old,
        added=added,
        removed=removed,
        inserted=inserted,
        deleted=deleted,
    )


def _identity(contract: type[Contract]) -> list[str] | None:
    """Columns that identify a row of the model whenever its run can publish: an ``error``
    uniqueness check over columns that cannot be NULL (their not-null checks are errors)."""
    columns = {c.name: c for c in contract.columns()}
    keys: list[tuple[str, ...]] = [
        (name,)
        for name, c in columns.items()
        if any(isinstance(k, Unique) and k.severity == "error" for k in c.checks)
    ]
    keys += [
        k.columns for k in contract.checks if isinstance(k, UniqueKey) and k.severity == "error"
    ]
    return next((list(k) for k in keys if not any(columns[c].nullable for c in k)), None)


def _less(
    q: Callable[..., str], rows: str, other: str, schema: ibis.Schema, identity: list[str] | None
) -> str:
    """SQL of the rows of ``rows`` not in ``other``, as multisets (``EXCEPT ALL``).

    With an identity the rows are distinct, and an anti-join on it, comparing the other
    columns as values (NULLs equal), gives the same rows: 4× faster than EXCEPT ALL on DuckDB
    (390,000 sessions: 0.09 against 0.38 s), and a hash join on PostgreSQL.
    """
    if identity is None:
        return f"SELECT * FROM {rows} EXCEPT ALL SELECT * FROM {other}"
    same = [f"o.{q(c)} = r.{q(c)}" for c in identity] + [
        f"o.{q(c)} IS NOT DISTINCT FROM r.{q(c)}" for c in schema.names if c not in identity
    ]
    return (
        f"SELECT * FROM {rows} AS r WHERE NOT EXISTS "
        f"(SELECT 1 FROM {other} AS o WHERE {' AND '.join(same)})"
    )


def _keyed(delta: Delta, column: str, table: ibis.Table) -> ibis.Value:
    """``table``'s rows whose ``column`` holds one of ``delta``'s keys."""
    return delta.member(table[column])


def _member_sql(dialect: Dialect, delta: Delta, column: str) -> str:
    """:meth:`Delta.member` as SQL, for the build area's statements."""
    assert delta.keys is not None
    q = dialect.q
    value = q(column)
    part = value if delta.shift is None else f"({value} >> {delta.shift})"
    inside = (
        f"{part} IN (SELECT {q(KEY)} FROM {q(*location(delta.keys))} WHERE {q(KEY)} IS NOT NULL)"
    )
    return f"({inside} OR {value} IS NULL)" if delta.has_null else inside


def _affected(
    area: Area, con: SQLBackend, model: Model, version: Versions, delta_of: Deltas
) -> tuple[ibis.Table, bool] | None:
    """The keys of ``model`` its inputs' changes reach, as a build-area table (and whether
    the NULL key's partition is among them); None when nothing reaches it."""
    decl = model.incremental
    assert decl is not None
    key_type = model.contract.ibis_schema()[decl.key]
    q = area.dialect.q
    cast = area.dialect.sql_type(key_type)
    pieces = []  # SELECT statements of key values
    for dep in model.depends_on:
        upstream = delta_of(dep)
        if upstream is None or not upstream.changed:
            continue
        column = decl.column(dep)
        if isinstance(column, Via):
            values = upstream.changed_values(column.input_column)[KEY]

            def naming(t: ibis.Table, c: str = column.column, v: ibis.Value = values) -> ibis.Value:
                return t[c].isin(v)

            through = delta_of(column.model)
            hit = (
                through.restricted(naming)
                if through is not None
                else version(column.model).filter(naming)
            )
            found = hit.select(**{KEY: hit[decl.column(column.model)].cast(key_type)})
            pieces.append(area.dialect.to_sql(found))
            continue
        assert upstream.added is not None and upstream.removed is not None
        for rows in (upstream.added, upstream.removed):
            pieces.append(
                f"SELECT CAST({q(column)} AS {cast}) AS {q(KEY)} FROM {q(*location(rows))}"
            )
    if not pieces:
        return None
    union = " UNION ".join(f"({p})" for p in pieces)  # UNION: each key once
    keys, rows = area.sql_table(con, f"{model.name}__affected", union, ibis.schema({KEY: key_type}))
    if rows == 0:
        return None
    [(nonnull,)] = area.dialect.sql(con, f"SELECT count({q(KEY)}) FROM {q(*location(keys))}")
    return keys, int(nonnull) < rows


def _covers(area: Area, con: SQLBackend, upstream: Delta | None, column: str, delta: Delta) -> bool:
    """Do ``upstream``'s recomputed rows hold every row of ``delta``'s partitions? Then they
    are read instead of the whole upstream table: it is partitioned by the same column, and
    each of ``delta``'s keys lies in one of its partitions."""
    if (
        upstream is None
        or upstream.keys is None
        or upstream.new is None
        or upstream.key != column
        or delta.keys is None
        or (delta.shift is not None and delta.shift != upstream.shift)
        or (delta.has_null and not upstream.has_null)
    ):
        return False
    q = area.dialect.q
    mine, theirs = f"m.{q(KEY)}", f"u.{q(KEY)}"
    if delta.shift is None and upstream.shift is not None:
        mine = f"({mine} >> {upstream.shift})"  # values against buckets of them
    [(outside,)] = area.dialect.sql(
        con,
        f"SELECT count(*) FROM {q(*location(delta.keys))} AS m WHERE m.{q(KEY)} IS NOT NULL AND "
        f"NOT EXISTS (SELECT 1 FROM {q(*location(upstream.keys))} AS u WHERE {theirs} = {mine})",
    )
    return int(outside) == 0
