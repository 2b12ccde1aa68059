"""Each kind of contract check finds a planted violation, with the exact count, on both engines.

The contracts here are small test-only classes; the tables are loaded with ``ws.load`` and the
checks run through ``transforms.engine.checks.run_checks`` inside the database.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Annotated, Any

import ibis
import pyarrow as pa
import pytest
from ibis import _
from pydantic import Field

from contracts.base import (
    Contract,
    Float64,
    Int32,
    Int64,
    Matches,
    Money,
    OneOf,
    References,
    RowCheck,
    TableCheck,
    Text,
    Timestamp,
    Unique,
    UniqueKey,
)
from tests.conftest import Workspace, every_engine
from transforms.engine import dialects
from transforms.engine.checks import SAMPLE_ROWS, CheckResult, run_checks, schema_problems

engine = every_engine()  # DuckDB, PostgreSQL and Spark


def _run(ws: Workspace, name: str, contract: type[Contract], query: Any = None) -> list[Any]:
    distinct = functools.partial(ws.dialect.distinct_counts, ws.con)
    return run_checks(name, contract, ws.table(name), ws.table, query or ws.rows, distinct)


def _result(results: list[CheckResult], check: str) -> CheckResult:
    found = [r for r in results if r.check == check]
    assert len(found) == 1, f"no single check {check!r} in {[r.check for r in results]}"
    return found[0]


def _failing(results: list[CheckResult]) -> dict[str, int]:
    return {r.check: r.failing for r in results}


# --- not null ----------------------------------------------------------------------------------


class NotNullRows(Contract):
    id: Annotated[Int64, Unique()]
    name: Text
    note: Text | None


def test_not_null_counts_nulls_and_samples_five_by_key(ws: Workspace) -> None:
    ws.load(
        "nn",
        {
            "id": [9, 1, 2, 3, 4, 5, 6, 7, 8],
            "name": [None, "a", None, None, "", None, None, None, None],
            "note": pa.array([None] * 9, type=pa.string()),
        },
    )
    results = _run(ws, "nn", NotNullRows)
    # '' is a value, not NULL; the nullable column has no not-null check
    assert _failing(results) == {"id not null": 0, "name not null": 7, "id unique": 0}
    r = _result(results, "name not null")
    assert r.severity == "error"
    assert r.is_error
    assert r.sample == [
        {"id": 2, "name": None, "note": None},
        {"id": 3, "name": None, "note": None},
        {"id": 5, "name": None, "note": None},
        {"id": 6, "name": None, "note": None},
        {"id": 7, "name": None, "note": None},
    ]
    assert len(r.sample) == SAMPLE_ROWS == 5
    assert r.describe() == "nn: name not null failed for 7 row(s) [error]"


# --- unique ------------------------------------------------------------------------------------


class UniqueRows(Contract):
    key: Annotated[Int64 | None, Unique()]
    other: Annotated[Int64 | None, Unique(severity="warn")]


def test_unique_counts_every_row_of_a_duplicated_key(ws: Workspace) -> None:
    ws.load(
        "uq",
        {
            "key": [1, 1, 1, 2, 3, 3, None, None],  # NULLs are not duplicates
            "other": [10, 20, 30, 40, 50, 60, 70, 80],
        },
    )
    results = _run(ws, "uq", UniqueRows)
    assert _failing(results) == {"key unique": 5, "other unique": 0}
    r = _result(results, "key unique")
    assert r.severity == "error"
    assert r.sample == [
        {"key": 1, "other": 10},
        {"key": 1, "other": 20},
        {"key": 1, "other": 30},
        {"key": 3, "other": 50},
        {"key": 3, "other": 60},
    ]
    assert _result(results, "other unique").sample == []


def test_unique_with_warn_severity_is_not_an_error(ws: Workspace) -> None:
    ws.load("uq", {"key": [1, 2, 3], "other": [7, 7, None]})
    results = _run(ws, "uq", UniqueRows)
    r = _result(results, "other unique")
    assert (r.failing, r.severity, r.is_error, r.passed) == (2, "warn", False, False)
    # keys first: the declared unique columns, the checked column first
    assert r.sample == [{"other": 7, "key": 1}, {"other": 7, "key": 2}]


class IntKeys(Contract):
    small: Annotated[Int32 | None, Unique()]
    sparse: Annotated[Int64 | None, Unique()]


@pytest.mark.parametrize(
    ("small", "sparse", "failing"),
    [
        # dense keys (a bitmap on DuckDB), sparse ones (2**40 apart: a hash table everywhere)
        ([5, 6, 6, None], [1, 2**40, 2**40, 2**41], {"small unique": 2, "sparse unique": 2}),
        ([5, 6, 7, None], [None, 2**40, 1, -(2**40)], {"small unique": 0, "sparse unique": 0}),
        ([None, None], [None, None], {"small unique": 0, "sparse unique": 0}),
        ([], [], {"small unique": 0, "sparse unique": 0}),
    ],
)
def test_unique_integer_keys_dense_sparse_or_empty(
    ws: Workspace,
    small: list[int | None],
    sparse: list[int | None],
    failing: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dialects.duckdb, "BITMAP_MIN_ROWS", 1)  # the bitmap's rules on small tables
    ws.load("ik", pa.table({"small": pa.array(small, pa.int32()), "sparse": pa.array(sparse)}))
    assert {k: v for k, v in _failing(_run(ws, "ik", IntKeys)).items() if "unique" in k} == failing


@pytest.mark.parametrize("min_rows", [1, 5])
def test_distinct_counts_use_a_bitmap_only_for_big_tables_with_dense_integer_keys(
    ws: Workspace, min_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialects.duckdb, "BITMAP_MIN_ROWS", min_rows)
    ws.load("dk", {"dense": [3, 1, 2, 2], "sparse": [1, 2**40, 7, 7], "text": ["a", "b", "b", "c"]})
    t = ws.table("dk")
    counts = ws.dialect.distinct_counts(ws.con, t, ["dense", "sparse", "text"])
    [row] = ws.rows(t.aggregate(**counts))
    assert row == {"dense": 3, "sparse": 3, "text": 3}
    compiled = {c: ws.dialect.to_sql(t.aggregate(n=v)) for c, v in counts.items()}
    bitmaps = {c for c, sql in compiled.items() if "BITSTRING_AGG" in sql}
    assert bitmaps == ({"dense"} if ws.engine == "duckdb" and min_rows <= 4 else set())


# --- ranges ------------------------------------------------------------------------------------


class RangeRows(Contract):
    id: Annotated[Int64, Unique()]
    a: Annotated[Int64 | None, Field(ge=0)]
    b: Annotated[Int32 | None, Field(gt=0, description="strictly positive")]
    c: Annotated[Float64 | None, Field(le=10)]
    d: Annotated[Money | None, Field(lt=Decimal("10.00"))]
    e: Annotated[Money | None, Field(ge=Decimal("0.50"), le=Decimal("1.50"))]


def test_field_bounds_ge_gt_le_lt(ws: Workspace) -> None:
    money = pa.decimal128(18, 2)
    ws.load(
        "rng",
        pa.table(
            {
                "id": pa.array([1, 2, 3, 4, 5, 6], type=pa.int64()),
                # ge 0: -1 and -5 fail, NULL passes
                "a": pa.array([-1, 0, 1, None, -5, 3], type=pa.int64()),
                # gt 0: 0 and -1 fail
                "b": pa.array([0, 1, -1, None, 2, 3], type=pa.int32()),
                # le 10: 10.5, 11, 1e9 fail; 10.0 passes
                "c": pa.array([10.5, 10.0, 11.0, 1e9, None, -1.0], type=pa.float64()),
                # lt 10.00: 10.00 fails, 9.99 passes
                "d": pa.array(
                    [Decimal(x) if x else None for x in ["10.00", "9.99", None, "0", "-1", "5"]],
                    type=money,
                ),
                # 0.50 ≤ e ≤ 1.50: 0.49 and 1.51 fail
                "e": pa.array(
                    [Decimal(x) for x in ["0.49", "0.50", "1.50", "1.51", "1.00", "1.00"]],
                    type=money,
                ),
            }
        ),
    )
    results = _run(ws, "rng", RangeRows)
    assert _failing(results) == {
        "id not null": 0,
        "a >= 0": 2,
        "b > 0": 2,
        "c <= 10": 3,
        "d < 10.00": 1,
        "e >= 0.50": 1,
        "e <= 1.50": 1,
        "id unique": 0,
    }
    assert _result(results, "a >= 0").sample == [{"id": 1, "a": -1}, {"id": 5, "a": -5}]
    assert _result(results, "b > 0").sample == [{"id": 1, "b": 0}, {"id": 3, "b": -1}]
    assert _result(results, "c <= 10").sample == [
        {"id": 1, "c": 10.5},
        {"id": 3, "c": 11.0},
        {"id": 4, "c": 1e9},
    ]
    assert _result(results, "d < 10.00").sample == [{"id": 1, "d": Decimal("10.00")}]
    assert _result(results, "e >= 0.50").sample == [{"id": 1, "e": Decimal("0.49")}]
    assert _result(results, "e <= 1.50").sample == [{"id": 4, "e": Decimal("1.51")}]


# --- one of, matches ---------------------------------------------------------------------------


class SetRows(Contract):
    id: Annotated[Int64, Unique()]
    status: Annotated[Text | None, OneOf("A", "B")]
    kind: Annotated[Text | None, OneOf("x", "y", severity="warn")]
    code: Annotated[Text | None, Matches(r"^[0-9]{3}$")]
    loose: Annotated[Text | None, Matches("[a-z]+[0-9]")]


def test_one_of_and_matches(ws: Workspace) -> None:
    ws.load(
        "sets",
        {
            "id": [1, 2, 3, 4, 5, 6, 7],
            # 'C', 'a' and '' fail; NULL passes
            "status": ["A", "B", "C", None, "a", "", "A"],
            "kind": ["x", "y", "z", "z", None, "x", "y"],
            # '12', '1234', 'abc', '123\n' fail; NULL passes
            "code": ["123", "12", "1234", None, "abc", "123\n", "000"],
            # the pattern must match the whole value: 'ab1x', '1ab1' and 'AB1' fail
            "loose": ["ab1", "ab1x", "1ab1", "abc1", None, "AB1", "z9"],
        },
    )
    results = _run(ws, "sets", SetRows)
    assert _failing(results) == {
        "id not null": 0,
        "status in A/B": 3,
        "kind in x/y": 2,
        "code matches ^[0-9]{3}$": 4,
        "loose matches [a-z]+[0-9]": 3,
        "id unique": 0,
    }
    assert _result(results, "status in A/B").sample == [
        {"id": 3, "status": "C"},
        {"id": 5, "status": "a"},
        {"id": 6, "status": ""},
    ]
    kind = _result(results, "kind in x/y")
    assert (kind.severity, kind.is_error) == ("warn", False)
    assert _result(results, "code matches ^[0-9]{3}$").sample == [
        {"id": 2, "code": "12"},
        {"id": 3, "code": "1234"},
        {"id": 5, "code": "abc"},
        {"id": 6, "code": "123\n"},
    ]
    assert [r["id"] for r in _result(results, "loose matches [a-z]+[0-9]").sample] == [2, 3, 6]


# --- references --------------------------------------------------------------------------------


class Parent(Contract):
    pid: Annotated[Int64, Unique()]


class Child(Contract):
    cid: Annotated[Int64, Unique()]
    parent_id: Annotated[Int64 | None, References("parent", "pid")]
    other_parent: Annotated[Int64 | None, References("parent", "pid", severity="warn")]


def test_references_is_an_anti_join_where_null_passes(ws: Workspace) -> None:
    ws.load("parent", {"pid": [1, 2, 3, None]})
    ws.load(
        "child",
        {
            "cid": [10, 11, 12, 13, 14, 15, 16, 17],
            "parent_id": [1, 2, 9, None, 9, 8, 3, 7],
            "other_parent": [1, 1, 1, 1, 1, 1, 1, None],
        },
    )
    results = _run(ws, "child", Child)
    assert _failing(results) == {
        "cid not null": 0,
        "cid unique": 0,
        "parent_id in parent": 4,
        "other_parent in parent": 0,
    }
    r = _result(results, "parent_id in parent")
    assert r.severity == "error"
    assert r.sample == [
        {"cid": 12, "parent_id": 9},
        {"cid": 14, "parent_id": 9},
        {"cid": 15, "parent_id": 8},
        {"cid": 17, "parent_id": 7},
    ]
    assert _result(results, "other_parent in parent").severity == "warn"


class Node(Contract):
    id: Annotated[Int64, Unique()]
    parent: Annotated[Int64 | None, References("node", "id")]


def test_references_to_the_same_table(ws: Workspace) -> None:
    # a tree: each parent must be a node of the same table (only 9 and 8 are not)
    ws.load("node", {"id": [1, 2, 3, 4, 5], "parent": [None, 1, 9, 2, 8]})
    results = _run(ws, "node", Node)
    r = _result(results, "parent in node")
    assert r.failing == 2
    assert r.sample == [{"id": 3, "parent": 9}, {"id": 5, "parent": 8}]


# --- composite key, row check, table check -----------------------------------------------------


class Composite(Contract):
    a: Int64 | None
    b: Int64 | None
    v: Text | None

    checks = (UniqueKey(("a", "b")),)


def test_unique_key_counts_rows_of_duplicated_combinations(ws: Workspace) -> None:
    ws.load(
        "comp",
        {
            "a": [1, 1, 1, 2, 2, 2, None, None, 3],
            "b": [1, 1, 2, 1, 1, 1, 1, 1, None],
            "v": ["p", "q", "r", "s", "t", "u", "w", "x", "y"],
        },
    )
    results = _run(ws, "comp", Composite)
    assert _failing(results) == {"unique(a, b)": 5}
    r = _result(results, "unique(a, b)")
    assert Composite.keys() == ["a", "b"]
    assert r.sample == [
        {"a": 1, "b": 1},
        {"a": 1, "b": 1},
        {"a": 2, "b": 1},
        {"a": 2, "b": 1},
        {"a": 2, "b": 1},
    ]


class Ranged(Contract):
    id: Annotated[Int64, Unique()]
    lo: Int64 | None
    hi: Int64 | None

    checks = (
        RowCheck("lo_le_hi", lambda t: t.lo <= t.hi),
        RowCheck("hi_small", lambda t: t.hi < 100, severity="warn"),
    )


def test_row_check_counts_false_and_lets_null_pass(ws: Workspace) -> None:
    ws.load(
        "rows",
        {
            "id": [1, 2, 3, 4, 5, 6],
            "lo": [1, 3, None, 5, 2, 9],
            "hi": [2, 2, 1, 4, 2, None],
        },
    )
    results = _run(ws, "rows", Ranged)
    assert _failing(results) == {"id not null": 0, "lo_le_hi": 2, "hi_small": 0, "id unique": 0}
    r = _result(results, "lo_le_hi")
    # row checks show the whole failing row, keys first
    assert r.sample == [{"id": 2, "lo": 3, "hi": 2}, {"id": 4, "lo": 5, "hi": 4}]
    assert _result(results, "hi_small").severity == "warn"


def _crowded(t: ibis.Table) -> ibis.Table:
    return t.group_by("g").aggregate(n=_.count()).filter(_.n > 2)


def _every_row(t: ibis.Table) -> ibis.Table:
    return t.filter(t.g.notnull())


class Grouped(Contract):
    id: Annotated[Int64, Unique()]
    g: Text | None

    checks = (
        TableCheck("no_crowded_group", _crowded),
        TableCheck("no_grouped_rows", _every_row, severity="warn"),
    )


def test_table_check_counts_the_violation_rows(ws: Workspace) -> None:
    ws.load(
        "grp",
        {"id": [1, 2, 3, 4, 5, 6, 7, 8, 9], "g": ["a", "a", "a", "b", "b", "c", "c", "c", "c"]},
    )
    results = _run(ws, "grp", Grouped)
    assert _failing(results) == {
        "id not null": 0,
        "id unique": 0,
        "no_crowded_group": 2,  # groups a (3 rows) and c (4 rows)
        "no_grouped_rows": 9,
    }
    crowded = _result(results, "no_crowded_group")
    assert sorted(crowded.sample, key=lambda r: r["g"]) == [{"g": "a", "n": 3}, {"g": "c", "n": 4}]
    every = _result(results, "no_grouped_rows")
    assert every.severity == "warn"
    assert len(every.sample) == SAMPLE_ROWS
    assert all(
        row in [{"id": i, "g": g} for i, g in enumerate("aaabbcccc", 1)] for row in every.sample
    )


# --- passing checks, number of queries ---------------------------------------------------------


class Clean(Contract):
    id: Annotated[Int64, Unique()]
    code: Annotated[Text | None, Matches(r"^[a-z]$"), OneOf("a", "b", "c")]
    n: Annotated[Int64 | None, Field(ge=0, lt=10)]
    price: Annotated[Money | None, Field(ge=0)]
    at: Timestamp | None

    checks = (RowCheck("n_le_id", lambda t: t.n <= t.id),)


def _clean_rows() -> pa.Table:
    return pa.table(
        {
            "id": pa.array([1, 2, 3, 4], type=pa.int64()),
            "code": pa.array(["a", "b", None, "c"]),
            "n": pa.array([0, 2, None, 4], type=pa.int64()),
            "price": pa.array(
                [Decimal("0.00"), None, Decimal("1.00"), Decimal("2.50")], type=pa.decimal128(18, 2)
            ),
            "at": pa.array([None] * 4, type=pa.timestamp("us")),
        }
    )


def test_passing_column_checks_cost_one_query(ws: Workspace) -> None:
    ws.load("clean", _clean_rows())
    queries: list[ibis.Table] = []

    def query(expr: ibis.Table) -> list[dict[str, Any]]:
        queries.append(expr)
        return ws.rows(expr)

    results = _run(ws, "clean", Clean, query)
    assert _failing(results) == {
        "id not null": 0,
        "code matches ^[a-z]$": 0,
        "code in a/b/c": 0,
        "n >= 0": 0,
        "n < 10": 0,
        "price >= 0": 0,
        "n_le_id": 0,
        "id unique": 0,
    }
    assert all(r.passed and not r.is_error and r.sample == [] for r in results)
    assert len(queries) == 1


def test_a_failing_column_check_costs_one_more_query_for_its_sample(ws: Workspace) -> None:
    clean = _clean_rows()
    ws.load("clean", clean.set_column(2, "n", pa.array([0, 2, None, 12], type=pa.int64())))
    calls: list[ibis.Table] = []

    def query(expr: ibis.Table) -> list[dict[str, Any]]:
        calls.append(expr)
        return ws.rows(expr)

    results = _run(ws, "clean", Clean, query)
    assert {k: v for k, v in _failing(results).items() if v} == {"n < 10": 1, "n_le_id": 1}
    assert _result(results, "n < 10").sample == [{"id": 4, "n": 12}]
    [row] = _result(results, "n_le_id").sample
    assert (next(iter(row)), row["id"], row["n"]) == ("id", 4, 12)
    assert len(calls) == 3


def test_an_empty_table_passes_every_check(ws: Workspace) -> None:
    ws.load("clean", _clean_rows().slice(0, 0))
    assert all(r.failing == 0 for r in _run(ws, "clean", Clean))


# --- schema ------------------------------------------------------------------------------------


class Shape(Contract):
    id: Int64
    name: Text | None
    price: Money | None
    at: Timestamp | None


def _shape(**overrides: pa.Array) -> pa.Table:
    columns = {
        "id": pa.array([1], type=pa.int64()),
        "name": pa.array(["a"], type=pa.string()),
        "price": pa.array([Decimal("1.00")], type=pa.decimal128(18, 2)),
        "at": pa.array([None], type=pa.timestamp("us")),
    }
    columns.update(overrides)
    return pa.table(columns)


def test_schema_check_accepts_the_declared_shape(ws: Workspace) -> None:
    ws.load("shape", _shape())
    assert schema_problems(Shape, ws.table("shape").schema()) == []


def test_schema_check_reports_wrong_types(ws: Workspace) -> None:
    ws.load(
        "shape",
        _shape(
            id=pa.array([1], type=pa.int32()),
            price=pa.array([Decimal("1.00")], type=pa.decimal128(10, 2)),
            at=pa.array([None], type=pa.string()),
        ),
    )
    assert schema_problems(Shape, ws.table("shape").schema()) == [
        "column id is int32, declared int64",
        "column price is decimal(10, 2), declared decimal(18, 2)",
        "column at is string, declared timestamp",
    ]


def test_schema_check_reports_missing_and_unexpected_columns(ws: Workspace) -> None:
    ws.load("shape", _shape().drop_columns(["price"]).append_column("extra", pa.array([1])))
    assert schema_problems(Shape, ws.table("shape").schema()) == [
        "columns: missing price; unexpected extra"
    ]


def test_schema_check_reports_column_order(ws: Workspace) -> None:
    ws.load("shape", _shape().select(["name", "id", "price", "at"]))
    assert schema_problems(Shape, ws.table("shape").schema()) == [
        "column order is name, id, price, at; declared id, name, price, at"
    ]
