"""Turn a contract into checks that run inside the database.

First the schema check (names, order, types: no query). Then the data checks: every column and
row-level check of a model is one ``COUNT(*) FILTER (WHERE …)`` of a single aggregate query —
one scan of the table — and relationships, composite keys and table checks add one query each.
Only a failing check costs more: a query for its exact failing count and one for up to five
failing rows, keys first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import annotated_types as at
import ibis

from contracts.base import (
    ColumnSpec,
    Contract,
    Matches,
    OneOf,
    References,
    RowCheck,
    Severity,
    TableCheck,
    Unique,
    UniqueKey,
)

SAMPLE_ROWS = 5

Resolve = Callable[[str], ibis.Table]  # model name → its table (in the build area or published)
Query = Callable[[ibis.Table], list[dict[str, Any]]]  # runs an expression, returns its rows


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one model; ``failing`` rows, a few of them in ``sample``."""

    model: str
    check: str
    severity: Severity
    failing: int
    sample: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failing == 0

    @property
    def is_error(self) -> bool:
        return not self.passed and self.severity == "error"

    def describe(self) -> str:
        return f"{self.model}: {self.check} failed for {self.failing} row(s) [{self.severity}]"


# --- schema --------------------------------------------------------------------------------------


def schema_problems(contract: type[Contract], actual: ibis.Schema) -> list[str]:
    """How ``actual`` differs from the declared columns (names, order, types); empty when equal."""
    expected = contract.schema()
    if list(actual.names) != list(expected.names):
        missing = [n for n in expected.names if n not in actual.names]
        extra = [n for n in actual.names if n not in expected.names]
        if missing or extra:
            parts = []
            if missing:
                parts.append("missing " + ", ".join(missing))
            if extra:
                parts.append("unexpected " + ", ".join(extra))
            return ["columns: " + "; ".join(parts)]
        return [f"column order is {', '.join(actual.names)}; declared {', '.join(expected.names)}"]
    return [
        f"column {name} is {actual[name]}, declared {expected[name]}"
        for name in expected.names
        if not _same_type(expected[name], actual[name])
    ]


def _same_type(expected: ibis.DataType, actual: ibis.DataType) -> bool:
    if expected.is_timestamp() and actual.is_timestamp():
        # PostgreSQL reports timestamp(6), DuckDB timestamp: both are microsecond, without zone
        return expected.timezone == actual.timezone
    return bool(expected.copy(nullable=True) == actual.copy(nullable=True))


# --- data checks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Counted:
    """A check that is one filtered count in the model's single aggregate query."""

    name: str
    severity: Severity
    violates: Callable[[ibis.Table], ibis.Value]  # boolean: the row fails
    columns: tuple[str, ...]  # shown with the keys in samples


def _column_checks(col: ColumnSpec) -> list[_Counted]:
    c = col.name
    out: list[_Counted] = []
    if not col.nullable:
        out.append(_Counted(f"{c} not null", "error", lambda t: t[c].isnull(), (c,)))
    for check in col.checks:
        match check:
            case at.Ge(ge=bound):
                out.append(_Counted(f"{c} >= {bound}", "error", lambda t, b=bound: t[c] < b, (c,)))
            case at.Gt(gt=bound):
                out.append(_Counted(f"{c} > {bound}", "error", lambda t, b=bound: t[c] <= b, (c,)))
            case at.Le(le=bound):
                out.append(_Counted(f"{c} <= {bound}", "error", lambda t, b=bound: t[c] > b, (c,)))
            case at.Lt(lt=bound):
                out.append(_Counted(f"{c} < {bound}", "error", lambda t, b=bound: t[c] >= b, (c,)))
            case OneOf(values=values, severity=severity):
                shown = "/".join(map(str, values))
                shown = shown if len(shown) <= 24 else f"{len(values)} accepted values"
                out.append(
                    _Counted(f"{c} in {shown}", severity, lambda t, v=values: t[c].notin(v), (c,))
                )
            case Matches(pattern=pattern, severity=severity):
                out.append(
                    _Counted(
                        f"{c} matches {pattern}",
                        severity,
                        # the whole value must match: anchor the pattern (RE2 and PostgreSQL)
                        lambda t, p=pattern: ~t[c].re_search(f"^(?:{p})$"),
                        (c,),
                    )
                )
    return out


def _row_check(check: RowCheck) -> _Counted:
    return _Counted(check.name, check.severity, lambda t: ~check.rule(t), ())


