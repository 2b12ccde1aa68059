"""Developer tasks: `nox -s demo` (the main job), `nox -s tests`, `lint`, `typecheck`, `bench`."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True  # the local loop stays fast; CI starts clean
nox.options.default_venv_backend = "venv"

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole suite on DuckDB, PostgreSQL and Spark (PostgreSQL tests skip locally without a
    server, Spark tests without Java; both fail under CI=true)."""
    session.install("-e", ".[test,spark]")
    workers = os.environ.get("PYTEST_WORKERS", "2")
    # --dist loadgroup: Spark's tests on one worker, one JVM (tests/conftest.py)
    session.run("pytest", "-n", workers, "--dist", "loadgroup", *session.posargs)


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
