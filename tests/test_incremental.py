"""Incremental runs publish what a full refresh of the same sources publishes.

Every test here brings a target up to date incrementally and then compares it, table by table
and check by check, with a full refresh of the same sources into a second schema
(:func:`assert_same_as_full_refresh`). The sources start from a small hand-made shop
(:func:`shop`, about a thousand rows per source), big enough for a change to be a small share
of each source, as a day's changes are in production: a source that mostly changed is rebuilt
fully, which is not what these tests are about.
"""

from __future__ import annotations

import contextlib
import math
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

import transforms
from examples.generate import Clock, advance, generate, load
from tests.conftest import Workspace, _make_workspace
from transforms.engine.dialects import BUILD_PREFIX
from transforms.engine.state import TABLES as STATE_COLUMNS
from transforms.project import webshop

MODELS: list[str] = webshop().order
DECLARED = [m for m in MODELS if webshop().models[m].incremental is not None]
COLUMNS = {m: len(webshop().models[m].contract.columns()) for m in MODELS}
STATE_TABLES = ("model_state", "source_state", "source_buckets", "check_state")
TS = pa.timestamp("us")
MONEY = pa.decimal128(10, 2)
T0 = datetime(2026, 1, 5)  # a Monday

Rows = list[tuple[Any, ...]]

# Why a model builds fully, as the engine words it (transforms.engine.incremental.plan, and
# docs/decisions.md "A model builds whole"): kept here so a change of wording is one edit.
FIRST_RUN = "first run"
FULL_REFRESH = "--full-refresh"
NOT_DECLARED = "not incremental"
TABLE_MISSING = "table missing"
CODE_CHANGED = "code changed"
BEHIND = "behind its inputs"


def reads_full(upstream: str) -> str:
    return f"reads {upstream} (full)"


def mostly_changed(share: str, source: str) -> str:
    return f"{share} of {source} changed"


# --- a small shop, made by hand ---------------------------------------------------------------

N_CUSTOMERS = 1000
N_PRODUCTS = 1000
ACTIVE = 300  # customers 1..300 visit the shop; the others order by phone (no events)
UNKNOWN = [5001, 5002]  # customers with events and orders but no customer row
SHARED = {10: "pair@example.com", 11: " Pair@Example.com", 20: "trio@example.com"}
SHARED |= {21: "trio@example.com", 22: "TRIO@example.com\t"}
NO_EMAIL = {97, 194, 291, 388}
NO_PRICE = 7  # a product without a price


def email(i: int) -> str | None:
    if i in NO_EMAIL:
        return None
    return SHARED.get(i, f"user{i}@example.com")


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def price(i: int) -> Decimal:
    return money(1 + i % 50 + 0.99)


def shop(seed: int = 0) -> dict[str, pa.Table]:
    """The five sources of a small webshop, valid (warnings only), deterministic per seed.

    1,000 customers (shared and missing e-mails), 1,000 products (a tenth in two versions, one
    unpriced), about 4,100 events of 302 visitors in sessions (repeated deliveries, anonymous
    visitors, a few unknown event types), about 970 orders (a quarter placed in sessions, the
    rest by phone, a few of unknown customers, a few shipped after more than 90 days) and their
    1,100 lines (a few of unknown orders or products).
    """
    rng = random.Random(seed)
    ids = range(1, N_CUSTOMERS + 1)
    joined = [T0 - timedelta(days=60, minutes=i) for i in ids]
    customers = pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "first_name": [f" First{i}" if i % 50 == 0 else f"First{i}" for i in ids],
            "last_name": [None if i % 333 == 0 else f"Last{i}" for i in ids],
            "email": [email(i) for i in ids],
            "phone_number": [f"555-{100 + i % 900:03d}-{i:04d}" for i in ids],
            "created_at": pa.array(joined, TS),
            "updated_at": pa.array(joined, TS),
        }
    )
    product_rows = []
    for i in range(1, N_PRODUCTS + 1):
        created = T0 - timedelta(days=90)
        if i % 10 == 0:  # an older version at a lower price
            product_rows.append((i, f"Product {i}", "old", price(i) - 1, created, created))
        p = None if i == NO_PRICE else price(i)
        cat = ["kitchen", "food", "toys"][i % 3]
        product_rows.append((i, f"Product {i}", cat, p, created, created + timedelta(days=1)))
    products = _table(
        ["id", "name", "category", "price", "created_at", "updated_at"],
        product_rows,
        [pa.int64(), pa.string(), pa.string(), MONEY, TS, TS],
    )

    # sessions of the visitors: (time, customer, type, product, order placeholder)
    events: list[list[Any]] = []
    placed: list[tuple[datetime, int, list[int]]] = []  # (time, customer, products) per order
    for c in [*range(1, ACTIVE + 1), *UNKNOWN]:
        t = T0 + timedelta(minutes=rng.randrange(0, 3 * 24 * 60))
        for _ in range(rng.randint(1, 5)):
            t += timedelta(hours=rng.randint(3, 240))
            at = t
            events.append([at, c, "VISIT", None, None])
            cart: list[int] = []
            for _ in range(rng.randint(0, 6)):
                at += timedelta(seconds=rng.randint(1, 600))  # within the session
                kind = rng.choice(["SEARCH", "VIEW_PRODUCT", "ADD_PRODUCT_TO_CART"] * 2 + ["R"])
                product = rng.randint(1, 60)
                if kind == "SEARCH":
                    events.append([at, c, rng.choice(["SEARCH", " search "]), None, None])
                    continue
                if kind == "R":  # a product taken out of the cart again
                    if not cart:
                        continue
                    kind, product = "REMOVE_PRODUCT_FROM_CART", cart.pop()
                elif kind == "ADD_PRODUCT_TO_CART":
                    cart.append(product)
                events.append([at, c, kind, product, None])
            if cart and rng.random() < 0.6:
                at += timedelta(seconds=rng.randint(1, 300))
                events.append([at, c, "PLACE_ORDER", None, len(placed)])
                placed.append((at, c, cart))
            t = at
    for _ in range(400):  # anonymous visitors
        at = T0 + timedelta(seconds=rng.randrange(0, 56 * 24 * 3600))
        events.append([at, None, rng.choice(["VISIT", "VIEW_PRODUCT"]), rng.randint(1, 60), None])
    for i in rng.sample(range(len(events)), 7):  # a type the contract does not know (warn)
        events[i][2] = "CHECKOUT_STARTED"

    # orders: from the sessions, by phone
    for _ in range(700):
        at = T0 + timedelta(seconds=rng.randrange(0, 56 * 24 * 3600))
        placed.append((at, rng.randint(ACTIVE + 1, N_CUSTOMERS), [rng.randint(1, 900)]))
    for c in [*range(5001, 5008), *SHARED]:  # of unknown customers; of sharers of an address
        at = T0 + timedelta(seconds=rng.randrange(0, 56 * 24 * 3600))
        placed.append((at, c, [rng.randint(1, 900)]))
    by_time = sorted(range(len(placed)), key=lambda k: (placed[k][0], k))
    order_id = {k: n for n, k in enumerate(by_time, start=1)}
    order_rows, item_rows = [], []
    late = set(rng.sample(by_time, 6))  # shipped after more than 90 days (warn)
    for k in by_time:
        at, c, cart = placed[k]
        status = rng.choices(["SHIPPED", "PAID", "PLACED"], [70, 15, 15])[0]
        shipped = None
        if status == "SHIPPED":
            delay = timedelta(days=91 + rng.randint(0, 9)) if k in late else None
            shipped = at + (delay or timedelta(minutes=rng.randint(360, 14400)))
        spelled = rng.choice([status, status.lower(), f" {status.title()} "])
        order_rows.append((order_id[k], c, spelled, at, shipped, shipped or at))
        for product in cart:
            unit = price(product)
            quantity = rng.randint(1, 3)
            discount = money(float(unit) * quantity * 0.1) if rng.random() < 0.2 else None
            item_rows.append([order_id[k], product, quantity, unit, discount, at])
    for j in range(6):  # lines of an unknown order, lines of an unknown product (warn)
        item_rows.append([99_999, 3, 1, price(3), None, T0 + timedelta(days=j)])
        item_rows.append([j + 1, 5_000 + j, 1, money(9.99), None, T0 + timedelta(days=j)])
    orders = _table(
        ["id", "customer_id", "status", "created_at", "shipped_at", "updated_at"],
        order_rows,
        [pa.int64(), pa.int64(), pa.string(), TS, TS, TS],
    )
    orderitem = _table(
        ["id", "order_id", "product_id", "quantity", "unit_price", "discount", "created_at"],
        [(n, *row) for n, row in enumerate(item_rows, start=1)],
        [pa.int64(), pa.int64(), pa.int64(), pa.int32(), MONEY, MONEY, TS],
    )

    # event ids in time order; PLACE_ORDER events name their order; a few repeated deliveries
    events.sort(key=lambda e: (e[0], e[1] or 0))
    event_rows = []
    for n, (at, c, kind, product, order) in enumerate(events, start=1):
        oid = order_id[order] if order is not None else None
        event_rows.append((n, c, kind, product, oid, at))
        if rng.random() < 0.03:
            again = at + timedelta(seconds=rng.choice([0, 0, 30, 90, -20]))
            event_rows.append((n, c, kind.lower(), product, oid, again))
    events_table = _table(
        ["id", "customer_id", "event_type", "product_id", "order_id", "event_timestamp"],
        event_rows,
        [pa.int64(), pa.int64(), pa.string(), pa.int64(), pa.int64(), TS],
    )
    return {
        "customer": customers,
        "product": products,
        "orders": orders,
        "orderitem": orderitem,
        "events": events_table,
    }


