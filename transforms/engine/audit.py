"""Audit an increment: each check's verdict on the table a run will publish, from what changed.

A full run checks a model's whole new table (engine.checks). An incremental run gives the same
verdict — the same failing count and the same first failing rows — without reading the rows
it keeps: it starts from the verdict on the published table (the state's ``check_state``) and
looks at the rows it removes (``old``) and adds (``new``):

- a row check (not null, ranges, accepted values, patterns, row rules) fails on
  ``previous − old + new`` rows, counted in one aggregate over each;
- a uniqueness check whose columns hold the partition key is local to the partitions: the
  same sum over the duplicates found within ``old`` and within ``new``; any other is counted
  on the rows, kept or new, that share a value with a changed row;
- a relationship counts the orphans among ``old`` (against the parent as published) and
  ``new`` (against the parent as it will be), and re-examines the kept rows that point at a
  parent key whose rows changed;
- a table check, or anything the state cannot answer, runs on the whole new version.

First rows come from the fresh failing rows and the kept part of the previous sample when
that decides them, else from the whole new version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ibis

from contracts.base import Contract
from transforms.engine.checks import (
    FAILING,
    SAMPLE_ROWS,
    CheckResult,
    PlannedCheck,
    Query,
    aggregate_scan,
    count_distinct,
    counted_first_rows,
    first_rows,
    orphans,
    plan_checks,
    sample_order,
)
from transforms.engine.incremental import KEY, Delta
from transforms.engine.state import CheckState


@dataclass(frozen=True)
class Parent:
    """The model a relationship check points at, as this run leaves it."""

    published: ibis.Table  # as published before the run
    version: ibis.Table  # as this run will publish it
    delta: Delta | None  # its increment (None: not rebuilt incrementally in this run)
    full: bool  # rebuilt fully in this run


def audit(
    name: str,
    contract: type[Contract],
    delta: Delta,
    previous: Mapping[str, CheckState],
    parent: Callable[[str], Parent],
    query: Query,
) -> list[CheckResult]:
    """Every check of ``contract`` on ``delta``'s new version, one result per check, in order."""
    version = delta.version()
    plan = plan_checks(contract, lambda model: parent(model).version)
    row_checks = [c for c in plan if c.fails is not None or c.required is not None]
    # uniqueness screens (a count against a distinct count) ride along in the same scan
    counts = _RowCounts([*row_checks, *(c for c in plan if c.screen)], delta, query)
    results = []
    keys = contract.keys()
    for check in plan:
        known = previous.get(check.name)
        verdict: tuple[int, list[dict[str, Any]]] | None = None
        if known is not None:
            if check.reference is not None:
                referenced = parent(check.reference[1].model)
                verdict = _reference(check, delta, known, referenced, keys, query)
            elif not delta.changed:
                verdict = known.failing, known.sample  # nothing of the table changed
            elif check.unique:
                verdict = _unique(check, delta, known, counts, query)
            elif check in row_checks:
                failing = (
                    known.failing - counts.failing(check, "old") + counts.failing(check, "new")
                )
                verdict = _sample(check, failing, known, delta, _fresh(check, delta), query)
        if verdict is None:  # a table check, or one the state cannot answer: the whole table
            verdict = _counted(check.violations(version), query)
        failing, sample = verdict
        violations = check.violations(version) if failing else None
        results.append(CheckResult(name, check.name, check.severity, failing, sample, violations))
    return results


class _RowCounts:
    """The failing rows of every row check among ``old`` and among ``new``: one scan each."""

    def __init__(self, checks: list[PlannedCheck], delta: Delta, query: Query) -> None:
        self._checks = checks
        self._delta = delta
        self._query = query
        self._totals: dict[str, dict[str, Any]] = {}

    def failing(self, check: PlannedCheck, side: str) -> int:
        if side not in self._totals:
            table = self._delta.new if side == "new" else self._delta.old
            assert table is not None
            [self._totals[side]] = self._query(aggregate_scan(self._checks, table, count_distinct))
        totals = self._totals[side]
        i = self._checks.index(check)
        if check.required is not None:
            return int(totals["__rows"]) - int(totals[f"__n{i}"])
        return int(totals[f"__f{i}"])

    def distinct(self, check: PlannedCheck, side: str) -> bool:
        """No two rows of ``side`` share a value of the screened column (None: not screened)."""
        if check not in self._checks:
            return False
        self.failing(self._checks[0], side)  # the scan, once
        i = self._checks.index(check)
        totals = self._totals[side]
        return bool(totals[f"__s{i}a"] == totals[f"__s{i}b"])


def _fresh(check: PlannedCheck, delta: Delta) -> ibis.Table:
    assert delta.new is not None
    return check.violations(delta.new)


def _counted(violations: ibis.Table, query: Query) -> tuple[int, list[dict[str, Any]]]:
    """The exact count of ``violations`` and their first rows, in one query."""
    rows = query(counted_first_rows(violations))
    failing = int(rows[0][FAILING]) if rows else 0
    return failing, [{c: row[c] for c in violations.columns} for row in rows]


