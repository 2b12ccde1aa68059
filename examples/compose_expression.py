"""Compose a model with your own Ibis code before executing it: weeks of big discounts.

    python -m examples.compose_expression --min-discount 500

``transforms.expression("mart_sales", sources=...)`` is an unexecuted Ibis table built from the
raw tables; filtering it adds a ``WHERE`` to the one query DuckDB runs. Nothing is built or
published. The same expression compiles for PostgreSQL with ``ibis.to_sql(expr, "postgres")``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from decimal import Decimal

import ibis
import pyarrow as pa

import transforms
from contracts.marts import MartSales
from examples.generate import generate, load


def big_discount_weeks(sources: Mapping[str, ibis.Table], min_discount: Decimal) -> ibis.Table:
    """The ``mart_sales`` weeks whose discount total exceeds ``min_discount``, by week."""
    sales = transforms.expression("mart_sales", sources=sources)
    return sales.filter(sales.discount_total > min_discount).order_by("week_start")


def run(tables: Mapping[str, pa.Table], min_discount: Decimal) -> list[MartSales]:
    """Load ``tables`` into an in-memory DuckDB, execute the composed expression, type the rows."""
    con, dialect = transforms.connect("duckdb://")
    try:
        load(con, dialect, "public", dict(tables))
        sources = {name: con.table(name, database="public") for name in tables}
        expr = big_discount_weeks(sources, min_discount)
        return [MartSales.model_validate(row) for row in con.to_pyarrow(expr).to_pylist()]
    finally:
        con.disconnect()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Weeks whose discounts exceed a threshold.")
    parser.add_argument("--min-discount", type=Decimal, default=Decimal("500"))
    parser.add_argument("--scale", type=float, default=0.01, help="example data scale")
    args = parser.parse_args(argv)
    weeks = run(generate(scale=args.scale), args.min_discount)
    print(f"{len(weeks)} week(s) with discounts over {args.min_discount}:")
    for week in weeks:
        print(
            f"  {week.week_start}  orders {week.order_count:>4}  "
            f"net {week.net_revenue:>10}  discount {week.discount_total:>8}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
