"""Bad input to any command: one red line, exit code 1, nothing printed before it, and nothing
changed on disk (no DuckDB file created, no folder, no report)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import duckdb
import ibis
import pytest

import transforms
from examples.generate import TABLES
from examples.generate import main as generate
from tests import sample_data
from tests.test_safety import cli as cli_process
from transforms.cli import main


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command runs in an empty folder with no $TRANSFORMS_TARGET: the default target,
    ./webshop.duckdb, is not there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRANSFORMS_TARGET", raising=False)


def fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``transforms argv`` in-process: asserts exit 1, no output, one error line; that line."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 1, (argv, out, err)
    assert out == "", (argv, out)  # nothing printed before the error
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), (argv, err)
    return lines[0]


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generated_shop(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, Path]:
    """A small example shop in ``folder``/shop.duckdb (what generate printed discarded)."""
    db = folder / "shop.duckdb"
    assert generate(["--scale", "0.005", "--target", f"duckdb://{db}"]) == 0
    capsys.readouterr()
    return f"duckdb://{db}", db


def empty_duckdb(path: Path) -> Path:
    duckdb.connect(str(path)).close()
    return path


# --- the rough edges of the issue ---------------------------------------------------------------


def test_compile_to_an_unwritable_folder_is_one_red_line() -> None:
    proc = cli_process("compile", "--out", "/proc/x")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "error: cannot write SQL files to /proc/x: No such file or directory: choose another --out"
    )
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_compile_under_a_file_or_with_a_bad_selection_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "plain").write_text("")
    line = fails(capsys, "compile", "--out", "plain/sql")
    assert "cannot write SQL files to plain/sql: Not a directory" in line
    line = fails(capsys, "compile", "--out", "sql", "--select", "nosuch")
    assert "no model named 'nosuch'" in line
    assert files(tmp_path) == ["plain"]


@pytest.mark.duckdb
def test_run_with_an_unknown_selection_prints_no_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = fails(capsys, "run", "--select", "nosuch")
    assert line == "error: --select 'nosuch': no model named 'nosuch'"
    assert files(tmp_path) == []  # ./webshop.duckdb was not created either


@pytest.mark.duckdb
def test_run_against_a_missing_duckdb_file_creates_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = fails(capsys, "run", "--target", f"duckdb://{tmp_path}/empty.duckdb")
    assert line == (
        f"error: no DuckDB file at {tmp_path}/empty.duckdb: run `transforms generate` first, "
        "or pass the right --target"
    )
    assert fails(capsys, "run").startswith("error: no DuckDB file at webshop.duckdb:")
    assert files(tmp_path) == []


@pytest.mark.duckdb
def test_run_without_sources_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = empty_duckdb(tmp_path / "empty.duckdb")
    before = digest(db)
    report = tmp_path / "report.json"
    target = f"duckdb://{db}"
    line = fails(capsys, "run", "--target", target, "--report-json", str(report))
    assert "source schema 'public' does not exist" in line
    assert digest(db) == before  # no run log, no schema: not a byte
    assert files(tmp_path) == ["empty.duckdb"]  # and no report of a run that never started


@pytest.mark.duckdb
@pytest.mark.parametrize(
    "command",
    [
        ["check"],
        ["freshness"],
        ["export", "--out", "parquet"],
        ["docs", "--out", "site"],
        ["generate", "--advance-to", "2026-11-22"],
    ],
    ids=lambda c: c[0],
)
def test_commands_that_read_never_create_a_duckdb_file(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*command, "--target", f"duckdb://{tmp_path}/shop.duckdb"])
    out, err = capsys.readouterr()
    assert code == 1 and out == "", (out, err)
    assert len(err.strip().splitlines()) == 1 and "no DuckDB file" in err, err
    assert files(tmp_path) == []


@pytest.mark.duckdb
def test_a_duckdb_file_in_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"duckdb://{tmp_path}/nodir/shop.duckdb"
    line = fails(capsys, "generate", "--scale", "0.005", "--target", url)
    assert line == (
        f"error: cannot create the DuckDB file {tmp_path}/nodir/shop.duckdb: "
        f"{tmp_path}/nodir does not exist: create it first"
    )
    assert "no DuckDB file at" in fails(capsys, "run", "--target", url)
    extract = tmp_path / "extract"
    extract.mkdir()
    for name, table in sample_data.sources(1).items():
        import pyarrow.parquet as pq

        pq.write_table(table, extract / f"{name}.parquet")
    assert "cannot create the DuckDB file" in fails(capsys, "load", str(extract), "--target", url)
    assert files(tmp_path) == [
        "extract",
        *(f"extract/{n}.parquet" for n in sorted(sample_data.sources(1))),
    ]


@pytest.mark.duckdb
def test_a_folder_is_no_duckdb_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = fails(capsys, "check", "--target", f"duckdb://{tmp_path}")
    assert line == f"error: {tmp_path} is a folder, not a DuckDB file: name a file in it"


@pytest.mark.duckdb
def test_an_unwritable_report_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = empty_duckdb(tmp_path / "shop.duckdb")
    before = digest(db)
    line = fails(
        capsys, "run", "--target", f"duckdb://{db}", "--report-json", "missing/report.json"
    )
    assert line == "error: cannot write --report-json missing/report.json: missing does not exist"
    assert fails(capsys, "run", "--target", f"duckdb://{db}", "--report-json", ".").endswith(
        "is a folder"
    )
    assert digest(db) == before


def test_docs_to_an_unwritable_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plain").write_text("")
    line = fails(capsys, "docs", "--out", "plain/site")
    assert line.startswith("error: cannot write the documentation site to plain/site: ")
    assert files(tmp_path) == ["plain"]


@pytest.mark.duckdb
def test_load_prints_its_header_only_once_the_extract_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = fails(capsys, "load", "nope")
    assert "extract directory nope does not exist" in line
    assert files(tmp_path) == []


@pytest.mark.duckdb
def test_export_prints_its_header_only_once_the_models_are_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = empty_duckdb(tmp_path / "shop.duckdb")
    line = fails(capsys, "export", "--target", f"duckdb://{db}", "--out", "parquet")
    assert "nothing is published in schema 'analytics'" in line
    assert files(tmp_path) == ["shop.duckdb"]


def test_list_with_an_unknown_selection(capsys: pytest.CaptureFixture[str]) -> None:
    assert "did you mean 'stg_orders'" in fails(capsys, "list", "--select", "stg_ordrs")


@pytest.mark.duckdb
def test_the_library_never_creates_a_file_to_read(tmp_path: Path) -> None:
    url = f"duckdb://{tmp_path}/shop.duckdb"
    for call in (transforms.build, transforms.check):
        with pytest.raises(transforms.TransformsError, match="no DuckDB file at"):
            call(url)
    with pytest.raises(transforms.TransformsError, match="no DuckDB file at"):
        transforms.export_parquet(tmp_path / "out", url)
    assert transforms.last_run(url) is None
    assert files(tmp_path) == []
    # writing commands still create their file
    assert generate(["--scale", "0.005", "--target", url]) == 0
    assert (tmp_path / "shop.duckdb").exists()


@pytest.mark.duckdb
def test_a_selection_without_what_its_checks_read_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, db = generated_shop(tmp_path, capsys)
    before = digest(db)
    # stg_orders reads orders only, but its customer_id is checked against stg_customer
    line = fails(capsys, "run", "--target", url, "--select", "stg_orders")
    assert line == (
        "error: model 'stg_orders' is checked against 'stg_customer' (a relationship check), "
        "which is neither selected nor built in schema 'analytics': select it too "
        "(--select stg_orders stg_customer)"
    )
    assert digest(db) == before  # nothing built, nothing logged
    assert main(["run", "--target", url, "--select", "stg_orders", "stg_customer"]) == 0
    capsys.readouterr()
    assert main(["run", "--target", url, "--select", "stg_orders"]) == 0  # now published
    capsys.readouterr()
    assert main(["check", "--target", url, "--select", "stg_orders"]) == 0


@pytest.mark.duckdb
def test_the_source_schema_is_no_target_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, db = generated_shop(tmp_path, capsys)
    before = digest(db)
    line = fails(capsys, "run", "--target", url, "--target-schema", "public")
    assert line == (
        "error: the target schema 'public' is the source schema: the models need a schema of "
        "their own (--target-schema, default analytics)"
    )
    assert digest(db) == before


def test_a_check_against_an_unknown_model_is_refused_when_the_project_is_made() -> None:
    from contracts.base import Contract, Int64, References
    from contracts.sources import SOURCES
    from transforms.engine.graph import Project
    from transforms.engine.model import declared_model, model
    from transforms.project import webshop

    class Line(Contract):
        order_id: Annotated[Int64, References("stg_order", "order_id")]

    @model(layer="staging", contract=Line)
    def lines(orderitem: ibis.Table) -> ibis.Table:
        return orderitem.select(order_id=orderitem.order_id)

    declared = declared_model(lines)
    assert declared is not None
    with pytest.raises(transforms.TransformsError) as failure:
        models = {"lines": declared, "stg_orders": webshop().models["stg_orders"]}
        Project(sources={s.table: s for s in SOURCES}, models=models)
    assert str(failure.value) == (
        "model 'lines': a check references unknown model 'stg_order' (did you mean 'stg_orders'?)"
    )


# --- what a good run and a good generate print -------------------------------------------------


@pytest.mark.duckdb
def test_a_run_on_80_columns_prints_plain_lines_none_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    url = "duckdb://shop.duckdb"  # in tmp_path
    con, dialect = transforms.connect(url)
    for name, table in sample_data.sources(1).items():
        dialect.load_arrow(con, "public", name, table)
    con.disconnect()
    assert main(["run", "--target", url, "--select", "staging", "--threads", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "Building into duckdb://shop.duckdb schema analytics from public,",
        "  2 models at a time",
    ]
    assert all(len(line) <= 80 for line in lines), lines
    assert sum(line.startswith("  ✓ stg_") for line in lines) == 5
    assert lines[-1].startswith("Done: built 5, published 5")
    assert not any("\x1b" in line or "building" in line for line in lines)  # no live area


@pytest.mark.duckdb
def test_generate_prints_a_line_per_table_and_on_a_terminal_its_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"duckdb://{tmp_path}/shop.duckdb"
    assert generate(["--scale", "0.005", "--target", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == list(TABLES)
    assert all(line.endswith(" rows") for line in lines[:-1])
    assert lines[-1].startswith("generated in ") and "\x1b" not in "".join(lines)

    monkeypatch.setenv("FORCE_COLOR", "1")  # rich: a terminal
    assert generate(["--scale", "0.005", "--target", url, "--replace"]) == 0
    out = capsys.readouterr().out
    assert "generating the tables (scale 0.005, seed 42)" in out
    assert "loading events (" in out
    assert all(f"{name:<10}" in out for name in TABLES)  # the lines, above the spinner


@pytest.mark.duckdb
def test_generate_interrupted_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import examples.generate

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(examples.generate, "generate", interrupted)
    assert main(["generate", "--target", f"duckdb://{tmp_path}/shop.duckdb"]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith("interrupted: the example tables may be incomplete")
