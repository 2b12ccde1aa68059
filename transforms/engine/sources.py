"""The raw tables a run reads: checked against their contracts, and how fresh they are."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis

from contracts.base import Severity, Source
from transforms.engine.checks import CheckResult
from transforms.engine.dialects import Dialect
from transforms.engine.errors import TransformsError

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

Limits = Mapping[str, tuple[timedelta | None, timedelta | None]]


def validate(
    con: SQLBackend,
    dialect: Dialect,
    schema: str,
    sources: Mapping[str, type[Source]],
    names: Sequence[str],
) -> dict[str, ibis.Schema]:
    """Compare the live source tables with their contracts; the live schemas if they match."""
    if schema not in dialect.list_schemas(con):
        raise TransformsError(
            f"source schema {schema!r} does not exist: "
            "load the raw tables there or pass --source-schema"
        )
    present = dialect.list_tables(con, schema)
    live: dict[str, ibis.Schema] = {}
    for name in names:
        if name not in present:
            raise TransformsError(
                f"source table {schema}.{name} is missing: load it "
                "(e.g. `transforms generate`) or pass the right --source-schema"
            )
        actual = con.get_schema(name, database=schema)
        for column in sources[name].columns():
            if column.name not in actual:
                raise TransformsError(
                    f"source table {schema}.{name} lacks column {column.name!r} "
                    f"({column.dtype}): add it to the table"
                )
            if not compatible(column.ibis_type(), actual[column.name]):
                raise TransformsError(
                    f"source column {schema}.{name}.{column.name} is "
                    f"{actual[column.name]}, expected {column.dtype}: fix the column type"
                )
        live[name] = actual
    return live


def compatible(expected: ibis.DataType, actual: ibis.DataType) -> bool:
    """Can a source column of type ``actual`` stand where ``expected`` is declared?"""
    if expected.is_integer():
        return actual.is_integer()
    if expected.is_decimal():
        # a finer scale would be rounded away by staging's cast: incompatible, not silently cut
        fits = actual.is_decimal() and (actual.scale is None or actual.scale <= expected.scale)
        return fits or actual.is_integer()
    if expected.is_timestamp():
        return actual.is_timestamp() and actual.timezone is None
    return type(expected) is type(actual)


def freshness(
    query: Callable[[ibis.Table], list[dict[str, Any]]],
    schema: str,
    sources: Mapping[str, type[Source]],
    names: Sequence[str],
    now: datetime,
    limits: Limits | None = None,
) -> list[CheckResult]:
    """How old the newest row of each source with a freshness rule is, against ``now``.

    ``limits`` overrides (warn_after, error_after) per source name, ``"*"`` for every source.
    """
    results = []
    for name in names:
        rule = sources[name].freshness
        if rule is None:
            continue
        for key in ("*", name):
            warn, error = (limits or {}).get(key, (None, None))
            rule = replace(
                rule, warn_after=warn or rule.warn_after, error_after=error or rule.error_after
            )
        table = ibis.table(sources[name].ibis_schema(), name=name, database=schema)
        [row] = query(table.aggregate(newest=table[rule.column].max()))
        newest = row["newest"]
        bounds = f"warn > {_hours(rule.warn_after)}, error > {_hours(rule.error_after)}"
        if newest is None:
            results.append(
                CheckResult(name, f"fresh: no {rule.column} at all ({bounds})", "error", 1)
            )
            continue
        age = now - newest
        label = f"fresh: newest {rule.column} is {_hours(age)} old ({bounds})"
        severity: Severity = "error" if age > rule.error_after else "warn"
        stale = age > rule.warn_after
        results.append(
            CheckResult(name, label, severity, int(stale), [{rule.column: newest}] if stale else [])
        )
    return results


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"
