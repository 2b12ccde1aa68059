"""Everything that differs between the engines, in one place.

Models and contracts are engine-neutral Ibis; the few things Ibis cannot say the same way on
every engine (byte-order text comparison, row hashes, counting distinct keys, connecting, DDL,
publishing, locking, bulk loading) live here, behind one small :class:`Dialect` interface
(:mod:`.base`) with a module per engine (:mod:`.duckdb`, :mod:`.postgres`, :mod:`.spark`).
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
from transforms.engine.dialects.spark import Spark
from transforms.engine.errors import TransformsError
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
    "Spark",
    "for_target",
    "quote",
    "sql_dialect",
]

DIALECTS: dict[str, type[Dialect]] = {"duckdb": DuckDB, "postgres": Postgres, "spark": Spark}


# `transforms compile --dialect NAME`: the SQL dialect Ibis compiles each name to
SQL_DIALECTS = {"postgres": "postgres", "duckdb": "duckdb", "spark": "pyspark"}


def sql_dialect(name: str) -> str:
    """Ibis's dialect for an engine name of ``transforms compile`` (importing this package
    registers the compiler rules of every engine: the SQL is the one a run executes)."""
    try:
        return SQL_DIALECTS[name]
    except KeyError:
        raise TransformsError(
            f"unknown dialect {name!r}: choose one of {', '.join(SQL_DIALECTS)}"
        ) from None


def for_target(target: Target) -> Dialect:
    """The dialect of ``target``'s engine."""
    return DIALECTS[target.engine](target)
