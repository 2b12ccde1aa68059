"""The documentation site: a static ``index.html`` generated from the project's code.

    from transforms.docs import write_site
    index = write_site("site")                                  # offline
    index = write_site("site", con_or_url="duckdb://webshop.duckdb")  # + row counts, last run

The page is self-contained (styles and script inline, no fonts, nothing fetched when viewed):
an overview rendered from ``overview.md`` (next to this file), a lineage graph (SVG), every
source, and every model with its grain, layer, dependencies, columns (each with its upstream
columns; pick one to light up its path in the graph), checks and compiled PostgreSQL SQL.
Nothing here prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from transforms.docs.live import LiveStatus, collect
from transforms.docs.site import render
from transforms.engine.compile import unwritable
from transforms.engine.graph import Project

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

__all__ = ["OVERVIEW", "LiveStatus", "collect", "render", "render_site", "write_site"]

# shipped with the package (package data), so an installed copy renders it too
OVERVIEW = Path(__file__).with_name("overview.md")


def render_site(
    project: Project | None = None,
    *,
    con_or_url: SQLBackend | str | None = None,
    source_schema: str = "public",
    target_schema: str = "analytics",
    overview: str | None = None,
) -> str:
    """The documentation page as HTML.

    With ``con_or_url`` (an Ibis connection or a target URL) the page also shows each table's
    row count and the last logged run's check results. ``overview`` is Markdown; by default
    ``transforms/docs/overview.md``.
    """
    from transforms.project import webshop

    project = project or webshop()
    if overview is None:
        overview = OVERVIEW.read_text()
    live = None
    if con_or_url is not None:
        live = _collect(project, con_or_url, source_schema, target_schema)
    return render(project, overview=overview, live=live)


def write_site(
    out: Path | str,
    project: Project | None = None,
    *,
    con_or_url: SQLBackend | str | None = None,
    source_schema: str = "public",
    target_schema: str = "analytics",
    overview: str | None = None,
) -> Path:
    """Write the site into folder ``out`` (created if needed); the path of its ``index.html``."""
    html = render_site(
        project,
        con_or_url=con_or_url,
        source_schema=source_schema,
        target_schema=target_schema,
        overview=overview,
    )
    folder = Path(out)
    index = folder / "index.html"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        index.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise unwritable(folder, exc, "the documentation site") from None
    return index


def _collect(
    project: Project, con_or_url: SQLBackend | str, source_schema: str, target_schema: str
) -> LiveStatus:
    from transforms.api import connect

    con, dialect = connect(con_or_url, create=False)  # a missing DuckDB file: an error
    try:
        return collect(
            project, con, dialect, source_schema=source_schema, target_schema=target_schema
        )
    finally:
        if isinstance(con_or_url, str):
            con.disconnect()