def run_checks(
    name: str, contract: type[Contract], table: ibis.Table, resolve: Resolve, query: Query
) -> list[CheckResult]:
    """Run every data check of ``contract`` on ``table``; one result per check."""
    columns = contract.columns()
    keys = contract.keys()
    counted = [c for col in columns for c in _column_checks(col)]
    counted += [_row_check(c) for c in contract.checks if isinstance(c, RowCheck)]
    uniques = [(col.name, chk) for col in columns for chk in col.checks if isinstance(chk, Unique)]

    # One scan: every filtered count, plus count / count-distinct pairs that reveal duplicates.
    aggs: dict[str, ibis.Value] = {"__rows": table.count()}
    for i, c in enumerate(counted):
        aggs[f"__c{i}"] = table.count(where=c.violates(table))
    for i, (col, _) in enumerate(uniques):
        aggs[f"__u{i}_n"] = table[col].count()
        aggs[f"__u{i}_d"] = table[col].nunique()
    [totals] = query(table.aggregate(**aggs))

    results: list[CheckResult] = []
    for i, c in enumerate(counted):
        failing = int(totals[f"__c{i}"])
        sample = []
        if failing:
            cols = _ordered(keys, c.columns)
            sample = query(
                table.filter(c.violates(table)).select(*cols).order_by(cols).limit(SAMPLE_ROWS)
            )
        results.append(CheckResult(name, c.name, c.severity, failing, sample))

    for i, (col, chk) in enumerate(uniques):
        duplicated = totals[f"__u{i}_n"] != totals[f"__u{i}_d"]
        results.append(
            _unique_result(name, (col,), chk.severity, table, keys, query)
            if duplicated
            else CheckResult(name, f"{col} unique", chk.severity, 0)
        )

    for check in contract.checks:
        if isinstance(check, UniqueKey):
            results.append(_unique_result(name, check.columns, check.severity, table, keys, query))
        elif isinstance(check, TableCheck):
            results.append(_table_check(name, check, table, query))

    for col in columns:
        for chk in col.checks:
            if isinstance(chk, References):
                results.append(_reference(name, col.name, chk, table, keys, resolve, query))
    return results


def _ordered(keys: list[str], columns: tuple[str, ...] | list[str]) -> list[str]:
    return list(dict.fromkeys([*keys, *columns]))


def _unique_result(
    name: str,
    columns: tuple[str, ...],
    severity: Severity,
    table: ibis.Table,
    keys: list[str],
    query: Query,
) -> CheckResult:
    label = f"{columns[0]} unique" if len(columns) == 1 else f"unique({', '.join(columns)})"
    present = table.filter([table[c].notnull() for c in columns])
    groups = (
        present.group_by(list(columns)).aggregate(__n=present.count()).filter(lambda g: g.__n > 1)
    )
    [row] = query(groups.aggregate(__rows=groups.__n.sum()))
    failing = int(row["__rows"] or 0)
    sample = []
    if failing:
        cols = _ordered(list(columns), keys)
        sample = query(
            present.semi_join(groups, list(columns)).select(*cols).order_by(cols).limit(SAMPLE_ROWS)
        )
    return CheckResult(name, label, severity, failing, sample)


def _table_check(name: str, check: TableCheck, table: ibis.Table, query: Query) -> CheckResult:
    violations = check.violations(table)
    [row] = query(violations.aggregate(__rows=violations.count()))
    failing = int(row["__rows"])
    sample = query(violations.limit(SAMPLE_ROWS)) if failing else []
    return CheckResult(name, check.name, check.severity, failing, sample)


def _reference(
    name: str,
    column: str,
    ref: References,
    table: ibis.Table,
    keys: list[str],
    resolve: Resolve,
    query: Query,
) -> CheckResult:
    parent = resolve(ref.model).view()  # a distinct relation, even when it references itself
    orphans = table.filter(table[column].notnull()).anti_join(
        parent, table[column] == parent[ref.column]
    )
    [row] = query(orphans.aggregate(__rows=orphans.count()))
    failing = int(row["__rows"])
    sample = []
    if failing:
        cols = _ordered(keys, [column])
        sample = query(orphans.select(*cols).order_by(cols).limit(SAMPLE_ROWS))
    label = f"{column} in {ref.model}"
    return CheckResult(name, label, ref.severity, failing, sample)
