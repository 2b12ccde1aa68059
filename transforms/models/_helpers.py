"""Small portable expression helpers shared by the models (Ibis only)."""

from __future__ import annotations

import string
from collections.abc import Callable

import ibis
from ibis import _

MONEY = "decimal(18, 2)"


def trimmed(s: ibis.StringValue) -> ibis.StringValue:
    """Trim the six ASCII white-space characters; an empty result becomes NULL.

    Ibis's ``strip()`` compiles to ``TRIM(' \\t\\n\\r\\v\\f' …)`` on both engines (SQL's bare
    ``trim()`` removes spaces only).
    """
    return s.strip().nullif("")


def ascii_upper(s: ibis.StringValue) -> ibis.StringValue:
    """Upper-case A–Z only (``upper()`` maps other letters by engine and locale)."""
    return s.translate(string.ascii_lowercase, string.ascii_uppercase)


def ascii_lower(s: ibis.StringValue) -> ibis.StringValue:
    """Lower-case A–Z only."""
    return s.translate(string.ascii_uppercase, string.ascii_lowercase)


def byte_order(s: ibis.StringValue) -> ibis.StringValue:
    """``s`` compared in byte order, as PostgreSQL's ``COLLATE "C"``, on every engine."""
    # Imported here: the dialects module loads every SQL compiler of Ibis (~0.2 s), which
    # `transforms list` and other commands that only read the models' declarations skip.
    from transforms.engine.dialects import ByteOrder

    return ByteOrder(s).to_expr()


def per_distinct_value(
    table: ibis.Table, column: str, clean: Callable[[ibis.StringValue], ibis.Value]
) -> ibis.Table:
    """``table`` plus a column ``__clean`` = ``clean(table[column])``, computed once per value.

    Text functions cost per row (PostgreSQL's ``TRANSLATE`` about 4 µs on this kind of machine);
    on a column with few distinct values (event types, statuses) cleaning the distinct values
    once and joining them back by equality is several times faster. A NULL value finds no
    partner and gets a NULL ``__clean``, which is what every cleaning here makes of NULL.
    """
    values = table.select(__raw=table[column]).distinct()
    values = values.mutate(__clean=clean(values.__raw))
    joined = table.left_join(values, table[column] == values.__raw)
    return joined.drop("__raw")


def first_per(table: ibis.Table, key: str, order_by: list[ibis.Value]) -> ibis.Table:
    """Keep one row per ``key``: the first by ``order_by`` (ties must be fully broken)."""
    window = ibis.window(group_by=table[key], order_by=order_by)
    ranked = table.mutate(__rank=ibis.row_number().over(window))
    return ranked.filter(_.__rank == 0).drop("__rank")


def iso_week(ts: ibis.TimestampValue) -> ibis.DateValue:
    """The Monday (a date) of the ISO week of ``ts``."""
    return ts.truncate("W").date()


def elapsed_microseconds(end: ibis.TimestampValue, start: ibis.TimestampValue) -> ibis.IntegerValue:
    """Exact elapsed time ``end − start`` in microseconds (int64), the same on both engines.

    ``delta(unit="hour"/"day")`` counts boundaries crossed on DuckDB and elapsed time on
    PostgreSQL; microseconds are exact on both.
    """
    return end.delta(start, unit="microsecond")


def session_key(customer_id: ibis.IntegerValue, number: ibis.IntegerValue) -> ibis.StringValue:
    """The session id ``"<customer_id>-<session_number>"``."""
    return customer_id.cast("string").concat("-", number.cast("string"))


def int64(x: ibis.Value) -> ibis.IntegerValue:
    """``CAST(x AS BIGINT)``, always emitted.

    Ibis types ``SUM`` of an integer as int64 and drops a cast to int64 as a no-op, but DuckDB
    returns HUGEINT and PostgreSQL numeric for ``SUM(bigint)``: the stored column must be cast.
    """
    import ibis.expr.operations as ops

    return ops.Cast(x, to=ibis.dtype("int64")).to_expr()


def money(x: ibis.Value) -> ibis.DecimalValue:
    """``CAST(x AS DECIMAL(18, 2))``, always emitted.

    Engines widen decimal arithmetic and sums differently (DuckDB ``DECIMAL(18,2) - DECIMAL(18,2)``
    is ``DECIMAL(19,2)``, PostgreSQL drops the precision), while Ibis keeps typing the result
    ``decimal(18, 2)`` and would drop the cast as a no-op.
    """
    import ibis.expr.operations as ops

    return ops.Cast(x, to=ibis.dtype(MONEY)).to_expr()
