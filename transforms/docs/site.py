"""The documentation page: one self-contained HTML file, generated from the project's code.

Everything shown comes from the code: model docstrings (grain first), layers and
dependencies from the graph, columns and checks from the contracts, each column's upstream
columns from the models' expressions (``engine/lineage.py``), SQL from the compiler.
Pages are plain string building with :func:`html.escape`; nothing here prints.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import timedelta
from html import escape
from string import Template

from contracts.base import ColumnSpec, Contract, Source
from transforms.docs import markdown
from transforms.docs.assets import CSS, JS
from transforms.docs.lineage import anchor, column_anchor, render_svg
from transforms.docs.live import LiveStatus
from transforms.engine.checks import plan_checks
from transforms.engine.compile import compile_sql
from transforms.engine.graph import Project
from transforms.engine.lineage import ColumnRef, Role, direct_dependencies, roles_by_upstream
from transforms.engine.model import LAYERS, Model

TITLE = "webshop-transforms"

# Filled by the script when a column is picked.
COLUMN_PATH = (
    '<div id="column-path" class="card column-path" hidden>'
    '<div class="title"><span class="muted">Column</span><span id="column-picked"></span>'
    '<button type="button" id="column-clear">clear</button></div>'
    '<dl class="deps"><dt>Upstream</dt><dd id="column-upstream"></dd>'
    '<dt>Downstream</dt><dd id="column-downstream"></dd></dl></div>'
)

PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="transforms docs">
<title>$title</title>
<link rel="icon" href="data:,">
<style>$css</style>
</head>
<body>
<nav id="sidebar" aria-label="Contents">
$nav
</nav>
<main>
$body
</main>
<script>$js</script>
</body>
</html>
""")


def render(project: Project, *, overview: str, live: LiveStatus | None = None) -> str:
    """The whole page as HTML. ``overview`` is Markdown; ``live`` adds counts and run results."""
    source_schema = live.source_schema if live else "public"
    target_schema = live.target_schema if live else "analytics"
    results = _results_by_check(live)
    body = [
        _header(project, live),
        '<section id="overview"><h2>Overview</h2><div class="prose">'
        + markdown.to_html(overview, heading_offset=1, slug_prefix="overview-")
        + "</div></section>",
        '<section id="lineage"><h2>Lineage</h2><div class="lineage-box">'
        + render_svg(project)
        + "</div>"
        + COLUMN_PATH
        + '<p class="hint">Every box links to its section; hover one to light up what it reads '
        "and what reads it. Pick a column by its name in any table below to light up its path: "
        "the tables of the columns it depends on, down to the sources, and of those that depend "
        "on it. Muted columns only decide rows: a filter, join, group or order.</p>"
        + _lineage_data(project)
        + "</section>",
    ]
    if live is not None:
        body.append(_last_run(project, live))
    body.append(
        '<section id="sources"><h2>Sources</h2>'
        f'<p class="muted">The raw webshop tables, read from schema '
        f"<code>{escape(source_schema)}</code>.</p>"
        + "".join(_source(project, name, live) for name in project.sources)
        + "</section>"
    )
    for layer in LAYERS:
        names = _layer(project, layer)
        if not names:
            continue
        body.append(
            f'<section id="layer-{layer}"><h2>{layer.capitalize()}</h2>'
            + "".join(
                _model(project, project.models[n], live, results, source_schema, target_schema)
                for n in names
            )
            + "</section>"
        )
    return PAGE.substitute(
        title=escape(TITLE),
        css=CSS,
        js=JS,
        nav=_nav(project, live),
        body="\n".join(body),
    )


# --- parts -----------------------------------------------------------------------------------


def _header(project: Project, live: LiveStatus | None) -> str:
    counts = f"{len(project.models)} models in {len(LAYERS)} layers over {len(project.sources)} "
    counts += "sources"
    where = (
        f" · live data from <code>{escape(live.target)}</code>, schema "
        f"<code>{escape(live.target_schema)}</code>"
        if live
        else ""
    )
    return (
        f'<header class="page"><h1>{escape(TITLE)}</h1>'
        f"<p>{counts}, generated from the code{where}.</p></header>"
    )