def _table(names: list[str], rows: list[Any], types: list[pa.DataType]) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    return pa.table({n: pa.array(col, t) for n, col, t in zip(names, columns, types, strict=True)})


def base_sources() -> dict[str, pa.Table]:
    """:func:`shop` with the hand-made visitors of the session tests (section 2) beside."""
    tables = shop(0)
    rows = [
        (event_id(scenario, name), customer(scenario, slot), "VISIT", None, None, at(minute))
        for scenario in SCENARIOS
        for name, (slot, minute) in scenario.events.items()
    ]
    extra = _table(tables["events"].column_names, rows, list(tables["events"].schema.types))
    tables["events"] = pa.concat_tables([tables["events"], extra])
    return tables


def load_shop(ws: Workspace, **replace: pa.Table) -> None:
    for name, table in {**base_sources(), **replace}.items():
        ws.load(name, table)


# --- running and comparing ----------------------------------------------------------------------


def run(ws: Workspace, **kwargs: Any) -> transforms.RunResult:
    kwargs.setdefault("source_schema", ws.source_schema)
    kwargs.setdefault("target_schema", ws.target_schema)
    # one model at a time: two test processes share two cores already (the random shops run
    # increments two at a time, tests/test_parallel.py the rest of the scheduling)
    kwargs.setdefault("threads", 1)
    return transforms.build(ws.con, **kwargs)


def src(ws: Workspace, table: str) -> str:
    return ws.q(ws.source_schema, table)


def one(ws: Workspace, statement: str) -> Any:
    [(value,)] = ws.sql(statement)
    return value


def table_rows(ws: Workspace, schema: str, table: str, columns: int) -> Rows:
    """Every row, sorted by all ``columns`` in turn (by the engine: the same order for the
    same rows; every table's key comes before its floats)."""
    order = ", ".join(str(i) for i in range(1, columns + 1))
    return ws.sql(f"SELECT * FROM {ws.q(schema, table)} ORDER BY {order}")


def published(ws: Workspace, schema: str | None = None) -> dict[str, Rows]:
    """The 19 published tables of ``schema`` (default: the target), rows sorted."""
    schema = schema or ws.target_schema
    present = ws.dialect.list_tables(ws.con, schema)
    return {m: table_rows(ws, schema, m, COLUMNS[m]) for m in MODELS if m in present}


def state(ws: Workspace) -> dict[str, Rows]:
    """The incremental state of the target: the four tables of ``<target>_meta``."""
    meta = f"{ws.target_schema}_meta"
    return {t: table_rows(ws, meta, t, len(STATE_COLUMNS[t])) for t in STATE_TABLES}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (a != a and b != b)
    return type(a) is type(b) and a == b


def _same_row(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))


def _same_rows(a: list[Any], b: list[Any]) -> bool:
    return len(a) == len(b) and all(_same_row(x, y) for x, y in zip(a, b, strict=True))


def table_difference(name: str, got: Rows, want: Rows, few: int = 4) -> str | None:
    """None when the tables are the same (floats within 1e-9 relative), else what differs."""
    if _same_rows(got, want):
        return None
    extra = list((Counter(got) - Counter(want)).elements())
    missing = list((Counter(want) - Counter(got)).elements())
    return (
        f"{name}: {len(got)} rows incrementally, {len(want)} in the full refresh; "
        f"{len(extra)} only in the incremental table, e.g. {extra[:few]}; "
        f"{len(missing)} only in the full refresh, e.g. {missing[:few]}"
    )


def verdicts(result: transforms.RunResult) -> dict[tuple[str, str], tuple[int, list[Any]]]:
    return {(c.model, c.check): (c.failing, c.sample) for c in result.checks}


def verdict_differences(got: transforms.RunResult, want: transforms.RunResult) -> list[str]:
    mine, theirs = verdicts(got), verdicts(want)
    out = []
    for check in sorted(set(mine) | set(theirs)):
        if check not in mine or check not in theirs:
            out.append(f"check {check}: only in the {'incremental' if check in mine else 'full'}")
            continue
        (n, sample), (m, full_sample) = mine[check], theirs[check]
        if n != m:
            out.append(f"check {check}: {n} failing incrementally, {m} in the full refresh")
        elif not _same_rows(sample, full_sample):
            out.append(
                f"check {check}: same count {n}, other sample: {sample} "
                f"incrementally, {full_sample} in the full refresh"
            )
    return out


def full_refresh(ws: Workspace) -> transforms.RunResult:
    """A full refresh of the same sources into ``<target>_full`` (dropped with the workspace)."""
    return run(ws, target_schema=f"{ws.target_schema}_full", full_refresh=True)


def assert_same_as_full_refresh(
    ws: Workspace,
    result: transforms.RunResult,
    context: str = "",
    mine: dict[str, Rows] | None = None,
) -> None:
    """The target as ``result`` published it (``mine``, if read already) equals a full refresh
    of the same sources: every table row for row, every check's failing count and sample.
    ``context`` says what led there."""
    full = full_refresh(ws)
    assert {b.mode for b in full.builds} == {"full"}
    assert result.published == MODELS, result.published
    mine = mine or published(ws)
    theirs = published(ws, f"{ws.target_schema}_full")
    problems = [
        p for m in MODELS if (p := table_difference(m, mine.get(m, []), theirs[m])) is not None
    ]
    problems += [
        f"{b.name}: the run reports {b.rows} rows, the published table has {len(mine[b.name])}"
        for b in result.builds
        if b.name in mine and b.rows != len(mine[b.name])
    ]
    problems += verdict_differences(result, full)
    assert not problems, (
        f"{context}{': ' if context else ''}the incremental run differs from a full refresh "
        "of the same sources:\n" + "\n".join(problems)
    )


def assert_reported_changes(
    result: transforms.RunResult, before: dict[str, Rows], after: dict[str, Rows]
) -> None:
    """Each incremental build's inserted/deleted/kept are the rows that really came and went."""
    problems = []
    for b in result.builds:
        if b.mode != "incremental":
            continue
        came = sum((Counter(after[b.name]) - Counter(before[b.name])).values())
        went = sum((Counter(before[b.name]) - Counter(after[b.name])).values())
        if (b.inserted, b.deleted, b.kept) != (came, went, len(before[b.name]) - went):
            problems.append(
                f"{b.name}: reports inserted={b.inserted} deleted={b.deleted} kept={b.kept}, "
                f"the table gained {came} rows and lost {went} of {len(before[b.name])}"
            )
    assert not problems, "\n".join(problems)


