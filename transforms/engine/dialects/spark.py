"""Apache Spark: local mode (``spark:///warehouse/dir``) or a Spark Connect server (``sc://``).

Local mode keeps a Hive catalog in an embedded Derby database and the tables' Parquet files,
both under the warehouse directory, so that separate processes (``generate``, ``run``,
``check``, ``docs``) see the same tables. One SparkSession per process, shared by every
connection (its JVM takes seconds to start); a connection's ``disconnect`` leaves it running.

Spark's catalog has no multi-table transaction: models are built into tables of their own
(``__v_<version>__<model>``) and published by swapping the views that readers query
(``<target>.<model>``), one view after another (docs/decisions.md, "Spark").

Ibis 12 compiles a few things for Spark that mean something else there; the rules below (on
Ibis's PySpark compiler) make them mean what they mean on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import math
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.config
import ibis.expr.datatypes as dt
import sqlglot.expressions as sge
from ibis.backends.sql.compilers.pyspark import PySparkCompiler

from transforms.engine.dialects.base import BUILD_PREFIX, Dialect, _first_line
from transforms.engine.errors import TransformsError

if TYPE_CHECKING:
    import pyarrow as pa
    from ibis.backends.sql import SQLBackend

    from transforms.engine.target import Target

INSTALL_HINT = "pip install 'webshop-transforms[spark]'"
VERSION_PREFIX = "__v_"  # a model's built tables: __v_<version>__<model>
LOG4J_CONFIG = Path(__file__).with_name("spark-log4j2.properties")


# --- What Ibis 12 compiles differently for Spark -------------------------------------------------


# The six ASCII white-space characters. Ibis writes them into one literal, ' \t\n\r\v\f', and
# Spark's string literals know no \v nor \f: they are the letters v and f (ibis #11894), so
# TRIM would cut "v"s and "f"s off the ends of names. chr(11) and chr(12) say them exactly.
def _strip(self: Any, op: Any, *, arg: sge.Expression) -> sge.Expression:
    chars = self.f.concat(sge.convert(" \t\n\r"), self.f.chr(11), self.f.chr(12))
    return sge.Trim(this=arg, expression=chars, position="BOTH")


# A replacement's back-references: \1 in RE2, PostgreSQL and DuckDB; $1 in Java's regexp_replace,
# where \1 is a literal "1" and a bare $ starts a group reference.
def _java_replacement(text: str) -> str:
    return re.sub(r"\\(\d)", r"$\1", text.replace("$", "\\$"))


# The end anchor: $ in Java also matches before a final line terminator ("123\n" matches
# ^[0-9]{3}$), where RE2 and PostgreSQL's $ is the end of the text: Java's \z is.
def _java_pattern(pattern: Any) -> Any:
    if not (isinstance(pattern, sge.Literal) and pattern.is_string):
        raise TransformsError("a regular expression must be a literal on Spark")
    out, escaped, in_class = [], False, False
    for char in pattern.this:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = "\\z"
        out.append(char)
    return sge.convert("".join(out))


def _regex_search(
    self: Any, op: Any, *, arg: sge.Expression, pattern: sge.Expression
) -> sge.Expression:
    return self.f.regexp_like(arg, _java_pattern(pattern))


def _regex_replace(
    self: Any, op: Any, *, arg: sge.Expression, pattern: sge.Expression, replacement: Any
) -> sge.Expression:
    pattern = _java_pattern(pattern)
    if isinstance(replacement, sge.Literal) and replacement.is_string:
        replacement = sge.convert(_java_replacement(replacement.this))
    else:
        raise TransformsError(
            "a regular expression replacement must be a literal on Spark "
            "(its back-references are rewritten from \\1 to $1)"
        )
    return self.f.regexp_replace(arg, pattern, replacement)


# A float literal: Ibis writes 1000000.0, which Spark reads as a DECIMAL (then bigint / 1e6 is a
# decimal(30, 9)); cast to the double Ibis means (repr round-trips: the same double).
_base_literal = PySparkCompiler.visit_NonNullLiteral


def _literal(self: Any, op: Any, *, value: Any, dtype: dt.DataType) -> sge.Expression:
    if dtype.is_floating() and math.isfinite(value):
        return self.cast(sge.Literal.number(repr(float(value))), dtype)
    return _base_literal(self, op, value=value, dtype=dtype)


# count(where=…): Ibis writes SUM(CAST(pred AS BIGINT)), NULL when no row is counted (an
# empty table, an empty group); COUNT_IF is 0 there, as COUNT(*) FILTER (WHERE …) elsewhere.
def _count_star(self: Any, op: Any, *, arg: Any, where: Any) -> sge.Expression:
    if where is not None:
        return self.f.count_if(where)
    return self.f.count(sge.Star())


# SUM of decimal(18, 2) is decimal(28, 2) on Spark and AVG of a decimal a decimal, where Ibis
# types them decimal(38, 2) and float64 and emits no cast: cast to what Ibis says.
def _typed(name: str) -> Any:
    def visit(self: Any, op: Any, *, arg: sge.Expression, where: Any) -> sge.Expression:
        if op.arg.dtype.is_boolean():
            arg = self.cast(arg, dt.int32)
        result = self.agg[name](arg, where=where)
        return self.cast(result, op.dtype) if op.arg.dtype.is_decimal() else result

    return visit


# The compiler reads ibis.options.pyspark (treat_nan_as_null), which only exists once the
# backend, and so pyspark, is loaded: compiling offline (`transforms compile --dialect spark`)
# needs the default without pyspark installed.
if getattr(ibis.options, "pyspark", None) is None:

    class _CompileOptions(ibis.config.Config):
        treat_nan_as_null: bool = False

    ibis.options.pyspark = _CompileOptions()

PySparkCompiler.visit_NonNullLiteral = _literal
PySparkCompiler.visit_Strip = _strip
PySparkCompiler.visit_RegexReplace = _regex_replace
PySparkCompiler.visit_RegexSearch = _regex_search
PySparkCompiler.visit_CountStar = _count_star
PySparkCompiler.visit_Sum = _typed("sum")
PySparkCompiler.visit_Mean = _typed("avg")
# Spark compares strings by their UTF-8 bytes (the default UTF8_BINARY collation).
PySparkCompiler.visit_ByteOrder = lambda self, op, *, arg: arg


# --- The session -----------------------------------------------------------------------------

# Settings of every session, measured on 2 cores (docs/decisions.md, "Spark"):
# - session time zone UTC: Spark's TIMESTAMP is an instant shown in the session's zone, so
#   wall-clock timestamps (the contracts' `timestamp`) read and write unchanged only in UTC;
# - ANSI mode on (Spark 4.0's default, off in 3.5): an overflowing cast or arithmetic fails the
#   statement, as on DuckDB and PostgreSQL, instead of becoming a NULL that a not-null check
#   would report under another name;
# - 16 shuffle partitions with adaptive execution, which coalesces small ones: at scale 1 a
#   whole build took 37 s (16, AQE), 40–48 s (4, AQE), 38–41 s (2, no AQE) and 131–137 s
#   (Spark's 200 without AQE), interleaved in one warm JVM;
# - new tables are Parquet data-source tables (not Hive text tables) on 3.5 as on 4.0.
SESSION_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.shuffle.partitions": "16",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "true",
    "spark.sql.legacy.createHiveTableByDefault": "false",
    "spark.sql.sources.default": "parquet",
}
# Settings of a local-mode JVM, fixed when it starts.
LOCAL_CONF: dict[str, str] = {
    "spark.master": "local[*]",
    "spark.app.name": "webshop-transforms",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": os.environ.get("TRANSFORMS_SPARK_MEMORY", "2g"),
    "spark.sql.catalogImplementation": "hive",
}

_session_lock = threading.Lock()
_sessions: dict[str, Any] = {}  # the process's SparkSession, by the target it serves


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise TransformsError(
            f"a Spark target needs pyspark, which is not installed: {INSTALL_HINT}"
        ) from None


def _require_java() -> None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return
    if home:
        raise TransformsError(
            f"JAVA_HOME={home} has no bin/java: Spark in local mode needs Java 17 or 21 "
            "(install a JDK and set JAVA_HOME to it)"
        )
    if shutil.which("java") is None:
        raise TransformsError(
            "Spark in local mode needs Java 17 or 21, and there is no `java` on PATH nor "
            "JAVA_HOME: install a JDK (e.g. apt-get install openjdk-17-jre-headless)"
        )


def _extra_conf() -> dict[str, str]:
    """Settings of the user's for a local-mode JVM: ``TRANSFORMS_SPARK_CONF``, a JSON object
    (``{"spark.executor.cores": "2"}``); they win over ours."""
    text = os.environ.get("TRANSFORMS_SPARK_CONF", "").strip()
    if not text:
        return {}
    try:
        conf = json.loads(text)
    except ValueError as exc:
        raise TransformsError(f"TRANSFORMS_SPARK_CONF is not JSON: {exc}") from None
    if not isinstance(conf, dict):
        raise TransformsError(
            'TRANSFORMS_SPARK_CONF must be a JSON object of settings: {"spark.key": "value"}'
        )
    return {str(k): str(v) for k, v in conf.items()}


def _local_session(directory: Path) -> Any:
    from pyspark.sql import SparkSession

    directory.mkdir(parents=True, exist_ok=True)
    metastore = directory / "metastore_db"
    java_options = f"-Dderby.system.home={directory} -Dlog4j2.configurationFile={LOG4J_CONFIG}"
    builder = SparkSession.builder
    for key, value in {
        **LOCAL_CONF,
        **SESSION_CONF,
        "spark.sql.warehouse.dir": str(directory / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={metastore};create=true"
        ),
        "spark.driver.extraJavaOptions": java_options,
        **_extra_conf(),
    }.items():
        builder = builder.config(key, value)
    session = builder.enableHiveSupport().getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _connect_session(target: Target) -> Any:
    # the client's own options after ";" (token=…, use_ssl=true, user_id=…) go with the URL
    _, semicolon, options = target.url.partition(";")
    url = f"sc://{target.host}:{target.port}/{semicolon}{options}"
    try:
        from pyspark.sql import SparkSession

        _await_server(url, target)
        session = SparkSession.builder.remote(url).create()  # not another URL's session
    except ImportError as exc:
        raise TransformsError(
            f"Spark Connect needs pyspark's connect client ({exc.name} is missing): "
            "pip install 'webshop-transforms[spark-connect]'"
        ) from None
    try:
        for key, value in SESSION_CONF.items():
            with contextlib.suppress(Exception):  # a server may forbid some; the rest hold
                session.conf.set(key, value)
        session.sql("SELECT 1").collect()  # a first call: is the server there, does it admit us
    except Exception as exc:
        session.stop()
        raise TransformsError(
            f"cannot reach Spark Connect at {target.display}: {_connect_error(exc)} "
            "(check the host, the port and the ;token= of the URL)"
        ) from None
    return session


CONNECT_TIMEOUT = 10.0  # seconds for a Connect server to answer (the client retries for minutes)


def _await_server(url: str, target: Target) -> None:
    import grpc

    client = importlib.import_module("pyspark.sql.connect.client")
    # PySpark 4 names its builder DefaultChannelBuilder, 3.5 ChannelBuilder
    builder = getattr(client, "DefaultChannelBuilder", None) or client.ChannelBuilder
    channel = builder(url).toChannel()
    try:
        grpc.channel_ready_future(channel).result(timeout=CONNECT_TIMEOUT)
    except grpc.FutureTimeoutError:
        raise TransformsError(
            f"no Spark Connect server answered at {target.display} within "
            f"{CONNECT_TIMEOUT:g} s: check the host and the port (with ;token=, the client "
            "speaks TLS unless the host is localhost: add ;use_ssl=true for a server with TLS)"
        ) from None
    finally:
        channel.close()


def _connect_error(exc: Exception) -> str:
    """What gRPC says, without its multi-line wrapping: ``UNAUTHENTICATED: No … token``."""
    text = str(exc)
    status = re.search(r"status = StatusCode\.(\w+)", text)
    details = re.search(r'details = "([^"]*)"', text)
    if status and details:
        return f"{status.group(1)}: {details.group(1)}"
    return _first_line(text)


def _in_use(target: Target, pid: int | None) -> TransformsError:
    who = f"process {pid}" if pid else "another process"
    return TransformsError(
        f"the Spark warehouse {target.path} is in use by {who} (its embedded catalog admits "
        "one process at a time): wait for it to finish"
    )


def _catalog_holder(directory: Path) -> int | None:
    """The process whose JVM holds the warehouse's embedded catalog, if another one does.

    Derby holds a POSIX lock on ``metastore_db/dbex.lck`` while it runs. Read from
    /proc/locks (Linux) rather than by taking the lock: closing any descriptor of the file
    would drop the locks this process holds on it. Elsewhere, None: starting Spark fails
    the same way, only later (Dialect.connect)."""
    try:
        info = (directory / "metastore_db" / "dbex.lck").stat()
        locks = Path("/proc/locks").read_text()
    except OSError:
        return None
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    for line in locks.splitlines():
        fields = line.split()
        if "POSIX" in fields and device in fields:
            pid = int(fields[fields.index("POSIX") + 3])
            if pid != os.getpid():
                return pid
    return None


def _quiet_python_loggers() -> None:
    """PySpark 4 logs every failed query on stderr (as JSON) before raising it: the error is
    the exception's, which the runner reports; the CLI prints one line."""
    try:
        from pyspark.logger import PySparkLogger
    except ImportError:  # PySpark 3.5 has no such loggers
        return
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).disabled = True


