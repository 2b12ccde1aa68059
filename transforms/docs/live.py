"""What the site shows of a live target: row counts and the last run's contract results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from transforms.engine import runlog
from transforms.engine.dialects import Dialect
from transforms.engine.graph import Project

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

    from transforms.api import LoggedRun


@dataclass(frozen=True)
class LiveStatus:
    """A snapshot of a target: rows per published model and source, and the last logged run.

    A count is ``None`` when the table does not exist (a model never published, a source
    missing).
    """

    target: str  # the URL, password masked
    source_schema: str
    target_schema: str
    model_rows: dict[str, int | None] = field(default_factory=dict)
    source_rows: dict[str, int | None] = field(default_factory=dict)
    last_run: LoggedRun | None = None


def collect(
    project: Project,
    con: SQLBackend,
    dialect: Dialect,
    *,
    source_schema: str = "public",
    target_schema: str = "analytics",
) -> LiveStatus:
    """Count the rows of every model and source (one ``count(*)`` each) and read the run log."""
    schemas = dialect.list_schemas(con)

    def counts(schema: str, names: list[str]) -> dict[str, int | None]:
        present = dialect.list_tables(con, schema) if schema in schemas else set()
        return {
            name: (
                int(dialect.sql(con, f"SELECT count(*) FROM {dialect.q(schema, name)}")[0][0])
                if name in present
                else None
            )
            for name in names
        }

    last_run = None
    if runlog.meta_schema(target_schema) in schemas:
        last_run = cast("LoggedRun | None", runlog.last_run(con, dialect, target_schema))
    return LiveStatus(
        target=dialect.target.display,
        source_schema=source_schema,
        target_schema=target_schema,
        model_rows=counts(target_schema, list(project.order)),
        source_rows=counts(source_schema, list(project.sources)),
        last_run=last_run,
    )