def modes(result: transforms.RunResult) -> dict[str, tuple[str, str | None]]:
    return {b.name: (b.mode, b.reason) for b in result.builds}


def assert_incremental(result: transforms.RunResult, except_: dict[str, str] | None = None) -> None:
    """Every declared model built incrementally, but those of ``except_`` (model → reason);
    mart_sales (not declared) fully."""
    want = {m: ("incremental", None) for m in DECLARED}
    want |= {m: ("full", reason) for m, reason in (except_ or {}).items()}
    want["mart_sales"] = ("full", NOT_DECLARED)
    got = modes(result)
    wrong = {m: got.get(m) for m in MODELS if got.get(m) != want[m]}
    expected = {m: want[m] for m in wrong}
    assert not wrong, f"(mode, reason) of these models: expected {expected}, got {wrong}"


def changed(result: transforms.RunResult) -> set[str]:
    return {b.name for b in result.builds if b.mode == "incremental" and (b.inserted or b.deleted)}


# The shop loaded and built by a full run is where most tests start. It is made once per test
# process and engine, in schemas of its own (on DuckDB in a file of its own, attached), and
# each test starts from a copy of its tables — sources, published tables and incremental
# state — in the workspace's schemas: a full run less per test.
TEMPLATE = {"tpl_src": "source_schema", "tpl_an": "target_schema"}


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """engine → (its :class:`Started`, the template's URL), each made on first use."""
    made: dict[str, Any] = {}
    yield made
    if "postgres" in made:  # in the session's own database, which goes too: if it is still there
        with contextlib.suppress(Exception):
            maker = _make_workspace("postgres", made["postgres"][1], "")
            for schema in [*TEMPLATE, "tpl_an_meta"]:
                maker.sql(f"DROP SCHEMA IF EXISTS {maker.q(schema)} CASCADE")
            maker.con.disconnect()


@dataclass(frozen=True)
class Started:
    result: transforms.RunResult  # the full run that published the shop
    tables: dict[str, Rows]  # the tables it published


