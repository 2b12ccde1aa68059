"""Offline compilation: every model compiles with no connection, runs as compiled, and its
PostgreSQL SQL is pinned by a snapshot (``UPDATE_SNAPSHOTS=1 pytest tests/test_compile.py``
rewrites them after an intended change).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ibis
import pytest

import transforms
from tests.conftest import INCREMENTAL_ENGINES, Workspace
from tests.test_sources import load_sources
from transforms.engine.compile import compile_all, compile_sql
from transforms.engine.dialects import spark as spark_dialect
from transforms.engine.errors import TransformsError
from transforms.project import webshop

SNAPSHOTS = Path(__file__).parent / "snapshots" / "postgres"
MODELS = webshop().order


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to connect fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("compiling must not connect to a database")

    monkeypatch.setattr(ibis.postgres, "connect", refuse)
    monkeypatch.setattr(ibis.duckdb, "connect", refuse)
    monkeypatch.setattr(spark_dialect, "spark_session", refuse)  # no Spark session, no JVM


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("dialect", ["postgres", "duckdb", "spark"])
def test_every_model_compiles_offline(tmp_path: Path, dialect: str) -> None:
    quote = "`" if dialect == "spark" else '"'
    project = webshop()
    written = compile_all(project, tmp_path / "sql", dialect=dialect)
    assert written == [tmp_path / "sql" / f"{name}.sql" for name in project.order]
    for path in written:
        sql = path.read_text()
        assert sql.lstrip().upper().startswith(("SELECT", "WITH")), path.name
        assert sql.endswith(";\n") and sql.count(";") == 1, path.name
        model = project.models[path.stem]
        for dep in model.depends_on:
            schema = "public" if dep in project.sources else "analytics"
            assert f"{quote}{schema}{quote}.{quote}{dep}{quote}" in sql, (path.name, dep)


@pytest.mark.usefixtures("offline")
def test_compile_uses_the_given_schemas_and_selection(tmp_path: Path) -> None:
    project = webshop()
    written = compile_all(
        project,
        tmp_path,
        select=["stg_orders", "stg_product"],
        source_schema="Raw-2024",
        target_schema="an",
    )
    assert [p.stem for p in written] == [
        n for n in project.order if n in ("stg_orders", "stg_product")
    ]
    sql = (tmp_path / "stg_orders.sql").read_text()
    assert '"Raw-2024"."orders"' in sql
    assert '"public"' not in sql
    # the byte-order tie-breaks survive compilation for PostgreSQL
    assert sql.count('COLLATE "C"') == 0
    assert (tmp_path / "stg_product.sql").read_text().count('COLLATE "C"') == 2


def test_compile_unknown_model_suggests_a_name() -> None:
    with pytest.raises(TransformsError, match="no model named 'stg_order' \\(did you mean"):
        compile_sql(webshop(), "stg_order")
    assert transforms.compile_sql("stg_orders", source_schema="s").startswith("SELECT")


@pytest.mark.parametrize("engine", INCREMENTAL_ENGINES, indirect=False)
def test_compiled_sql_returns_the_built_rows(ws: Workspace, tmp_path: Path) -> None:
    """Build everything, then run each compiled file on the same database: identical rows.
    Spark's compiled files run in tests/test_pipeline.py, on the build compared with the other
    engines' (a whole build on Spark takes a minute)."""
    load_sources(ws)
    result = transforms.build(
        ws.con, source_schema=ws.source_schema, target_schema=ws.target_schema
    )
    assert result.ok
    project = webshop()
    paths = compile_all(
        project,
        tmp_path,
        dialect=ws.dialect.name,
        source_schema=ws.source_schema,
        target_schema=ws.target_schema,
    )
    assert len(paths) == len(project.order)
    for path in paths:
        compiled = sorted(ws.sql(path.read_text().rstrip().rstrip(";")), key=repr)
        built = sorted(ws.sql(f"SELECT * FROM {ws.q(ws.target_schema, path.stem)}"), key=repr)
        assert built, f"{path.stem} is empty: the comparison would prove nothing"
        assert compiled == built, path.stem
        assert result.rows()[path.stem] == len(built)


def _snapshot_ids() -> list[str]:
    return list(MODELS)


@pytest.mark.parametrize("name", _snapshot_ids())
def test_postgres_sql_snapshot(name: str) -> None:
    sql = compile_sql(webshop(), name, dialect="postgres")
    path = SNAPSHOTS / f"{name}.sql"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sql.encode())  # bytes: the SQL holds \r, \v, \f
        return
    if not path.exists():
        pytest.fail(
            f"no SQL snapshot for model {name!r} (tests/snapshots/postgres/{name}.sql): run "
            "`UPDATE_SNAPSHOTS=1 python -m pytest tests/test_compile.py` and commit the file"
        )
    assert sql == path.read_bytes().decode(), (
        f"the PostgreSQL SQL of {name!r} changed: if intended, run "
        "`UPDATE_SNAPSHOTS=1 python -m pytest tests/test_compile.py` and review the diff"
    )


def test_no_stale_snapshots() -> None:
    """A snapshot whose model is gone fails, so renamed models do not leave files behind."""
    if not SNAPSHOTS.exists():
        pytest.skip("no snapshots yet")
    stale = sorted(p.stem for p in SNAPSHOTS.glob("*.sql") if p.stem not in MODELS)
    assert stale == [], f"snapshots without a model (delete them): {stale}"
