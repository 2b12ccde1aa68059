"""The example shop over time: as of a moment, and advanced in place to a later one."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import examples.generate as generator
from examples._history import NEVER, History, history
from examples._world import DAY, END, HOUR, START
from examples.generate import (
    CLOCK_TABLE,
    SCHEMAS,
    TABLES,
    Clock,
    advance,
    generate,
    load,
    main,
    read_clock,
)
from tests.conftest import Workspace
from transforms.engine.errors import TransformsError

SCALE = 0.05
SEED = 42
WS = " \t\n\r\v\f"
Tables = dict[str, pa.Table]


def _load_as_of(ws: Workspace, schema: str, when: date | datetime | None) -> None:
    tables = generate(SCALE, SEED, as_of=when)
    load(ws.con, ws.dialect, schema, tables, replace=True, clock=Clock.of(SCALE, SEED, when))


COLUMNS = {name: ", ".join(SCHEMAS[name].names) for name in TABLES}


def _new_rows_sql(ws: Workspace, name: str, after: str, before: str) -> str:
    """The rows of ``after.name`` not in ``before.name``, as multisets."""
    cols = COLUMNS[name]
    return (
        f"SELECT {cols} FROM {ws.q(after, name)} EXCEPT ALL SELECT {cols} FROM {ws.q(before, name)}"
    )


def _differences(ws: Workspace, a: str, b: str) -> dict[str, tuple[int, int]]:
    """Per table: rows of ``a`` not in ``b`` and rows of ``b`` not in ``a`` (multisets)."""
    out = {}
    for name in TABLES:
        counts = []
        for x, y in [(a, b), (b, a)]:
            [(n,)] = ws.sql(f"SELECT count(*) FROM ({_new_rows_sql(ws, name, x, y)}) d")
            counts.append(int(n))
        out[name] = (counts[0], counts[1])
    return out


NO_DIFFERENCE = dict.fromkeys(TABLES, (0, 0))


def _count(ws: Workspace, schema: str, name: str) -> int:
    return int(ws.sql(f"SELECT count(*) FROM {ws.q(schema, name)}")[0][0])


# --- the shop as of a moment ----------------------------------------------------------------------


def test_the_last_day_and_later_are_the_whole_year() -> None:
    full = generate(SCALE)
    for when in [date(2026, 11, 22), datetime(2026, 11, 23), datetime(2031, 1, 1, 12)]:
        shop = generate(SCALE, as_of=when)
        assert [n for n in TABLES if not shop[n].equals(full[n])] == [], when
    day_before = generate(SCALE, as_of=date(2026, 11, 21))
    assert day_before["events"].num_rows < full["events"].num_rows


def test_the_shop_as_of_a_moment_holds_what_had_arrived_as_it_was_then() -> None:
    t = datetime(2026, 5, 17, 13, 45)
    shop, full = generate(SCALE, as_of=t), generate(SCALE)
    stamp = pa.scalar(t, pa.timestamp("us"))

    def latest(table: pa.Table, column: str) -> Any:
        return pc.max(table[column]).as_py()

    for name, column in [
        ("events", "event_timestamp"),
        ("orders", "created_at"),
        ("orders", "updated_at"),
        ("orders", "shipped_at"),
        ("orderitem", "created_at"),
        ("customer", "created_at"),
        ("customer", "updated_at"),
    ]:
        assert latest(shop[name], column) <= t, (name, column)
    product_at = pc.coalesce(shop["product"]["updated_at"], shop["product"]["created_at"])
    assert pc.max(product_at).as_py() <= t
    assert 0 < shop["events"].num_rows < full["events"].num_rows

    # appended tables: a subset (as multisets) of the year's rows
    con = duckdb.connect()
    for name in ("product", "orderitem", "events"):
        con.register("shop", shop[name])
        con.register("year", full[name])
        [(extra,)] = con.execute("SELECT count(*) FROM (FROM shop EXCEPT ALL FROM year)").fetchall()
        assert extra == 0, name
        con.unregister("shop")
        con.unregister("year")

    # orders: the status of then, in the order's own spelling; shipped_at only once shipped
    then = {r["id"]: r for r in shop["orders"].to_pylist()}
    now = {r["id"]: r for r in full["orders"].to_pylist() if r["id"] in then}
    rank = {"PLACED": 0, "PAID": 1, "SHIPPED": 2}
    behind = 0
    for order_id, row in then.items():
        status, final = row["status"], now[order_id]["status"]
        assert rank[status.strip(WS).upper()] <= rank[final.strip(WS).upper()]
        assert _spelling(status) == _spelling(final), (status, final)
        assert (row["shipped_at"] is not None) == (status.strip(WS).upper() == "SHIPPED")
        assert row["created_at"] <= row["updated_at"] <= now[order_id]["updated_at"]
        behind += status != final
    assert behind > 5  # placed or paid then, shipped since
    # customers updated since are in their earlier version
    before = pc.less(pc.field("updated_at"), stamp)
    changed = full["customer"].filter(pc.invert(before)).filter(pc.field("created_at") <= stamp)
    earlier = shop["customer"].filter(pc.is_in(pc.field("id"), changed["id"]))
    assert earlier.num_rows == changed.num_rows > 0
    assert pc.all(pc.equal(earlier["updated_at"], earlier["created_at"])).as_py()


def _spelling(status: str) -> tuple[str, str, str]:
    """How a status is written, whatever the status: white space around, letter case."""
    word = status.strip(WS)
    case = "upper" if word.isupper() else "lower" if word.islower() else "title"
    return status[: len(status) - len(status.lstrip(WS))], status[len(status.rstrip(WS)) :], case


def test_a_date_is_the_whole_day_and_a_datetime_that_moment() -> None:
    day = generate(SCALE, as_of=date(2026, 5, 17))
    last_us = generate(SCALE, as_of=datetime(2026, 5, 17, 23, 59, 59, 999999))
    noon = generate(SCALE, as_of=datetime(2026, 5, 17, 12))
    assert all(day[n].equals(last_us[n]) for n in TABLES)
    assert noon["events"].num_rows < day["events"].num_rows
    assert Clock.of(SCALE, SEED, date(2026, 5, 17)).as_of == datetime(
        2026, 5, 17, 23, 59, 59, 999999
    )
    assert Clock.of(SCALE, SEED).as_of == datetime(2026, 11, 22, 23, 59, 59, 999999)


def test_as_of_is_checked() -> None:
    with pytest.raises(TypeError, match="date or a datetime"):
        generate(SCALE, as_of="2026-03-01")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="breaks cannot be combined with as_of"):
        generate(SCALE, breaks=["bad_status"], as_of=date(2026, 3, 1))


def test_arrival_rates() -> None:
    """Late and repeated deliveries, later lines, earlier versions: the documented rates."""
    h = history(0.2, SEED)
    events = h.tables["events"]
    rows = events.rows
    late = events.arrival - rows.at
    n = len(late)
    by_minutes = ((late >= 60_000_000) & (late < 2 * HOUR + 60_000_000)).sum() / n
    by_days = (late >= DAY).sum() / n
    assert 0.025 < by_minutes < 0.045, by_minutes
    assert 0.001 < by_days < 0.003, by_days
    # repeated ids whose first send (earliest stamp) arrives after a repeat stamped later
    ids = rows.ids
    first = np.r_[True, ids[1:] != ids[:-1]]
    start = np.flatnonzero(first)
    size = np.diff(np.r_[start, n])
    big = np.iinfo(np.int64).max
    repeat_at = np.minimum.reduceat(np.where(first, big, rows.at), start)
    repeat_arrival = np.minimum.reduceat(np.where(first, big, events.arrival), start)
    later_only = (size > 1) & (repeat_at > rows.at[start])
    swapped = later_only & (events.arrival[start] > repeat_arrival)
    assert 0.3 < swapped.sum() / later_only.sum() < 0.55
    # every arrival is in the data's year, and no row arrives before it happened
    assert late.min() >= 0 and events.arrival.max() < END
    # lines added to an order after it was placed
    year = generate(0.2)
    items = year["orderitem"].join(
        year["orders"].select(["id", "created_at"]).rename_columns(["order_id", "placed"]),
        keys="order_id",
    )
    later = pc.sum(pc.greater(items["created_at"], items["placed"])).as_py()
    assert 0.01 < later / items.num_rows < 0.02
    # customers: an earlier version for everyone updated since created; some changed e-mail
    customer = h.tables["customer"]
    k = customer.times.shape[1]
    then, now = customer.rows.slice(0, k), customer.rows.slice(k)
    updated = customer.times[1] > customer.times[0]
    other_email = pc.fill_null(pc.not_equal(then["email"], now["email"]), False).to_numpy(
        zero_copy_only=False
    )
    other_phone = pc.fill_null(
        pc.not_equal(then["phone_number"], now["phone_number"]), False
    ).to_numpy(zero_copy_only=False)
    assert not (other_email & ~updated).any() and not (other_phone & ~updated).any()
    assert 0.1 < other_email[updated].mean() < 0.35
    assert 0.2 < other_phone[updated].mean() < 0.4


# --- advancing a database in place ----------------------------------------------------------------


def test_a_shop_advanced_in_place_holds_the_rows_of_the_shop_as_of_then(ws: Workspace) -> None:
    d1, d2 = date(2026, 2, 14), datetime(2026, 3, 3, 15, 30)
    once, twice, fresh = ws.source_schema, f"{ws.source_schema}_twice", f"{ws.source_schema}_new"
    _load_as_of(ws, once, d1)
    _load_as_of(ws, twice, d1)
    _load_as_of(ws, fresh, d2)
    assert _differences(ws, once, fresh) != NO_DIFFERENCE

    counts = advance(ws.con, ws.dialect, once, d2)
    assert _differences(ws, once, fresh) == NO_DIFFERENCE
    assert read_clock(ws.con, ws.dialect, once) == Clock.of(SCALE, SEED, d2)
    assert all(counts[name]["inserted"] > 0 for name in TABLES), counts
    assert counts["orders"]["updated"] > 0 and counts["customer"]["updated"] > 0, counts
    assert {n: c["updated"] for n, c in counts.items() if n not in ("orders", "customer")} == {
        "product": 0,
        "orderitem": 0,
        "events": 0,
    }

    # advancing twice is advancing once
    halfway = advance(ws.con, ws.dialect, twice, datetime(2026, 2, 21, 6))
    rest = advance(ws.con, ws.dialect, twice, d2)
    assert _differences(ws, twice, fresh) == NO_DIFFERENCE
    for name in TABLES:
        assert halfway[name]["inserted"] + rest[name]["inserted"] == counts[name]["inserted"]

    # and on to the last day: the whole year, as generate() makes it
    advance(ws.con, ws.dialect, once, date(2026, 11, 22))
    load(ws.con, ws.dialect, fresh, generate(SCALE, SEED), replace=True)
    assert _differences(ws, once, fresh) == NO_DIFFERENCE
    assert CLOCK_TABLE not in ws.dialect.list_tables(ws.con, fresh)  # loaded without a clock


def test_advance_refuses_to_go_back_and_needs_a_clock(ws: Workspace) -> None:
    schema = ws.source_schema
    _load_as_of(ws, schema, date(2026, 3, 1))
    with pytest.raises(TransformsError) as err:
        advance(ws.con, ws.dialect, schema, date(2026, 2, 1))
    message = str(err.value)
    assert schema in message and "2026-03-01" in message and "--as-of 2026-02-01" in message

    rows = {name: _count(ws, schema, name) for name in TABLES}
    for same in [date(2026, 3, 1), datetime(2026, 3, 1, 23, 59, 59, 999999)]:
        counts = advance(ws.con, ws.dialect, schema, same)
        assert counts == {name: {"inserted": 0, "updated": 0} for name in TABLES}
    assert {name: _count(ws, schema, name) for name in TABLES} == rows

    # a failure half-way leaves the shop and its clock as they were (one transaction)
    def broken(con: Any, dialect: Any, schema: str, name: str, rows: pa.Table) -> int:
        raise RuntimeError("the server went away")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(generator, "_update", broken)
        with pytest.raises(RuntimeError):
            advance(ws.con, ws.dialect, schema, date(2026, 3, 5))
    assert {name: _count(ws, schema, name) for name in TABLES} == rows
    assert read_clock(ws.con, ws.dialect, schema) == Clock.of(SCALE, SEED, date(2026, 3, 1))
    assert ws.dialect.list_tables(ws.con, schema) == {*TABLES, CLOCK_TABLE}

    # the tables loaded again without a clock (breaks, a user's own data): the old one is gone
    load(ws.con, ws.dialect, schema, generate(SCALE, breaks=["bad_status"]), replace=True)
    assert read_clock(ws.con, ws.dialect, schema) is None
    with pytest.raises(TransformsError) as err:
        advance(ws.con, ws.dialect, schema, date(2026, 3, 2))
    message = str(err.value)
    assert schema in message and CLOCK_TABLE in message and "--as-of" in message


# --- every kind of change, each in a one-day advance ----------------------------------------------

KINDS = [
    "new events",
    "event late by minutes",
    "event late by days",
    "repeat with an earlier timestamp after its copy",
    "new orders",
    "order status update",
    "new line for an old order",
    "new product version",
    "new customers",
    "customer update",
    "customer e-mail change",
    "other customer's duplicate e-mail flag flips",
]


def _days_of_each_kind(h: History) -> dict[str, set[int]]:
    """On which days (days since 1970) a one-day advance brings each kind of change, from the
    generator's own arrival times; the test then sees them happen in the database."""
    first_day, last_day = START // DAY + 7, END // DAY - 1
    kinds: dict[str, set[int]] = {}

    def days(values: np.ndarray) -> set[int]:
        return {int(d) for d in np.unique(values) if first_day <= d <= last_day}

    events = h.tables["events"]
    arrival, at, ids = events.arrival, events.rows.at, events.rows.ids
    day = arrival // DAY
    by_arrival = np.argsort(arrival, kind="stable")
    newest = np.maximum.accumulate(at[by_arrival])
    there = np.searchsorted(arrival[by_arrival], day * DAY, side="left")  # arrived the day before
    gap = np.where(there > 0, newest[np.maximum(there - 1, 0)] - at, -1)
    kinds["event late by minutes"] = days(day[(gap > 0) & (gap <= HOUR)])
    kinds["event late by days"] = days(day[gap >= DAY])
    first = np.r_[True, ids[1:] != ids[:-1]]
    start = np.flatnonzero(first)
    size = np.diff(np.r_[start, len(ids)])
    first_at = np.repeat(at[start], size)
    big = np.iinfo(np.int64).max
    later_copy_day = np.minimum.reduceat(np.where(at > first_at, day, big), start)
    kinds["repeat with an earlier timestamp after its copy"] = days(
        day[start][day[start] > later_copy_day]
    )
    kinds["new events"] = days(day)

    orders = h.tables["orders"]
    placed = orders.times[0] // DAY
    kinds["new orders"] = days(placed)
    kinds["order status update"] = set()
    for version in (1, 2):
        t = orders.times[version]
        kinds["order status update"] |= days((t // DAY)[(t != NEVER) & (t // DAY > placed)])
    items = h.tables["orderitem"]
    n_orders = orders.times.shape[1]
    order_ids = orders.rows["id"].to_numpy()[:n_orders]
    item_order = items.rows["order_id"].to_numpy()
    pos = np.minimum(np.searchsorted(order_ids, item_order), n_orders - 1)
    known = order_ids[pos] == item_order
    item_day = items.arrival // DAY
    kinds["new line for an old order"] = days(item_day[known & (item_day > placed[pos])])

    products = h.tables["product"]
    product_day = products.arrival // DAY
    pid = products.rows["id"].to_numpy()
    p_start = np.flatnonzero(np.r_[True, pid[1:] != pid[:-1]])
    first_version = np.repeat(
        np.minimum.reduceat(product_day, p_start), np.diff(np.r_[p_start, len(pid)])
    )
    kinds["new product version"] = days(product_day[product_day > first_version])

    customer = h.tables["customer"]
    created, updated = customer.times // DAY
    k = len(created)
    then, now = customer.rows.slice(0, k), customer.rows.slice(k)
    other = pc.not_equal(then["email"], now["email"])
    other = pc.or_(
        pc.fill_null(other, False), pc.xor(pc.is_null(then["email"]), pc.is_null(now["email"]))
    )
    email_changed = other.to_numpy(zero_copy_only=False)
    kinds["new customers"] = days(created)
    kinds["customer update"] = days(updated[updated > created])
    kinds["customer e-mail change"] = days(updated[(updated > created) & email_changed])
    flips = set()
    for d in sorted(kinds["customer e-mail change"]):
        if _flipped(customer.at(d * DAY - 1), customer.at((d + 1) * DAY - 1)):
            flips.add(d)
            break
    kinds["other customer's duplicate e-mail flag flips"] = flips
    return kinds


def _duplicate_flags(customers: pa.Table) -> dict[int, tuple[bool, Any]]:
    """id → (has_duplicate_email as dim_customer has it, updated_at)."""
    rows = customers.select(["id", "email", "updated_at"]).to_pylist()
    clean = [r["email"].strip(WS).lower() if r["email"] is not None else None for r in rows]
    seen: dict[str, int] = {}
    for e in clean:
        if e is not None:
            seen[e] = seen.get(e, 0) + 1
    return {
        r["id"]: (e is not None and seen[e] > 1, r["updated_at"])
        for r, e in zip(rows, clean, strict=True)
    }


def _flipped(before: pa.Table, after: pa.Table) -> int:
    """Customers whose own row did not change but whose has_duplicate_email did."""
    old, new = _duplicate_flags(before), _duplicate_flags(after)
    return sum(
        1
        for i, (flag, updated_at) in old.items()
        if i in new and new[i][1] == updated_at and new[i][0] != flag
    )


def _fewest_days(kinds: dict[str, set[int]]) -> dict[int, set[str]]:
    """A few days that between them bring every kind (greedy cover, earliest day on a tie)."""
    missing = [k for k in KINDS if not kinds.get(k)]
    assert not missing, f"the generator never brings {missing} at scale {SCALE}"
    todo, chosen = set(KINDS), {}
    while todo:
        candidates = {d for k in todo for d in kinds[k]}
        best = min(candidates, key=lambda d: (-sum(d in kinds[k] for k in todo), d))
        chosen[best] = {k for k in todo if best in kinds[k]}
        todo -= chosen[best]
    return chosen


def _seen_in_database(
    ws: Workspace, before: str, after: str, counts: dict[str, dict[str, int]]
) -> set[str]:
    """The kinds of change between two copies of the shop, as the database shows them."""
    q = ws.q
    new = {name: f"({_new_rows_sql(ws, name, after, before)})" for name in TABLES}
    for name in TABLES:  # the counts advance() reports are the rows that are new
        [(n,)] = ws.sql(f"SELECT count(*) FROM {new[name]} d")
        if name in ("product", "orderitem", "events"):
            assert n == counts[name]["inserted"], name
        else:
            assert n == counts[name]["inserted"] + counts[name]["updated"], name
    newest = f"(SELECT max(event_timestamp) FROM {q(before, 'events')})"

    def n(sql: str) -> int:
        return int(ws.sql(sql)[0][0])

    seen = {
        "new events": n(f"SELECT count(*) FROM {new['events']} e"),
        "event late by minutes": n(
            f"SELECT count(*) FROM {new['events']} e WHERE e.event_timestamp < {newest} "
            f"AND e.event_timestamp >= {newest} - INTERVAL '1 hour'"
        ),
        "event late by days": n(
            f"SELECT count(*) FROM {new['events']} e "
            f"WHERE e.event_timestamp <= {newest} - INTERVAL '1 day'"
        ),
        "repeat with an earlier timestamp after its copy": n(
            f"SELECT count(*) FROM {new['events']} e JOIN (SELECT id, min(event_timestamp) AS ts "
            f"FROM {q(before, 'events')} GROUP BY id) b ON e.id = b.id "
            "WHERE e.event_timestamp < b.ts"
        ),
        "new orders": counts["orders"]["inserted"],
        "order status update": n(
            f"SELECT count(*) FROM {q(after, 'orders')} a JOIN {q(before, 'orders')} b "
            "ON a.id = b.id WHERE a.status <> b.status AND a.updated_at > b.updated_at"
        ),
        "new line for an old order": n(
            f"SELECT count(*) FROM {new['orderitem']} i "
            f"WHERE i.order_id IN (SELECT id FROM {q(before, 'orders')})"
        ),
        "new product version": n(
            f"SELECT count(*) FROM {new['product']} p "
            f"WHERE p.id IN (SELECT id FROM {q(before, 'product')})"
        ),
        "new customers": counts["customer"]["inserted"],
        "customer update": n(
            f"SELECT count(*) FROM {q(after, 'customer')} a JOIN {q(before, 'customer')} b "
            "ON a.id = b.id WHERE a.updated_at > b.updated_at"
        ),
        "customer e-mail change": n(
            f"SELECT count(*) FROM {q(after, 'customer')} a JOIN {q(before, 'customer')} b "
            "ON a.id = b.id WHERE a.updated_at > b.updated_at AND a.email IS DISTINCT FROM b.email"
        ),
        "other customer's duplicate e-mail flag flips": _flipped(
            ws.table("customer", before).to_pyarrow(), ws.table("customer", after).to_pyarrow()
        ),
    }
    # nothing goes backwards
    assert not n(
        f"SELECT count(*) FROM {q(after, 'orders')} a JOIN {q(before, 'orders')} b "
        "ON a.id = b.id WHERE a.updated_at < b.updated_at OR a.created_at <> b.created_at"
    )
    return {kind for kind, count in seen.items() if count}


def test_one_day_advances_bring_every_kind_of_change(ws: Workspace) -> None:
    chosen = _fewest_days(_days_of_each_kind(history(SCALE, SEED)))
    assert len(chosen) <= 6, chosen
    schema, before = ws.source_schema, f"{ws.source_schema}_before"
    seen: set[str] = set()
    for day, kinds in sorted(chosen.items()):
        d = date(1970, 1, 1) + timedelta(days=day)
        _load_as_of(ws, schema, d - timedelta(days=1))
        ws.dialect.ensure_schema(ws.con, before)
        for name in TABLES:
            ws.sql(f"DROP TABLE IF EXISTS {ws.q(before, name)}")
            ws.sql(f"CREATE TABLE {ws.q(before, name)} AS SELECT * FROM {ws.q(schema, name)}")
        counts = advance(ws.con, ws.dialect, schema, d)
        on_the_day = _seen_in_database(ws, before, schema, counts)
        assert kinds <= on_the_day, (d, kinds - on_the_day)
        seen |= on_the_day
    assert seen == set(KINDS)


# --- the CLI --------------------------------------------------------------------------------------


def test_cli_as_of_and_advance_to(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "shop.duckdb"
    base = ["--target", f"duckdb:///{path}", "--schema", "raw"]
    assert main([*base, "--scale", "0.02", "--as-of", "2026-03-01"]) == 0
    out = capsys.readouterr().out
    assert "as of 2026-03-01" in out and all(name in out for name in TABLES)

    # --if-missing with --as-of: the tables are there, nothing happens
    assert main([*base, "--if-missing", "--as-of", "2026-06-01"]) == 0
    assert "already" in capsys.readouterr().out

    assert main([*base, "--advance-to", "2026-03-02T12:00"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[:5]] == list(TABLES)
    assert all("inserted" in line and "updated" in line for line in out[:5])
    assert "from 2026-03-01 to 2026-03-02 12:00:00" in out[5] and "raw" in out[5]

    con = duckdb.connect(str(path))
    try:
        [(as_of,)] = con.execute(f"SELECT as_of FROM raw.{CLOCK_TABLE}").fetchall()
        got = {n: con.execute(f"SELECT count(*) FROM raw.{n}").fetchone()[0] for n in TABLES}
    finally:
        con.close()
    assert as_of == datetime(2026, 3, 2, 12)
    expected = generate(0.02, as_of=datetime(2026, 3, 2, 12))
    assert got == {n: t.num_rows for n, t in expected.items()}

    for args, words in [
        (["--advance-to", "2026-02-01"], ["raw", "2026-03-02 12:00:00", "--as-of 2026-02-01"]),
        (["--advance-to", "yesterday"], ["--advance-to", "yesterday", "2026-03-01"]),
        (["--as-of", "2026-13-01", "--replace"], ["--as-of", "2026-13-01"]),
    ]:
        assert main([*base, *args]) == 1, args
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and all(w in err for w in words), err

    for args in [
        ["--advance-to", "2026-03-03", "--replace"],
        ["--advance-to", "2026-03-03", "--scale", "1"],
        ["--advance-to", "2026-03-03", "--as-of", "2026-03-01"],
        ["--as-of", "2026-03-01", "--break", "bad_status"],
    ]:
        with pytest.raises(SystemExit) as exit_:
            main([*base, *args])
        assert exit_.value.code == 2, args
        assert "not allowed with" in capsys.readouterr().err

    # loaded again with a break: no clock, so nothing to advance
    assert main([*base, "--scale", "0.02", "--replace", "--break", "bad_status"]) == 0
    capsys.readouterr()
    assert main([*base, "--advance-to", "2026-03-03"]) == 1
    err = capsys.readouterr().err
    assert CLOCK_TABLE in err and "raw" in err and len(err.strip().splitlines()) == 1