@pytest.fixture
def started(
    ws: Workspace, templates: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Started:
    """The workspace with the shop loaded and published by a full run."""
    if ws.engine not in templates:
        if ws.engine == "duckdb":
            path = tmp_path_factory.mktemp("template") / "shop.duckdb"
            maker = _make_workspace("duckdb", f"duckdb://{path}", "")
        else:
            maker = Workspace(ws.engine, ws.url, ws.con, ws.dialect, "", "")
        maker.source_schema, maker.target_schema = TEMPLATE
        load_shop(maker)
        first = run(maker)
        assert first.errors == []
        made = Started(first, published(maker))
        if ws.engine == "duckdb":
            maker.con.disconnect()
        templates[ws.engine] = (made, maker.url)
    made, url = templates[ws.engine]
    catalog: tuple[str, ...] = ()
    if ws.engine == "duckdb":
        ws.sql(f"ATTACH '{url.removeprefix('duckdb://')}' AS tpl (READ_ONLY)")
        catalog = ("tpl",)
    try:
        names = {t: getattr(ws, a) for t, a in TEMPLATE.items()}
        names["tpl_an_meta"] = f"{ws.target_schema}_meta"
        for template, schema in names.items():
            ws.dialect.ensure_schema(ws.con, schema)
            for table in sorted(ws.dialect.list_tables(ws.con, template)):
                ws.sql(
                    f"CREATE TABLE {ws.q(schema, table)} AS "
                    f"SELECT * FROM {ws.q(*catalog, template, table)}"
                )
    finally:
        if catalog:
            ws.sql("DETACH tpl")
    return made


# --- 1. each kind of source change alone ---------------------------------------------------------
# Each change is SQL on the sources, as the webshop (or a repair script) would make it.

Change = Callable[[Workspace], None]


def newest_visit(ws: Workspace) -> tuple[int, str]:
    """The newest event of a known visitor: (the visitor, its timestamp as a literal)."""
    ev = src(ws, "events")
    [(visitor, stamp)] = ws.sql(
        f"SELECT customer_id, event_timestamp FROM {ev} WHERE customer_id IS NOT NULL "
        "ORDER BY event_timestamp DESC, id DESC LIMIT 1"
    )
    return int(visitor), f"TIMESTAMP '{stamp}'"


def insert_event(ws: Workspace, customer: Any, kind: str, product: Any, at: str) -> None:
    ev = src(ws, "events")
    ws.sql(
        f"INSERT INTO {ev} SELECT max(id) + 1, {customer}, '{kind}', {product}, NULL, {at} "
        f"FROM {ev}"
    )


def new_event(ws: Workspace) -> None:
    newest = f"(SELECT max(event_timestamp) FROM {src(ws, 'events')})"
    insert_event(ws, 7, "VIEW_PRODUCT", 12, f"{newest} + INTERVAL '1 minute'")


def late_event_by_minutes(ws: Workspace) -> None:
    visitor, stamp = newest_visit(ws)
    insert_event(ws, visitor, "ADD_PRODUCT_TO_CART", 3, f"{stamp} - INTERVAL '7 minutes'")


def late_event_by_three_weeks(ws: Workspace) -> None:
    visitor, stamp = newest_visit(ws)
    insert_event(ws, visitor, "ADD_PRODUCT_TO_CART", 4, f"{stamp} - INTERVAL '21 days'")


def event_older_than_everything(ws: Workspace) -> None:
    oldest = f"(SELECT min(event_timestamp) FROM {src(ws, 'events')})"
    insert_event(ws, 8, "VISIT", "NULL", f"{oldest} - INTERVAL '30 days'")


def redeliver(ws: Workspace, shift: str) -> None:
    """Deliver again the first delivery of a visitor's event, its timestamp moved by ``shift``."""
    ev = src(ws, "events")
    target = f"(SELECT min(id) FROM {ev} WHERE id >= 2000 AND customer_id IS NOT NULL)"
    ws.sql(
        f"INSERT INTO {ev} SELECT id, customer_id, lower(event_type), product_id, order_id, "
        f"event_timestamp + {shift} FROM {ev} WHERE id = {target} "
        "ORDER BY event_timestamp LIMIT 1"
    )


def repeat_with_earlier_timestamp(ws: Workspace) -> None:
    redeliver(ws, "INTERVAL '-2 minutes'")


def repeats_with_later_or_the_same_timestamp(ws: Workspace) -> None:
    redeliver(ws, "INTERVAL '5 minutes'")  # loses the de-duplication: nothing changes
    redeliver(ws, "INTERVAL '0 seconds'")  # the same delivery again


def earlier_repeat_of_anonymous_event_names_its_visitor(ws: Workspace) -> None:
    ev = src(ws, "events")
    target = f"(SELECT min(id) FROM {ev} WHERE id >= 2000 AND customer_id IS NULL)"
    ws.sql(
        f"INSERT INTO {ev} SELECT id, 9, event_type, product_id, order_id, "
        f"event_timestamp - INTERVAL '1 second' FROM {ev} WHERE id = {target} "
        "ORDER BY event_timestamp LIMIT 1"
    )


def status_change(ws: Workspace) -> None:
    o = src(ws, "orders")
    ws.sql(
        f"UPDATE {o} SET status = 'SHIPPED', shipped_at = created_at + INTERVAL '2 days', "
        "updated_at = created_at + INTERVAL '2 days' "
        f"WHERE id = (SELECT min(id) FROM {o} WHERE upper(trim(status)) = 'PAID' AND id > 500)"
    )


def new_order_with_lines(ws: Workspace) -> None:
    visitor, stamp = newest_visit(ws)  # placed in the visitor's last session
    o, i = src(ws, "orders"), src(ws, "orderitem")
    ws.sql(
        f"INSERT INTO {o} SELECT max(id) + 1, {visitor}, 'PLACED', {stamp}, NULL, {stamp} FROM {o}"
    )
    for product, quantity in [(3, 2), (NO_PRICE, 1)]:
        ws.sql(
            f"INSERT INTO {i} SELECT max(id) + 1, (SELECT max(id) FROM {o}), {product}, "
            f"{quantity}, 4.99, NULL, {stamp} FROM {i}"
        )


def new_line_for_an_old_order(ws: Workspace) -> None:
    i = src(ws, "orderitem")
    ws.sql(
        f"INSERT INTO {i} SELECT max(id) + 1, 5, 12, 2, 13.99, 1.50, "
        f"TIMESTAMP '{T0 + timedelta(days=3)}' FROM {i}"
    )


def carted_product(ws: Workspace) -> int:
    """A product added to carts in several past sessions."""
    ev = src(ws, "events")
    return int(
        one(
            ws,
            f"SELECT product_id FROM {ev} WHERE event_type = 'ADD_PRODUCT_TO_CART' "
            "GROUP BY product_id ORDER BY count(*) DESC, product_id LIMIT 1",
        )
    )


def new_product_version(ws: Workspace) -> None:
    p = src(ws, "product")
    ws.sql(
        f"INSERT INTO {p} SELECT id, name, category, price + 10, created_at, "
        f"updated_at + INTERVAL '30 days' FROM {p} WHERE id = {carted_product(ws)} "
        "ORDER BY updated_at DESC LIMIT 1"
    )


def set_email(ws: Workspace, customer: int, value: str | None) -> None:
    """A customer's e-mail changed, and its updated_at with it."""
    literal = "NULL" if value is None else f"'{value}'"
    ws.sql(
        f"UPDATE {src(ws, 'customer')} SET email = {literal}, "
        f"updated_at = updated_at + INTERVAL '61 days' WHERE id = {customer}"
    )


def email_change_leaves_a_shared_address(ws: Workspace) -> None:
    set_email(ws, 11, "eleven@example.com")  # customer 10's address is no longer shared


def email_change_to_another_customers_address(ws: Workspace) -> None:
    set_email(ws, 30, " USER31@example.com")  # customer 31's address becomes shared


def email_change_to_null(ws: Workspace) -> None:
    set_email(ws, 21, None)  # of three sharing an address, two are left


def new_customer(ws: Workspace) -> None:
    at = f"TIMESTAMP '{T0 + timedelta(days=20)}'"
    ws.sql(
        f"INSERT INTO {src(ws, 'customer')} VALUES "
        f"(1001, 'New', 'Person', 'new@example.com', '(555) 123-1001', {at}, {at})"
    )


def new_customer_with_earlier_orders(ws: Workspace) -> None:
    at = f"TIMESTAMP '{T0 + timedelta(days=20)}'"
    ws.sql(
        f"INSERT INTO {src(ws, 'customer')} VALUES "
        f"(5001, 'Late', 'Signup', 'user1@example.com', NULL, {at}, {at})"
    )


def order_of_another_customer(ws: Workspace) -> None:
    o = src(ws, "orders")
    ws.sql(
        f"UPDATE {o} SET customer_id = customer_id + 1, "
        "updated_at = updated_at + INTERVAL '1 hour' "
        f"WHERE id = (SELECT min(id) FROM {o} WHERE customer_id <= {ACTIVE})"
    )


def order_placed_a_week_earlier(ws: Workspace) -> None:
    o = src(ws, "orders")
    ws.sql(
        f"UPDATE {o} SET created_at = created_at - INTERVAL '7 days', "
        "updated_at = updated_at + INTERVAL '1 hour' "
        f"WHERE id = (SELECT min(id) FROM {o} WHERE upper(trim(status)) = 'SHIPPED' AND id > 300)"
    )


def deleted_event(ws: Workspace) -> None:
    ev = src(ws, "events")
    ws.sql(
        f"DELETE FROM {ev} WHERE id = "
        f"(SELECT min(id) FROM {ev} WHERE id >= 1500 AND customer_id IS NOT NULL)"
    )


def deleted_order(ws: Workspace) -> None:
    o, i = src(ws, "orders"), src(ws, "orderitem")
    ws.sql(
        f"DELETE FROM {o} WHERE id = (SELECT min(order_id) FROM {i} WHERE order_id > 400 "
        f"AND order_id IN (SELECT id FROM {o} WHERE upper(trim(status)) = 'SHIPPED'))"
    )  # its lines stay behind, of an unknown order now


def deleted_customer(ws: Workspace) -> None:
    ws.sql(f"DELETE FROM {src(ws, 'customer')} WHERE id = 11")  # has orders; shares an address


def deleted_product(ws: Workspace) -> None:
    ws.sql(f"DELETE FROM {src(ws, 'product')} WHERE id = {carted_product(ws)}")  # every version


def name_change_of_a_customer_without_email(ws: Workspace) -> None:
    ws.sql(
        f"UPDATE {src(ws, 'customer')} SET last_name = 'Renamed', "
        f"updated_at = updated_at + INTERVAL '1 day' WHERE id = {min(NO_EMAIL)}"
    )


def events_reloaded_as_they_were(ws: Workspace) -> None:
    """The whole table written again, the same rows in another order: nothing changed."""
    ev, copy = src(ws, "events"), src(ws, "events_copy")
    ws.sql(f"CREATE TABLE {copy} AS SELECT * FROM {ev}")
    ws.sql(f"DELETE FROM {ev}")
    ws.sql(f"INSERT INTO {ev} SELECT * FROM {copy} ORDER BY event_timestamp DESC, id")
    ws.sql(f"DROP TABLE {copy}")


def customer_changed_without_updated_at(ws: Workspace) -> None:
    ws.sql(f"UPDATE {src(ws, 'customer')} SET first_name = 'Zed', email = NULL WHERE id = 40")


def order_changed_without_updated_at(ws: Workspace) -> None:
    o = src(ws, "orders")
    ws.sql(
        f"UPDATE {o} SET status = 'placed', shipped_at = NULL "
        f"WHERE id = (SELECT min(id) FROM {o} WHERE upper(trim(status)) = 'SHIPPED' AND id > 600)"
    )


def product_changed_without_updated_at(ws: Workspace) -> None:
    p = src(ws, "product")
    ws.sql(f"UPDATE {p} SET price = price + 1 WHERE id = {carted_product(ws)}")


def event_changed_in_place(ws: Workspace) -> None:
    ev = src(ws, "events")
    ws.sql(
        f"UPDATE {ev} SET event_type = 'ADD_PRODUCT_TO_CART', product_id = 3, "
        "event_timestamp = event_timestamp + INTERVAL '40 minutes' "
        f"WHERE id = (SELECT min(id) FROM {ev} WHERE id >= 3000 AND customer_id IS NOT NULL)"
    )


# change → the models its effect must reach (inserted or deleted rows)
CHANGES: dict[Change, set[str]] = {
    new_event: {"stg_events", "fct_events", "int_session", "int_session_bounds"},
    late_event_by_minutes: {"stg_events", "int_session", "int_cart_value"},
    late_event_by_three_weeks: {"stg_events", "int_session", "int_session_bounds"},
    event_older_than_everything: {"stg_events", "int_session", "int_session_bounds"},
    repeat_with_earlier_timestamp: {"stg_events", "fct_events", "int_session"},
    repeats_with_later_or_the_same_timestamp: set(),
    earlier_repeat_of_anonymous_event_names_its_visitor: {"stg_events", "fct_events"},
    status_change: {"stg_orders", "fct_orders", "int_order_fulfillment", "order_fulfillment"},
    new_order_with_lines: {"stg_orders", "stg_orderitem", "fct_orders", "fct_orderitem"},
    new_line_for_an_old_order: {"stg_orderitem", "fct_orderitem", "fct_orders"},
    new_product_version: {"stg_product", "dim_product", "int_cart_value"},
    email_change_leaves_a_shared_address: {"stg_customer", "dim_customer"},
    email_change_to_another_customers_address: {"stg_customer", "dim_customer"},
    email_change_to_null: {"stg_customer", "dim_customer"},
    new_customer: {"stg_customer", "dim_customer"},
    new_customer_with_earlier_orders: {"stg_customer", "dim_customer"},
    order_of_another_customer: {"stg_orders", "fct_orders", "fct_orderitem"},
    order_placed_a_week_earlier: {"fct_orders", "int_order_fulfillment", "order_fulfillment"},
    deleted_event: {"stg_events", "fct_events", "int_session"},
    deleted_order: {"stg_orders", "fct_orders", "fct_orderitem", "int_order_fulfillment"},
    deleted_customer: {"stg_customer", "dim_customer"},
    deleted_product: {"stg_product", "dim_product", "int_cart_value"},
    name_change_of_a_customer_without_email: {"stg_customer", "dim_customer"},
    events_reloaded_as_they_were: set(),
    customer_changed_without_updated_at: {"stg_customer", "dim_customer"},
    order_changed_without_updated_at: {"stg_orders", "fct_orders", "int_order_fulfillment"},
    product_changed_without_updated_at: {"stg_product", "dim_product", "int_cart_value"},
    event_changed_in_place: {"stg_events", "int_session", "int_cart_value"},
}


@pytest.mark.parametrize("change", list(CHANGES), ids=lambda c: c.__name__)
def test_each_source_change_alone_matches_a_full_refresh(
    ws: Workspace, started: Started, change: Change
) -> None:
    before = started.tables
    change(ws)
    result = run(ws)
    assert_incremental(result)
    after = published(ws)
    assert_reported_changes(result, before, after)
    missed = CHANGES[change] - changed(result)
    assert not missed, f"{change.__name__} did not reach {sorted(missed)}: {modes(result)}"
    if not CHANGES[change]:
        assert after == before
    assert_same_as_full_refresh(ws, result, change.__name__, after)


# --- 2. sessions, computed by hand ------------------------------------------------------------
# Each scenario has two visitors of its own (beside the shop, which keeps every change a small
# share of the events): their first events, the sessions they make, and the steps that change
# them, one a run, with the sessions after it. Sessions are lists of event names in time order;
# minutes count from SESSIONS_AT; an added event gets the next free id.

SESSIONS_AT = T0 + timedelta(days=30)
Sessions = dict[int, list[list[str]]]  # visitor slot (0, 1) → sessions, each its events
Action = tuple[Any, ...]  # ("add", name, slot, minute) | ("repeat", name, minute[, slot])
#                          | ("delete", name)


class Scenario:
    def __init__(
        self,
        name: str,
        events: dict[str, tuple[int, int]],
        sessions: Sessions,
        steps: list[tuple[list[Action], Sessions]],
    ) -> None:
        self.name, self.events, self.sessions, self.steps = name, events, sessions, steps
        self.index = len(SCENARIOS)
        SCENARIOS.append(self)


SCENARIOS: list[Scenario] = []


def at(minute: int) -> datetime:
    return SESSIONS_AT + timedelta(minutes=minute)


def customer(scenario: Scenario, slot: int) -> int:
    return 9000 + 10 * scenario.index + slot


def event_id(scenario: Scenario, name: str) -> int:
    """The ids of the scenarios' first events follow the shop's own."""
    return shop_events_max() + 1 + 20 * scenario.index + list(scenario.events).index(name)


_MAX: list[int] = []


def shop_events_max() -> int:
    if not _MAX:
        import pyarrow.compute as pc

        _MAX.append(int(pc.max(shop(0)["events"]["id"]).as_py()))
    return _MAX[0]


Scenario(
    "a late event bridges two sessions (gaps of exactly 30:00 and 20:00); later ones renumber",
    {"a": (0, 0), "b": (0, 10), "c": (0, 60), "d": (0, 65), "e": (0, 180), "f": (1, 0)},
    {0: [["a", "b"], ["c", "d"], ["e"]], 1: [["f"]]},
    [([("add", "h", 0, 40)], {0: [["a", "b", "h", "c", "d"], ["e"]], 1: [["f"]]})],
)
Scenario(
    "a deleted event splits its session in two",
    {"a": (0, 0), "b": (0, 25), "c": (0, 50), "d": (0, 120)},
    {0: [["a", "b", "c"], ["d"]]},
    [([("delete", "b")], {0: [["a"], ["c"], ["d"]]})],
)
Scenario(
    "an earlier repeat of an event moves it out of its session, which splits",
    {"a": (0, 0), "b": (0, 25), "c": (0, 50), "d": (0, 120)},
    {0: [["a", "b", "c"], ["d"]]},
    [([("repeat", "b", -40)], {0: [["b"], ["a"], ["c"], ["d"]]})],
)
Scenario(
    "a session spans the runs: its events arrive in three batches, the last one late",
    {"a": (0, 0), "b": (0, 10)},
    {0: [["a", "b"]]},
    [
        ([("add", "c", 0, 20), ("add", "d", 0, 45)], {0: [["a", "b", "c", "d"]]}),
        ([("add", "e", 0, 90)], {0: [["a", "b", "c", "d"], ["e"]]}),
        ([("add", "f", 0, 70)], {0: [["a", "b", "c", "d", "f", "e"]]}),
    ],
)
Scenario(
    "a repeat with an earlier timestamp wins: its event joins the session before, the next "
    "event starts one; a later repeat changes nothing",
    {"a": (0, 0), "b": (0, 10), "c": (0, 60), "d": (0, 65), "e": (0, 180)},
    {0: [["a", "b"], ["c", "d"], ["e"]]},
    [
        ([("repeat", "c", 30)], {0: [["a", "b", "c"], ["d"], ["e"]]}),
        ([("repeat", "a", 5), ("repeat", "e", 180)], {0: [["a", "b", "c"], ["d"], ["e"]]}),
    ],
)
Scenario(
    "an event three weeks late opens a session before all others: every one renumbers",
    {"a": (0, 0), "b": (0, 10), "c": (0, 60)},
    {0: [["a", "b"], ["c"]]},
    [([("add", "z", 0, -21 * 24 * 60)], {0: [["z"], ["a", "b"], ["c"]]})],
)
Scenario(
    "an earlier repeat names another visitor: the event moves between them",
    {"a": (0, 0), "b": (0, 10), "c": (0, 20), "f": (1, 15)},
    {0: [["a", "b", "c"]], 1: [["f"]]},
    [([("repeat", "b", 9, 1)], {0: [["a", "c"]], 1: [["b", "f"]]})],
)


def session_rows(ws: Workspace, scenario: Scenario) -> Rows:
    visitors = ", ".join(str(customer(scenario, slot)) for slot in (0, 1))
    return ws.sql(
        f"SELECT event_id, customer_id, session_number, session_id "
        f"FROM {ws.q(ws.target_schema, 'int_session')} WHERE customer_id IN ({visitors}) "
        "ORDER BY customer_id, event_at, event_id"
    )


def expected_sessions(scenario: Scenario, sessions: Sessions, ids: dict[str, int]) -> Rows:
    rows = []
    for slot in sorted(sessions):
        c = customer(scenario, slot)
        for n, names in enumerate(sessions[slot], start=1):
            rows += [(ids[name], c, n, f"{c}-{n}") for name in names]
    return rows


def apply(ws: Workspace, scenario: Scenario, action: Action, ids: dict[str, int]) -> None:
    ev = src(ws, "events")
    match action:
        case ("add", name, slot, minute):
            ids[name] = int(one(ws, f"SELECT max(id) + 1 FROM {ev}"))
            ws.sql(
                f"INSERT INTO {ev} VALUES ({ids[name]}, {customer(scenario, slot)}, 'VISIT', "
                f"NULL, NULL, TIMESTAMP '{at(minute)}')"
            )
        case ("repeat", name, minute, *slot):
            who = customer(scenario, slot[0]) if slot else "customer_id"
            ws.sql(
                f"INSERT INTO {ev} SELECT id, {who}, ' visit', product_id, order_id, "
                f"TIMESTAMP '{at(minute)}' FROM {ev} WHERE id = {ids[name]} "
                "ORDER BY event_timestamp LIMIT 1"
            )
        case ("delete", name):
            ws.sql(f"DELETE FROM {ev} WHERE id = {ids[name]}")
        case _:
            raise AssertionError(f"unknown action {action}")


@pytest.mark.usefixtures("started")
def test_sessions_computed_by_hand(ws: Workspace) -> None:
    """All scenarios at once (their visitors are apart): run n brings each one's n-th step."""
    ids = {s.index: {name: event_id(s, name) for name in s.events} for s in SCENARIOS}

    def wrong(run_number: int) -> list[str]:
        out = []
        for s in SCENARIOS:
            steps = [s.sessions] + [sessions for _, sessions in s.steps]
            sessions = steps[min(run_number, len(steps) - 1)]
            got, want = session_rows(ws, s), expected_sessions(s, sessions, ids[s.index])
            if got != want:
                out.append(f"{s.name}, after run {run_number}: int_session has {got}, not {want}")
        return out

    assert wrong(0) == []
    for n in range(1, max(len(s.steps) for s in SCENARIOS) + 1):
        for s in SCENARIOS:
            for action in s.steps[n - 1][0] if n <= len(s.steps) else []:
                apply(ws, s, action, ids[s.index])
        result = run(ws)
        assert_incremental(result)
        problems = wrong(n)
        assert not problems, "(event_id, customer_id, session_number, session_id):\n" + "\n".join(
            problems
        )
        assert_same_as_full_refresh(ws, result)


# --- 3. random shops over time -----------------------------------------------------------------
# Example shops as of a random day, advanced in place in three batches of random lengths (the
# generator's own inserts and updates: late and repeated deliveries, status changes, lines
# for old orders, product versions, customer updates), each batch with a few random changes
# of ours on top; after every incremental run the target equals a full refresh.

PROPERTY_SCALE = 0.01
FAR = {"events": 90_000_000, "orders": 9_000_000, "orderitem": 90_000_000}  # ids of our rows


class RandomChanges:
    """Random changes to an example shop, valid for the contracts (warnings allowed)."""

    def __init__(self, ws: Workspace, rng: random.Random) -> None:
        self.ws, self.rng = ws, rng
        self.next_id = dict(FAR)

    def pick(self, table: str, where: str = "TRUE", columns: str = "id") -> tuple[Any, ...] | None:
        t = src(self.ws, table)
        n = int(one(self.ws, f"SELECT count(*) FROM {t} WHERE {where}"))
        if n == 0:
            return None
        return self.ws.sql(
            f"SELECT {columns} FROM {t} WHERE {where} ORDER BY id, {columns} "
            f"LIMIT 1 OFFSET {self.rng.randrange(n)}"
        )[0]

    def new_id(self, table: str) -> int:
        self.next_id[table] += 1
        return self.next_id[table]

    def stamp(self, table: str = "events", column: str = "event_timestamp") -> str:
        """A random moment within the span of ``table.column``."""
        t = src(self.ws, table)
        [(lo, hi)] = self.ws.sql(f"SELECT min({column}), max({column}) FROM {t}")
        return f"TIMESTAMP '{lo + (hi - lo) * self.rng.random()}'"

    def apply(self, n: int) -> list[str]:
        kinds = [
            self.repeated_deliveries,
            self.late_event,
            self.status_change,
            self.product_version,
            self.email_change,
            self.delete,
            self.silent_change,
            self.new_order,
        ]
        done = []
        for _ in range(n):
            kind = self.rng.choice(kinds)
            kind()
            done.append(kind.__name__)
        return done

    def repeated_deliveries(self) -> None:
        """A few events delivered again, shuffled, earlier or later, some naming a visitor."""
        ev = src(self.ws, "events")
        picked = [self.pick("events") for _ in range(self.rng.randint(1, 4))]
        self.rng.shuffle(picked)
        for row in picked:
            assert row is not None
            seconds = self.rng.choice([0, -1, 1, -600, 900, -3 * 3600, 7 * 24 * 3600])
            who = self.rng.choice(
                ["customer_id", "customer_id", "NULL", str(self.rng.randint(1, 60))]
            )
            kind = self.rng.choice(["event_type", "lower(event_type)", "' ' || event_type"])
            self.ws.sql(
                f"INSERT INTO {ev} SELECT id, {who}, {kind}, product_id, order_id, "
                f"event_timestamp + INTERVAL '{seconds} seconds' FROM {ev} WHERE id = {row[0]} "
                "ORDER BY event_timestamp LIMIT 1"
            )

    def late_event(self) -> None:
        ev = src(self.ws, "events")
        visitor = self.pick("events", "customer_id IS NOT NULL", "customer_id")
        assert visitor is not None
        kind = self.rng.choice(["VISIT", "ADD_PRODUCT_TO_CART", "PLACE_ORDER", "CHECKOUT"])
        product = self.rng.choice(["NULL", str(self.rng.randint(1001, 1030))])
        self.ws.sql(
            f"INSERT INTO {ev} VALUES ({self.new_id('events')}, {visitor[0]}, '{kind}', "
            f"{product}, NULL, {self.stamp()})"
        )

    def status_change(self) -> None:
        row = self.pick("orders")
        assert row is not None
        status, shipped = self.rng.choice(
            [
                ("'PAID'", "NULL"),
                ("' placed'", "NULL"),
                ("'Shipped '", "created_at + INTERVAL '30 hours'"),
                ("'SHIPPED'", "created_at + INTERVAL '95 days'"),
            ]
        )
        self.ws.sql(
            f"UPDATE {src(self.ws, 'orders')} SET status = {status}, shipped_at = {shipped}, "
            f"updated_at = updated_at + INTERVAL '1 hour' WHERE id = {row[0]}"
        )

    def product_version(self) -> None:
        p = src(self.ws, "product")
        row = self.pick("product")
        assert row is not None
        price = self.rng.choice(
            ["CAST(price * 1.1 AS NUMERIC(10, 2))", "GREATEST(price - 0.5, 0)", "NULL", "price"]
        )
        later = self.rng.choice(["INTERVAL '1 day'", "INTERVAL '0 seconds'"])  # 0: a tie
        self.ws.sql(
            f"INSERT INTO {p} SELECT id, name, category, {price}, created_at, "
            f"updated_at + {later} FROM {p} WHERE id = {row[0]} "
            "ORDER BY updated_at DESC, price DESC LIMIT 1"
        )

    def email_change(self) -> None:
        c = src(self.ws, "customer")
        mine, theirs = self.pick("customer"), self.pick("customer")
        assert mine is not None and theirs is not None
        value = self.rng.choice(
            [
                "NULL",
                "'someone.new@example.com'",
                f"(SELECT ' ' || upper(max(email)) FROM {c} WHERE id = {theirs[0]})",
            ]
        )
        self.ws.sql(
            f"UPDATE {src(self.ws, 'customer')} SET email = {value}, "
            f"updated_at = updated_at + INTERVAL '1 hour' WHERE id = {mine[0]}"
        )

    def delete(self) -> None:
        table = self.rng.choice(["events", "events", "orders", "customer", "orderitem", "product"])
        row = self.pick(table)
        assert row is not None
        self.ws.sql(f"DELETE FROM {src(self.ws, table)} WHERE id = {row[0]}")

    def silent_change(self) -> None:
        """A row changed without its updated_at (or any timestamp) saying so."""
        table, assignment = self.rng.choice(
            [
                ("customer", "phone_number = '+1 (555) 000-1234', first_name = ' Zoë'"),
                ("orderitem", "quantity = quantity + 1"),
                ("orders", "customer_id = customer_id + 1"),
                ("orders", "customer_id = NULL"),
                ("events", "event_type = 'ADD_PRODUCT_TO_CART', product_id = 1001"),
            ]
        )
        row = self.pick(table)
        assert row is not None
        self.ws.sql(f"UPDATE {src(self.ws, table)} SET {assignment} WHERE id = {row[0]}")

    def new_order(self) -> None:
        visitor = self.pick("events", "customer_id IS NOT NULL", "customer_id")
        assert visitor is not None
        order, placed = self.new_id("orders"), self.stamp("orders", "created_at")
        self.ws.sql(
            f"INSERT INTO {src(self.ws, 'orders')} VALUES "
            f"({order}, {visitor[0]}, 'PLACED', {placed}, NULL, {placed})"
        )
        for _ in range(self.rng.randint(0, 3)):
            self.ws.sql(
                f"INSERT INTO {src(self.ws, 'orderitem')} VALUES ({self.new_id('orderitem')}, "
                f"{order}, {self.rng.randint(1001, 1025)}, 2, 9.99, 0.99, {placed})"
            )


def pad(ws: Workspace) -> None:
    """Customers, products and orders that never change, with ids far above the shop's: its
    own rows become a small share of those sources (only in half of the random shops)."""
    n = 600
    when = [T0 + timedelta(hours=k) for k in range(n)]
    for table, columns in {
        "customer": {
            "id": pa.array(range(100_000, 100_000 + n), pa.int64()),
            "first_name": ["Pad"] * n,
            "last_name": [f"Row{k}" for k in range(n)],
            "email": [f"pad{k}@example.com" for k in range(n)],
            "phone_number": [None] * n,
            "created_at": pa.array(when, TS),
            "updated_at": pa.array(when, TS),
        },
        "product": {
            "id": pa.array(range(900_000, 900_000 + n), pa.int64()),
            "name": [f"Pad {k}" for k in range(n)],
            "category": ["pad"] * n,
            "price": pa.array([Decimal("1.00")] * n, MONEY),
            "created_at": pa.array(when, TS),
            "updated_at": pa.array(when, TS),
        },
        "orders": {
            "id": pa.array(range(8_000_000, 8_000_000 + n), pa.int64()),
            "customer_id": pa.array(range(100_000, 100_000 + n), pa.int64()),
            "status": ["PAID"] * n,
            "created_at": pa.array(when, TS),
            "shipped_at": pa.array([None] * n, TS),
            "updated_at": pa.array(when, TS),
        },
    }.items():
        ws.load(f"pad_{table}", columns)
        ws.sql(f"INSERT INTO {src(ws, table)} SELECT * FROM {src(ws, f'pad_{table}')}")
        ws.sql(f"DROP TABLE {src(ws, f'pad_{table}')}")


def _property_cases() -> list[Any]:
    # Four shops on DuckDB and two on PostgreSQL in the suite (more seeds were run by hand:
    # 60, at scale 0.05 too, and with 4 threads, without a failure); each takes 4-6 s.
    cases = [
        pytest.param("duckdb", seed, marks=[pytest.mark.duckdb, *[pytest.mark.slow] * (seed > 2)])
        for seed in range(1, 5)
    ]
    cases += [
        pytest.param("postgres", seed, marks=[pytest.mark.postgres, pytest.mark.slow])
        for seed in (1, 2)
    ]
    return cases


@pytest.mark.parametrize(("engine", "seed"), _property_cases())
def test_random_shops_over_time_match_a_full_refresh(ws: Workspace, seed: int) -> None:
    rng = random.Random(seed)
    moment = datetime(2025, 12, 1) + timedelta(hours=rng.randrange(0, 120 * 24))
    tables = generate(PROPERTY_SCALE, seed, as_of=moment)
    load(ws.con, ws.dialect, ws.source_schema, tables, replace=True,
         clock=Clock.of(PROPERTY_SCALE, seed, moment))  # fmt: skip
    if seed % 2:
        pad(ws)
    assert run(ws, threads=2).errors == []
    changes = RandomChanges(ws, rng)
    for batch in range(1, 4):
        moment += timedelta(hours=rng.randint(1, 96))
        advance(ws.con, ws.dialect, ws.source_schema, moment)
        done = changes.apply(rng.randint(1, 4))
        result = run(ws, threads=2)
        context = f"seed {seed}, batch {batch} (the shop advanced to {moment}, then {done})"
        assert_same_as_full_refresh(ws, result, context)


# --- 4. a failed or killed incremental run changes nothing --------------------------------------


def assert_no_build_leftovers(ws: Workspace) -> None:
    assert not [t for t in ws.dialect.list_tables(ws.con, ws.target_schema) if BUILD_PREFIX in t]
    assert not [s for s in ws.dialect.list_schemas(ws.con) if s.startswith(ws.target_schema + "__")]


def duplicate_customer_id(ws: Workspace) -> tuple[str, str]:
    at = f"TIMESTAMP '{T0}'"
    c = src(ws, "customer")
    ws.sql(f"INSERT INTO {c} VALUES (5, 'Dup', 'Licate', NULL, NULL, {at}, {at})")
    return (
        f"DELETE FROM {c} WHERE id = 5 AND first_name = 'Dup'",
        "stg_customer: customer_id unique",
    )


def order_without_created_at(ws: Workspace) -> tuple[str, str]:
    o = src(ws, "orders")
    ws.sql(
        f"INSERT INTO {o} SELECT max(id) + 1, 3, 'PLACED', NULL, NULL, TIMESTAMP '{T0}' FROM {o}"
    )
    fix = f"UPDATE {o} SET created_at = updated_at WHERE created_at IS NULL"
    return fix, "stg_orders: placed_at not null"


@pytest.mark.parametrize("plant", [duplicate_customer_id, order_without_created_at])
@pytest.mark.usefixtures("started")
def test_an_error_in_a_new_batch_publishes_nothing_and_keeps_the_state(
    ws: Workspace, plant: Callable[[Workspace], tuple[str, str]]
) -> None:
    tables, kept = published(ws), state(ws)
    new_event(ws)  # good changes in the same batch
    status_change(ws)
    fix, check = plant(ws)
    with pytest.raises(transforms.ContractError) as info:
        run(ws)
    assert {f"{r.model}: {r.check}" for r in info.value.results if r.is_error} == {check}
    assert published(ws) == tables
    assert state(ws) == kept
    assert_no_build_leftovers(ws)

    ws.sql(fix)
    result = run(ws)
    assert_incremental(result)
    assert_same_as_full_refresh(ws, result)


KILL_AFTER_STAGING = """
import os, signal, sys
import transforms

class KillAfterStaging:
    def info(self, message): pass
    def model_built(self, build):
        print(build.name, build.mode, flush=True)
    def run_finished(self, result): pass
    def layer_checked(self, layer, results, seconds):
        if layer == "staging":
            os.kill(os.getpid(), signal.SIGKILL)  # as if the machine died before publishing

transforms.build(sys.argv[1], source_schema=sys.argv[2], target_schema=sys.argv[3],
                 reporter=KillAfterStaging())
"""


@pytest.mark.usefixtures("started")
def test_a_killed_incremental_run_changes_nothing_and_the_next_run_catches_up(
    ws: Workspace,
) -> None:
    tables, kept = published(ws), state(ws)
    late_event_by_minutes(ws)
    new_order_with_lines(ws)
    email_change_leaves_a_shared_address(ws)
    ws.con.disconnect()  # a DuckDB file has one writer process at a time
    proc = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_STAGING, ws.url, ws.source_schema, ws.target_schema],
        capture_output=True,
        text=True,
        timeout=120,
    )
    ws.con = ws.dialect.connect()
    assert proc.returncode == -9, proc.stderr
    built = dict(line.split() for line in proc.stdout.splitlines())
    staging = [m for m in MODELS if webshop().models[m].layer == "staging"]
    assert built == dict.fromkeys(staging, "incremental"), proc.stdout
    assert published(ws) == tables
    assert state(ws) == kept

    result = run(ws)
    assert_incremental(result)
    assert_no_build_leftovers(ws)
    assert_same_as_full_refresh(ws, result)


