"""DuckDB: the embedded engine of local runs and fast tests."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import ibis
import ibis.expr.operations as ops
import sqlglot as sg
import sqlglot.expressions as sge
from ibis.backends.sql.compilers.duckdb import DuckDBCompiler

from transforms.engine.dialects.base import (
    BUILD_PREFIX,
    SCRATCH_CATALOG,
    Dialect,
    _first_line,
    _literal,
)
from transforms.engine.errors import TransformsError

if TYPE_CHECKING:
    import pyarrow as pa
    from ibis.backends.sql import SQLBackend

BITMAP_MIN_ROWS = 100_000  # DuckDB counts distinct keys of bigger tables with a bitmap

# DuckDB compares text by bytes already.
DuckDBCompiler.visit_ByteOrder = lambda self, op, *, arg: arg
# DuckDB hashes several values into one UBIGINT (which sums into a HUGEINT).
DuckDBCompiler.visit_RowHash = lambda self, op, *, args: sge.func("hash", *args)


# DuckDB's bitmap of an integer column's distinct values over [lo, hi], and its set bits.
@ibis.udf.agg.builtin(name="bitstring_agg", signature=(("int64", "int64", "int64"), "binary"))
def _bitstring_agg(arg: Any, lo: Any, hi: Any) -> Any: ...


@ibis.udf.scalar.builtin(name="bit_count", signature=(("binary",), "int64"))
def _bit_count(bits: Any) -> Any: ...


class DuckDB(Dialect):
    name = "duckdb"

    # Settings of this connection only, measured at scale 1 (bench/README.md):
    # preserve_insertion_order=false lets CREATE TABLE AS write with both threads in any order
    # (a table has no order; every reader here orders what it needs): fct_events 0.46 → 0.19 s.
    session_settings: ClassVar[dict[str, str]] = {"preserve_insertion_order": "false"}

    def connect(self) -> SQLBackend:
        import duckdb

        try:
            con = _duckdb_backend()().connect(self.target.duckdb_path())
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise TransformsError(
                    f"the DuckDB file {self.target.path} is in use by another process "
                    "(another run, or an open client): wait for it to finish or close it"
                ) from None
            raise TransformsError(_open_error(self.target.path, str(exc))) from None
        # Ibis leaves NULLS LAST to DuckDB's default: pin it, the tie-breaks depend on it
        self.sql(con, "SET default_null_order = 'nulls_last'")
        for name, value in self.session_settings.items():
            self.sql(con, f"SET {name} = {value}")
        return con

    def open_worker(self, con: SQLBackend) -> SQLBackend:
        # a cursor: a connection of its own to the same database (settings are shared)
        return _duckdb_backend().from_connection(con.con.cursor())

    def cancel(self, con: SQLBackend) -> None:
        con.con.interrupt()

    # An integer key's distinct values set bits of a bitmap over its range instead of filling a
    # hash table: 3-4× faster (event_id: 0.09 → 0.03 s per 1M keys). The range comes from a
    # query of its own (under 1 ms: DuckDB keeps each column's min and max). Only a big table
    # with a dense key takes it: on small ones the hash table costs nothing, and the bitmap
    # takes at most a byte per row, where a sparse key (hashed ids) would take gigabytes. Rows
    # outside the range (written since) are not counted: the screen fails, the exact query
    # decides.
    def distinct_counts(
        self, con: SQLBackend, table: ibis.Table, columns: list[str]
    ) -> dict[str, ibis.Value]:
        counts = super().distinct_counts(con, table, columns)
        integers = [c for c in columns if table[c].type().is_integer()]
        op = table.op()
        if not integers or not isinstance(op, ops.PhysicalTable):
            return counts
        # plain SQL: compiling an Ibis expression would cost more than running it
        ranges = ", ".join(f"min({c}), max({c}), count({c})" for c in map(self.q, integers))
        namespace = [p for p in (op.namespace.catalog, op.namespace.database) if p]
        [row] = self.sql(con, f"SELECT {ranges} FROM {self.q(*namespace, op.name)}")
        for i, c in enumerate(integers):
            lo, hi, n = row[3 * i : 3 * i + 3]
            if n >= BITMAP_MIN_ROWS and hi - lo < 8 * n:
                column = table[c]
                bits = _bitstring_agg(column, lo, hi, where=column.between(lo, hi))
                counts[c] = _bit_count(bits)
        return counts

    def check_schema_name(self, con: SQLBackend, schema: str) -> None:
        # A DuckDB file is attached as a catalog named after it: "x"."t" would be ambiguous.
        [(catalog,)] = self.sql(con, "SELECT current_database()")
        if schema == catalog:
            raise TransformsError(
                f"schema {schema!r} has the name of the DuckDB file {self.target.path}: "
                "rename the file or choose another schema"
            )

    def sql(self, con: SQLBackend, statement: str) -> list[tuple[Any, ...]]:
        cur = con.con.execute(statement)
        return list(cur.fetchall()) if cur.description else []

    def create_table_as(self, con: SQLBackend, schema: str, table: str, select_sql: str) -> int:
        # DuckDB answers CREATE TABLE AS with the count of rows written
        [(rows,)] = self.sql(
            con, f"CREATE OR REPLACE TABLE {self.q(schema, table)} AS {select_sql}"
        )
        return int(rows)

    # DuckDB cannot rename schemas nor move tables across them: build tables sit next to the
    # published ones under a prefix, and publishing is drop + rename in one transaction.
    def build_location(self, target_schema: str, model: str) -> tuple[str, str]:
        return target_schema, f"{BUILD_PREFIX}{model}"

    # An increment's working tables live in an in-memory database attached beside the file:
    # they are never published, and in the file each would be written and logged, and the log
    # checkpointed into the file during the run (scale 10, reading 180,000 rows into a table:
    # 0.36-0.46 s in the file, 0.16-0.26 s in memory).
    def scratch_table_as(
        self, con: SQLBackend, target_schema: str, name: str, select_sql: str
    ) -> tuple[tuple[str, ...], int]:
        location = (SCRATCH_CATALOG, "main", f"{target_schema}{BUILD_PREFIX}{name}")
        [(rows,)] = self.sql(con, f"CREATE OR REPLACE TABLE {self.q(*location)} AS {select_sql}")
        return location, int(rows)

    def prepare_build_area(self, con: SQLBackend, target_schema: str) -> None:
        self.ensure_schema(con, target_schema)
        self.drop_build_area(con, target_schema)
        if SCRATCH_CATALOG not in self._attached(con):
            self.sql(con, f"ATTACH ':memory:' AS {self.q(SCRATCH_CATALOG)}")

    def drop_build_area(self, con: SQLBackend, target_schema: str) -> None:
        for table in sorted(self.list_tables(con, target_schema)):
            if table.startswith(BUILD_PREFIX):
                self.sql(con, f"DROP TABLE IF EXISTS {self.q(target_schema, table)}")
        scratch = self.sql(
            con,
            "SELECT table_name FROM duckdb_tables() WHERE database_name = "  # none: not attached
            f"{_literal(SCRATCH_CATALOG)} AND starts_with(table_name, "
            f"{_literal(target_schema + BUILD_PREFIX)})",
        )
        for (table,) in scratch:
            self.sql(con, f"DROP TABLE IF EXISTS {self.q(SCRATCH_CATALOG, 'main', table)}")
        catalog = _literal(SCRATCH_CATALOG)
        tables = f"SELECT count(*) FROM duckdb_tables() WHERE database_name = {catalog}"
        if SCRATCH_CATALOG in self._attached(con) and not self.sql(con, tables)[0][0]:
            self.sql(con, f"DETACH {self.q(SCRATCH_CATALOG)}")  # the connection may be a caller's

    def _attached(self, con: SQLBackend) -> set[str]:
        return {r[0] for r in self.sql(con, "SELECT database_name FROM duckdb_databases()")}

    def publish(
        self,
        con: SQLBackend,
        target_schema: str,
        models: Sequence[str],
        statements: Sequence[str] = (),
    ) -> None:
        self.sql(con, "BEGIN TRANSACTION")
        try:
            for model in models:
                built = f"{BUILD_PREFIX}{model}"
                self.sql(con, f"DROP TABLE IF EXISTS {self.q(target_schema, model)}")
                self.sql(
                    con, f"ALTER TABLE {self.q(target_schema, built)} RENAME TO {self.q(model)}"
                )
            for statement in statements:
                self.sql(con, statement)
            self.sql(con, "COMMIT")
        except BaseException:
            self.sql(con, "ROLLBACK")
            raise

    def arrow_batches(self, con: SQLBackend, table: ibis.Table, rows: int) -> pa.RecordBatchReader:
        # our backend's method, on a caller's own Ibis connection too (Ibis's fails on DuckDB 2)
        return _duckdb_backend().to_pyarrow_batches(con, table, chunk_size=rows)

    def load_arrow(
        self,
        con: SQLBackend,
        schema: str,
        table: str,
        data: pa.Table | pa.RecordBatchReader,
        *,
        replace: bool = False,
    ) -> None:
        import pyarrow as pa

        self.check_schema_name(con, schema)
        self.ensure_schema(con, schema)
        verb = "CREATE OR REPLACE TABLE" if replace else "CREATE TABLE"
        # A column of nothing but NULLs (Arrow's null type) gets the type every engine gives it
        # (Dialect.sql_type): DuckDB 1.5 reads it as INTEGER, DuckDB 2 keeps its NULL type.
        nulls = [
            f"CAST({self.q(f.name)} AS {self.sql_type(f.type)}) AS {self.q(f.name)}"
            for f in data.schema
            if pa.types.is_null(f.type)
        ]
        columns = f"* REPLACE ({', '.join(nulls)})" if nulls else "*"
        raw = con.con
        raw.register("__transforms_load", data)
        try:
            self.sql(
                con, f"{verb} {self.q(schema, table)} AS SELECT {columns} FROM __transforms_load"
            )
        finally:
            raw.unregister("__transforms_load")


# DuckDB's refusal of a file of another storage format ("… version number 69, but we can only
# read versions between 64 and 68. …", five lines), from 1.5 and 2 alike
_STORAGE_VERSION = re.compile(
    r"version number (\d+), but we can only read (?:storage )?versions between (\d+) and (\d+)"
)


def _open_error(path: str | None, message: str) -> str:
    """One line for DuckDB's error opening the file ``path``: what to do about a file of a newer
    or an older storage format than the installed DuckDB reads, else DuckDB's first line."""
    import duckdb

    installed = duckdb.__version__
    found = _STORAGE_VERSION.search(message)
    if found is None:
        return f"cannot open DuckDB file {path}: {_first_line(message)}"
    version, oldest, newest = map(int, found.groups())
    if version > newest:
        if int(installed.split(".")[0]) < 2:
            action = "upgrade DuckDB: pip install -U 'duckdb>=2,<3'"
        else:
            action = (
                "it needs a DuckDB newer than webshop-transforms supports (duckdb<3): "
                "open it with the DuckDB that wrote it"
            )
        return (
            f"the DuckDB file {path} was written by a newer DuckDB (storage version {version}) "
            f"than the installed duckdb {installed} reads ({oldest}-{newest}): {action}"
        )
    return (
        f"the DuckDB file {path} was written by an old DuckDB (storage version {version}) that "
        f"the installed duckdb {installed} cannot read ({oldest}-{newest}): export it with the "
        "DuckDB that wrote it (EXPORT DATABASE) and import it into a new file (IMPORT DATABASE)"
    )


