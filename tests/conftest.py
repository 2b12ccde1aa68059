"""One suite, three engines: every test that takes ``ws`` runs on DuckDB and on PostgreSQL,
and the models' tests (``every_engine``) on Spark too.

PostgreSQL tests use a database created for this test session (dropped at the end) and
fresh schemas per test. Without a reachable server they skip locally, but fail under CI=true.
Spark tests share one local SparkSession per test process (a warehouse in a temporary
directory; it takes seconds to start), run first, and use a database per test; without
pyspark or Java they skip locally, and fail under CI=true.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pyarrow as pa
import pytest

from transforms.engine.dialects import Dialect
from transforms.engine.target import Target

PG_URL = os.environ.get("TRANSFORMS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
# Every engine: the models' own tests (staging, intermediate, marts, contract checks) run on
# each. The engine's tests (increments, locking, parallel runs…) take the first two, which have
# increments; Spark builds every model whole (docs/decisions.md, "Spark").
ENGINES = [
    pytest.param("duckdb", marks=pytest.mark.duckdb, id="duckdb"),
    pytest.param("postgres", marks=pytest.mark.postgres, id="postgres"),
    pytest.param("spark", marks=pytest.mark.spark, id="spark"),
]
INCREMENTAL_ENGINES = ENGINES[:2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Spark's tests first: they are the longest, so both xdist workers start on them (each
    with a JVM of its own) and finish the suite on the short ones, with no long test left
    alone at the end. (All of Spark on one worker would be its longer half.)"""
    spark = [item for item in items if item.get_closest_marker("spark")]
    items[:] = spark + [item for item in items if not item.get_closest_marker("spark")]