# --- 5. which models build fully, and why --------------------------------------------------------


def test_first_run_full_then_unchanged_runs_incremental_and_full_refresh_full(
    ws: Workspace,
) -> None:
    load_shop(ws)
    first = run(ws)
    assert modes(first) == {
        m: ("full", FIRST_RUN if m in DECLARED else NOT_DECLARED) for m in MODELS
    }
    tables = published(ws)

    again = run(ws)
    assert_incremental(again)
    moved = [
        (b.name, b.inserted, b.deleted, b.kept, b.rows)
        for b in again.builds
        if b.mode == "incremental" and (b.inserted, b.deleted, b.kept) != (0, 0, b.rows)
    ]
    assert not moved, f"an unchanged source, yet rows came and went: {moved}"
    assert published(ws) == tables
    assert verdict_differences(again, first) == []

    refreshed = run(ws, full_refresh=True)
    assert modes(refreshed) == dict.fromkeys(MODELS, ("full", FULL_REFRESH))
    assert published(ws) == tables
    assert_incremental(run(ws))  # and the refreshed state serves the next run


@pytest.mark.usefixtures("started")
def test_a_changed_model_builds_fully_and_so_does_everything_downstream(ws: Workspace) -> None:
    meta = ws.q(f"{ws.target_schema}_meta", "model_state")
    ws.sql(f"UPDATE {meta} SET fingerprint = 'an older version' WHERE model = 'stg_product'")
    new_product_version(ws)
    late_event_by_minutes(ws)
    result = run(ws)
    assert_incremental(
        result,
        except_={
            "stg_product": CODE_CHANGED,
            "dim_product": reads_full("stg_product"),
            "int_cart_value": reads_full("dim_product"),
            "mart_cart_value": reads_full("int_cart_value"),
        },
    )
    assert_same_as_full_refresh(ws, result)
    assert_incremental(run(ws))


