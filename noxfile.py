"""Developer tasks: `nox -s demo` (the main job), `nox -s tests`, `lint`, `typecheck`, `bench`;
`tests_duckdb-1.5` and `tests_duckdb-2`: the DuckDB tests on one DuckDB line."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True  # the local loop stays fast; CI starts clean
nox.options.default_venv_backend = "venv"

PYTHON = "3.11"


# The DuckDB lines the package supports (pyproject.toml: duckdb>=1.5,<3), newest last.
DUCKDB_LINES = {"1.5": "duckdb>=1.5,<1.6", "2": "duckdb>=2,<3"}
# What `tests` runs on the older line besides the whole suite on the newest: the tests of what
# differs between the lines (Ibis's DuckDB methods, loading Arrow and Parquet, opening files of
# either), not every model again (docs/decisions.md, "DuckDB 1.5 and 2").
OLDER_LINE_TESTS = [
    "tests/test_ibis_smoke.py",
    "tests/test_duckdb_storage.py",
    "tests/test_generate.py",
    "tests/test_parquet.py",
    "tests/test_sources.py",
    "tests/test_api.py",
    "-m",
    "not postgres and not spark and not slow",  # unmarked tests of these files run on DuckDB
]


def _pytest(session: nox.Session, line: str, args: list[str]) -> None:
    """pytest on DuckDB ``line``; given the Python of a session of the other line, if one has
    been made, for the tests of that line's files (tests/test_duckdb_storage.py)."""
    others = ["tests_duckdb-1.5"] if line == "2" else ["tests", "tests_duckdb-2"]
    venvs = Path(session.virtualenv.location).parent
    pythons = [venvs / re.sub(r"[^\w\s-]", "-", name) / "bin" / "python" for name in others]
    found = [str(p) for p in pythons if p.exists()]
    env = {"TRANSFORMS_TEST_DUCKDB_PEER": found[0]} if found else {}
    workers = os.environ.get("PYTEST_WORKERS", "2")
    session.run("pytest", "-n", workers, "--durations=15", *args, env=env)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole suite on DuckDB 2, PostgreSQL and Spark (PostgreSQL tests skip locally without
    a server, Spark tests without Java; both fail under CI=true); then `tests_duckdb-1.5` with
    the tests of what differs on DuckDB 1.5 (OLDER_LINE_TESTS; posargs, when given, instead)."""
    session.install("-e", ".[test,spark,spark-connect]", DUCKDB_LINES["2"])
    _pytest(session, "2", session.posargs)
    session.notify("tests_duckdb-1.5", None if session.posargs else OLDER_LINE_TESTS)


@nox.session(python=PYTHON, name="tests_duckdb-1.5")
def tests_duckdb_1_5(session: nox.Session) -> None:
    """The DuckDB tests on DuckDB 1.5 (posargs: another pytest selection)."""
    session.install("-e", ".[test]", DUCKDB_LINES["1.5"])
    _pytest(session, "1.5", session.posargs or ["-m", "duckdb"])


@nox.session(python=PYTHON, name="tests_duckdb-2")
def tests_duckdb_2(session: nox.Session) -> None:
    """The DuckDB tests on DuckDB 2 (posargs: another pytest selection)."""
    session.install("-e", ".[test]", DUCKDB_LINES["2"])
    _pytest(session, "2", session.posargs or ["-m", "duckdb"])


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".", "mypy>=1.10")
    session.run("mypy")
    # the public API, strictly; imported engine modules are used for types but not reported
    session.run(
        "mypy",
        "--strict",
        "--follow-imports=silent",
        "transforms/__init__.py",
        "transforms/api.py",
        "transforms/docs",
        "contracts",
    )


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The main job: example data into ./webshop.duckdb (once, as of the day before the end
    of the data), the whole pipeline; then the shop's last day applied in place and an
    incremental run of what it changed (the second time, both runs find nothing to do)."""
    session.install("-e", ".")
    target = os.environ.get("TRANSFORMS_TARGET", "duckdb://webshop.duckdb")
    generate = ("transforms", "generate", "--target", target)
    session.run(*generate, "--scale", "0.1", "--as-of", "2026-11-21", "--if-missing")
    session.run("transforms", "run", "--target", target, *session.posargs)
    session.run(*generate, "--advance-to", "2026-11-22")
    session.run("transforms", "run", "--target", target, *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Time the whole job on DuckDB and PostgreSQL (scales 0.1 and 1; `-- --scale 10` adds one).

    Not part of the tests: numbers go to a table and bench/results.json.
    """
    session.install("-e", ".[test]")
    session.run("python", "-m", "bench.run", *session.posargs)