class _Read:
    """A query of Ibis's whose rows it fetches as Arrow, run as a relation when fetched.

    Ibis 12.0.0 reads metadata and batches as ``con.execute(sql).fetch_arrow_table()`` and
    ``.fetch_record_batch()``: DuckDB 1.5 deprecates both, DuckDB 2 removed them (Ibis fixed it
    after 12.0.0), and DuckDB 2 warns that its DB-API result's ``to_arrow_table()`` copies the
    rows once more. A relation's ``to_arrow_table()`` and ``to_arrow_reader()`` exist on both
    lines. Anything else asked of it runs the statement as ``execute`` would have.
    """

    __slots__ = ("_cursor", "_params", "_query", "_raw")

    def __init__(self, raw: Any, query: Any, params: Any = None) -> None:
        self._raw, self._query, self._params = raw, query, params
        self._cursor: Any = None

    def fetch_arrow_table(self, rows_per_batch: int = 1_000_000) -> pa.Table:
        return self._raw.sql(self._query, params=self._params).to_arrow_table(rows_per_batch)

    def fetch_record_batch(self, rows_per_batch: int = 1_000_000) -> pa.RecordBatchReader:
        return self._raw.sql(self._query, params=self._params).to_arrow_reader(rows_per_batch)

    def __getattr__(self, name: str) -> Any:
        if self._cursor is None:
            self._cursor = self._raw.execute(self._query, self._params)
        return getattr(self._cursor, name)


