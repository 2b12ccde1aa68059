"""Example data for webshop-transforms: the five raw webshop tables, realistic and dirty.

    python -m examples.generate --target duckdb://webshop.duckdb --scale 0.1
    python -m examples.generate --target postgres://postgres@localhost/webshop --replace
    python -m examples.generate --break negative_price --break bad_status   # contract errors

Scale 1 is about 10,000 customers, 2,000 products, 50,000 orders, 150,000 order items and
1,000,000 events over 52 weeks ending 2026-11-23. The same seed and scale give byte-identical
tables on every machine. Rates of every kind of dirt: examples/README.md.
"""

from __future__ import annotations

import argparse
import math
import numbers
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from examples._breaks import KINDS_OF_BREAK
from examples._breaks import apply as _apply_breaks
from examples._tables import SCHEMAS
from examples._tables import build as _build
from examples._world import Sizes, simulate
from transforms.engine.errors import TransformsError

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

    from transforms.engine.dialects import Dialect

__all__ = ["KINDS_OF_BREAK", "SCHEMAS", "TABLES", "generate", "load", "main"]

TABLES: tuple[str, ...] = ("customer", "product", "orders", "orderitem", "events")


def generate(scale: float = 0.1, seed: int = 42, breaks: Sequence[str] = ()) -> dict[str, pa.Table]:
    """The five source tables as Arrow tables, keyed by table name.

    ``breaks`` plants error-level contract violations (see :data:`KINDS_OF_BREAK`); without
    them the data is dirty only in the ways the contracts accept (or merely warn about).
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
    tables = _build(simulate(Sizes.for_scale(scale), seed), seed)
    return _apply_breaks(tables, breaks, seed)


def load(
    con: SQLBackend,
    dialect: Dialect,
    schema: str,
    tables: dict[str, pa.Table],
    *,
    replace: bool = False,
) -> None:
    """Bulk-load ``tables`` into ``schema`` through ``dialect.load_arrow``.

    Refuses, before loading anything, when one of them already exists and ``replace`` is false.
    """
    names = [t for t in TABLES if t in tables] + sorted(set(tables) - set(TABLES))
    if not replace:
        _refuse_existing(con, dialect, schema, names)
    for name in names:
        dialect.load_arrow(con, schema, name, tables[name], replace=replace)


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


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Generate the raw webshop tables (customer, product, orders, orderitem, "
        "events) and load them into DuckDB or PostgreSQL.",
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
        default=0.1,
        help="1 = 10k customers, 50k orders, 1M events (default: 0.1)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
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
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m examples.generate") -> int:
    """The CLI: generate, load, print one line per table. Returns the exit code."""
    from transforms.engine.dialects import Dialect
    from transforms.engine.target import Target

    args = _parser(prog).parse_args(argv)
    if args.seed < 0:
        print("error: --seed must be 0 or more", file=sys.stderr)
        return 2
    con = None
    try:
        target = Target.parse(args.target)
        dialect = Dialect.for_target(target)
        con = dialect.connect()
        if args.if_missing and set(TABLES) <= dialect.list_tables(con, args.schema):
            print(f"{target.display} schema {args.schema!r} has the example tables already")
            return 0
        if not args.replace:  # fail before spending the time to generate
            _refuse_existing(con, dialect, args.schema, TABLES)
        t0 = time.perf_counter()
        tables = generate(args.scale, args.seed, args.breaks)
        t1 = time.perf_counter()
        load(con, dialect, args.schema, tables, replace=args.replace)
        t2 = time.perf_counter()
    except TransformsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if con is not None:
            con.disconnect()
    for name, table in tables.items():
        print(f"{name:<10} {table.num_rows:>10,} rows")
    planted = f", breaks: {', '.join(args.breaks)}" if args.breaks else ""
    print(
        f"generated in {t1 - t0:.2f} s, loaded in {t2 - t1:.2f} s into "
        f"{target.display} schema {args.schema!r} (scale {args.scale:g}, seed {args.seed}"
        f"{planted})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
