"""Everything that differs between the engines, in one place.

Models and contracts are engine-neutral Ibis; the few things Ibis cannot say the same way on
every engine (byte-order text comparison, row hashes, counting distinct keys, connecting, DDL,
publishing, locking, bulk loading) live here, behind one small :class:`Dialect` interface
(:mod:`.base`) with a module per engine (:mod:`.duckdb`, :mod:`.postgres`).
"""

from __future__ import annotations

from transforms.engine.dialects.base import (
    BUILD_PREFIX,
    SCRATCH_CATALOG,
    ByteOrder,
    Dialect,
    RowHash,
    quote,
)
from transforms.engine.dialects.duckdb import BITMAP_MIN_ROWS, DuckDB
from transforms.engine.dialects.postgres import Postgres
from transforms.engine.target import Target

__all__ = [
    "BITMAP_MIN_ROWS",
    "BUILD_PREFIX",
    "DIALECTS",
    "SCRATCH_CATALOG",
    "ByteOrder",
    "Dialect",
    "DuckDB",
    "Postgres",
    "RowHash",
    "for_target",
    "quote",
]

DIALECTS: dict[str, type[Dialect]] = {"duckdb": DuckDB, "postgres": Postgres}


def for_target(target: Target) -> Dialect:
    """The dialect of ``target``'s engine."""
    return DIALECTS[target.engine](target)