def _unique(
    check: PlannedCheck, delta: Delta, known: CheckState, counts: _RowCounts, query: Query
) -> tuple[int, list[dict[str, Any]]] | None:
    assert delta.old is not None and delta.new is not None
    columns = list(check.unique)
    if delta.key in columns:
        # every row of a value lies in one partition: duplicates are found within old and new
        old = _counted(check.violations(delta.old), query)[0] if known.failing else 0
        fresh: list[dict[str, Any]] = []
        if counts.distinct(check, "new"):
            new = 0
        else:
            new, fresh = _counted(check.violations(delta.new), query)
        failing = known.failing - old + new
        return _sample(check, failing, known, delta, check.violations(delta.new), query, fresh)
    if known.failing:
        return None  # a kept duplicate may have lost its twin: count on the whole table
    # No duplicate before: any now involves a new row, with a twin among the new rows or the
    # kept ones. Usually neither: a screen of the new rows and a count of the kept rows that
    # share a value with one (a scan of the key columns alone) tell; else count them exactly.
    alone = counts.distinct(check, "new") and not query(_twins(delta, columns))[0]["n"]
    if alone:
        return 0, []
    sharing = delta.version().semi_join(delta.new.select(*columns).distinct(), columns)
    return _counted(check.violations(sharing), query)


def _twins(delta: Delta, columns: list[str]) -> ibis.Table:
    """The count of kept rows that share the values of ``columns`` with a new row (``n``).

    Written with IN rather than a semi-join: DuckDB otherwise hashes the big table (int_session
    at scale 10: 0.45 s, against 0.1 s).
    """
    assert delta.new is not None and delta.old is not None
    kept = delta.kept()
    # Only values new to the partitions can have a kept twin: the published table had no
    # duplicate, so a value of an old row of these partitions is in no other row.
    fresh = delta.new.select(*columns).difference(delta.old.select(*columns))
    if len(columns) == 1:
        twins = kept.filter(kept[columns[0]].isin(fresh[columns[0]]))
    else:
        twins = kept.semi_join(fresh, columns)
    return twins.aggregate(n=twins.count())


def _reference(
    check: PlannedCheck,
    delta: Delta,
    known: CheckState,
    parent: Parent,
    keys: list[str],
    query: Query,
) -> tuple[int, list[dict[str, Any]]] | None:
    assert check.reference is not None
    column, ref = check.reference
    if parent.full:
        return None
    parent_changed = parent.delta is not None and parent.delta.changed
    if not delta.changed and not parent_changed:
        return known.failing, known.sample
    failing = known.failing
    fresh: list[ibis.Table] = []
    if delta.changed:
        assert delta.old is not None and delta.new is not None
        before = (
            _counted(orphans(delta.old, column, parent.published, ref.column, keys), query)[0]
            if known.failing
            else 0
        )
        now_orphans = orphans(delta.new, column, parent.version, ref.column, keys)
        now, _ = _counted(now_orphans, query)
        failing += now - before
        fresh.append(now_orphans)
    moved: ibis.Table | None = None
    if parent_changed:
        assert parent.delta is not None
        # kept rows pointing at a parent key whose rows changed: their parent may have come or gone
        moved = parent.delta.changed_values(ref.column)
        kept = delta.kept() if delta.changed else delta.published
        touched = kept.filter(kept[column].isin(moved[KEY]))
        now_orphans = orphans(touched, column, parent.version, ref.column, keys)
        before, _ = _counted(orphans(touched, column, parent.published, ref.column, keys), query)
        now, _ = _counted(now_orphans, query)
        failing += now - before
        fresh.append(now_orphans)
    candidates = fresh[0].union(*fresh[1:]) if len(fresh) > 1 else fresh[0]
    return _sample(check, failing, known, delta, candidates, query, moved=(column, moved))


def _sample(
    check: PlannedCheck,
    failing: int,
    known: CheckState,
    delta: Delta,
    fresh: ibis.Table,
    query: Query,
    fresh_rows: list[dict[str, Any]] | None = None,
    moved: tuple[str, ibis.Table | None] = ("", None),
) -> tuple[int, list[dict[str, Any]]] | None:
    """``failing`` with its first rows, merged from the kept part of the previous sample and
    the first ``fresh`` failing rows; None when only the whole table can tell them."""
    if failing == 0:
        return 0, []
    if fresh_rows is None:
        fresh_rows = query(first_rows(fresh, fresh.columns))
    columns = fresh.columns
    if known.failing == 0:
        return failing, fresh_rows  # every failing row is a fresh one
    survivors = _survivors(known.sample, delta, query, moved)
    if survivors is None or (
        len(survivors) < len(known.sample) and known.failing > len(known.sample)
    ):
        return None  # a row after the previous sample may move up: not known here
    merged = sorted([*survivors, *fresh_rows], key=sample_order(columns))
    return failing, merged[:SAMPLE_ROWS]


def _survivors(
    sample: list[dict[str, Any]],
    delta: Delta,
    query: Query,
    moved: tuple[str, ibis.Table | None],
) -> list[dict[str, Any]] | None:
    """The rows of a previous sample this run leaves as they were (None: cannot tell)."""
    if not sample:
        return []
    if any(delta.key not in row for row in sample):
        return None
    keys = delta.keys if delta.changed else None  # an unchanged table replaces no row
    gone = _among(keys, [_part(delta, row[delta.key]) for row in sample], query)
    column, parents = moved
    hit = _among(parents, [row.get(column) for row in sample], query)
    survivors = []
    for row in sample:
        value = row[delta.key]
        replaced = keys is not None and (
            delta.has_null if value is None else _part(delta, value) in gone
        )
        if not replaced and row.get(column) not in hit:
            survivors.append(row)
    return survivors


def _part(delta: Delta, value: Any) -> Any:
    return value if value is None or delta.shift is None else value >> delta.shift


def _among(keys: ibis.Table | None, values: list[Any], query: Query) -> set[Any]:
    """Which of ``values`` (at most a sample's) are in the ``KEY`` column of ``keys``."""
    present = [v for v in values if v is not None]
    if keys is None or not present:
        return set()
    found = keys.filter(keys[KEY].isin(present)).select(KEY)
    return {row[KEY] for row in query(found)}