def spark_session(target: Target) -> Any:
    """The process's SparkSession for ``target`` (started on first use)."""
    _require_pyspark()
    key = target.url if target.spark_connect else str(target.path)
    with _session_lock:
        if key in _sessions:
            return _sessions[key]
        if _sessions and not target.spark_connect:
            [other] = list(_sessions)
            raise TransformsError(
                f"this process already runs Spark for {other}: a process has one local Spark "
                f"session, so {target.display} needs a process of its own"
            )
        if target.spark_connect:
            session = _connect_session(target)
        else:
            _require_java()
            assert target.path is not None
            holder = _catalog_holder(Path(target.path))
            if holder is not None:
                raise _in_use(target, holder)
            try:
                session = _local_session(Path(target.path))
            except Exception as exc:
                raise TransformsError(
                    f"cannot start Spark for {target.display}: {_first_line(str(exc))}"
                ) from None
        _quiet_python_loggers()
        _sessions[key] = session
        return session


# --- The dialect -------------------------------------------------------------------------------


class Spark(Dialect):
    name = "pyspark"  # Ibis's (and its sqlglot dialect's) name for Spark SQL
    full_only = "Spark: no in-place delete"

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        self.version = ""  # the run being built: names its tables (prepare_build_area)

    def connect(self) -> SQLBackend:
        session = spark_session(self.target)
        con = _spark_backend()().connect(session)
        # The first catalog query opens the metastore: a second process on the same local
        # warehouse fails here (embedded Derby admits one JVM), which serialises runs.
        try:
            self.sql(con, "SHOW DATABASES")
        except Exception as exc:
            text = str(exc)
            if "Derby" in text or "metastore" in text.lower() or "HiveClient" in text:
                raise _in_use(self.target, None) from None
            raise TransformsError(
                f"cannot reach Spark at {self.target.display}: {_first_line(text)}"
            ) from None
        return con

    def open_worker(self, con: SQLBackend) -> SQLBackend:
        # another connection on the same session: Spark runs jobs of several threads at once
        return _spark_backend()().connect(con._session)

    def cancel(self, con: SQLBackend) -> None:
        session = con._session
        group = getattr(con, "_transforms_group", None)
        if group is None:
            return
        if hasattr(session, "interruptTag"):  # Spark Connect
            session.interruptTag(group)
        else:
            session.sparkContext.cancelJobGroup(group)

    def sql(self, con: SQLBackend, statement: str) -> list[tuple[Any, ...]]:
        session = con._session
        group = getattr(con, "_transforms_group", None)
        if group is None:
            group = con._transforms_group = f"transforms-{uuid.uuid4().hex[:12]}"
        if _is_connect(session):
            session.addTag(group)
        else:
            # per thread (PySpark pins each Python thread to a JVM thread): cancel() finds it
            session.sparkContext.setJobGroup(group, "webshop-transforms", interruptOnCancel=True)
        return _rows(session.sql(statement))

    def sql_type(self, dtype: Any) -> str:
        from ibis.backends.sql.datatypes import PySparkType

        ibis_type = dt.dtype(dtype)
        if ibis_type.is_null():
            ibis_type = dt.int32
        return str(PySparkType.from_ibis(ibis_type).sql(dialect="spark"))

    # catalog
    def ensure_schema(self, con: SQLBackend, schema: str) -> None:
        self.sql(con, f"CREATE DATABASE IF NOT EXISTS {self.q(schema)}")

    def list_schemas(self, con: SQLBackend) -> set[str]:
        return {r[0] for r in self.sql(con, "SHOW DATABASES")}

    def list_tables(self, con: SQLBackend, schema: str) -> set[str]:
        if schema.lower() not in self.list_schemas(con):
            return set()
        return {r[1] for r in self.sql(con, f"SHOW TABLES IN {self.q(schema)}") if not r[2]}

    def check_schema_name(self, con: SQLBackend, schema: str) -> None:
        # The Hive catalog keeps names in lower case: "Analytics" would be found as "analytics"
        if not re.fullmatch(r"[a-z0-9_]+", schema):
            raise TransformsError(
                f"schema {schema!r} cannot be a Spark database name as it is (Spark's catalog "
                "keeps lower-case letters, digits and _): choose e.g. "
                f"{re.sub(r'[^a-z0-9_]+', '_', schema.lower())!r}"
            )

    def create_table_as(self, con: SQLBackend, schema: str, table: str, select_sql: str) -> int:
        name = self.q(schema, table)
        self.sql(con, f"DROP TABLE IF EXISTS {name}")
        self.sql(con, f"CREATE TABLE {name} USING parquet AS {select_sql}")
        # Spark's CREATE TABLE AS answers nothing: the count comes from the Parquet footers
        [(rows,)] = self.sql(con, f"SELECT COUNT(*) FROM {name}")
        return int(rows)

    # write-audit-publish: tables of a version of their own, views swapped over them
    def build_location(self, target_schema: str, model: str) -> tuple[str, str]:
        if not self.version:
            raise TransformsError("no Spark build area prepared: internal error")
        return target_schema, f"{VERSION_PREFIX}{self.version}__{model}"

    def scratch_table_as(
        self, con: SQLBackend, target_schema: str, name: str, select_sql: str
    ) -> tuple[tuple[str, ...], int]:
        raise TransformsError(f"Spark builds every model whole: {self.full_only}")

    def prepare_build_area(self, con: SQLBackend, target_schema: str) -> None:
        self.ensure_schema(con, target_schema)
        self.drop_build_area(con, target_schema)
        # sortable and unique: the time of the run, then a random part
        self.version = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + uuid.uuid4().hex[:6]

    def published_versions(self, con: SQLBackend, target_schema: str) -> dict[str, str]:
        """The table each published view of ``target_schema`` reads: {model: table}."""
        out: dict[str, str] = {}
        for table in self.list_tables(con, target_schema):
            if table.startswith(VERSION_PREFIX) or table.startswith(BUILD_PREFIX):
                continue
            rows = self.sql(con, f"DESCRIBE TABLE EXTENDED {self.q(target_schema, table)}")
            text = next((r[1] for r in rows if r[0] == "View Text"), None)
            if text is not None:
                found = re.search(rf"`({re.escape(VERSION_PREFIX)}[^`]+)`", text)
                if found:
                    out[table] = found.group(1)
        return out

    def drop_build_area(self, con: SQLBackend, target_schema: str) -> None:
        # every version table no published view reads: what this run built and did not
        # publish, the versions it replaced, and what a killed run left
        if target_schema.lower() not in self.list_schemas(con):
            return
        live = set(self.published_versions(con, target_schema).values())
        for table in sorted(self.list_tables(con, target_schema)):
            if table.startswith(VERSION_PREFIX) and table not in live:
                self.sql(con, f"DROP TABLE IF EXISTS {self.q(target_schema, table)}")

    def publish(
        self,
        con: SQLBackend,
        target_schema: str,
        models: Sequence[str],
        statements: Sequence[str] = (),
    ) -> None:
        tables = {
            r[1]: r
            for r in self.sql(con, f"SHOW TABLES IN {self.q(target_schema)}")
            if not r[2] and r[1] in models
        }
        views = {
            r[1] for r in self.sql(con, f"SHOW VIEWS IN {self.q(target_schema)}") if r[1] in tables
        }
        # A table where a view goes (none made by this engine): dropped first, once.
        for model in models:
            if model in tables and model not in views:
                self.sql(con, f"DROP TABLE {self.q(target_schema, model)}")
        # One catalog operation per model; a reader sees each view old or new, and between the
        # first swap and the last a mix of versions (docs/decisions.md, "Spark").
        for model in models:
            _, built = self.build_location(target_schema, model)
            self.sql(
                con,
                f"CREATE OR REPLACE VIEW {self.q(target_schema, model)} AS "
                f"SELECT * FROM {self.q(target_schema, built)}",
            )
        # What goes with the publish (`load` drops the generator's clock), after the swaps: no
        # transaction holds them together here. Increments' deletes never come: full_only.
        for statement in statements:
            self.sql(con, statement)

    @contextlib.contextmanager
    def run_lock(self, con: SQLBackend, target_schema: str, timeout: float) -> Iterator[None]:
        # Between processes, local mode's embedded catalog admits one process (connect());
        # inside one, a lock per warehouse and target schema. Spark Connect: see decisions.md.
        lock = _run_lock(f"{self.target.url}|{target_schema}")
        if not lock.acquire(timeout=max(0.0, timeout)):
            raise TransformsError(
                f"another run holds the lock on target schema {target_schema!r} "
                f"(waited {timeout:g} s): wait for it to finish or raise --lock-timeout"
            )
        try:
            yield
        finally:
            lock.release()

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
        import pyarrow.parquet as pq

        if isinstance(data, pa.RecordBatchReader):
            data = data.read_all()  # Spark reads the rows from one file or one DataFrame
        session = con._session
        self.ensure_schema(con, schema)
        name = self.q(schema, table)
        if not replace and table in self.list_tables(con, schema):
            raise TransformsError(f"table {schema}.{table} exists already")
        # each column cast to this engine's type of its Arrow type (Arrow's naive timestamps
        # arrive as TIMESTAMP_NTZ: as TIMESTAMP in the session's UTC they keep their value)
        columns = ", ".join(
            f"CAST({self.q(f.name)} AS {self.sql_type(f.type)}) AS {self.q(f.name)}"
            for f in data.schema
        )
        # In local mode the rows go through a Parquet file beside the warehouse, which Spark
        # reads in parallel (scale 1, 1M events: 88 s through createDataFrame, see decisions);
        # a Connect server cannot see local files, and Parquet has no column of nothing but
        # NULLs (Arrow's null type): those go through a DataFrame.
        local = self.target.path is not None and not _is_connect(session)
        if local and not any(pa.types.is_null(f.type) for f in data.schema):
            staging = Path(str(self.target.path)) / "loading"
            staging.mkdir(parents=True, exist_ok=True)
            path = staging / f"{uuid.uuid4().hex}.parquet"
            try:
                pq.write_table(data, path)
                self.sql(con, f"DROP TABLE IF EXISTS {name}")
                self.sql(
                    con,
                    f"CREATE TABLE {name} USING parquet AS SELECT {columns} FROM parquet.`{path}`",
                )
            finally:
                path.unlink(missing_ok=True)
            return
        view = f"__transforms_load_{uuid.uuid4().hex[:8]}"
        _dataframe(session, data).createOrReplaceTempView(view)
        try:
            self.sql(con, f"DROP TABLE IF EXISTS {name}")
            self.sql(con, f"CREATE TABLE {name} USING parquet AS SELECT {columns} FROM {view}")
        finally:
            session.catalog.dropTempView(view)


