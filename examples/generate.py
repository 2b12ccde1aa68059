"""Example data for webshop-transforms: the five raw webshop tables, realistic and dirty.

    python -m examples.generate --target duckdb://webshop.duckdb --scale 0.1
    python -m examples.generate --target postgres://postgres@localhost/webshop --replace
    python -m examples.generate --break negative_price --break bad_status   # contract errors
    python -m examples.generate --as-of 2026-03-01 --replace     # the shop as it was that day
    python -m examples.generate --advance-to 2026-03-02          # ... and a day later, in place

Scale 1 is about 10,000 customers, 2,000 products, 50,000 orders, 150,000 order items and
1,000,000 events over 52 weeks ending 2026-11-23. The same seed and scale give byte-identical
tables on every machine. Rates of every kind of dirt, and how the shop changes over time:
examples/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import numbers
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from examples._breaks import KINDS_OF_BREAK
from examples._breaks import apply as _apply_breaks
from examples._history import LAST, describe, history, moment, to_datetime
from examples._tables import SCHEMAS
from examples._tables import build as _build
from examples._world import Sizes, simulate
from transforms.engine.errors import TransformsError

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

    from transforms.engine.dialects import Dialect

__all__ = [
    "CLOCK_TABLE",
    "KINDS_OF_BREAK",
    "SCHEMAS",
    "TABLES",
    "Clock",
    "advance",
    "generate",
    "load",
    "main",
    "read_clock",
]

TABLES: tuple[str, ...] = ("customer", "product", "orders", "orderitem", "events")
# The one-row table beside the five that says which shop they are and as of when (see Clock).
CLOCK_TABLE = "generator_clock"
SCRATCH_PREFIX = "__generator_"  # new rows on their way in, dropped before advance() returns

Moment = date | datetime


@dataclass(frozen=True)
class Clock:
    """Which example shop a schema holds, and as of when: what :func:`advance` starts from.

    ``as_of`` is a moment: the tables hold every row that arrived at or before it (the end of
    a day is its last microsecond, ``2026-03-01 23:59:59.999999``).
    """

    scale: float
    seed: int
    as_of: datetime

    @classmethod
    def of(cls, scale: float = 0.1, seed: int = 42, as_of: Moment | None = None) -> Clock:
        """The clock of ``generate(scale, seed, as_of=as_of)`` (None: the whole year)."""
        return cls(float(scale), int(seed), to_datetime(moment(as_of)))

    def to_arrow(self) -> pa.Table:
        return pa.table(
            {
                "scale": pa.array([self.scale], pa.float64()),
                "seed": pa.array([self.seed], pa.int64()),
                "as_of": pa.array([self.as_of], pa.timestamp("us")),
            }
        )


def generate(
    scale: float = 0.1, seed: int = 42, breaks: Sequence[str] = (), as_of: Moment | None = None
) -> dict[str, pa.Table]:
    """The five source tables as Arrow tables, keyed by table name.

    ``breaks`` plants error-level contract violations (see :data:`KINDS_OF_BREAK`); without
    them the data is dirty only in the ways the contracts accept (or merely warn about).

    ``as_of`` gives the shop as it was then: a ``date`` is the end of that day (every row that
    arrived before the next midnight), a ``datetime`` that moment (arrived at or before it).
    Only the rows that had arrived, each in the version it had then. From 2026-11-22 on it is
    the whole year, exactly what ``as_of=None`` gives. It cannot be combined with ``breaks``.
    """
    if isinstance(breaks, str):  # a lone string would be read as its letters
        breaks = [breaks]
    if not (isinstance(scale, numbers.Real) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, not {scale!r}")
    if not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
    scale, seed = float(scale), int(seed)
    unknown = sorted(set(breaks) - set(KINDS_OF_BREAK))
    if unknown:
        raise ValueError(f"unknown kind of break {', '.join(unknown)}: {_kinds_help()}")
    if as_of is not None:
        t = moment(as_of)  # a TypeError for anything but a date or datetime
        if breaks:
            raise ValueError(
                "breaks cannot be combined with as_of: they are planted in the whole year's "
                "tables only (generate the shop as of a day without breaks)"
            )
        return history(scale, seed).at(t)
    tables = _build(simulate(Sizes.for_scale(scale), seed), seed)
    return _apply_breaks(tables, breaks, seed)


def load(
    con: SQLBackend,
    dialect: Dialect,
    schema: str,
    tables: dict[str, pa.Table],
    *,
    replace: bool = False,
    clock: Clock | None = None,
    each: Callable[[str], AbstractContextManager[object]] | None = None,
) -> None:
    """Bulk-load ``tables`` into ``schema`` through ``dialect.load_arrow``.

    Refuses, before loading anything, when one of them already exists and ``replace`` is false.
    ``clock`` (:meth:`Clock.of` the same scale, seed and as_of as the tables) is written to the
    table ``generator_clock`` beside them, so that :func:`advance` can move them on later;
    without it a clock left there by an earlier load is dropped (it would not be true any more).
    Each table loads inside ``each(name)``, when given (the CLI's progress).
    """
    names = [t for t in TABLES if t in tables] + sorted(set(tables) - set(TABLES))
    if clock is not None and sorted(names) != sorted(TABLES):
        raise ValueError(f"a clock goes with the five tables {', '.join(TABLES)}, not {names}")
    if not replace:
        _refuse_existing(con, dialect, schema, names)
    for name in names:
        with each(name) if each is not None else contextlib.nullcontext():
            dialect.load_arrow(con, schema, name, tables[name], replace=replace)
    if clock is not None:
        dialect.load_arrow(con, schema, CLOCK_TABLE, clock.to_arrow(), replace=True)
    elif CLOCK_TABLE in dialect.list_tables(con, schema):
        dialect.sql(con, f"DROP TABLE {dialect.q(schema, CLOCK_TABLE)}")


def read_clock(con: SQLBackend, dialect: Dialect, schema: str) -> Clock | None:
    """The clock of the example shop in ``schema``; None if it has none."""
    if CLOCK_TABLE not in dialect.list_tables(con, schema):
        return None
    rows = dialect.sql(con, f"SELECT scale, seed, as_of FROM {dialect.q(schema, CLOCK_TABLE)}")
    if len(rows) != 1 or None in rows[0]:
        raise TransformsError(
            f"{schema}.{CLOCK_TABLE} should hold one row (scale, seed, as_of), it holds "
            f"{len(rows)}: regenerate the example data with --replace"
        )
    scale, seed, as_of = rows[0]
    return Clock(float(scale), int(seed), as_of)


def advance(
    con: SQLBackend, dialect: Dialect, schema: str, to: Moment
) -> dict[str, dict[str, int]]:
    """Move the example shop in ``schema`` on to ``to`` in place, as the webshop would have.

    New rows are inserted (events, order lines, product versions, orders, customers) and orders
    and customers changed since are updated by id, all in one transaction with the clock; after
    it the five tables hold exactly the rows of ``generate(scale, seed, as_of=to)``. Returns the
    rows inserted and updated per table. Advancing to the moment the shop is at changes nothing;
    going back, or a schema without a clock, is a :class:`TransformsError`.
    """
    clock = read_clock(con, dialect, schema)
    if clock is None:
        raise TransformsError(
            f"schema {schema!r} has no {CLOCK_TABLE} table, so it is not known which example "
            "shop it holds nor as of when: generate it with `transforms generate --replace "
            "--as-of DATE` (no --break), then advance it"
        )
    missing = [name for name in TABLES if name not in dialect.list_tables(con, schema)]
    if missing:
        raise TransformsError(
            f"schema {schema!r} lacks the table(s) {', '.join(missing)}: generate the example "
            "data again with --replace"
        )
    t1, t2 = moment(clock.as_of), moment(to)
    if t2 < t1:
        raise TransformsError(
            f"schema {schema!r} is as of {describe(t1)}, after {describe(t2)}: a shop only "
            f"moves forward; to go back, generate it again with --replace --as-of {describe(t2)}"
        )
    counts = {name: {"inserted": 0, "updated": 0} for name in TABLES}
    if t2 == t1:
        return counts
    if t1 >= LAST:  # the data ends here: nothing arrives later
        inserted: dict[str, pa.Table] = {}
        updated: dict[str, pa.Table] = {}
    else:
        inserted, updated = history(clock.scale, clock.seed).changes(t1, t2)
    stamp = to_datetime(t2).isoformat(sep=" ", timespec="microseconds")
    dialect.sql(con, "BEGIN TRANSACTION")
    try:
        for name in TABLES:
            if name in inserted and inserted[name].num_rows:
                counts[name]["inserted"] = _insert(con, dialect, schema, name, inserted[name])
            if name in updated and updated[name].num_rows:
                counts[name]["updated"] = _update(con, dialect, schema, name, updated[name])
        dialect.sql(con, f"UPDATE {dialect.q(schema, CLOCK_TABLE)} SET as_of = TIMESTAMP '{stamp}'")
        dialect.sql(con, "COMMIT")
    except BaseException:
        dialect.sql(con, "ROLLBACK")
        raise
    return counts


def _scratch(con: SQLBackend, dialect: Dialect, schema: str, name: str, rows: pa.Table) -> str:
    scratch = f"{SCRATCH_PREFIX}{name}"
    dialect.load_arrow(con, schema, scratch, rows, replace=True)
    return dialect.q(schema, scratch)


def _insert(con: SQLBackend, dialect: Dialect, schema: str, name: str, rows: pa.Table) -> int:
    scratch = _scratch(con, dialect, schema, name, rows)
    columns = ", ".join(dialect.q(c) for c in rows.column_names)
    dialect.sql(
        con,
        f"INSERT INTO {dialect.q(schema, name)} ({columns}) SELECT {columns} FROM {scratch}",
    )
    dialect.sql(con, f"DROP TABLE {scratch}")
    return rows.num_rows


def _update(con: SQLBackend, dialect: Dialect, schema: str, name: str, rows: pa.Table) -> int:
    """Every column of the rows of ``name`` with the ids of ``rows`` set to theirs."""
    scratch = _scratch(con, dialect, schema, name, rows)
    sets = ", ".join(f"{dialect.q(c)} = s.{dialect.q(c)}" for c in rows.column_names if c != "id")
    dialect.sql(
        con,
        f"UPDATE {dialect.q(schema, name)} AS t SET {sets} FROM {scratch} AS s WHERE t.id = s.id",
    )
    dialect.sql(con, f"DROP TABLE {scratch}")
    return rows.num_rows


def _refuse_existing(con: SQLBackend, dialect: Dialect, schema: str, names: Sequence[str]) -> None:
    present = set(dialect.list_tables(con, schema))
    existing = [name for name in names if name in present]
    if existing:
        raise TransformsError(
            f"schema {schema!r} already has the table(s) {', '.join(existing)}: "
            "pass --replace to overwrite them"
        )


def _kinds_help() -> str:
    return "the kinds are " + "; ".join(f"{k} ({v})" for k, v in KINDS_OF_BREAK.items())


def _break_kind(value: str) -> str:
    if value not in KINDS_OF_BREAK:
        raise argparse.ArgumentTypeError(f"unknown kind {value!r}: {_kinds_help()}")
    return value


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number


def parse_moment(text: str) -> Moment:
    """``2026-03-01`` (that whole day) or ``2026-03-01T12:00`` / ``2026-03-01 12:00:00``."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"expected an ISO date or datetime such as 2026-03-01 or 2026-03-01T12:00, got {text!r}"
        ) from None


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Generate the raw webshop tables (customer, product, orders, orderitem, "
        "events) and load them into DuckDB or PostgreSQL, as of the end of the data or of a "
        "day; or move such tables on to a later day in place.",
    )
    parser.add_argument(
        "--target",
        help="duckdb:///path.db, duckdb://file.db, or postgres://user@host:port/db "
        "(default: $TRANSFORMS_TARGET, else duckdb://webshop.duckdb)",
    )
    parser.add_argument("--schema", default="public", help="source schema (default: public)")
    parser.add_argument(
        "--scale",
        type=_positive,
        help="1 = 10k customers, 50k orders, 1M events (default: 0.1)",
    )
    parser.add_argument("--seed", type=int, help="random seed (default: 42)")
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument(
        "--replace", action="store_true", help="overwrite the tables if they exist"
    )
    existing.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when all five tables exist already (the demo's first-run setup)",
    )
    parser.add_argument(
        "--break",
        dest="breaks",
        action="append",
        default=[],
        type=_break_kind,
        metavar="KIND",
        help="plant an error-level contract violation (repeatable): " + ", ".join(KINDS_OF_BREAK),
    )
    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--as-of",
        metavar="DATE",
        help="the shop as it was at the end of DATE (2026-03-01) or at a moment "
        "(2026-03-01T12:00); default: the end of the data, 2026-11-22",
    )
    when.add_argument(
        "--advance-to",
        metavar="DATE",
        help="move the tables already in --schema on to DATE in place (inserts and updates, "
        "as the webshop made them); scale and seed come from its generator_clock table",
    )
    return parser