@pytest.mark.usefixtures("started")
def test_a_missing_table_and_a_mostly_changed_source_build_fully(ws: Workspace) -> None:
    ws.sql(f"DROP TABLE {ws.q(ws.target_schema, 'int_session_bounds')}")
    ws.sql(
        f"UPDATE {src(ws, 'events')} SET event_timestamp = event_timestamp + INTERVAL '1 second'"
    )
    result = run(ws)
    assert_incremental(
        result,
        except_={
            "stg_events": mostly_changed("100%", "events"),
            "fct_events": reads_full("stg_events"),
            "int_session": reads_full("stg_events"),
            "int_cart_value": reads_full("int_session"),
            "int_session_bounds": TABLE_MISSING,
            "int_last_session_per_customer": reads_full("int_session_bounds"),
            "int_check_order": reads_full("int_last_session_per_customer"),
            "mart_cart_value": reads_full("int_check_order"),
        },
    )
    assert_same_as_full_refresh(ws, result)


@pytest.mark.parametrize(
    ("selected", "change", "behind"),
    [
        (
            "stg_orders",
            deleted_order,  # its lines become lines of an unknown order
            {
                "fct_orders": BEHIND,
                "fct_orderitem": BEHIND,
                "int_order_fulfillment": reads_full("fct_orders"),
                "int_check_order": reads_full("fct_orders"),
                "order_fulfillment": reads_full("int_order_fulfillment"),
                "mart_cart_value": reads_full("int_check_order"),
            },
        ),
        (
            "stg_customer",
            deleted_customer,  # their orders become orders of an unknown customer
            {"dim_customer": BEHIND, "mart_cart_value": reads_full("dim_customer")},
        ),
    ],
    ids=["stg_orders", "stg_customer"],
)
@pytest.mark.usefixtures("started")
def test_a_select_run_leaves_its_readers_to_build_fully_next_time(
    ws: Workspace, selected: str, change: Change, behind: dict[str, str]
) -> None:
    change(ws)
    only = run(ws, select=[selected])
    assert modes(only) == {selected: ("incremental", None)}
    assert only.published == [selected]
    result = run(ws)
    assert_incremental(result, except_=behind)
    context = f"{change.__name__}, a run of --select {selected}, then a whole run"
    assert_same_as_full_refresh(ws, result, context)


