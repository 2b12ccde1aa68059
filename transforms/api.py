"""The library API for services that embed the models: build, check, compile, compose.

Every function is re-entrant and keeps no global state: a service may call them from several
threads at once, each with its own connection (an Ibis connection is not safe to share
between threads). Nothing here prints; pass a :class:`~transforms.engine.reporter.Reporter`
to hear about a run as it goes.

Rows fetched from a published table validate against the model's contract class::

    from contracts.marts import MartCartValue
    rows = [MartCartValue.model_validate(r) for r in fetched]  # typed, checked
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict, cast

import ibis

from contracts.base import Contract
from transforms.engine.checks import CheckResult
from transforms.engine.compile import compile_sql as _compile_sql
from transforms.engine.dialects import Dialect
from transforms.engine.errors import TransformsError
from transforms.engine.graph import did_you_mean
from transforms.engine.parquet import ExportResult, LoadResult
from transforms.engine.reporter import Reporter, SilentReporter
from transforms.engine.results import RunResult
from transforms.engine.runner import Session
from transforms.engine.target import Target
from transforms.project import webshop

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

    from transforms.engine.lineage import Lineage

__all__ = [
    "LoggedCheck",
    "LoggedModel",
    "LoggedRun",
    "build",
    "check",
    "compile_sql",
    "connect",
    "contract",
    "export_parquet",
    "expression",
    "last_run",
    "lineage",
    "load_parquet",
    "session",
]


class LoggedCheck(TypedDict):
    """One check result of a logged run (table ``<target>_meta.check_results``)."""

    run_id: str
    model: str
    check: str
    severity: str  # "error" or "warn"
    failing: int  # 0 when the check passed


class LoggedModel(TypedDict):
    """One model a logged run built (table ``<target>_meta.model_results``)."""

    run_id: str
    model: str
    mode: str  # "full" or "incremental"
    reason: str | None  # why it was built whole
    rows: int  # rows after the run
    inserted: int | None  # rows new or changed
    deleted: int | None  # rows gone or changed
    kept: int | None  # rows left as they were
    seconds: float


class LoggedRun(TypedDict):
    """A logged run (table ``<target>_meta.runs``) with its models and check results."""

    run_id: str
    started_at: datetime  # UTC, without time zone
    seconds: float
    ok: bool
    error: str | None
    built: str  # model names, comma-separated
    published: str  # model names, comma-separated (empty when the run failed)
    models: list[LoggedModel]  # in build order (empty for runs logged before it was kept)
    checks: list[LoggedCheck]


def connect(
    con_or_url: SQLBackend | str | None = None, *, create: bool = True
) -> tuple[SQLBackend, Dialect]:
    """An Ibis connection and its dialect.

    ``con_or_url`` is an open Ibis DuckDB, PostgreSQL or PySpark connection (used as it is), a
    target URL (``duckdb://file.db``, ``duckdb://``, ``postgres://user@host:port/db``,
    ``spark:///abs/warehouse``, ``sc://host:port``: a new connection), or ``None`` for
    ``$TRANSFORMS_TARGET``, else ``duckdb://webshop.duckdb``.
    With ``create=False`` a DuckDB file (or local Spark warehouse) that does not exist is an
    error rather than created: for work that reads what is there.
    Raises :class:`TransformsError` for another engine, a bad URL, a DuckDB file whose folder
    does not exist, or (``create=False``) a missing DuckDB file.
    """
    if con_or_url is None or isinstance(con_or_url, str):
        target = Target.parse(con_or_url)
        target.require_database(create=create)
        dialect = Dialect.for_target(target)
        return dialect.connect(), dialect
    backend = getattr(con_or_url, "name", None)
    engine = {"duckdb": "duckdb", "postgres": "postgres", "pyspark": "spark"}.get(str(backend))
    if engine is None:
        raise TransformsError(
            f"unsupported connection {con_or_url!r}: use DuckDB, PostgreSQL or PySpark"
        )
    return con_or_url, Dialect.for_target(Target(engine=engine, url=f"{engine}://"))


def session(
    con_or_url: SQLBackend | str | None = None,
    *,
    source_schema: str = "public",
    target_schema: str = "analytics",
    reporter: Reporter | None = None,
    threads: int | None = None,
    create: bool = True,
) -> Session:
    """The webshop project on one connection: for finer control than :func:`build`.

    The session's attributes tune a run before :meth:`Session.run`: ``store_failures``,
    ``freshness_now`` and ``freshness_limits``, ``lock_timeout``, ``record_runs``, ``threads``
    (models built and checked at the same time, each on a connection of its own; by default
    one per core, at most four). ``create=False``: a missing DuckDB file is an error, not
    created (see :func:`connect`).
    """
    con, dialect = connect(con_or_url, create=create)
    s = Session(
        project=webshop(),
        con=con,
        dialect=dialect,
        source_schema=source_schema,
        target_schema=target_schema,
        reporter=reporter or SilentReporter(),
    )
    if threads is not None:
        s.threads = threads
    return s


def build(
    con_or_url: SQLBackend | str | None = None,
    *,
    select: Sequence[str] | None = None,
    source_schema: str = "public",
    target_schema: str = "analytics",
    reporter: Reporter | None = None,
    threads: int | None = None,
    full_refresh: bool = False,
) -> RunResult:
    """Build, check and publish the selected models (all of them by default).

    ``select`` takes the CLI's patterns: ``name``, ``name+`` (and downstream), ``+name`` (and
    upstream), or a layer. Models are built in a private area and checked layer by layer (up
    to ``threads`` models of a layer at a time), then published together in one transaction
    only if no ``error`` check failed; failed ``warn`` checks are in ``result.warnings``.
    Once the target holds a published version, models are brought up to date incrementally
    (only what changed since is recomputed, with the same result as a full build); each
    build in ``result.builds`` says its ``mode`` and why it was built whole, and
    ``full_refresh=True`` builds every model whole.
    Raises :class:`ContractError` (with ``.results``) when an error check fails and
    :class:`TransformsError` for other known problems (a missing source table, a bad URL, …);
    the published tables are then unchanged.
    """
    s = session(
        con_or_url,
        source_schema=source_schema,
        target_schema=target_schema,
        reporter=reporter,
        threads=threads,
        create=False,  # a run reads its sources: a new, empty DuckDB file would only fail
    )
    try:
        return s.run(select, full_refresh=full_refresh)
    finally:
        if not _given(con_or_url):
            s.close()  # a connection of its own: DuckDB's file is free for others again


def check(
    con_or_url: SQLBackend | str | None = None,
    *,
    select: Sequence[str] | None = None,
    target_schema: str = "analytics",
    reporter: Reporter | None = None,
    threads: int | None = None,
) -> list[CheckResult]:
    """Check the contracts of the published tables, without rebuilding; one result per check.

    Failed checks are returned, not raised: look at ``result.is_error``.
    """
    s = session(
        con_or_url, target_schema=target_schema, reporter=reporter, threads=threads, create=False
    )
    try:
        return s.check(select)
    finally:
        if not _given(con_or_url):
            s.close()


def last_run(
    con_or_url: SQLBackend | str | None = None, *, target_schema: str = "analytics"
) -> LoggedRun | None:
    """The latest logged run of the target with its check results; ``None`` before any run."""
    from transforms.engine import runlog

    if isinstance(con_or_url, str | None):
        target = Target.parse(con_or_url)
        if target.engine == "duckdb" and target.path and not os.path.exists(target.path):
            return None  # no file, no run (and connecting would create the file)
    con, dialect = connect(con_or_url, create=False)
    try:
        return cast("LoggedRun | None", runlog.last_run(con, dialect, target_schema))
    finally:
        if not _given(con_or_url):
            con.disconnect()


def expression(model_name: str, sources: Mapping[str, ibis.Table]) -> ibis.Table:
    """Model ``model_name`` as an unexecuted Ibis expression over the given tables.

    ``sources`` maps names the model reads, directly or not, to Ibis tables: usually the raw
    source tables (``{"orders": con.table("orders"), …}``), but an upstream model's table may
    be given too and is then used as it is. Upstream models not given are composed from their
    own upstream, recursively. Filter, join or aggregate the result before executing it.

    Raises :class:`TransformsError` for an unknown model or name in ``sources``, or when a
    table the model needs is not given.
    """
    project = webshop()
    if model_name not in project.models:
        project.expression(model_name, {})  # raises, with a did-you-mean
    known = set(project.sources) | set(project.models)
    for name in sources:
        if name not in known:
            hint = did_you_mean(name, known)
            raise TransformsError(f"sources: no source or model named {name!r}{hint}")
    memo: dict[str, ibis.Table] = dict(sources)

    def resolve(name: str) -> ibis.Table:
        if name not in memo:
            if name not in project.models:
                raise TransformsError(
                    f"model {model_name!r} needs table {name!r}: pass it in sources"
                )
            # .view(): tables composed from a shared upstream stay distinct when a model
            # joins two of them (Ibis would otherwise reject the join as ambiguous)
            upstream = {d: resolve(d).view() for d in project.models[name].depends_on}
            memo[name] = project.expression(name, upstream)
        return memo[name]

    return resolve(model_name)


def compile_sql(
    model_name: str,
    dialect: str = "postgres",
    *,
    source_schema: str = "public",
    target_schema: str = "analytics",
) -> str:
    """The SELECT statement of one model, compiled offline (no connection).

    It reads the sources from ``source_schema`` and upstream models from ``target_schema``;
    ``dialect`` is ``"postgres"``, ``"duckdb"`` or ``"spark"``.
    """
    return _compile_sql(
        webshop(),
        model_name,
        dialect=dialect,
        source_schema=source_schema,
        target_schema=target_schema,
    )


def lineage(
    model: str, column: str, *, downstream: bool = False, values_only: bool = False
) -> Lineage:
    """The lineage of column ``column`` of model (or source) ``model``, read off the models'
    expressions (no connection).

    Upstream (default): every column it is computed from, down to the sources, each direct
    step a :class:`~transforms.engine.lineage.Dependency` of kind ``"value"`` (its value is
    derived from it) or ``"filter"`` (it decides the rows: filter, join, group, order).
    ``downstream=True``: every model column that depends on it instead. ``values_only``
    follows value dependencies alone. Raises :class:`TransformsError` for an unknown model or
    column (with a did-you-mean).
    """
    from transforms.engine.lineage import column_lineage

    return column_lineage(webshop(), model, column, downstream=downstream, values_only=values_only)


def contract(model_name: str) -> type[Contract]:
    """The contract class of a model or source: validates fetched rows, lists the columns."""
    project = webshop()
    if model_name in project.sources:
        return project.sources[model_name]
    if model_name not in project.models:
        project.expression(model_name, {})  # raises, with a did-you-mean
    return project.models[model_name].contract


def load_parquet(
    directory: str | os.PathLike[str],
    con_or_url: SQLBackend | str | None = None,
    *,
    source_schema: str = "public",
    on_start: Callable[[], None] | None = None,
) -> LoadResult:
    """Replace the raw tables in ``source_schema`` with a Parquet extract in ``directory``.

    The extract holds one file per source table, named after it (``customer.parquet``,
    ``product.parquet``, ``orders.parquet``, ``orderitem.parquet``, ``events.parquet``; a
    folder of part files under that name also serves). Every file's columns are checked
    against the source contracts before anything is written, then each is streamed into the
    database cast to the contract's types, and the five tables are replaced together in one
    transaction. Columns the contracts do not declare are not loaded (``ignored_columns``).
    A ``generator_clock`` table left there by ``transforms generate`` is dropped with them: the
    tables are no longer the example shop it describes.

    Raises :class:`TransformsError` for a missing directory, file or column, a type that does
    not cast to the contract's, a value that does not fit it, or a file that is not Parquet;
    the source tables are then unchanged. ``on_start`` is called once the extract and the
    target are checked, before anything is written (a command's header goes there).
    """
    from examples.generate import CLOCK_TABLE
    from transforms.engine.parquet import load_extract, open_extract

    extract = open_extract(directory, webshop().sources)  # bad files: before connecting
    con, dialect = connect(con_or_url)
    try:
        drop_clock = f"DROP TABLE IF EXISTS {dialect.q(source_schema, CLOCK_TABLE)}"
        return load_extract(
            con, dialect, extract, source_schema, statements=[drop_clock], on_start=on_start
        )
    finally:
        if not _given(con_or_url):
            con.disconnect()


def export_parquet(
    out: str | os.PathLike[str],
    con_or_url: SQLBackend | str | None = None,
    *,
    select: Sequence[str] | None = None,
    target_schema: str = "analytics",
    lock_timeout: float = 60.0,
    on_start: Callable[[], None] | None = None,
) -> ExportResult:
    """Write the published models as Parquet files in ``out``: ``<model>.parquet`` each.

    ``select`` takes the CLI's patterns (as :func:`build`); all models by default. Each file
    has the Arrow schema of the model's contract (decimals stay decimals, timestamps
    timestamps) and is streamed from the database. An existing file of the same name is
    replaced, and only once every selected model is written: a failed export leaves no half
    file. Waits up to ``lock_timeout`` seconds for a run on the target to finish.

    Raises :class:`TransformsError` when nothing (or not every selected model) is published,
    or ``out`` cannot be written. ``on_start`` is called once every selected model is found
    published, before anything is written.
    """
    from transforms.engine.parquet import export_models

    project = webshop()
    names = project.select(select)
    con, dialect = connect(con_or_url, create=False)
    try:
        contracts = {name: project.models[name].contract for name in names}
        return export_models(
            con,
            dialect,
            out,
            target_schema,
            contracts,
            lock_timeout=lock_timeout,
            on_start=on_start,
        )
    finally:
        if not _given(con_or_url):
            con.disconnect()


def _given(con_or_url: SQLBackend | str | None) -> bool:
    """Was an open connection passed in (the caller's, left open), rather than a URL?"""
    return not (con_or_url is None or isinstance(con_or_url, str))