def _admin_connect(url: str) -> psycopg.Connection:
    t = Target.parse(url)
    return psycopg.connect(
        host=t.host,
        port=t.port,
        user=t.user,
        password=t.password,
        dbname=t.database,
        autocommit=True,
        connect_timeout=3,
    )


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a PostgreSQL database private to this test session (or xdist worker)."""
    try:
        admin = _admin_connect(PG_URL)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL not reachable at {Target.parse(PG_URL).display}: {exc}".strip()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)")
        pytest.skip(reason)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"transforms_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = Target.parse(PG_URL)
    auth = base.user + (f":{base.password}" if base.password else "") if base.user else ""
    yield f"postgresql://{auth}@{base.host}:{base.port}/{name}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the tests of every engine must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def spark_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local Spark warehouse private to this test process (one SparkSession, shared), its
    JVM started with Spark Connect's plugin: ``spark_connect_url`` reaches the same Spark."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        _unavailable("pyspark is not installed (pip install -e '.[test,spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _unavailable("Spark needs Java, and there is none")
    url = f"spark://{tmp_path_factory.mktemp('spark')}"
    connect = _connect_conf() if importlib.util.find_spec("grpc") else None
    if connect is not None:
        os.environ["TRANSFORMS_SPARK_CONF"] = json.dumps(connect)
    try:
        Dialect.for_target(Target.parse(url)).connect().disconnect()
    finally:
        os.environ.pop("TRANSFORMS_SPARK_CONF", None)  # the tests' subprocesses: plain JVMs
    _connect_urls[url] = (
        f"sc://localhost:{connect['spark.connect.grpc.binding.port']}/"
        f";token={connect['spark.connect.authenticate.token']}"
        if connect
        else None
    )
    yield url


_connect_urls: dict[str, str | None] = {}


def _connect_conf() -> dict[str, str]:
    import socket

    with socket.socket() as probe:  # a free port for the Connect server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {
        "spark.plugins": "org.apache.spark.sql.connect.SparkConnectPlugin",
        "spark.connect.grpc.binding.port": str(port),
        "spark.connect.authenticate.token": uuid.uuid4().hex,
    }


@pytest.fixture(scope="session")
def spark_connect_url(spark_url: str) -> str:
    """``sc://localhost:<port>/;token=…``: Spark Connect to the local Spark of ``spark_url``
    (a token outside localhost would mean TLS)."""
    url = _connect_urls.get(spark_url)
    if url is None:
        _unavailable("no Spark Connect client (pip install -e '.[test,spark,spark-connect]')")
    assert url is not None
    return url


@dataclass
class Workspace:
    """A connection plus a private source schema and target schema, dropped afterwards."""

    engine: str
    url: str
    con: Any
    dialect: Dialect
    source_schema: str
    target_schema: str
    _schemas: list[str] = field(default_factory=list)

    def load(self, table: str, data: pa.Table | dict[str, Any], schema: str | None = None) -> None:
        """Create ``table`` in the source schema from an Arrow table (or a pydict)."""
        if isinstance(data, dict):
            data = pa.table(data)
        self.dialect.load_arrow(self.con, schema or self.source_schema, table, data, replace=True)

    def sql(self, statement: str) -> list[tuple[Any, ...]]:
        return self.dialect.sql(self.con, statement)

    def q(self, *parts: str) -> str:
        return self.dialect.q(*parts)

    def table(self, name: str, schema: str | None = None) -> Any:
        """A bound Ibis table of this workspace (default: the source schema)."""
        return self.con.table(name, database=schema or self.source_schema)

    def rows(self, expr: Any) -> list[dict[str, Any]]:
        """Execute an Ibis expression here; its rows as dicts, in the order the engine returns."""
        result = self.dialect.sql(self.con, self.dialect.to_sql(expr))
        return [dict(zip(expr.columns, r, strict=True)) for r in result]

    def model_rows(self, name: str, **inputs: pa.Table | dict[str, Any]) -> list[dict[str, Any]]:
        """Run model ``name`` alone over hand-made upstream tables; its rows, sorted.

        Each input is loaded into the source schema under its upstream name; the model's output
        is cast-checked against its contract schema, so a wrong type fails the test.
        """
        from transforms import expression
        from transforms.engine.checks import schema_problems
        from transforms.project import webshop

        for upstream, data in inputs.items():
            self.load(upstream, data)
        expr = expression(name, {u: self.table(u) for u in inputs})
        contract = webshop().models[name].contract
        problems = schema_problems(contract, expr.schema())
        assert not problems, f"{name}: {problems}"
        rows = self.rows(expr)
        return sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r.values()))


def _make_workspace(engine: str, url: str, tag: str) -> Workspace:
    target = Target.parse(url)
    dialect = Dialect.for_target(target)
    con = dialect.connect()
    return Workspace(
        engine=engine,
        url=url,
        con=con,
        dialect=dialect,
        source_schema=f"src_{tag}",
        target_schema=f"an_{tag}",
    )


def every_engine() -> Any:
    """An ``engine`` fixture over every engine, Spark included: a module of the models' tests
    sets ``engine = every_engine()``."""

    @pytest.fixture(params=ENGINES)
    def engine(request: pytest.FixtureRequest) -> str:
        return str(request.param)

    return engine


@pytest.fixture(params=INCREMENTAL_ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ws(engine: str, request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Workspace]:
    tag = uuid.uuid4().hex[:8]
    if engine == "duckdb":
        url = f"duckdb://{tmp_path}/ws.duckdb"
    elif engine == "spark":
        url = request.getfixturevalue("spark_url")
    else:
        url = request.getfixturevalue("pg_url")
    w = _make_workspace(engine, url, tag)
    w.dialect.ensure_schema(w.con, w.source_schema)
    try:
        yield w
    finally:
        if engine in ("postgres", "spark"):
            drop = "SCHEMA" if engine == "postgres" else "DATABASE"
            for schema in list(w.dialect.list_schemas(w.con)):
                if schema.endswith(tag) or tag in schema:
                    w.sql(f"DROP {drop} IF EXISTS {w.q(schema)} CASCADE")
        w.con.disconnect()