# --- 6. warn verdicts count the whole table -----------------------------------------------------

WARNINGS = [
    ("stg_events", "event_type in 6 accepted values"),
    ("dim_customer", "email unique"),
    ("stg_orders", "customer_id in stg_customer"),
    ("stg_orderitem", "order_id in stg_orders"),
    ("stg_orderitem", "product_id in stg_product"),
    ("int_order_fulfillment", "is_valid"),
]


def more_failing_rows(ws: Workspace) -> None:
    ev, o, i, c = (src(ws, t) for t in ("events", "orders", "orderitem", "customer"))
    insert_event(ws, 12, "WISHLIST", 3, f"TIMESTAMP '{T0 + timedelta(days=9)}'")
    # the first delivery of the oldest event, again and earlier, of a type nobody knows: it
    # sorts before every sampled row
    ws.sql(
        f"INSERT INTO {ev} SELECT id, customer_id, 'BOGUS', product_id, order_id, "
        f"event_timestamp - INTERVAL '1 second' FROM {ev} WHERE id = 1"
    )
    set_email(ws, 40, "user41@example.com")
    ws.sql(f"DELETE FROM {c} WHERE id = (SELECT min(customer_id) FROM {o} WHERE customer_id > 1)")
    ws.sql(f"DELETE FROM {o} WHERE id = 2")
    ws.sql(f"UPDATE {i} SET product_id = 6000 WHERE id = 3")
    ws.sql(
        f"UPDATE {o} SET status = 'SHIPPED', shipped_at = created_at + INTERVAL '120 days' "
        f"WHERE id = (SELECT min(id) FROM {o} WHERE upper(trim(status)) = 'PAID')"
    )