_locks: dict[str, threading.Lock] = {}


def _run_lock(key: str) -> threading.Lock:
    with _session_lock:
        return _locks.setdefault(key, threading.Lock())


def _is_connect(session: Any) -> bool:
    return type(session).__module__.startswith("pyspark.sql.connect")


def _dataframe(session: Any, data: pa.Table) -> Any:
    """A Spark DataFrame of an Arrow table (Arrow all the way on 4.0, through pandas on 3.5)."""
    import pyspark

    if int(pyspark.__version__.split(".")[0]) >= 4:
        return session.createDataFrame(data)
    session.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    return session.createDataFrame(data.to_pandas())


def _rows(df: Any) -> list[tuple[Any, ...]]:
    """A DataFrame's rows as tuples, through Arrow: ``collect()`` would turn timestamps into
    the Python process's local time, Arrow gives them in the session's UTC."""
    import pyarrow as pa

    if hasattr(df, "toArrow"):  # PySpark 4.0, and Spark Connect
        table = df.toArrow()
    else:  # PySpark 3.5
        batches = df._collect_as_arrow()
        if not batches:
            return []
        table = pa.Table.from_batches(batches)
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            column = column.cast(pa.timestamp(column.type.unit))  # UTC wall clock, naive
        columns.append(column.to_pylist())
    return list(zip(*columns, strict=True))


