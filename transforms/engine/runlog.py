"""The run log: every run, its models and its check results, in schema ``<target>_meta``.

It lets the docs site, dashboards and people ask "what did the last run do?" without logs.
Three small tables, appended to at the end of each run (passed or failed): ``runs`` (one row
per run), ``model_results`` (one row per model a run built: how — full or incremental, and
why full — and the rows inserted, deleted and kept) and ``check_results`` (one row per check).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import ibis
import sqlglot.expressions as sge

from transforms.engine.dialects import Dialect

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

    from transforms.engine.results import RunResult

TABLES: dict[str, dict[str, str]] = {
    "runs": {
        "run_id": "string",
        "started_at": "timestamp",
        "seconds": "float64",
        "ok": "boolean",
        "error": "string",
        "built": "string",
        "published": "string",
    },
    "model_results": {
        "run_id": "string",
        "model": "string",
        "mode": "string",
        "reason": "string",
        "rows": "int64",
        "inserted": "int64",
        "deleted": "int64",
        "kept": "int64",
        "seconds": "float64",
    },
    "check_results": {
        "run_id": "string",
        "model": "string",
        "check": "string",
        "severity": "string",
        "failing": "int64",
    },
}


def meta_schema(target_schema: str) -> str:
    return f"{target_schema}_meta"


def record(
    con: SQLBackend, dialect: Dialect, target_schema: str, result: RunResult, started_at: datetime
) -> None:
    """Append ``result`` to the run log (creating it on first use)."""
    schema = meta_schema(target_schema)
    dialect.ensure_schema(con, schema)
    for table, columns in TABLES.items():
        defs = ", ".join(f"{dialect.q(c)} {dialect.sql_type(t)}" for c, t in columns.items())
        dialect.sql(con, f"CREATE TABLE IF NOT EXISTS {dialect.q(schema, table)} ({defs})")
    run = (
        result.run_id,
        started_at,
        result.seconds,
        result.ok,
        result.error,
        ",".join(b.name for b in result.builds),
        ",".join(result.published),
    )
    _insert(con, dialect, schema, "runs", [run])
    models = [
        (result.run_id, b.name, b.mode, b.reason, b.rows, b.inserted, b.deleted, b.kept, b.seconds)
        for b in result.builds
    ]
    if models:
        _insert(con, dialect, schema, "model_results", models)
    checks = [(result.run_id, c.model, c.check, c.severity, c.failing) for c in result.checks]
    if checks:
        _insert(con, dialect, schema, "check_results", checks)


def last_run(con: SQLBackend, dialect: Dialect, target_schema: str) -> dict[str, Any] | None:
    """The latest run of the target with its models and check results, or None if none was
    logged."""
    schema = meta_schema(target_schema)
    if "runs" not in dialect.list_tables(con, schema):
        return None
    runs = ibis.table(TABLES["runs"], name="runs", database=schema)
    latest = runs.order_by(runs.started_at.desc()).limit(1)
    rows = dialect.sql(con, dialect.to_sql(latest))
    if not rows:
        return None
    run = dict(zip(latest.columns, rows[0], strict=True))
    run["models"] = []
    if "model_results" in dialect.list_tables(con, schema):  # logs from before it was kept
        models = ibis.table(TABLES["model_results"], name="model_results", database=schema)
        run["models"] = _rows(con, dialect, models.filter(models.run_id == run["run_id"]))
        order = run["built"].split(",")  # in build order, as the run built them
        run["models"].sort(key=lambda m: order.index(m["model"]) if m["model"] in order else 0)
    checks = ibis.table(TABLES["check_results"], name="check_results", database=schema)
    run["checks"] = _rows(
        con, dialect, checks.filter(checks.run_id == run["run_id"]).order_by("model", "check")
    )
    return run


def _rows(con: SQLBackend, dialect: Dialect, expr: ibis.Table) -> list[dict[str, Any]]:
    return [dict(zip(expr.columns, r, strict=True)) for r in dialect.sql(con, dialect.to_sql(expr))]


def _insert(
    con: SQLBackend, dialect: Dialect, schema: str, table: str, rows: list[tuple[Any, ...]]
) -> None:
    columns = [sge.to_identifier(c, quoted=True) for c in TABLES[table]]
    values = sge.values([tuple(sge.convert(v) for v in row) for row in rows])
    into = sge.table_(table, db=schema, quoted=True)
    dialect.sql(con, sge.insert(values, into, columns=columns).sql(dialect=dialect.name))