def _conflicts(args: argparse.Namespace) -> str | None:
    """Flags that make no sense together (argparse's groups cannot say it)."""
    if args.advance_to is not None:
        given = [
            flag
            for flag, value in [
                ("--replace", args.replace),
                ("--if-missing", args.if_missing),
                ("--break", args.breaks),
                ("--scale", args.scale is not None),
                ("--seed", args.seed is not None),
            ]
            if value
        ]
        if given:
            return (
                f"argument --advance-to: not allowed with {', '.join(given)} (it moves the "
                "tables there on; their scale and seed are in the generator_clock table)"
            )
    if args.as_of is not None and args.breaks:
        return "argument --break: not allowed with --as-of (breaks go into the whole year only)"
    return None


def main(argv: list[str] | None = None, prog: str = "python -m examples.generate") -> int:
    """The CLI: generate, load, print one line per table. Returns the exit code."""
    from transforms.engine.dialects import Dialect
    from transforms.engine.target import Target

    parser = _parser(prog)
    args = parser.parse_args(argv)
    conflict = _conflicts(args)
    if conflict:
        parser.error(conflict)
    if args.seed is not None and args.seed < 0:
        print("error: --seed must be 0 or more", file=sys.stderr)
        return 2
    scale = 0.1 if args.scale is None else args.scale
    seed = 42 if args.seed is None else args.seed
    flag, text = ("--advance-to", args.advance_to) if args.advance_to else ("--as-of", args.as_of)
    try:
        when = None if text is None else parse_moment(text)
    except ValueError as exc:
        print(f"error: {flag}: {exc}", file=sys.stderr)
        return 1
    con = None
    say = _Progress()
    try:
        target = Target.parse(args.target)
        # a DuckDB file to advance must be there; one to generate into, its folder
        target.require_database(create=args.advance_to is None)
        dialect = Dialect.for_target(target)
        con = dialect.connect()
        if args.advance_to is not None:
            assert when is not None
            return _advance(con, dialect, target.display, args.schema, when, say)
        if args.if_missing and set(TABLES) <= dialect.list_tables(con, args.schema):
            print(f"{target.display} schema {args.schema!r} has the example tables already")
            return 0
        if not args.replace:  # fail before spending the time to generate
            _refuse_existing(con, dialect, args.schema, TABLES)
        t0 = time.perf_counter()
        with say.step(f"generating the tables (scale {scale:g}, seed {seed})"):
            tables = generate(scale, seed, args.breaks, as_of=when)
        t1 = time.perf_counter()
        clock = None if args.breaks else Clock.of(scale, seed, when)

        @contextlib.contextmanager
        def each(name: str) -> Iterator[None]:
            rows = tables[name].num_rows
            with say.step(f"loading {name} ({rows:,} rows)"):
                yield
            say(f"{name:<10} {rows:>10,} rows")  # as each table is loaded: the lines of old

        load(con, dialect, args.schema, tables, replace=args.replace, clock=clock, each=each)
        t2 = time.perf_counter()
    except TransformsError as exc:
        say.stop()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        say.stop()
        if con is not None:
            con.disconnect()
    planted = f", breaks: {', '.join(args.breaks)}" if args.breaks else ""
    as_of = f", as of {describe(moment(when))}" if when is not None else ""
    print(
        f"generated in {t1 - t0:.2f} s, loaded in {t2 - t1:.2f} s into "
        f"{target.display} schema {args.schema!r} (scale {scale:g}, seed {seed}{as_of}"
        f"{planted})"
    )
    return 0