def _nav(project: Project, live: LiveStatus | None) -> str:
    items = [
        f'<a class="brand" href="#overview">{escape(TITLE)}</a>',
        '<p class="tagline">Generated documentation</p>',
        '<input id="filter" type="search" placeholder="Filter models…" aria-label="Filter">',
        "<ul>",
        '<li><a class="page" href="#overview">Overview</a></li>',
        '<li><a class="page" href="#lineage">Lineage</a></li>',
    ]
    if live is not None:
        items.append('<li><a class="page" href="#last-run">Last run</a></li>')
    items.append("</ul>")
    groups: list[tuple[str, str, list[str]]] = [("source", "Sources", list(project.sources))]
    groups += [
        (layer, layer.capitalize(), [m for m in project.order if project.models[m].layer == layer])
        for layer in LAYERS
    ]
    for kind, title, names in groups:
        if not names:
            continue
        items.append(f'<h2><span class="dot {kind}"></span>{escape(title)}</h2><ul>')
        items += [
            f'<li class="item"><a href="#{escape(anchor(n, kind))}">{escape(n)}</a></li>'
            for n in names
        ]
        items.append("</ul>")
    return "\n".join(items)


def _results_by_check(live: LiveStatus | None) -> dict[tuple[str, str], int]:
    if live is None or live.last_run is None:
        return {}
    return {(c["model"], c["check"]): int(c["failing"]) for c in live.last_run["checks"]}


def _last_run(project: Project, live: LiveStatus) -> str:
    run = live.last_run
    if run is None:
        return (
            '<section id="last-run"><h2>Last run</h2><div class="card"><p class="muted">'
            f"No run is logged in <code>{escape(live.target_schema)}_meta</code> yet.</p>"
            "</div></section>"
        )
    failed = [c for c in run["checks"] if c["failing"]]
    errors = sum(1 for c in failed if c["severity"] == "error")
    status = (
        '<span class="badge pass">passed</span>'
        if run["ok"]
        else '<span class="badge fail-error">failed</span>'
    )
    built = [b for b in run["built"].split(",") if b]
    published = [p for p in run["published"].split(",") if p]
    summary = "".join(
        f"<div><strong>{value}</strong>{escape(label)}</div>"
        for value, label in (
            (status, "outcome"),
            (escape(str(run["started_at"])[:19]), "started (UTC)"),
            (f"{float(run['seconds']):.1f} s", "duration"),
            (f"{len(built)}", "models built"),
            (f"{len(published)}", "published"),
            (f"{len(run['checks'])}", "checks"),
            (f"{errors}", "errors"),
            (f"{len(failed) - errors}", "warnings"),
        )
    )
    parts = [
        '<section id="last-run"><h2>Last run</h2><div class="card">',
        f'<div class="run-summary">{summary}</div>',
        f'<p class="muted">Run <code>{escape(run["run_id"])}</code>',
    ]
    if run["error"]:
        parts.append(f" stopped: {escape(run['error'])}")
    parts.append("</p>")
    if failed:
        parts.append(
            "<h4>Failed checks</h4><table><thead><tr><th>model</th><th>check</th>"
            "<th>severity</th><th>failing rows</th></tr></thead><tbody>"
        )
        for c in failed:
            model = c["model"]
            kind = "source" if model in project.sources else "model"
            link = escape(anchor(model, kind))
            parts.append(
                f'<tr><td class="name"><a href="#{link}">{escape(model)}</a></td>'
                f'<td class="name">{escape(c["check"])}</td>'
                f'<td><span class="badge {_sev(c["severity"])}">{escape(c["severity"])}</span></td>'
                f'<td class="num">{int(c["failing"]):,}</td></tr>'
            )
        parts.append("</tbody></table>")
    else:
        parts.append('<p>Every check passed. <span class="badge pass">✓</span></p>')
    parts.append("</div></section>")
    return "".join(parts)


def _sev(severity: str) -> str:
    return "warn" if severity == "warn" else "error"


def _rows_label(count: int | None, where: str) -> str:
    if count is None:
        return f'<span class="rows">not in <code>{escape(where)}</code></span>'
    return f'<span class="rows">{count:,} rows</span>'


