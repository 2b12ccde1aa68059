"""The clean simulation in numpy: customers browse in sessions, some sessions end in an order.

Everything here is int64 microseconds, integer cents and integer codes; text and dirt are added
later (``examples._tables``). No per-row Python: segments (a customer's sessions, a session's
events) are handled with repeat / cumsum / reduceat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from examples._rand import (
    Picker,
    categorical,
    choose_values,
    count,
    percent,
    pick,
    piecewise,
    stream,
)

US = 1_000_000
SECOND = US
MINUTE = 60 * US
HOUR = 3600 * US
DAY = 24 * HOUR
WEEK = 7 * DAY

# A fixed calendar, never the current time: 52 ISO weeks ending Monday 2026-11-23 00:00.
END = int(np.datetime64("2026-11-23T00:00:00", "us").astype(np.int64))
START = END - 52 * WEEK
# The shop was down for one week: no events and no orders then, so the weekly sales mart has a
# week with zeros. The simulation runs on 51 "open" weeks, and times from the outage on are
# shifted by one week.
OUTAGE = START + 36 * WEEK
# Sessions end an hour before the shifted calendar's end, so that late-stamped orders and
# redelivered events still fall inside the 52 weeks.
OPEN_END = END - WEEK - HOUR
SESSION_GAP = 30 * MINUTE  # the spec's session rule: a gap of more than this starts a session

# Id ranges differ per table so that a join on the wrong id finds nothing.
CUSTOMER_BASE = 1
PRODUCT_BASE = 1001
ORDER_BASE = 100_001
ITEM_BASE = 1_000_001
EVENT_BASE = 10_000_001

# Event type codes (the canonical labels are in examples._tables.EVENT_TYPES).
VISIT, SEARCH, VIEW, ADD, REMOVE, PLACE, CHECKOUT_STARTED, APPLY_COUPON = range(8)

# Session kinds.
BROWSE, ORDERING, FAILED, ANONYMOUS = range(4)

# Events between the opening VISIT and the end of a session (the closing PLACE_ORDER of ordering
# sessions not counted), as (values, weights).
BROWSE_MIDDLE = (range(10), [10, 18, 18, 15, 12, 9, 7, 5, 4, 2])
ORDER_MIDDLE = (range(2, 17), [4, 7, 10, 12, 12, 11, 10, 8, 7, 5, 4, 3, 3, 2, 2])
ANON_MIDDLE = (range(7), [25, 25, 18, 12, 9, 6, 5])
# Middle event types per session kind: SEARCH, VIEW, ADD, REMOVE.
MIDDLE_TYPES = [SEARCH, VIEW, ADD, REMOVE]
MIDDLE_WEIGHTS = {
    BROWSE: [30, 45, 15, 10],
    ORDERING: [15, 37, 38, 10],
    FAILED: [15, 37, 38, 10],
    ANONYMOUS: [35, 50, 10, 5],
}
# Gaps between two clicks of one session: seconds to a few minutes, never over 30 minutes.
CLICK_GAP = (
    [1 * SECOND, 10 * SECOND, MINUTE, 3 * MINUTE, 10 * MINUTE, SESSION_GAP],
    [25, 40, 25, 8, 2],
)
# Idle time between two sessions on top of the 30 minutes (in seconds): hours to weeks.
H, D = 3600, 86400
IDLE = ([0, H, 6 * H, D, 3 * D, 7 * D, 21 * D, 42 * D], [5, 15, 20, 25, 20, 12, 3])
# Hours an order waits to ship.
SHIP_DELAY = ([6 * HOUR, DAY, 2 * DAY, 3 * DAY, 5 * DAY, 10 * DAY], [15, 30, 25, 22, 8])
# Lines added to an order after it was placed ("add to my order" in the account page): their
# share of all lines, and how long after the order.
LATE_LINES = 0.015
LATE_LINE_DELAY = ([HOUR, 6 * HOUR, DAY, 3 * DAY, 7 * DAY], [30, 30, 25, 15])


def _mean(table: tuple[range, list[int]]) -> float:
    values, weights = table
    return float(np.dot(np.asarray(values), weights) / sum(weights))


@dataclass(frozen=True)
class Sizes:
    """Row targets for one scale (1 ≈ 10k customers, 2k products, 50k orders, 1M events)."""

    customers: int
    deleted_customers: int
    products: int
    deleted_products: int
    orders: int
    customer_events: int
    anonymous_events: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        customers = max(20, round(10_000 * scale))
        products = max(10, round(2_000 * scale))
        events = max(400, round(1_000_000 * scale))
        anonymous = round(events / 10)
        return cls(
            customers=customers,
            deleted_customers=count(0.01, customers, 3),
            products=products,
            deleted_products=count(0.005, products, 3),
            orders=max(10, round(50_000 * scale)),
            customer_events=events - anonymous,
            anonymous_events=anonymous,
        )


@dataclass
class Products:
    """Every version of every product id (deleted ids included: items may still name them)."""

    ids: np.ndarray  # per product id
    deleted: np.ndarray  # per product id: not in the product table
    name_code: np.ndarray  # per product id: adjective * 1000 + noun number
    category: np.ndarray  # per product id: category number
    created_at: np.ndarray  # per product id
    v_product: np.ndarray  # per version: index into ids
    v_seq: np.ndarray  # per version: 0 = oldest
    v_updated_at: np.ndarray  # per version, whole seconds (in µs), increasing per product
    v_cents: np.ndarray  # per version: price in cents

    def price_at(self, product: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Cents of the version of ``product`` in force at time ``at`` (µs)."""
        base = START - 800 * DAY
        span = (END + 60 * DAY - base) // US
        key = self.v_product * span + (self.v_updated_at - base) // US
        wanted = product * span + (at - base) // US
        return self.v_cents[np.searchsorted(key, wanted, side="right") - 1]