class _Reading:
    """The DuckDB connection seen by one of Ibis's methods that fetch Arrow: its statements are
    :class:`_Read`, run when their result is used (each statement of those methods reads and is
    read), the rest is the connection. It is swapped in for the call: a connection serves one
    thread at a time, as DuckDB's own (a thread of its own takes a cursor)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def execute(self, query: Any, parameters: Any = None) -> _Read:
        return _Read(self._raw, query, parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _reading(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` of Ibis's DuckDB backend, run with its connection seen as :class:`_Reading`."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        raw = self.con
        self.con = _Reading(raw)
        try:
            return method(self, *args, **kwargs)
        finally:
            self.con = raw

    return run


@functools.cache
def _duckdb_backend() -> type[SQLBackend]:
    """Ibis's DuckDB backend on DuckDB 1.5 and 2, reading table schemas without pyarrow.

    The methods of Ibis 12.0.0 that fetch with what DuckDB 2 removed (``fetch_arrow_table``,
    ``fetch_record_batch`` on a connection) run their reads as relations (:func:`_reading`), on
    DuckDB 1.5 and 2 alike; the connection itself stays DuckDB's, as callers get it.

    ``Backend.get_schema`` fetches ``DESCRIBE`` as an Arrow table: the first call imports pyarrow
    (0.25 s of every run, which needs it nowhere else). The same three columns fetched as rows
    give the same schema.
    """
    import duckdb
    import ibis.common.exceptions as com
    import ibis.expr.schema as sch
    from ibis.backends.duckdb import Backend

    # the same few type names again and again: each parsed by sqlglot once (0.2 ms a column)
    to_ibis = functools.cache(DuckDBCompiler.type_mapper.from_string)

    class DuckDBBackend(Backend):
        list_catalogs = _reading(Backend.list_catalogs)
        list_databases = _reading(Backend.list_databases)
        list_tables = _reading(Backend.list_tables)
        to_pyarrow_batches = _reading(Backend.to_pyarrow_batches)
        _get_schema_using_query = _reading(Backend._get_schema_using_query)

        def get_schema(
            self, table_name: str, *, catalog: str | None = None, database: str | None = None
        ) -> sch.Schema:
            table = sg.table(table_name, db=database, catalog=catalog, quoted=True)
            query = sge.Describe(this=table).sql(self.dialect)
            try:
                rows = self.con.execute(query).fetchall()
            except duckdb.CatalogException:
                raise com.TableNotFound(table_name) from None
            # DESCRIBE: column_name, column_type, null, key, default, extra
            return sch.Schema(
                {name: to_ibis(typ, nullable=null == "YES") for name, typ, null, *_ in rows}
            )

    return DuckDBBackend