def _lineage_data(project: Project) -> str:
    """Every table's layer and columns (in page order) and every column's direct dependencies."""
    names = [*project.sources, *(m for layer in LAYERS for m in _layer(project, layer))]
    tables = {n: {"layer": _kind(project, n), "columns": list(project.columns(n))} for n in names}
    dependencies = {
        str(ref): [[str(d.upstream), d.kind, list(d.roles)] for d in deps]
        for ref, deps in direct_dependencies(project).items()
    }
    data = {"tables": tables, "dependencies": dependencies}
    return f'<script type="application/json" id="column-lineage">{script_json(data)}</script>'


def script_json(data: object) -> str:
    """``data`` as JSON inside a ``<script>``: ``<`` escaped, so no ``</script>`` can end it."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")


def _layer(project: Project, layer: str) -> list[str]:
    return [m for m in project.order if project.models[m].layer == layer]


def _kind(project: Project, name: str) -> str:
    return "source" if name in project.sources else project.models[name].layer


def _columns_table(
    project: Project,
    table: str,
    contract: type[Contract],
    checks_by_column: dict[str, list[str]],
) -> str:
    """The columns of a source or model; a model's with each column's direct upstream columns."""
    upstream: dict[str, dict[ColumnRef, list[Role]]] | None = None
    if table in project.models:
        # a value and a filter dependency on one column: one link
        upstream = {
            ref.column: roles_by_upstream(deps)
            for ref, deps in direct_dependencies(project).items()
            if ref.table == table
        }
    rows = []
    for col in contract.columns():
        chips = "".join(
            f'<span class="chip{" warn" if "(warn)" in label else ""}">{escape(label)}</span>'
            for label in checks_by_column.get(col.name, [])
        )
        cells = (
            f'<td class="name"><button type="button" class="col" '
            f'data-col="{escape(table)}.{escape(col.name)}">{escape(col.name)}</button></td>'
            f'<td class="type">{escape(_type(col))}</td>'
            f'<td class="null">{"nullable" if col.nullable else "not null"}</td>'
            f"<td>{markdown.inline(col.description or '')}</td>"
            f"<td>{chips}</td>"
        )
        if upstream is not None:
            cells += f'<td class="up">{_upstream(project, table, upstream.get(col.name, {}))}</td>'
        rows.append(f'<tr id="{escape(column_anchor(table, col.name))}">{cells}</tr>')
    return (
        "<table><thead><tr><th>column</th><th>type</th><th>null</th><th>description</th>"
        f"<th>checks</th>{'<th>upstream</th>' if upstream is not None else ''}</tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table>"
    )


def _upstream(project: Project, table: str, roles: dict[ColumnRef, list[Role]]) -> str:
    """Links to a column's direct upstream columns, one line per input table.

    Value dependencies first and plain; the others muted, labelled with their roles.
    """
    lines = []
    for dep in project.models[table].depends_on:
        order = list(project.columns(dep))
        refs = sorted(
            (r for r in roles if r.table == dep),
            key=lambda r: ("value" not in roles[r], order.index(r.column)),
        )
        links = " ".join(_column_link(r, roles[r]) for r in refs)
        if links:
            lines.append(f'<div><span class="tbl">{escape(dep)}</span> {links}</div>')
    return "".join(lines) or '<span class="none">none</span>'


def _column_link(ref: ColumnRef, roles: list[Role]) -> str:
    label = "" if roles == ["value"] else f"<small>{escape(', '.join(roles))}</small>"
    muted = "" if "value" in roles else ' class="filter"'
    href = escape(column_anchor(ref.table, ref.column))
    return f'<a{muted} href="#{href}">{escape(ref.column)}{label}</a>'


def _type(col: ColumnSpec) -> str:
    return re.sub(r"\s+", "", col.dtype)


def _links(names: Iterable[str], project: Project) -> str:
    links = [
        f'<a href="#{escape(anchor(n, "source" if n in project.sources else "model"))}">'
        f"{escape(n)}</a>"
        for n in names
    ]
    return "".join(links) or '<span class="none">none</span>'


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} h"


def _source(project: Project, name: str, live: LiveStatus | None) -> str:
    source: type[Source] = project.sources[name]
    readers = [m for m in project.order if name in project.models[m].depends_on]
    rows = _rows_label(live.source_rows.get(name), live.source_schema) if live else ""
    if source.freshness is None:
        freshness = '<p class="muted">No freshness rule.</p>'
    else:
        rule = source.freshness
        freshness = (
            f"<p>Newest <code>{escape(rule.column)}</code>: warn when older than "
            f"<strong>{_hours(rule.warn_after)}</strong>, error when older than "
            f"<strong>{_hours(rule.error_after)}</strong> "
            '<span class="muted">(checked by <code>transforms freshness</code> and '
            "<code>transforms run --freshness</code>)</span></p>"
        )
    doc = (source.__doc__ or "").strip()
    return (
        f'<article class="card" id="{escape(anchor(name, "source"))}">'
        f'<div class="title"><h3>{escape(name)}</h3><span class="badge source">source</span>'
        f"{rows}</div>"
        + (f'<p class="grain">{escape(doc)}</p>' if doc else "")
        + f'<dl class="deps"><dt>Read by</dt><dd>{_links(readers, project)}</dd></dl>'
        + "<h4>Freshness</h4>"
        + freshness
        + "<h4>Columns</h4>"
        + _columns_table(project, name, source, {})
        + "</article>"
    )


def _model(
    project: Project,
    model: Model,
    live: LiveStatus | None,
    results: dict[tuple[str, str], int],
    source_schema: str,
    target_schema: str,
) -> str:
    name = model.name
    contract = model.contract
    plan = plan_checks(contract, project.unbound)
    descriptions = {c.name: getattr(c, "description", "") for c in contract.checks}
    by_column: dict[str, list[str]] = {}
    for col in contract.columns():
        for check in plan:
            if check.name.startswith(col.name + " ") and check.name != f"{col.name} not null":
                label = check.name[len(col.name) + 1 :]
                label += " (warn)" if check.severity == "warn" else ""
                by_column.setdefault(col.name, []).append(label)

    lines = model.description.splitlines()
    rest = "\n".join(lines[1:]).strip()
    rows = _rows_label(live.model_rows.get(name), live.target_schema) if live else ""
    everything_up = project.upstream(name)
    everything_down = project.downstream(name)

    described = any(descriptions.get(c.name) for c in plan)
    check_rows = []
    for check in plan:
        cells = (
            f'<td class="name">{escape(check.name)}</td>'
            f'<td><span class="badge {_sev(check.severity)}">{escape(check.severity)}</span></td>'
        )
        if described:
            cells += f"<td>{markdown.inline(descriptions.get(check.name, '') or '')}</td>"
        if live is not None:
            cells += f"<td>{_outcome(results.get((name, check.name)), check.severity)}</td>"
        check_rows.append(f"<tr>{cells}</tr>")
    last_head = "<th>last run</th>" if live is not None else ""

    sql = compile_sql(
        project, name, dialect="postgres", source_schema=source_schema, target_schema=target_schema
    )
    return (
        f'<article class="card model" id="{escape(anchor(name, "model"))}">'
        f'<div class="title"><h3>{escape(name)}</h3>'
        f'<span class="badge {escape(model.layer)}">{escape(model.layer)}</span>{rows}</div>'
        f'<p class="grain">{markdown.inline(model.grain)}</p>'
        + (f'<div class="description">{markdown.to_html(rest)}</div>' if rest else "")
        + '<dl class="deps">'
        f"<dt>Reads</dt><dd>{_links(model.depends_on, project)}</dd>"
        f"<dt>Read by</dt><dd>{_links(project.direct_downstream(name), project)}</dd>"
        f'<dt>In all</dt><dd class="none">{len(everything_up)} upstream model(s), '
        f"{len(everything_down)} downstream</dd></dl>"
        f"<h4>Columns · contract <code>{escape(contract.__name__)}</code></h4>"
        + _columns_table(project, name, contract, by_column)
        + f"<h4>Checks ({len(plan)})</h4>"
        "<table><thead><tr><th>check</th><th>severity</th>"
        f"{'<th>description</th>' if described else ''}{last_head}</tr></thead><tbody>"
        + "".join(check_rows)
        + "</tbody></table>"
        "<details><summary>Compiled PostgreSQL SQL</summary>"
        f'<pre><code class="language-sql">{escape(sql)}</code></pre></details>'
        "</article>"
    )


def _outcome(failing: int | None, severity: str) -> str:
    if failing is None:
        return '<span class="badge none">not run</span>'
    if failing == 0:
        return '<span class="badge pass">passed</span>'
    return f'<span class="badge fail-{_sev(severity)}">{failing:,} failing</span>'
