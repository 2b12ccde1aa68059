"""The library API for services that embed the models: build, check, compile, compose."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ibis

from transforms.engine.checks import CheckResult
from transforms.engine.compile import compile_sql as _compile_sql
from transforms.engine.dialects import Dialect
from transforms.engine.errors import TransformsError
from transforms.engine.reporter import Reporter, SilentReporter
from transforms.engine.runner import RunResult, Session
from transforms.engine.target import Target
from transforms.project import webshop

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend


def connect(con_or_url: SQLBackend | str | None = None) -> tuple[SQLBackend, Dialect]:
    """An Ibis connection and its dialect, from a connection, a URL or ``$TRANSFORMS_TARGET``."""
    if con_or_url is None or isinstance(con_or_url, str):
        dialect = Dialect.for_target(Target.parse(con_or_url))
        return dialect.connect(), dialect
    engine = getattr(con_or_url, "name", None)
    if engine not in ("duckdb", "postgres"):
        raise TransformsError(f"unsupported connection {con_or_url!r}: use DuckDB or PostgreSQL")
    return con_or_url, Dialect.for_target(Target(engine=engine, url=f"{engine}://"))


def session(
    con_or_url: SQLBackend | str | None = None,
    *,
    source_schema: str = "public",
    target_schema: str = "analytics",
    reporter: Reporter | None = None,
) -> Session:
    con, dialect = connect(con_or_url)
    return Session(
        project=webshop(),
        con=con,
        dialect=dialect,
        source_schema=source_schema,
        target_schema=target_schema,
        reporter=reporter or SilentReporter(),
    )


def build(
    con_or_url: SQLBackend | str | None = None,
    *,
    select: Sequence[str] | None = None,
    source_schema: str = "public",
    target_schema: str = "analytics",
    reporter: Reporter | None = None,
) -> RunResult:
    """Build, check and publish the selected models; raises ContractError on a failed check."""
    return session(
        con_or_url, source_schema=source_schema, target_schema=target_schema, reporter=reporter
    ).run(select)


def check(
    con_or_url: SQLBackend | str | None = None,
    *,
    select: Sequence[str] | None = None,
    target_schema: str = "analytics",
    reporter: Reporter | None = None,
) -> list[CheckResult]:
    """Check the contracts of tables already built, without rebuilding."""
    return session(con_or_url, target_schema=target_schema, reporter=reporter).check(select)


def last_run(
    con_or_url: SQLBackend | str | None = None, *, target_schema: str = "analytics"
) -> dict[str, Any] | None:
    """The latest logged run of the target (``<target>_meta``) with its check results."""
    from transforms.engine import runlog

    con, dialect = connect(con_or_url)
    return runlog.last_run(con, dialect, target_schema)


def expression(model_name: str, sources: Mapping[str, ibis.Table]) -> ibis.Table:
    """Model ``model_name`` as an unexecuted Ibis expression over the given upstream tables.

    ``sources`` maps each upstream name the model reads (sources or models) to an Ibis table;
    upstream models not given are composed from their own upstream, recursively.
    """
    project = webshop()
    memo: dict[str, ibis.Table] = dict(sources)

    def resolve(name: str) -> ibis.Table:
        if name not in memo:
            if name not in project.models:
                raise TransformsError(
                    f"model {model_name!r} needs table {name!r}: pass it in sources"
                )
            memo[name] = project.expression(
                name, {d: resolve(d) for d in project.models[name].depends_on}
            )
        return memo[name]

    if model_name not in project.models:
        project.expression(model_name, {})  # raises with a did-you-mean
    return resolve(model_name)


def compile_sql(model_name: str, dialect: str = "postgres", **schemas: Any) -> str:
    """The SQL of one model, compiled offline (no connection)."""
    return _compile_sql(webshop(), model_name, dialect=dialect, **schemas)
