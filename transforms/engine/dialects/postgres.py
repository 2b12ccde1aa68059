"""PostgreSQL: the production engine."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import sqlglot.expressions as sge
from ibis.backends.sql.compilers.postgres import PostgresCompiler

from transforms.engine.dialects.base import (
    BUILD_PREFIX,
    ByteOrder,
    Dialect,
    RowHash,
    _first_line,
    _literal,
)
from transforms.engine.errors import TransformsError

if TYPE_CHECKING:
    import pyarrow as pa
    from ibis.backends.sql import SQLBackend


def _collate_c(self: Any, op: ByteOrder, *, arg: sge.Expression) -> sge.Expression:
    return sge.Collate(this=arg, expression=sge.Column(this=sge.Identifier(this="C", quoted=True)))


# PostgreSQL uses the database collation unless told.
PostgresCompiler.visit_ByteOrder = _collate_c


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
