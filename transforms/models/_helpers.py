"""Small portable expression helpers shared by the models (Ibis only)."""

from __future__ import annotations

import string

import ibis
from ibis import _

from transforms.engine.dialects import ByteOrder

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
    return ByteOrder(s).to_expr()


def first_per(table: ibis.Table, key: str, order_by: list[ibis.Value]) -> ibis.Table:
    """Keep one row per ``key``: the first by ``order_by`` (ties must be fully broken)."""
    window = ibis.window(group_by=table[key], order_by=order_by)
    ranked = table.mutate(__rank=ibis.row_number().over(window))
    return ranked.filter(_.__rank == 0).drop("__rank")
