"""The :class:`Dialect` interface, the custom operations every engine compiles its own way,
and the helpers the engines share."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import sqlglot as sg
import sqlglot.expressions as sge
from ibis.common.annotations import attribute
from ibis.common.typing import VarTuple
from ibis.expr import rules as rlz

from transforms.engine.checks import count_distinct
from transforms.engine.target import Target

if TYPE_CHECKING:
    import pyarrow as pa
    from ibis.backends.sql import SQLBackend

BUILD_PREFIX = "__build__"
SCRATCH_CATALOG = "__transforms_scratch"  # DuckDB: an in-memory database for increments


# --- Expressions Ibis cannot write portably (each engine's module compiles them) ---------------


class ByteOrder(ops.Value):
    """A string whose ordering and comparison use byte order (PostgreSQL's ``COLLATE "C"``)."""

    arg: ops.Value[dt.String]
    dtype = dt.string

    @attribute
    def shape(self) -> Any:
        return self.arg.shape


class RowHash(ops.Value):
    """A 64-bit hash of several values, NULLs included: a row's fingerprint.

    Only compared with hashes made by the same engine (DuckDB's ``hash`` and PostgreSQL's
    per-type ``hash*extended`` functions differ), and summed per group of rows: a change of any
    value, a row more or a row less changes the sum but with a chance of 2⁻⁶⁴.
    """

    args: VarTuple[ops.Value]
    dtype = dt.int64
    shape = rlz.shape_like("args")


# --- Engines ------------------------------------------------------------------------------------


def quote(*parts: str, engine: str) -> str:
    """A quoted, qualified identifier: ``"Analytics-2025"."stg_orders"``."""
    return ".".join(sg.to_identifier(p, quoted=True).sql(dialect=engine) for p in parts)


class Dialect:
    """The engine-specific operations the runner needs."""

    name: ClassVar[str]
    # Why every model is built whole on this engine (no incremental runs, no state), if so.
    full_only: ClassVar[str | None] = None

    def __init__(self, target: Target) -> None:
        self.target = target

    # connection
    def connect(self) -> SQLBackend:
        raise NotImplementedError

    def q(self, *parts: str) -> str:
        return quote(*parts, engine=self.name)

    def sql_type(self, dtype: Any) -> str:
        """This engine's column type for an Ibis or Arrow type (``BIGINT``, ``NUMERIC(18, 2)``)."""
        from ibis.backends.sql.datatypes import get_type_mapper

        ibis_type = dt.dtype(dtype)
        if ibis_type.is_null():
            # a column of nothing but NULLs (Arrow's null type): INTEGER, as DuckDB loads it
            ibis_type = dt.int32
        return str(get_type_mapper(self.name).from_ibis(ibis_type).sql(dialect=self.name))

    def open_worker(self, con: SQLBackend) -> SQLBackend:
        """Another connection to the database of ``con``, with the same settings."""
        raise NotImplementedError

    def cancel(self, con: SQLBackend) -> None:
        """Stop the statement running on ``con`` (from another thread); nothing when idle."""
        raise NotImplementedError

    def recover(self, con: SQLBackend) -> None:
        """Leave ``con`` ready for its next statement after a task on it failed."""

    @contextlib.contextmanager
    def for_increments(self, con: SQLBackend) -> Iterator[None]:
        """``con`` tuned, while the block runs, for an increment: statements that read big
        tables for few rows (and write few)."""
        yield

    def sql(self, con: SQLBackend, statement: str) -> list[tuple[Any, ...]]:
        """Run one raw statement and fetch its result (an unread DuckDB result breaks the next)."""
        raise NotImplementedError

    def to_sql(self, expr: ibis.Table) -> str:
        """The SQL that runs ``expr`` here, on one line: pretty-printing (kept for ``transforms
        compile``) is a quarter of the compile time of a check query."""
        return str(ibis.to_sql(expr, dialect=self.name, pretty=False))

    # schemas and tables
    def ensure_schema(self, con: SQLBackend, schema: str) -> None:
        self.sql(con, f"CREATE SCHEMA IF NOT EXISTS {self.q(schema)}")

    def list_tables(self, con: SQLBackend, schema: str) -> set[str]:
        rows = self.sql(
            con,
            "SELECT table_name FROM information_schema.tables "
            f"WHERE table_schema = {_literal(schema)}",
        )
        return {r[0] for r in rows}

    def check_schema_name(self, con: SQLBackend, schema: str) -> None:
        """Raise if ``schema`` cannot be used unambiguously on this connection."""

    def list_schemas(self, con: SQLBackend) -> set[str]:
        return {r[0] for r in self.sql(con, "SELECT schema_name FROM information_schema.schemata")}

    def create_table_as(self, con: SQLBackend, schema: str, table: str, select_sql: str) -> int:
        """(Re)create ``schema.table`` from a SELECT; returns the row count."""
        raise NotImplementedError

    # write-audit-publish
    def build_location(self, target_schema: str, model: str) -> tuple[str, str]:
        """Where a model is built before it is published: (schema, table)."""
        raise NotImplementedError

    def scratch_table_as(
        self, con: SQLBackend, target_schema: str, name: str, select_sql: str
    ) -> tuple[tuple[str, ...], int]:
        """A working table of an increment (never published) from a SELECT: its location
        (catalog and schema, then name) and its row count. Dropped with the build area."""
        raise NotImplementedError

    def index_for_increments(self, con: SQLBackend, schema: str, table: str, column: str) -> None:
        """Let increments find the rows of ``table`` by ``column`` without reading it all."""

    def prepare_build_area(self, con: SQLBackend, target_schema: str) -> None:
        """Create the private build area, dropping whatever a failed run left there."""
        raise NotImplementedError

    def publish(
        self,
        con: SQLBackend,
        target_schema: str,
        models: Sequence[str],
        statements: Sequence[str] = (),
    ) -> None:
        """Move every built model over its published table, then run ``statements`` (rows
        replaced in place, the incremental state), all in one transaction."""
        raise NotImplementedError

    def drop_build_area(self, con: SQLBackend, target_schema: str) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def run_lock(self, con: SQLBackend, target_schema: str, timeout: float) -> Iterator[None]:
        """Only one run at a time per target schema."""
        yield

    # checks
    def distinct_counts(
        self, con: SQLBackend, table: ibis.Table, columns: list[str]
    ) -> dict[str, ibis.Value]:
        """For each column of ``table``, an aggregate counting its distinct non-NULL values."""
        return count_distinct(table, columns)

    # loading and export
    def arrow_batches(self, con: SQLBackend, table: ibis.Table, rows: int) -> pa.RecordBatchReader:
        """The rows of ``table`` as a stream of record batches of up to ``rows`` rows."""
        return con.to_pyarrow_batches(table, chunk_size=rows)

    def load_arrow(
        self,
        con: SQLBackend,
        schema: str,
        table: str,
        data: pa.Table | pa.RecordBatchReader,
        *,
        replace: bool = False,
    ) -> None:
        """Bulk-load an Arrow table, or a stream of record batches read once, as
        ``schema.table`` (created from the Arrow schema)."""
        raise NotImplementedError

    @staticmethod
    def for_target(target: Target) -> Dialect:
        from transforms.engine.dialects import for_target

        return for_target(target)


def _literal(value: str) -> str:
    return sge.Literal.string(value).sql()


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