def fewer_failing_rows(ws: Workspace) -> None:
    ev, o, i = src(ws, "events"), src(ws, "orders"), src(ws, "orderitem")
    at = f"TIMESTAMP '{T0}'"
    ws.sql(f"DELETE FROM {ev} WHERE event_type IN ('WISHLIST', 'BOGUS')")
    # the lowest-numbered event of an unknown type: delivered earlier as a VISIT, it is fixed
    ws.sql(
        f"INSERT INTO {ev} SELECT id, customer_id, 'VISIT', product_id, order_id, "
        f"event_timestamp - INTERVAL '1 second' FROM {ev} WHERE id = "
        f"(SELECT min(id) FROM {ev} WHERE event_type = 'CHECKOUT_STARTED')"
    )
    set_email(ws, 40, "user40@example.com")
    set_email(ws, 22, "twentytwo@example.com")
    ws.sql(
        f"INSERT INTO {src(ws, 'customer')} VALUES (5003, 'Found', 'Again', NULL, NULL, {at}, {at})"
    )
    ws.sql(f"INSERT INTO {o} VALUES (99999, 1, 'PAID', {at}, NULL, {at})")  # orphan lines' order
    ws.sql(f"UPDATE {i} SET product_id = 3 WHERE product_id >= 5000")
    ws.sql(
        f"UPDATE {o} SET shipped_at = created_at + INTERVAL '1 day' "
        "WHERE shipped_at > created_at + INTERVAL '90 days'"
    )


def test_warn_verdicts_count_the_whole_table(ws: Workspace, started: Started) -> None:
    def failing(result: transforms.RunResult) -> dict[tuple[str, str], int]:
        found = {(c.model, c.check): c.failing for c in result.checks}
        return {check: found[check] for check in WARNINGS}

    previous = failing(started.result)
    assert all(previous.values()), previous  # the shop has some of each
    for step, direction in [(more_failing_rows, 1), (fewer_failing_rows, -1)]:
        step(ws)
        result = run(ws)
        assert_incremental(result)
        assert_same_as_full_refresh(ws, result)
        now = failing(result)
        unmoved = [c for c in WARNINGS if (now[c] - previous[c]) * direction <= 0]
        assert not unmoved, f"{step.__name__}: {previous} → {now}"
        previous = now