class _Progress:
    """The command's output: its lines (``say(line)``), and on a terminal a spinner with the
    seconds of the step under way below them (``with say.step("loading events"):``). Not on
    a terminal (a pipe, a CI log) there are only the lines, as plain as ``print``."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(highlight=False)
        self._live: Any = None

    def __call__(self, line: str) -> None:
        if self._live is None:
            print(line)
        else:
            self.console.print(line, markup=False, soft_wrap=True)

    @contextlib.contextmanager
    def step(self, description: str) -> Iterator[None]:
        if not self.console.is_terminal:
            yield
            return
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        if self._live is None:
            self._live = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._live.start()
        task = self._live.add_task(description, total=None)
        try:
            yield
        finally:
            self._live.remove_task(task)

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def _advance(
    con: SQLBackend, dialect: Dialect, display: str, schema: str, to: Moment, say: _Progress
) -> int:
    t0 = time.perf_counter()
    before = read_clock(con, dialect, schema)
    with say.step(f"advancing the tables to {describe(moment(to))}"):
        counts = advance(con, dialect, schema, to)
    say.stop()
    assert before is not None  # advance() refuses a schema without a clock
    for name, count in counts.items():
        print(f"{name:<10} {count['inserted']:>10,} inserted {count['updated']:>8,} updated")
    print(
        f"advanced {display} schema {schema!r} from {describe(moment(before.as_of))} to "
        f"{describe(moment(to))} in {time.perf_counter() - t0:.2f} s "
        f"(scale {before.scale:g}, seed {before.seed})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