@functools.cache
def _spark_backend() -> type[SQLBackend]:
    """Ibis's PySpark backend on a shared session, reading schemas without ``USE``.

    Its ``get_schema`` (and ``create_table(database=…)``) switch the session's current
    database while they run: with several threads on one session, one thread's switch and
    another's switch back interleave. Names here are always qualified, so a schema is read by
    the qualified name instead. ``disconnect`` leaves the process's session running.
    """
    import ibis.common.exceptions as com
    import ibis.expr.schema as sch
    from ibis.backends.pyspark import Backend
    from ibis.backends.pyspark.datatypes import PySparkType

    Backend.register_options()  # ibis.options.pyspark, as `ibis.pyspark` would

    class SparkBackend(Backend):
        def get_schema(
            self, table_name: str, *, catalog: str | None = None, database: str | None = None
        ) -> sch.Schema:
            parts = [p for p in (catalog, database, table_name) if p]
            name = ".".join(f"`{p}`" for p in parts)
            try:
                struct = self._session.table(name).schema
            except Exception as exc:
                if "TABLE_OR_VIEW_NOT_FOUND" in str(exc) or "not found" in str(exc).lower():
                    raise com.TableNotFound(table_name) from None
                raise
            return sch.Schema(PySparkType.to_ibis(struct))

        def disconnect(self) -> None:
            pass

    return SparkBackend
