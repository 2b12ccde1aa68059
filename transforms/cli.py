"""The ``transforms`` command: run, check, compile, list, lineage, docs, generate, load, export.
The only code that prints."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from transforms.engine.errors import TransformsError

if TYPE_CHECKING:
    from transforms.engine.runner import Session
from transforms.engine.target import DEFAULT_URL, ENV_VAR

err = Console(stderr=True, highlight=False)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks of known errors")

    target_help = (
        "database URL (duckdb://file.db, duckdb://, postgres://user@host:port/db, "
        "spark:///abs/warehouse/dir, sc://host:port); "
        f"default ${ENV_VAR} or {DEFAULT_URL}"
    )
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--target", help=target_help)
    where.add_argument("--source-schema", default="public", help="schema of the raw tables")
    where.add_argument("--target-schema", default="analytics", help="schema of the models")

    parallel = argparse.ArgumentParser(add_help=False)
    parallel.add_argument(
        "--threads",
        type=_positive_int,
        metavar="N",
        help="models built and checked at the same time, each on a connection of its own "
        "(default: one per core, at most 4)",
    )

    select = argparse.ArgumentParser(add_help=False)
    select.add_argument(
        "-s",
        "--select",
        nargs="+",
        action="extend",
        metavar="PATTERN",
        help="models to use: name, name+ (with downstream), +name (with upstream), or a layer",
    )

    fresh = argparse.ArgumentParser(add_help=False)
    fresh.add_argument(
        "--now", type=_timestamp, help="compare freshness with this UTC time (default: now)"
    )
    for flag, default in (("--warn-after", 24), ("--error-after", 72)):
        fresh.add_argument(
            flag,
            action="append",
            default=[],
            metavar="[SOURCE=]HOURS",
            help=f"freshness limit in hours, for all sources or one (default {default})",
        )

    parser = argparse.ArgumentParser(
        prog="transforms",
        description="Build, check and compile the webshop analytics models.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        parents=[common, where, select, parallel, fresh],
        help="build, check and publish the models",
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="build every model whole, instead of only what changed since the last run",
    )
    run.add_argument(
        "--freshness", action="store_true", help="check source freshness before building"
    )
    run.add_argument(
        "--store-failures",
        action="store_true",
        help="keep every failing row in schema <target-schema>_failures, a table per check",
    )
    run.add_argument(
        "--report-json", type=Path, metavar="FILE", help="also write the run's result as JSON"
    )
    run.add_argument(
        "--lock-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for another run on the same target (PostgreSQL; Spark: in "
        "one process)",
    )
    sub.add_parser(
        "freshness", parents=[common, where, fresh], help="check how fresh the sources are"
    )
    sub.add_parser(
        "check",
        parents=[common, where, select, parallel],
        help="check the contracts of built models",
    )
    compile_ = sub.add_parser(
        "compile", parents=[common, select], help="write each model's SQL, offline"
    )
    compile_.add_argument("--out", type=Path, default=Path("compiled"), help="output folder")
    compile_.add_argument("--dialect", default="postgres", choices=["postgres", "duckdb", "spark"])
    compile_.add_argument("--source-schema", default="public")
    compile_.add_argument("--target-schema", default="analytics")
    sub.add_parser("list", parents=[common, select], help="list models, layers and dependencies")
    lineage = sub.add_parser(
        "lineage",
        parents=[common],
        help="where a column comes from, down to the sources (or what depends on it), offline",
    )
    lineage.add_argument(
        "column",
        metavar="TABLE.COLUMN",
        help="a model's or a source's column: mart_sales.week_start",
    )
    lineage.add_argument(
        "--downstream", action="store_true", help="every model column that depends on it instead"
    )
    lineage.add_argument(
        "--values",
        action="store_true",
        help="follow value dependencies only (not the columns that filter, join, group or order)",
    )
    lineage.add_argument("--json", action="store_true", help="print the lineage as JSON")
    docs = sub.add_parser(
        "docs", parents=[common], help="write the documentation site (static HTML)"
    )
    docs.add_argument("--out", type=Path, default=Path("site"), help="output folder (site/)")
    docs.add_argument(
        "--target",
        help="also show row counts and the last run's check results of this database URL",
    )
    docs.add_argument("--source-schema", default="public", help="schema of the raw tables")
    docs.add_argument("--target-schema", default="analytics", help="schema of the models")
    load = sub.add_parser(
        "load",
        parents=[common],
        help="replace the raw tables with a Parquet extract (customer.parquet, …), checked",
    )
    load.add_argument(
        "directory",
        type=Path,
        metavar="DIR",
        help="folder with customer, product, orders, orderitem and events .parquet",
    )
    load.add_argument("--target", help=target_help)
    load.add_argument("--source-schema", default="public", help="schema of the raw tables")
    export = sub.add_parser(
        "export",
        parents=[common, select],
        help="write the published models as Parquet files, one per model",
    )
    export.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="output folder (created)"
    )
    export.add_argument("--target", help=target_help)
    export.add_argument("--target-schema", default="analytics", help="schema of the models")
    sub.add_parser(
        "generate",
        add_help=False,
        help="generate example webshop data (see `transforms generate --help`)",
    )
    return parser


def entry_point() -> NoReturn:
    """The ``transforms`` command: :func:`main`, then a quick exit.

    A command is a short-lived process: its objects are freed by reference counting, and the
    cycle collector and the interpreter's final clean-up only cost time (about 0.2 s of a
    3 s run at scale 1). Connections are closed by the commands themselves.
    """
    gc.disable()
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["generate"]:
        from examples.generate import main as generate

        try:
            return generate(argv[1:], prog="transforms generate")
        except KeyboardInterrupt:
            err.print(
                "[bold red]interrupted:[/] the example tables may be incomplete: "
                "run `transforms generate --replace`",
                soft_wrap=True,
            )
            return 130
    args = _parser().parse_args(argv)
    out = Console(highlight=False)
    try:
        return COMMANDS[args.command](args, out)
    except TransformsError as exc:
        if args.debug:
            err.print_exception()
        # escaped: a message may hold brackets (an Arrow type, timestamp[us]) that are not markup
        err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        err.print("[bold red]interrupted:[/] nothing was published")
        return 130


def _session(args: argparse.Namespace, out: Console) -> Session:
    """A session on ``--target``, which must exist: every command with one reads it."""
    from transforms.api import session
    from transforms.console import RichReporter

    return session(
        args.target,
        source_schema=args.source_schema,
        target_schema=args.target_schema,
        reporter=RichReporter(out),
        threads=getattr(args, "threads", None),  # `freshness` has no --threads
        create=False,
    )


def _select(args: argparse.Namespace) -> None:
    """Check ``--select`` before anything connects, writes or prints."""
    from transforms.project import webshop

    webshop().select(args.select)


def cmd_run(args: argparse.Namespace, out: Console) -> int:
    from transforms.console import RichReporter

    _select(args)
    if args.report_json:
        _writable_file(args.report_json, "--report-json")
    with _session(args, out) as s:
        s.lock_timeout = args.lock_timeout
        s.store_failures = args.store_failures
        if args.freshness:
            s.freshness_now = args.now or _utcnow()
            s.freshness_limits = _limits(args)
        assert isinstance(s.reporter, RichReporter)
        # printed once the run's inputs are checked, in phrases that a narrow terminal never
        # breaks in the middle of
        s.reporter.header = [
            f"Building into [bold]{escape(s.dialect.target.display)}[/]",
            f"schema [bold]{escape(args.target_schema)}[/] from "
            f"[bold]{escape(args.source_schema)}[/],",
            f"{s.threads} model{'s' if s.threads > 1 else ''} at a time",
        ]
        try:
            s.run(args.select, full_refresh=args.full_refresh)
        finally:
            if args.report_json and s.last_result is not None:
                report = json.dumps(s.last_result.to_dict(), indent=2)
                try:
                    args.report_json.write_text(report)
                except OSError as exc:
                    raise TransformsError(
                        f"cannot write --report-json {args.report_json}: {exc.strerror or exc}"
                    ) from None
    return 0


def _writable_file(path: Path, flag: str) -> None:
    """Refuse, before any work, a file that could not be written afterwards."""
    folder = path.parent
    if path.is_dir():
        problem = "is a folder"
    elif not folder.is_dir():
        problem = f"{folder} is not a folder" if folder.exists() else f"{folder} does not exist"
    elif not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        problem = "permission denied"
    else:
        return
    raise TransformsError(f"cannot write {flag} {path}: {problem}")


def cmd_check(args: argparse.Namespace, out: Console) -> int:
    _select(args)
    with _session(args, out) as s:
        results = s.check(args.select)
    errors = [r for r in results if r.is_error]
    if errors:
        raise TransformsError(f"{len(errors)} contract error(s): {errors[0].describe()}")
    return 0


def cmd_freshness(args: argparse.Namespace, out: Console) -> int:
    with _session(args, out) as s:
        names = [n for n, src in s.project.sources.items() if src.freshness is not None]
        s.validate_sources(names)
        results = s.freshness(names, args.now or _utcnow(), _limits(args))
        s.reporter.layer_checked("sources", results, 0.0)
    errors = [r for r in results if r.is_error]
    if errors:
        raise TransformsError(f"stale source: {errors[0].model}: {errors[0].check}")
    return 0


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of at least 1: {text!r}")
    return value


def _timestamp(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO timestamp: {text!r}") from None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _limits(args: argparse.Namespace) -> dict[str, tuple[timedelta | None, timedelta | None]]:
    """``--warn-after 12 --error-after events=48`` → {"*": (12 h, None), "events": (None, 48 h)}."""
    limits: dict[str, tuple[timedelta | None, timedelta | None]] = {}
    for position, flag in enumerate(("warn_after", "error_after")):
        for item in getattr(args, flag):
            source, _, hours = item.rpartition("=")
            try:
                delta = timedelta(hours=float(hours))
            except ValueError:
                raise TransformsError(
                    f"--{flag.replace('_', '-')} {item!r}: give hours, e.g. 24 or events=12"
                ) from None
            pair = list(limits.get(source or "*", (None, None)))
            pair[position] = delta
            limits[source or "*"] = (pair[0], pair[1])
    return limits


def cmd_compile(args: argparse.Namespace, out: Console) -> int:
    from transforms.engine.compile import compile_all
    from transforms.project import webshop

    written = compile_all(
        webshop(),
        args.out,
        select=args.select,
        dialect=args.dialect,
        source_schema=args.source_schema,
        target_schema=args.target_schema,
    )
    out.print(f"Wrote {len(written)} {args.dialect} SQL file(s) to {args.out}/")
    return 0


def cmd_list(args: argparse.Namespace, out: Console) -> int:
    from transforms.project import webshop

    project = webshop()
    table = Table("model", "layer", "depends on", "grain")
    for name in project.select(args.select):
        m = project.models[name]
        table.add_row(name, m.layer, ", ".join(m.depends_on), m.grain)
    out.print(table)
    return 0


def cmd_lineage(args: argparse.Namespace, out: Console) -> int:
    from transforms.engine.lineage import column_lineage
    from transforms.project import webshop

    table, dot, column = args.column.partition(".")
    if not dot or not table or not column:
        raise TransformsError(
            f"lineage {args.column!r}: give a table and a column, e.g. mart_cart_value.cart_value"
        )
    # what transforms.lineage() returns, without the API's imports of every engine
    found = column_lineage(
        webshop(), table, column, downstream=args.downstream, values_only=args.values
    )
    if args.json:
        out.print_json(json.dumps(dataclasses.asdict(found)))
        return 0
    from transforms.console import lineage_tree

    out.print(lineage_tree(found))
    return 0


def cmd_docs(args: argparse.Namespace, out: Console) -> int:
    from transforms.docs import write_site

    index = write_site(
        args.out,
        con_or_url=args.target,
        source_schema=args.source_schema,
        target_schema=args.target_schema,
    )
    out.print(f"Wrote docs to {index}", markup=False, soft_wrap=True)
    return 0


def cmd_load(args: argparse.Namespace, out: Console) -> int:
    from transforms.api import load_parquet
    from transforms.engine.target import Target

    def header() -> None:  # once the extract and the target are checked
        out.print(
            f"Loading {escape(str(args.directory))} into "
            f"[bold]{escape(Target.parse(args.target).display)}[/] "
            f"schema [bold]{escape(args.source_schema)}[/]",
            soft_wrap=True,
        )

    result = load_parquet(
        args.directory, args.target, source_schema=args.source_schema, on_start=header
    )
    for t in result.tables:
        ignored = (
            f"  [dim]ignored: {escape(', '.join(t.ignored_columns))}[/]"
            if t.ignored_columns
            else ""
        )
        out.print(f"  [green]✓[/] {t.name:<30} [cyan]{t.rows:>11,}[/] rows{ignored}")
    out.print(
        f"[green]Done:[/] loaded {len(result.tables)} tables, {sum(result.rows().values()):,} "
        f"rows in {result.seconds:.2f} s",
        soft_wrap=True,
    )
    return 0


def cmd_export(args: argparse.Namespace, out: Console) -> int:
    from transforms.api import export_parquet
    from transforms.engine.target import Target

    def header() -> None:  # once every selected model is found published
        out.print(
            f"Exporting [bold]{escape(Target.parse(args.target).display)}[/] schema "
            f"[bold]{escape(args.target_schema)}[/] to {escape(str(args.out))}/",
            soft_wrap=True,
        )

    result = export_parquet(
        args.out, args.target, select=args.select, target_schema=args.target_schema, on_start=header
    )
    for f in result.files:
        out.print(
            f"  [green]✓[/] {escape(f.path.name):<38} [cyan]{f.rows:>11,}[/] rows "
            f"[dim]{f.bytes / 1e6:8.2f} MB[/]"
        )
    out.print(
        f"[green]Done:[/] wrote {len(result.files)} Parquet "
        f"file{'s' if len(result.files) != 1 else ''} to {escape(str(result.directory))}/ "
        f"in {result.seconds:.2f} s",
        soft_wrap=True,
    )
    return 0


COMMANDS = {
    "run": cmd_run,
    "check": cmd_check,
    "freshness": cmd_freshness,
    "compile": cmd_compile,
    "list": cmd_list,
    "lineage": cmd_lineage,
    "docs": cmd_docs,
    "load": cmd_load,
    "export": cmd_export,
}
