"""Everything that differs between DuckDB and PostgreSQL, in one place.

Models and contracts are engine-neutral Ibis; the few things Ibis cannot say the same way on
both engines (byte-order text comparison, row hashes, counting distinct keys, connecting, DDL,
publishing, locking, bulk loading) live here, behind one small :class:`Dialect` interface per
engine.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import sqlglot as sg
import sqlglot.expressions as sge
from ibis.backends.sql.compilers.duckdb import DuckDBCompiler
from ibis.backends.sql.compilers.postgres import PostgresCompiler
from ibis.common.annotations import attribute
from ibis.common.typing import VarTuple
from ibis.expr import rules as rlz

from transforms.engine.checks import count_distinct
from transforms.engine.errors import TransformsError
from transforms.engine.target import Target

if TYPE_CHECKING:
    import pyarrow as pa
    from ibis.backends.sql import SQLBackend

BUILD_PREFIX = "__build__"
SCRATCH_CATALOG = "__transforms_scratch"  # DuckDB: an in-memory database for increments
BITMAP_MIN_ROWS = 100_000  # DuckDB counts distinct keys of bigger tables with a bitmap


# --- Expressions Ibis cannot write portably ----------------------------------------------------


class ByteOrder(ops.Value):
    """A string whose ordering and comparison use byte order (PostgreSQL's ``COLLATE "C"``)."""

    arg: ops.Value[dt.String]
    dtype = dt.string

    @attribute
    def shape(self) -> Any:
        return self.arg.shape


def _collate_c(self: Any, op: ByteOrder, *, arg: sge.Expression) -> sge.Expression:
    return sge.Collate(this=arg, expression=sge.Column(this=sge.Identifier(this="C", quoted=True)))


# DuckDB compares text by bytes already; PostgreSQL uses the database collation unless told.
PostgresCompiler.visit_ByteOrder = _collate_c
DuckDBCompiler.visit_ByteOrder = lambda self, op, *, arg: arg


class RowHash(ops.Value):
    """A 64-bit hash of several values, NULLs included: a row's fingerprint.

    Only compared with hashes made by the same engine (DuckDB's ``hash`` and PostgreSQL's
    per-type ``hash*extended`` functions differ), and summed per group of rows: a change of any
    value, a row more or a row less changes the sum but with a chance of 2⁻⁶⁴.
    """

    args: VarTuple[ops.Value]
    dtype = dt.int64
    shape = rlz.shape_like("args")


# PostgreSQL's 64-bit hash function of each type; anything else is hashed as a one-field record.
_PG_HASH = {
    "integer": "hashint8extended",
    "string": "hashtextextended",
    "decimal": "hash_numeric_extended",
    "timestamp": "timestamp_hash_extended",
    "floating": "hashfloat8extended",
}


def _pg_row_hash(self: Any, op: RowHash, *, args: tuple[sge.Expression, ...]) -> sge.Expression:
    # Each column hashed with a seed of its own (a value moved to another column changes the
    # hash), NULL standing for the seed itself, and the hashes combined with XOR.
    parts: list[Any] = []
    for seed, (arg, value) in enumerate(zip(args, op.args, strict=True), start=1):
        dtype = value.dtype
        kind = next((k for k in _PG_HASH if getattr(dtype, f"is_{k}")()), None)
        if dtype.is_date():
            days = arg - sge.cast(sge.convert("2000-01-01"), "date")
            hashed = sge.func("hashint4extended", days, seed)
        elif dtype.is_boolean():
            hashed = sge.func("hashint4extended", sge.cast(arg, "int"), seed)
        elif kind is not None:
            hashed = sge.func(_PG_HASH[kind], arg, seed)
        else:
            hashed = sge.func("hash_record_extended", sge.Tuple(expressions=[arg]), seed)
        parts.append(sge.func("coalesce", hashed, sge.convert(seed)))
    return functools.reduce(lambda a, b: sge.BitwiseXor(this=a, expression=b), parts)


PostgresCompiler.visit_RowHash = _pg_row_hash
# DuckDB hashes several values into one UBIGINT (which sums into a HUGEINT).
DuckDBCompiler.visit_RowHash = lambda self, op, *, args: sge.func("hash", *args)


# DuckDB's bitmap of an integer column's distinct values over [lo, hi], and its set bits.
@ibis.udf.agg.builtin(name="bitstring_agg", signature=(("int64", "int64", "int64"), "binary"))
def _bitstring_agg(arg: Any, lo: Any, hi: Any) -> Any: ...


@ibis.udf.scalar.builtin(name="bit_count", signature=(("binary",), "int64"))
def _bit_count(bits: Any) -> Any: ...


# --- Engines ------------------------------------------------------------------------------------


def quote(*parts: str, engine: str) -> str:
    """A quoted, qualified identifier: ``"Analytics-2025"."stg_orders"``."""
    return ".".join(sg.to_identifier(p, quoted=True).sql(dialect=engine) for p in parts)


class Dialect:
    """The engine-specific operations the runner needs."""

    name: ClassVar[str]

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

    # loading
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
        return DIALECTS[target.engine](target)


def _literal(value: str) -> str:
    return sge.Literal.string(value).sql()


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
            raise TransformsError(f"cannot open DuckDB file {self.target.path}: {exc}") from None
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

    def load_arrow(
        self,
        con: SQLBackend,
        schema: str,
        table: str,
        data: pa.Table | pa.RecordBatchReader,
        *,
        replace: bool = False,
    ) -> None:
        self.check_schema_name(con, schema)
        self.ensure_schema(con, schema)
        verb = "CREATE OR REPLACE TABLE" if replace else "CREATE TABLE"
        raw = con.con
        raw.register("__transforms_load", data)
        try:
            self.sql(con, f"{verb} {self.q(schema, table)} AS SELECT * FROM __transforms_load")
        finally:
            raw.unregister("__transforms_load")


class Postgres(Dialect):
    name = "postgres"

    # Settings of the build session only, passed as connection options (no extra round trip).
    # Measured at scale 1 on a 2-core server (bench/README.md):
    # - work_mem: the default 4 MB makes the big sorts spill to disk (stg_events' de-duplication
    #   sorts 120 MB: 1.7 s with 64 MB, 1.3 s in memory);
    # - jit: compiling the big queries costs more than it saves at these sizes (0.3–0.4 s on
    #   stg_events and int_session each);
    # - max_parallel_workers_per_gather: parallel plans (2 workers) won 0.07 s on stg_events but
    #   lost 0.17 s on int_cart_value and 0.03 s on fct_events: with 2 cores the workers only
    #   compete with the leader. Raise it on a bigger server.
    # maintenance_work_mem only serves index builds and VACUUM, which a run does not do.
    session_settings: ClassVar[dict[str, str]] = {
        "work_mem": "256MB",
        "jit": "off",
        "max_parallel_workers_per_gather": "0",
    }

    def connect(self) -> SQLBackend:
        import psycopg

        t = self.target
        try:
            return self._connect(t.host, t.port, t.user, t.password, t.database)
        except psycopg.OperationalError as exc:
            reason = _first_line(str(exc)).replace(t.password or "\0", "***")
            raise TransformsError(
                f"cannot connect to {t.display}: {reason} "
                "(check the host, port, user, password and database of --target/TRANSFORMS_TARGET)"
            ) from None

    def _connect(
        self,
        host: str | None,
        port: int | None,
        user: str | None,
        password: str | None,
        database: str | None,
    ) -> SQLBackend:
        # Ibis sets the session time zone to UTC after connecting: here it is an option too.
        settings = {"TimeZone": "UTC", **self.session_settings}
        return _postgres_backend()().connect(
            host=host,
            port=port,
            user=user,
            password=password,
            database=database,
            connect_timeout=10,
            application_name="webshop-transforms",
            options=" ".join(f"-c {name}={value}" for name, value in settings.items()),
        )

    def open_worker(self, con: SQLBackend) -> SQLBackend:
        # from the live connection, which also serves connections passed in by a caller
        info = con.con.info
        return self._connect(info.host, info.port, info.user, info.password, info.dbname)

    def cancel(self, con: SQLBackend) -> None:
        con.con.cancel_safe(timeout=5)

    # An increment reads big tables for few rows: there the parallel workers that a build
    # turns off (above) halve the scans. Scale 10, a day's increment: 22 → 14 s. The setting
    # is put back: the connection may be a caller's.
    @contextlib.contextmanager
    def for_increments(self, con: SQLBackend) -> Iterator[None]:
        [(before,)] = self.sql(con, "SHOW max_parallel_workers_per_gather")
        self.sql(con, "SET max_parallel_workers_per_gather = 2")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # a failed block leaves the connection to recover
                self.sql(con, f"SET max_parallel_workers_per_gather = {int(before)}")

    def recover(self, con: SQLBackend) -> None:
        # A cancel that lands on the COMMIT of a transaction block fails the COMMIT itself,
        # which leaves the transaction open and aborted: every later statement would fail.
        from psycopg.pq import TransactionStatus

        if con.con.info.transaction_status != TransactionStatus.IDLE:
            con.con.rollback()

    def sql(self, con: SQLBackend, statement: str) -> list[tuple[Any, ...]]:
        with con.con.cursor() as cur:
            cur.execute(statement)
            return list(cur.fetchall()) if cur.description else []

    def create_table_as(self, con: SQLBackend, schema: str, table: str, select_sql: str) -> int:
        name = self.q(schema, table)
        raw = con.con
        with raw.transaction(), raw.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {name}")
            cur.execute(f"CREATE TABLE {name} AS {select_sql}")
            # No ANALYZE here: at scale 1 it cost 1.4 s in all (0.2 s for each 1M-row table)
            # and saved 0.2 s in the models built on top (better join plans for int_cart_value,
            # int_check_order and mart_cart_value). Autovacuum analyzes the new tables soon after.
            return int(cur.rowcount)

    # UNLOGGED: an increment's working tables are never published, so they need no WAL (a
    # crash empties them, and a crashed run starts again from its build area's removal).
    def scratch_table_as(
        self, con: SQLBackend, target_schema: str, name: str, select_sql: str
    ) -> tuple[tuple[str, ...], int]:
        location = (self.build_schema(target_schema), name)
        quoted = self.q(*location)
        with con.con.transaction(), con.con.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {quoted}")
            cur.execute(f"CREATE UNLOGGED TABLE {quoted} AS {select_sql}")
            return location, int(cur.rowcount)

    # A btree on the key that increments read a big model by (int_session by customer): the
    # published rows of a few thousand customers without a scan of 9M rows, for the increment's
    # old rows, its readers' inputs and the delete that publishes it. Built with the table, it
    # moves with it on publishing. DuckDB reads columns fast enough without.
    def index_for_increments(self, con: SQLBackend, schema: str, table: str, column: str) -> None:
        self.sql(con, f"CREATE INDEX ON {self.q(schema, table)} ({self.q(column)})")

    @staticmethod
    def build_schema(target_schema: str) -> str:
        return f"{target_schema}{BUILD_PREFIX.rstrip('_')}"

    def build_location(self, target_schema: str, model: str) -> tuple[str, str]:
        return self.build_schema(target_schema), model

    def prepare_build_area(self, con: SQLBackend, target_schema: str) -> None:
        self.ensure_schema(con, target_schema)
        self.drop_build_area(con, target_schema)
        self.ensure_schema(con, self.build_schema(target_schema))

    def drop_build_area(self, con: SQLBackend, target_schema: str) -> None:
        self.sql(con, f"DROP SCHEMA IF EXISTS {self.q(self.build_schema(target_schema))} CASCADE")

    def publish(
        self,
        con: SQLBackend,
        target_schema: str,
        models: Sequence[str],
        statements: Sequence[str] = (),
    ) -> None:
        build = self.build_schema(target_schema)
        raw = con.con
        # Transactional DDL: readers see the whole old version or the whole new one.
        with raw.transaction(), raw.cursor() as cur:
            for model in models:
                cur.execute(f"DROP TABLE IF EXISTS {self.q(target_schema, model)}")
                cur.execute(
                    f"ALTER TABLE {self.q(build, model)} SET SCHEMA {self.q(target_schema)}"
                )
            for statement in statements:
                cur.execute(statement)

    @contextlib.contextmanager
    def run_lock(self, con: SQLBackend, target_schema: str, timeout: float) -> Iterator[None]:
        key = f"webshop-transforms:{target_schema}"
        deadline = time.monotonic() + timeout
        while not self.sql(con, f"SELECT pg_try_advisory_lock(hashtext({_literal(key)}))")[0][0]:
            if time.monotonic() >= deadline:
                raise TransformsError(
                    f"another run holds the lock on target schema {target_schema!r} "
                    f"(waited {timeout:g} s): wait for it to finish or raise --lock-timeout"
                )
            time.sleep(0.2)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                self.sql(con, f"SELECT pg_advisory_unlock(hashtext({_literal(key)}))")

    def load_arrow(
        self,
        con: SQLBackend,
        schema: str,
        table: str,
        data: pa.Table | pa.RecordBatchReader,
        *,
        replace: bool = False,
    ) -> None:
        columns = ", ".join(f"{self.q(f.name)} {self.sql_type(f.type)}" for f in data.schema)
        name = self.q(schema, table)
        raw = con.con
        with raw.transaction(), raw.cursor() as cur:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {self.q(schema)}")
            if replace:
                cur.execute(f"DROP TABLE IF EXISTS {name}")
            cur.execute(f"CREATE TABLE {name} ({columns})")
            cols = ", ".join(self.q(f.name) for f in data.schema)
            with cur.copy(f"COPY {name} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                for chunk in _copy_csv_chunks(data):
                    copy.write(chunk)


@functools.cache
def _duckdb_backend() -> type[SQLBackend]:
    """Ibis's DuckDB backend, reading table schemas without pyarrow.

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


@functools.cache
def _postgres_backend() -> type[SQLBackend]:
    """Ibis's PostgreSQL backend, minus the pandas import of its connection set-up.

    ``Backend._post_connect`` imports pandas (0.4 s, a tenth of a scale-1 run) only to register
    a psycopg dumper for ``pandas.NaT``, which nothing here passes, and sets the time zone to
    UTC, which :meth:`Postgres.connect` sets as a connection option instead.
    """
    from ibis.backends.postgres import Backend

    class PostgresBackend(Backend):
        def _post_connect(self) -> None:
            pass

    return PostgresBackend


def _copy_csv_chunks(
    data: pa.Table | pa.RecordBatchReader, rows_per_chunk: int = 200_000
) -> Iterator[bytes]:
    """Arrow → COPY's CSV format through pyarrow's writer (vectorised, no Python row loop).

    Strings are always quoted, so an empty string stays '' and an unquoted empty field is NULL.
    A stream of batches is written as it comes, a batch at a time.
    """
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    batches = data.to_batches(max_chunksize=rows_per_chunk) if isinstance(data, pa.Table) else data
    for batch in batches:
        buf = io.BytesIO()
        pacsv.write_csv(batch, buf, options)
        yield buf.getvalue()


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


DIALECTS: dict[str, type[Dialect]] = {"duckdb": DuckDB, "postgres": Postgres}