@dataclass
class World:
    """The clean facts the tables are made of."""

    sizes: Sizes
    # customers (every id, deleted ones included)
    customer_ids: np.ndarray
    customer_deleted: np.ndarray
    customer_created_at: np.ndarray
    customer_updated_at: np.ndarray
    products: Products
    # events, in time order
    ev_customer: np.ndarray  # -1 = anonymous
    ev_type: np.ndarray
    ev_product: np.ndarray  # index into products.ids, -1 = none
    ev_order: np.ndarray  # order id, -1 = none
    ev_at: np.ndarray
    ev_session_kind: np.ndarray
    # orders (failed checkouts excluded), in id order
    order_ids: np.ndarray
    order_customer: np.ndarray
    order_status: np.ndarray  # 0 PLACED, 1 PAID, 2 SHIPPED
    order_created_at: np.ndarray
    order_shipped_at: np.ndarray  # -1 = NULL
    order_updated_at: np.ndarray
    order_paid_at: np.ndarray  # when it was paid, drawn for every order (PLACED ones never are)
    failed_order_ids: np.ndarray  # ids used by PLACE_ORDER events of checkouts that failed
    # order items
    item_order: np.ndarray  # order id
    item_product: np.ndarray  # index into products.ids
    item_quantity: np.ndarray
    item_cents: np.ndarray
    item_discount: np.ndarray  # cents, -1 = NULL
    item_created_at: np.ndarray


def _segment_starts(lengths: np.ndarray) -> np.ndarray:
    return np.cumsum(lengths) - lengths


