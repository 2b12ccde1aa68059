"""Offline compilation: every model to PostgreSQL (DuckDB, Spark) SQL, with no database connection.

Upstream tables are unbound Ibis tables built from the contracts' schemas.
"""

from __future__ import annotations

from pathlib import Path

import ibis

from transforms.engine.errors import TransformsError
from transforms.engine.graph import Project


def compile_sql(
    project: Project,
    name: str,
    *,
    dialect: str = "postgres",
    source_schema: str = "public",
    target_schema: str = "analytics",
    pretty: bool = True,
) -> str:
    """The SELECT statement of model ``name``, reading sources and published models."""
    model = project.models.get(name)
    upstream = {
        dep: project.unbound(dep, source_schema if dep in project.sources else target_schema)
        for dep in (model.depends_on if model else ())
    }
    expr = project.expression(name, upstream)
    from transforms.engine.dialects import sql_dialect  # with every engine's compiler rules

    return str(ibis.to_sql(expr, dialect=sql_dialect(dialect), pretty=pretty)).strip() + ";\n"


def compile_all(
    project: Project,
    out: Path,
    *,
    select: list[str] | None = None,
    dialect: str = "postgres",
    source_schema: str = "public",
    target_schema: str = "analytics",
) -> list[Path]:
    """Write ``<model>.sql`` for every selected model into ``out``; the paths written.

    Everything is compiled before anything is written: a bad selection or dialect leaves
    ``out`` as it was. Raises :class:`TransformsError` when ``out`` cannot be written.
    """
    sql = {
        name: compile_sql(
            project,
            name,
            dialect=dialect,
            source_schema=source_schema,
            target_schema=target_schema,
        )
        for name in project.select(select)
    }
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in sql.items():
            path = out / f"{name}.sql"
            path.write_text(text)
            written.append(path)
    except OSError as exc:
        raise unwritable(out, exc, "SQL files") from None
    return written


def unwritable(folder: Path, exc: OSError, what: str) -> TransformsError:
    """The one-line error of an output folder that cannot be created or written."""
    reason = exc.strerror or str(exc).strip().splitlines()[0]
    return TransformsError(f"cannot write {what} to {folder}: {reason}: choose another --out")