def _segment_cumsum(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Running sum that restarts at each segment (the first value of a segment included)."""
    cs = np.cumsum(values)
    starts = _segment_starts(lengths)
    return cs - np.repeat(cs[starts] - values[starts], lengths)


def simulate(sizes: Sizes, seed: int) -> World:
    products = _products(sizes, seed)
    rng = stream(seed, "customers")
    n_ids = sizes.customers + sizes.deleted_customers
    ids = np.arange(CUSTOMER_BASE, CUSTOMER_BASE + n_ids, dtype=np.int64)
    # Deleted customers (rows purged, e.g. on request) are scattered through the id range; their
    # events and orders stay behind and reference a customer that no longer exists.
    deleted = np.zeros(n_ids, dtype=bool)
    deleted[pick(rng, np.arange(n_ids), sizes.deleted_customers)] = True
    active = deleted | percent(rng, n_ids, 88)  # 12 % registered and never came back
    act = np.flatnonzero(active)
    n_act = len(act)
    # Most regulars are already there in the first two weeks; newcomers arrive all year.
    first = np.where(
        percent(rng, n_act, 55),
        rng.integers(START, START + 14 * DAY, n_act),
        rng.integers(START, OPEN_END - 2 * DAY, n_act),
    )
    activity = choose_values(rng, n_act, [1, 2, 4, 8], [40, 30, 20, 10])

    sess = _sessions(sizes, seed, first, activity, products)
    orders = _orders(seed, sess, products)
    # Sessions and orders know customers by their index among the active ones: map to ids.
    act_ids = ids[act]
    events = sess["events"]
    events["ev_customer"] = np.where(
        events["ev_customer"] >= 0, act_ids[np.maximum(events["ev_customer"], 0)], -1
    )
    orders["order_customer"] = act_ids[orders["order_customer"]]

    # Customers register shortly or long before their first visit.
    created = np.zeros(n_ids, dtype=np.int64)
    lead = piecewise(rng, n_act, [MINUTE, HOUR, DAY, 30 * DAY, 730 * DAY], [30, 20, 20, 30])
    created[act] = sess["first_event"] - lead
    idle = np.flatnonzero(~active)
    created[idle] = rng.integers(START - 730 * DAY, END - DAY, len(idle))
    # Whole seconds, as a web application stores them.
    created = created // US * US
    touched = piecewise(rng, n_ids, [0, 1, DAY, 300 * DAY], [40, 1, 59])
    updated = created + touched // US * US
    # An update that would come after the end of the data has not happened yet: the row is as
    # it was created (rather than all such updates piled up in the data's last second).
    updated = np.where(updated > END - SECOND, created, updated)

    return World(
        sizes=sizes,
        customer_ids=ids,
        customer_deleted=deleted,
        customer_created_at=created,
        customer_updated_at=updated,
        products=products,
        **events,
        **orders,
    )


def _products(sizes: Sizes, seed: int) -> Products:
    rng = stream(seed, "products")
    n = sizes.products + sizes.deleted_products
    ids = np.arange(PRODUCT_BASE, PRODUCT_BASE + n, dtype=np.int64)
    deleted = np.zeros(n, dtype=bool)
    deleted[pick(rng, np.arange(n), sizes.deleted_products)] = True
    n_versions = choose_values(rng, n, [1, 2, 3, 4, 5], [55, 25, 12, 5, 3])
    v_product = np.repeat(np.arange(n), n_versions)
    v_seq = np.arange(len(v_product)) - np.repeat(_segment_starts(n_versions), n_versions)
    # Every product exists before the simulated year; later versions are price changes in it.
    created = rng.integers(START - 730 * DAY, START - DAY, n) // US * US
    at = rng.integers(START, END, len(v_product)) // US * US
    at = np.where(v_seq == 0, created[v_product], at)
    at = at[np.lexsort((at, v_product))]  # increasing per product; version 0 stays first
    # Prices end in .99; each later version moves the base price by -20 % … +25 %.
    base = piecewise(rng, n, [99, 1000, 3000, 10_000, 50_000, 200_000], [30, 35, 25, 9, 1])
    change = choose_values(
        rng,
        len(v_product),
        [80, 85, 90, 95, 105, 110, 115, 120, 125],
        [5, 10, 15, 15, 20, 15, 10, 5, 5],
    )
    cents = np.where(v_seq == 0, base[v_product], base[v_product] * change // 100)
    cents = np.maximum(99, cents // 100 * 100 + 99)
    n_nouns = 5
    noun = rng.integers(0, 10 * n_nouns, n)  # category * 5 + noun
    return Products(
        ids=ids,
        deleted=deleted,
        name_code=rng.integers(0, 20, n) * 1000 + noun,
        category=noun // n_nouns,
        created_at=created,
        v_product=v_product,
        v_seq=v_seq,
        v_updated_at=at,
        v_cents=cents,
    )


def _sessions(
    sizes: Sizes, seed: int, first: np.ndarray, activity: np.ndarray, products: Products
) -> dict[str, Any]:
    rng = stream(seed, "sessions")
    n_act = len(first)
    n_orders = sizes.orders
    order_len = 2 + _mean(ORDER_MIDDLE)
    browse_len = 1 + _mean(BROWSE_MIDDLE)
    n_browse = max(0, round((sizes.customer_events - n_orders * order_len) / browse_len))
    n_sess = max(n_act, n_orders + n_browse)

    # Sessions per customer: one each, the rest by activity × time left in the year.
    weight = activity * ((OPEN_END - first) // HOUR + 1)
    per_cust = np.bincount(categorical(rng, n_sess - n_act, weight), minlength=n_act) + 1
    s_cust = np.repeat(np.arange(n_act), per_cust)
    cust_start = _segment_starts(per_cust)
    seq = np.arange(n_sess) - np.repeat(cust_start, per_cust)
    last = cust_start + per_cust - 1
    is_last = np.zeros(n_sess, dtype=bool)
    is_last[last] = True

    # Which sessions end in an order: 60 % of the customers' last sessions (the cart-value mart
    # is about those), the rest spread over earlier sessions.
    kind = np.full(n_sess, BROWSE, dtype=np.int64)
    last_ordering = last[percent(rng, n_act, 60)]
    if len(last_ordering) > n_orders:
        last_ordering = pick(rng, last_ordering, n_orders)
    kind[last_ordering] = ORDERING
    candidates = np.flatnonzero((kind == BROWSE) & ~is_last)
    if n_orders - len(last_ordering) > len(candidates):
        candidates = np.flatnonzero(kind == BROWSE)
    kind[pick(rng, candidates, n_orders - len(last_ordering))] = ORDERING
    # Checkouts that failed: the PLACE_ORDER event names an order id that was never committed.
    kind[pick(rng, np.flatnonzero(kind == BROWSE), count(0.004, n_sess, 3))] = FAILED

    n_anon = max(3, round(sizes.anonymous_events / (1 + _mean(ANON_MIDDLE))))
    kind = np.concatenate([kind, np.full(n_anon, ANONYMOUS)])
    n_all = len(kind)
    length = np.empty(n_all, dtype=np.int64)
    for k, (table, ends) in {
        BROWSE: (BROWSE_MIDDLE, 1),
        ORDERING: (ORDER_MIDDLE, 2),
        FAILED: (ORDER_MIDDLE, 2),
        ANONYMOUS: (ANON_MIDDLE, 1),
    }.items():
        rows = np.flatnonzero(kind == k)
        length[rows] = ends + choose_values(rng, len(rows), table[0], table[1])

    # Events: position in the session, type, clicks' gaps.
    n_ev = int(length.sum())
    s_first = _segment_starts(length)
    ev_sess = np.repeat(np.arange(n_all), length)
    pos = np.arange(n_ev) - s_first[ev_sess]
    ev_kind = kind[ev_sess]
    ev_len = length[ev_sess]
    checkout = (ev_kind == ORDERING) | (ev_kind == FAILED)
    etype = np.full(n_ev, VISIT, dtype=np.int64)
    for k, weights in MIDDLE_WEIGHTS.items():
        rows = np.flatnonzero((ev_kind == k) & (pos > 0))
        etype[rows] = choose_values(rng, len(rows), MIDDLE_TYPES, weights)
    etype[checkout & (pos == ev_len - 2)] = ADD  # the last click before ordering fills the cart
    etype[checkout & (pos == ev_len - 1)] = PLACE

    gap = piecewise(rng, n_ev, *CLICK_GAP)
    gap[pos == 0] = 0
    # A few gaps of exactly 30:00 — the spec keeps them inside the session.
    gap[pick(rng, np.flatnonzero((pos > 0) & (ev_kind != ANONYMOUS)), count(0.0005, n_ev, 3))] = (
        SESSION_GAP
    )
    offset = _segment_cumsum(gap, length)
    duration = offset[s_first + length - 1]

    # Session starts, per customer: previous session's end + 30 min + 1 µs + idle time, the idle
    # times squeezed when they would not fit in the customer's remaining year.
    dur = duration[:n_sess]
    fixed = np.zeros(n_sess, dtype=np.int64)
    fixed[1:] = dur[:-1] + SESSION_GAP + 1
    fixed[seq == 0] = 0
    idle = piecewise(rng, n_sess, *IDLE)
    idle[seq == 0] = 0
    # A few sessions start exactly 30 min + 1 µs after the previous one ended: a new session.
    idle[pick(rng, np.flatnonzero(seq > 0), count(0.0005, n_sess, 3))] = 0
    total_fixed = np.add.reduceat(fixed, cust_start) + dur[last]
    total_idle = np.add.reduceat(idle, cust_start)
    begin = np.minimum(first, OPEN_END - total_fixed)
    room = (OPEN_END - begin - total_fixed) // US
    squeeze = total_idle > room
    idle = np.where(squeeze[s_cust], idle * room[s_cust] // np.maximum(total_idle[s_cust], 1), idle)
    step = fixed + idle * US
    s_start = np.empty(n_all, dtype=np.int64)
    s_start[:n_sess] = begin[s_cust] + _segment_cumsum(step, per_cust)
    s_start[n_sess:] = rng.integers(START, OPEN_END - duration[n_sess:])

    at = s_start[ev_sess] + offset
    at = np.where(at >= OUTAGE, at + WEEK, at)

    # Products: views follow popularity (a long tail); an add is usually the product just
    # viewed; a remove takes back the session's latest add.
    pool = np.flatnonzero(~products.deleted)
    popularity = 1_000_000 // (rng.permutation(len(pool)) + 5)

    def popular(k: int) -> np.ndarray:
        return pool[categorical(rng, k, popularity)]

    product = np.full(n_ev, -1, dtype=np.int64)
    views = np.flatnonzero(etype == VIEW)
    product[views] = popular(len(views))
    adds = np.flatnonzero(etype == ADD)
    after_view = (pos[adds] > 0) & (etype[adds - 1] == VIEW) & percent(rng, len(adds), 80)
    product[adds[after_view]] = product[adds[after_view] - 1]
    product[adds[~after_view]] = popular(int((~after_view).sum()))
    removes = np.flatnonzero(etype == REMOVE)
    last_add = np.maximum.accumulate(np.where(etype == ADD, np.arange(n_ev), -1))[removes]
    ok = last_add >= s_first[ev_sess[removes]]
    product[removes[ok]] = product[last_add[ok]]
    product[removes[~ok]] = popular(int((~ok).sum()))

    # Order ids in the order the checkouts happened (failed ones use up ids too, as a sequence
    # does when a transaction rolls back).
    checkout_sess = np.flatnonzero((kind == ORDERING) | (kind == FAILED))
    place_ev = s_first[checkout_sess] + length[checkout_sess] - 1
    rank = np.empty(len(place_ev), dtype=np.int64)
    rank[np.argsort(at[place_ev], kind="stable")] = np.arange(len(place_ev))
    order_id_of_sess = np.full(n_all, -1, dtype=np.int64)
    order_id_of_sess[checkout_sess] = ORDER_BASE + rank
    ev_order = np.full(n_ev, -1, dtype=np.int64)
    ev_order[place_ev] = order_id_of_sess[checkout_sess]

    # Final table order: by time (ids are assigned in that order later).
    order = np.argsort(at, kind="stable")
    cust_of_sess = np.full(n_all, -1, dtype=np.int64)
    cust_of_sess[:n_sess] = s_cust
    first_event = np.full(n_act, 0, dtype=np.int64)
    first_event[:] = at[s_first[cust_start]]
    return {
        "first_event": first_event,
        "kind": kind,
        "order_id_of_sess": order_id_of_sess,
        "cust_of_sess": cust_of_sess,
        "ev_sess": ev_sess,
        "raw_type": etype,
        "raw_product": product,
        "raw_at": at,
        "place_ev": place_ev,
        "checkout_sess": checkout_sess,
        "events": {
            "ev_customer": cust_of_sess[ev_sess][order],  # index into active; mapped later
            "ev_type": etype[order],
            "ev_product": product[order],
            "ev_order": ev_order[order],
            "ev_at": at[order],
            "ev_session_kind": ev_kind[order],
        },
    }


def _orders(seed: int, sess: dict[str, Any], products: Products) -> dict[str, Any]:
    rng = stream(seed, "orders")
    kind = sess["kind"]
    checkout_sess = sess["checkout_sess"]
    placed = sess["raw_at"][sess["place_ev"]]
    ok = kind[checkout_sess] == ORDERING
    o_sess = checkout_sess[ok]
    o_ids = sess["order_id_of_sess"][o_sess]
    failed_ids = np.sort(sess["order_id_of_sess"][checkout_sess[~ok]])
    created = placed[ok]
    # A share of order rows is written a few seconds after the customer's last click.
    late = percent(rng, len(created), 10)
    created = created + np.where(late, piecewise(rng, len(created), [SECOND, 20 * SECOND], [1]), 0)
    by_id = np.argsort(o_ids, kind="stable")
    o_sess, o_ids, created = o_sess[by_id], o_ids[by_id], created[by_id]
    n = len(o_ids)

    # PLACED → PAID → SHIPPED, most orders shipped within 1–5 days; those that would ship after
    # the end of the data are still PAID.
    status = categorical(rng, n, [10, 15, 75])
    paid = created + piecewise(rng, n, [MINUTE, 3 * HOUR], [1])
    shipped = created + piecewise(rng, n, *SHIP_DELAY)
    status = np.where((status == 2) & (shipped > END), 1, status)
    is_shipped = status == 2
    # Anomalies the fulfillment mart flags: clock skew (shipped before placed) and orders that
    # sat for more than 90 days; plus the exact 90-day boundary (valid) and 1 µs past it.
    pool = Picker(rng, np.flatnonzero(is_shipped & (created < END - 160 * DAY)))
    n_shipped = int(is_shipped.sum())
    before = pool.take(count(0.002, n_shipped, 3))
    shipped[before] = created[before] - piecewise(rng, len(before), [HOUR, 48 * HOUR], [1])
    slow = pool.take(count(0.002, n_shipped, 3))
    shipped[slow] = created[slow] + piecewise(rng, len(slow), [91 * DAY, 150 * DAY], [1])
    exact = pool.take(2)
    shipped[exact] = created[exact] + 90 * DAY
    just_over = pool.take(2)
    shipped[just_over] = created[just_over] + 90 * DAY + 1
    shipped = np.where(is_shipped, shipped, -1)
    updated = np.select([status == 2, status == 1], [np.maximum(shipped, created), paid], created)

    cust = sess["cust_of_sess"][o_sess]
    return {
        "order_ids": o_ids,
        "order_customer": cust,  # index into active customers; mapped later
        "order_status": status,
        "order_created_at": created,
        "order_shipped_at": shipped,
        "order_updated_at": updated,
        "order_paid_at": paid,
        "failed_order_ids": failed_ids,
        **_items(seed, sess, products, o_sess, o_ids, created),
    }


def _items(
    seed: int,
    sess: dict[str, Any],
    products: Products,
    o_sess: np.ndarray,
    o_ids: np.ndarray,
    o_created: np.ndarray,
) -> dict[str, Any]:
    """An order holds the products whose last cart action in its session was an add."""
    rng = stream(seed, "items")
    etype, product, ev_sess = sess["raw_type"], sess["raw_product"], sess["ev_sess"]
    kind = sess["kind"]
    rows = np.flatnonzero((kind[ev_sess] == ORDERING) & ((etype == ADD) | (etype == REMOVE)))
    rows = rows[np.lexsort((rows, product[rows], ev_sess[rows]))]
    s, p = ev_sess[rows], product[rows]
    last_action = np.ones(len(rows), dtype=bool)
    last_action[:-1] = (s[1:] != s[:-1]) | (p[1:] != p[:-1])
    rows = rows[last_action & (etype[rows] == ADD)]
    # order row of each kept event
    row_of_sess = np.full(len(kind), -1, dtype=np.int64)
    row_of_sess[o_sess] = np.arange(len(o_sess))
    o_row = row_of_sess[ev_sess[rows]]
    order = np.lexsort((rows, o_row))
    rows, o_row = rows[order], o_row[order]
    n = len(rows)
    item_product = product[rows]
    created = o_created[o_row]
    quantity = choose_values(rng, n, [1, 2, 3, 4, 5], [60, 22, 10, 5, 3])
    cents = products.price_at(item_product, created)
    # ~20 % of lines carry a discount of 5 %–100 % of the line (always > 0 and ≤ the line).
    discount = np.full(n, -1, dtype=np.int64)
    discounted = percent(rng, n, 20)
    pct = choose_values(rng, n, [5, 10, 15, 20, 25, 30, 50, 100], [20, 25, 15, 15, 10, 8, 5, 2])
    discount[discounted] = np.maximum(1, quantity * cents * pct // 100)[discounted]
    pool = Picker(rng, np.flatnonzero(~discounted))
    discount[pool.take(count(0.001, n, 2))] = 0  # an explicit 0.00 discount
    gifts = pool.take(count(0.001, n, 2))  # free gifts: unit_price 0.00
    cents[gifts] = 0
    item_order = o_ids[o_row]
    return {
        "item_order": item_order,
        "item_product": item_product,
        "item_quantity": quantity,
        "item_cents": cents,
        "item_discount": discount,
        "item_created_at": _late_lines(seed, item_order, created),
    }


def _late_lines(seed: int, item_order: np.ndarray, created: np.ndarray) -> np.ndarray:
    """``created_at`` of the lines, a few of them added to their order hours to days later.

    Never an order's first line (every order has a line from the start), never after the end of
    the data; the line keeps the price of the order's time, as a shop honours it.
    """
    rng = stream(seed, "late_lines")
    later = np.flatnonzero(np.r_[False, item_order[1:] == item_order[:-1]])
    rows = pick(rng, later, count(LATE_LINES, len(item_order), 3))
    added = created[rows] + piecewise(rng, len(rows), *LATE_LINE_DELAY)
    fits = added < END
    out = created.copy()
    out[rows[fits]] = added[fits]
    return out
