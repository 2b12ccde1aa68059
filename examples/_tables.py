"""From the clean simulation to the five raw tables, with the dirt a real webshop database has.

Every kind of dirt is planted at a documented rate (see examples/README.md) with a floor, so
that even scale 0.01 has a few rows of each. Rows for different kinds of dirt on one column come
from one :class:`Picker`, so they never overlap by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from examples import _text as tx
from examples._rand import Picker, categorical, count, percent, pick, piecewise, stream
from examples._world import (
    ADD,
    APPLY_COUPON,
    CHECKOUT_STARTED,
    EVENT_BASE,
    ITEM_BASE,
    MINUTE,
    ORDERING,
    PLACE,
    SEARCH,
    SECOND,
    US,
    VIEW,
    World,
)

BIGINT = pa.int64()
INTEGER = pa.int32()
TEXT = pa.string()
MONEY = pa.decimal128(10, 2)
TIMESTAMP = pa.timestamp("us")

# fmt: off
SCHEMAS: dict[str, pa.Schema] = {
    "customer": pa.schema([
        ("id", BIGINT), ("first_name", TEXT), ("last_name", TEXT), ("email", TEXT),
        ("phone_number", TEXT), ("created_at", TIMESTAMP), ("updated_at", TIMESTAMP),
    ]),
    "product": pa.schema([
        ("id", BIGINT), ("name", TEXT), ("category", TEXT), ("price", MONEY),
        ("created_at", TIMESTAMP), ("updated_at", TIMESTAMP),
    ]),
    "orders": pa.schema([
        ("id", BIGINT), ("customer_id", BIGINT), ("status", TEXT), ("created_at", TIMESTAMP),
        ("shipped_at", TIMESTAMP), ("updated_at", TIMESTAMP),
    ]),
    "orderitem": pa.schema([
        ("id", BIGINT), ("order_id", BIGINT), ("product_id", BIGINT), ("quantity", INTEGER),
        ("unit_price", MONEY), ("discount", MONEY), ("created_at", TIMESTAMP),
    ]),
    "events": pa.schema([
        ("id", BIGINT), ("customer_id", BIGINT), ("event_type", TEXT), ("product_id", BIGINT),
        ("order_id", BIGINT), ("event_timestamp", TIMESTAMP),
    ]),
}

# fmt: on

EVENT_TYPES = [
    "VISIT",
    "SEARCH",
    "VIEW_PRODUCT",
    "ADD_PRODUCT_TO_CART",
    "REMOVE_PRODUCT_FROM_CART",
    "PLACE_ORDER",
    "CHECKOUT_STARTED",
    "APPLY_COUPON",
]
EVENT_FORMS = [
    str.lower,
    lambda t: f" {t}",
    lambda t: f"{t}\t",
    str.title,
    lambda t: f" {t.lower()}\n",
]
EVENT_LABELS = tx.variants(EVENT_TYPES, EVENT_FORMS)
STATUSES = ["PLACED", "PAID", "SHIPPED"]
STATUS_FORMS = [
    str.lower,
    lambda s: f" {s.lower()} ",
    lambda s: f"{s.title()}\t",
    lambda s: f" {s}",
    str.title,
    lambda s: f"{s}\n",
]
STATUS_LABELS = tx.variants(STATUSES, STATUS_FORMS)

WHITE_SPACE = " \t\n\r\v\f"  # what the models trim
HOUR_S = 3600
DAY_S = 86_400

NOUNS = [noun for nouns in tx.CATEGORIES.values() for noun in nouns]
CATEGORY_NAMES = list(tx.CATEGORIES)


# --- Arrow columns from numpy -------------------------------------------------------------------


def int64s(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), type=BIGINT, mask=null)


def timestamps(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), type=TIMESTAMP, mask=null)


_CENT = pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))


def money(cents: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Integer cents → decimal(10,2), exactly (a decimal multiply, never through a float)."""
    whole = pa.array(np.asarray(cents, dtype=np.int64), mask=null).cast(pa.decimal128(19, 0))
    return pc.multiply(whole, _CENT).cast(MONEY)


def _table(name: str, columns: list[pa.Array]) -> pa.Table:
    return pa.Table.from_arrays(columns, schema=SCHEMAS[name])


def build(world: World, seed: int) -> dict[str, pa.Table]:
    return {
        "customer": customer(world, seed),
        "product": product(world, seed),
        "orders": orders(world, seed),
        "orderitem": orderitem(world, seed),
        "events": events(world, seed),
    }


# --- customer -----------------------------------------------------------------------------------

EMAIL_TEMPLATES = ["{f}.{l}{n}@{d}", "{i}{l}{n}@{d}", "{l}.{f}{n}@{d}", "{f}{n}@{d}"]
EMAIL_TEMPLATE_WEIGHTS = [50, 25, 15, 10]
# Phone formats per 1000 customers; the comment says what the spec's normalisation makes of it.
PHONE_FORMATS: list[tuple[str | None, int]] = [
    ("{a}-{e}-{l}", 540),  # kept
    ("({a}) {e}-{l}", 100),  # kept
    ("{a}.{e}.{l}", 80),  # kept
    ("{a}{e}{l}", 50),  # kept
    ("+1 {a}.{e}.{l} x{x}", 40),  # extension cut, leading 1 dropped: kept
    ("{a}-{e}-{l} ext. {x}", 30),  # cut at the x of "ext": kept
    ("1-{a}-{e}-{l}", 40),  # 11 digits starting with 1: kept
    ("+1 ({a}) {e}-{l}", 20),  # kept
    (" {a} {e} {l} ", 10),  # kept
    ("{a}-{e}-{l}ext{x}", 10),  # kept
    ("{e}-{l}", 20),  # 7 digits: NULL
    ("Fax: {a} {e} {l}", 10),  # cut at the x of "Fax": NULL
    ("+44 20 {l} {m}", 10),  # 12 digits: NULL
    (None, 40),  # NULL
]


def customer(world: World, seed: int) -> pa.Table:
    return _customer(world, seed)[0]


def _customer(world: World, seed: int) -> tuple[pa.Table, dict[str, Any]]:
    """Today's customer rows, and what :func:`customer_versions` needs to know of them."""
    rng = stream(seed, "customer_text")
    rows = np.flatnonzero(~world.customer_deleted)
    n = len(rows)
    ids = world.customer_ids[rows]
    fcode = rng.integers(0, len(tx.FIRST_NAMES), n)
    lcode = rng.integers(0, len(tx.LAST_NAMES), n)
    first = tx.lookup([f for f, _ in tx.FIRST_NAMES], fcode)
    last = tx.lookup([n for n, _ in tx.LAST_NAMES], lcode)

    # E-mail: built from the ASCII forms plus the id, so unique until shared on purpose.
    f_ascii = tx.lookup([a for _, a in tx.FIRST_NAMES], fcode)
    domain = categorical(rng, n, tx.EMAIL_DOMAIN_WEIGHTS)
    fields = {
        "f": f_ascii,
        "l": tx.lookup([a for _, a in tx.LAST_NAMES], lcode),
        "i": pc.utf8_slice_codeunits(f_ascii, 0, 1),
        "n": pa.array(ids).cast(TEXT),
        "d": tx.lookup(tx.EMAIL_DOMAINS, domain),
    }
    style = categorical(rng, n, EMAIL_TEMPLATE_WEIGHTS)
    email = pa.nulls(n, TEXT)
    for s, template in enumerate(EMAIL_TEMPLATES):
        at = np.flatnonzero(style == s)
        email = tx.scatter(email, at, tx.render(template, fields, at))
    own = email
    pool = Picker(rng, np.arange(n))
    null_email = pool.take(count(0.04, n, 3))
    sharers = pool.take(count(0.03, n, 3))
    # Several customers on one address (families, shared office mailboxes): two owners for
    # three sharers, so most shared addresses have two customers and some three or more.
    owners = pool.take(max(1, len(sharers) * 2 // 3))
    email = tx.scatter(
        email, sharers, email.take(pa.array(owners[rng.integers(0, len(owners), len(sharers))]))
    )
    email = tx.set_null(email, null_email)
    has_email = np.setdiff1d(np.arange(n), null_email)
    # Mixed case and white space are independent of sharing: a shared address may be written
    # "Anna.Smith1@Example.com" by one customer and " anna.smith1@example.com" by another.
    mixed = pick(rng, has_email, count(0.06, n, 3))
    form = rng.integers(0, 3, len(mixed))
    for f, fn in enumerate([pc.ascii_upper, pc.utf8_title, pc.ascii_capitalize]):
        at = mixed[form == f]
        email = tx.scatter(email, at, fn(email.take(pa.array(at))))
    email = tx.pad(rng, email, pick(rng, has_email, count(0.03, n, 6)))

    # Names: white space around some; a few last names missing; a few first names blank.
    names = Picker(rng, np.arange(n))
    first = tx.pad(rng, first, names.take(count(0.02, n, 3)))
    last = tx.pad(rng, last, names.take(count(0.02, n, 3)))
    last = tx.set_null(last, names.take(count(0.005, n, 2)))
    blank = names.take(count(0.003, n, 2))
    first = tx.scatter(first, blank, tx.lookup([" ", "\t", " \n "], rng.integers(0, 3, len(blank))))

    created, updated = world.customer_created_at[rows], world.customer_updated_at[rows]
    table = _table(
        "customer",
        [
            int64s(ids),
            first,
            last,
            email,
            _phones(rng, n),
            timestamps(created),
            timestamps(updated),
        ],
    )
    parts = {
        "own_email": own,
        "domain": domain,
        "last_code": lcode,
        "sharers": sharers,
        "owners": owners,
        "created": created,
        "updated": updated,
    }
    return table, parts


def customer_versions(world: World, seed: int) -> tuple[pa.Table, pa.Table]:
    """Today's customer rows, and each row as it was before its update.

    The earlier version has ``updated_at = created_at`` and, where the customer changed them,
    the old e-mail, phone number or last name (its own stream: today's rows do not move):

    - customers on a shared address had their own one until their update;
    - a few had another customer's (older) address and left it for their own;
    - some had an address at another domain, an older phone number or another last name.

    Rows never updated (``updated_at = created_at``) are the same in both tables.
    """
    final, parts = _customer(world, seed)
    rng = stream(seed, "customer_history")
    n = final.num_rows
    created, updated = parts["created"], parts["updated"]
    changed = np.flatnonzero(updated > created)
    email = final["email"].combine_chunks()
    # Moved to the shared address at the update: the other customers on it had it alone before.
    movers = np.intersect1d(parts["sharers"], changed)
    before = tx.scatter(email, movers, parts["own_email"].take(pa.array(movers)))
    solo = np.setdiff1d(changed, np.concatenate([parts["sharers"], parts["owners"]]))
    solo = solo[pc.is_valid(email.take(pa.array(solo))).to_numpy(zero_copy_only=False)]
    pool = Picker(rng, solo)  # updated customers with an address of their own
    # Left an address they shared with an earlier customer: that one is alone on it since.
    leavers = pool.take(count(0.03, len(changed), 2))
    by_created = np.argsort(created, kind="stable")
    earlier = np.searchsorted(created[by_created], created[leavers], side="left")
    leavers, earlier = leavers[earlier > 0], earlier[earlier > 0]
    other = by_created[rng.integers(0, earlier)]
    other_email = email.take(pa.array(other))
    ok = pc.is_valid(other_email).to_numpy(zero_copy_only=False)
    leavers, other_email = leavers[ok], other_email.filter(pa.array(ok))
    before = tx.scatter(before, leavers, pc.ascii_lower(pc.utf8_trim(other_email, WHITE_SPACE)))
    # An address at another domain before.
    moved = pool.take(count(0.15, len(changed), 2))
    local = pc.replace_substring_regex(parts["own_email"].take(pa.array(moved)), "@.*$", "@")
    shift = rng.integers(1, len(tx.EMAIL_DOMAINS), len(moved))
    domain = tx.lookup(tx.EMAIL_DOMAINS, (parts["domain"][moved] + shift) % len(tx.EMAIL_DOMAINS))
    before = tx.scatter(before, moved, pc.binary_join_element_wise(local, domain, ""))
    # An older phone number, another last name (married, a typo fixed).
    phone = final["phone_number"].combine_chunks()
    new_phone = pick(rng, changed, count(0.3, len(changed), 2))
    phone = tx.scatter(phone, new_phone, _phones(rng, n).take(pa.array(new_phone)))
    last = final["last_name"].combine_chunks()
    renamed = pick(rng, changed, count(0.08, len(changed), 2))
    n_last = len(tx.LAST_NAMES)
    code = (parts["last_code"][renamed] + rng.integers(1, n_last, len(renamed))) % n_last
    last = tx.scatter(last, renamed, tx.lookup([name for name, _ in tx.LAST_NAMES], code))
    columns = {
        "last_name": last,
        "email": before,
        "phone_number": phone,
        "updated_at": final["created_at"],
    }
    earlier_rows = final
    for name, column in columns.items():
        earlier_rows = earlier_rows.set_column(
            final.schema.get_field_index(name), final.schema.field(name), column
        )
    return final, earlier_rows


def _phones(rng: np.random.Generator, n: int) -> pa.Array:
    fields = {
        "a": tx.digits(rng.integers(201, 990, n), 3),
        "e": tx.digits(rng.integers(200, 1000, n), 3),
        "l": tx.digits(rng.integers(0, 10_000, n), 4),
        "m": tx.digits(rng.integers(0, 10_000, n), 4),
        "x": pa.array(rng.integers(1, 1000, n)).cast(TEXT),
    }
    fmt = categorical(rng, n, [w for _, w in PHONE_FORMATS])
    # Every format at least twice, however small the scale.
    floor = Picker(rng, np.arange(n))
    for f in range(len(PHONE_FORMATS)):
        fmt[floor.take(2)] = f
    phone = pa.nulls(n, TEXT)
    for f, (template, _) in enumerate(PHONE_FORMATS):
        at = np.flatnonzero(fmt == f)
        if template is not None:
            phone = tx.scatter(phone, at, tx.render(template, fields, at))
    return phone


# --- product ------------------------------------------------------------------------------------

# Tie duplicates of a product's latest version, each resolved by a later rule of stg_product:
TIE_KINDS = [
    "later_created",  # same updated_at, later created_at (a re-import): created_at decides
    "other_price",  # same updated_at and created_at, other price: the highest price wins
    "other_name",  # same times and price, another name: the smallest trimmed name wins
    "other_category",  # same up to the name, another category: the smallest category wins
    "null_price",  # same times, NULL price: NULL is lowest, the priced row wins
    "identical",  # an exact copy of the row
]


def product(world: World, seed: int) -> pa.Table:
    rng = stream(seed, "product_text")
    p = world.products
    live = ~p.deleted[p.v_product]
    vp = p.v_product[live]
    n = len(vp)
    updated = p.v_updated_at[live].copy()
    cents = p.v_cents[live].copy()
    created = p.created_at[vp]
    name_code = p.name_code[vp]
    category = p.category[vp].copy()
    renamed = np.zeros(n, dtype=bool)
    renamed[p.v_seq[live] > 0] = percent(rng, int((p.v_seq[live] > 0).sum()), 10)
    prefixed = np.zeros(n, dtype=bool)

    latest = np.flatnonzero(np.r_[vp[1:] != vp[:-1], True])
    first_rows = np.flatnonzero(np.r_[True, vp[1:] != vp[:-1]])
    pool = Picker(rng, latest)
    ties = {kind: pool.take(count(0.005, len(latest), 2)) for kind in TIE_KINDS}
    src = np.concatenate(list(ties.values()))
    d_updated = updated[src]
    d_cents = cents[src].copy()
    d_created = created[src].copy()
    d_category = category[src].copy()
    d_prefixed = np.zeros(len(src), dtype=bool)
    at = 0
    for kind, rows in ties.items():
        sl = slice(at, at + len(rows))
        at += len(rows)
        if kind == "later_created":
            d_created[sl] += piecewise(rng, len(rows), [HOUR_S, 30 * DAY_S], [1]) * US
            d_cents[sl] = d_cents[sl] + rng.integers(-5, 6, len(rows)) * 100
        elif kind == "other_price":
            d_cents[sl] = d_cents[sl] + rng.choice([-200, -100, 100, 300], len(rows))
        elif kind == "other_name":
            d_prefixed[sl] = True
        elif kind == "other_category":
            d_category[sl] = (d_category[sl] + rng.integers(1, 10, len(rows))) % 10
        elif kind == "null_price":
            d_cents[sl] = -1
    d_cents = np.where(d_cents == -1, -1, np.maximum(d_cents, 99))

    # NULL prices on a few other versions (half of them the latest one, so some products are
    # unpriced in dim_product), NULL updated_at on a few first versions (NULL counts as oldest).
    in_tie = np.zeros(n, dtype=bool)
    in_tie[src] = True
    untied = Picker(rng, latest[~in_tie[latest]])
    older = Picker(rng, np.setdiff1d(np.arange(n), np.concatenate([latest, src])))
    k = count(0.01, n, 4)
    cents[np.concatenate([untied.take(k // 2), older.take(k - k // 2)])] = -1
    firsts = Picker(rng, first_rows[~in_tie[first_rows]])
    updated[firsts.take(count(0.01, n, 3))] = -1

    vp_all = np.concatenate([vp, vp[src]])
    cols = {
        "name_code": np.concatenate([name_code, name_code[src]]),
        "renamed": np.concatenate([renamed, renamed[src]]),
        "prefixed": np.concatenate([prefixed, d_prefixed]),
        "category": np.concatenate([category, d_category]),
        "cents": np.concatenate([cents, d_cents]),
        "created": np.concatenate([created, d_created]),
        "updated": np.concatenate([updated, d_updated]),
    }
    # Rows by product id, versions and their duplicates in no particular order (a raw table has
    # none): a tie-break that trusts row order would pick differently on the two engines.
    order = np.lexsort((rng.permutation(len(vp_all)), vp_all))
    vp_all = vp_all[order]
    cols = {k: v[order] for k, v in cols.items()}
    m = len(vp_all)

    adjective, noun = cols["name_code"] // 1000, cols["name_code"] % 1000
    name = tx.lookup(NOUNS, noun)
    name = pc.binary_join_element_wise(tx.lookup(tx.ADJECTIVES, adjective), name, " ")
    for flag, template in [("renamed", "{n} Plus"), ("prefixed", "New {n}")]:
        rows = np.flatnonzero(cols[flag])
        name = tx.scatter(name, rows, tx.render(template, {"n": name}, rows))
    category_text = tx.lookup(CATEGORY_NAMES, cols["category"])
    text = Picker(rng, np.arange(m))
    name = tx.pad(rng, name, text.take(count(0.01, m, 3)))
    category_text = tx.pad(rng, category_text, text.take(count(0.01, m, 3)))

    return _table(
        "product",
        [
            int64s(p.ids[vp_all]),
            name,
            category_text,
            money(cols["cents"], cols["cents"] < 0),
            timestamps(cols["created"]),
            timestamps(cols["updated"], cols["updated"] < 0),
        ],
    )


# --- orders and items ---------------------------------------------------------------------------


MessyForms = tuple[np.ndarray, np.ndarray]  # per row: odd form or not, which form


def _messy_draws(rng: np.random.Generator, n: int, n_forms: int, pct: int) -> MessyForms:
    """Which of ``n`` rows write their label in an odd form (``pct`` %), and in which form."""
    return percent(rng, n, pct), rng.integers(0, n_forms, n)


def messy_labels(
    codes: np.ndarray, draws: MessyForms, n_canonical: int, n_forms: int
) -> np.ndarray:
    """Label codes (see tx.variants) of ``codes`` in each row's form: the same form whatever the
    code, so an order's status keeps its odd spelling from PLACED to SHIPPED."""
    messy, form = draws
    return np.where(messy, n_canonical + codes * n_forms + form, codes)


def _messy_labels(
    rng: np.random.Generator, codes: np.ndarray, n_canonical: int, n_forms: int, pct: int
) -> np.ndarray:
    """Label codes with ``pct`` % turned into odd-case / white-space forms (see tx.variants)."""
    draws = _messy_draws(rng, len(codes), n_forms, pct)
    return messy_labels(codes, draws, n_canonical, n_forms)


def status_forms(world: World, seed: int) -> MessyForms:
    """Each order's spelling of its status (the draws of :func:`orders`)."""
    rng = stream(seed, "orders", 1)
    return _messy_draws(rng, len(world.order_ids), len(STATUS_FORMS), 6)


def orders(world: World, seed: int) -> pa.Table:
    forms = status_forms(world, seed)
    status = messy_labels(world.order_status, forms, len(STATUSES), len(STATUS_FORMS))
    shipped = world.order_shipped_at
    return _table(
        "orders",
        [
            int64s(world.order_ids),
            int64s(world.order_customer),
            tx.lookup(STATUS_LABELS, status),
            timestamps(world.order_created_at),
            timestamps(shipped, shipped < 0),
            timestamps(world.order_updated_at),
        ],
    )


def orderitem(world: World, seed: int) -> pa.Table:
    rng = stream(seed, "items", 1)
    n = len(world.item_order)
    order_id = world.item_order.copy()
    product_idx = world.item_product.copy()
    pool = Picker(rng, np.arange(n))
    # Lines of orders that were never committed (their ids are the failed checkouts').
    orphans = pool.take(count(0.003, n, 3))
    missing_orders = world.failed_order_ids
    if len(missing_orders) == 0:
        missing_orders = np.array([world.order_ids.max() + 1])
    order_id[orphans] = missing_orders[rng.integers(0, len(missing_orders), len(orphans))]
    # Lines of products deleted from the catalogue since.
    gone = np.flatnonzero(world.products.deleted)
    lost = pool.take(count(0.003, n, 3))
    product_idx[lost] = gone[rng.integers(0, len(gone), len(lost))]
    discount = world.item_discount
    return _table(
        "orderitem",
        [
            int64s(ITEM_BASE + np.arange(n)),
            int64s(order_id),
            int64s(world.products.ids[product_idx]),
            pa.array(world.item_quantity.astype(np.int32), type=INTEGER),
            money(world.item_cents),
            money(discount, discount < 0),
            timestamps(world.item_created_at),
        ],
    )


# --- events -------------------------------------------------------------------------------------


def events(world: World, seed: int) -> pa.Table:
    return event_rows(world, seed).table()


@dataclass
class EventRows:
    """The events table before it is made of Arrow columns: which simulated event each row
    delivers, and when it was stamped (rows by id, then timestamp)."""

    world: World
    rows: np.ndarray  # index into the world's events
    at: np.ndarray  # event_timestamp, µs
    labels: np.ndarray  # per world event: event_type label code
    product: np.ndarray  # per world event: index into products.ids, -1 = none

    @property
    def ids(self) -> np.ndarray:
        return EVENT_BASE + self.rows  # assigned in time order, as an ingestion sequence does

    def table(self, select: np.ndarray | None = None) -> pa.Table:
        """The rows (all, or those of the boolean mask ``select``) as the events table."""
        rows, at = self.rows, self.at
        if select is not None:
            rows, at = rows[select], at[select]
        world = self.world
        customer = world.ev_customer[rows]
        prod = self.product[rows]
        order_id = world.ev_order[rows]
        return _table(
            "events",
            [
                int64s(EVENT_BASE + rows),
                int64s(customer, customer < 0),
                tx.lookup(EVENT_LABELS, self.labels[rows]),
                int64s(world.products.ids[np.maximum(prod, 0)], prod < 0),
                int64s(order_id, order_id < 0),
                timestamps(at),
            ],
        )


def event_rows(world: World, seed: int) -> EventRows:
    rng = stream(seed, "event_dirt")
    n = len(world.ev_at)
    etype = world.ev_type.copy()
    product_idx = world.ev_product.copy()
    known = world.ev_customer >= 0

    # Event types the spec does not know yet (tracking rolled out a new event).
    new = pick(
        rng, np.flatnonzero(known & ((etype == SEARCH) | (etype == VIEW))), count(0.003, n, 3)
    )
    etype[new] = np.where(percent(rng, len(new), 70), CHECKOUT_STARTED, APPLY_COUPON)
    product_idx[new] = -1
    # Add-to-cart events without a product, or naming a product since deleted.
    adds = Picker(rng, np.flatnonzero(known & (etype == ADD)))
    n_adds = int((etype == ADD).sum())
    product_idx[adds.take(count(0.002, n_adds, 3))] = -1
    gone = np.flatnonzero(world.products.deleted)
    lost_product = adds.take(count(0.002, n_adds, 3))
    product_idx[lost_product] = gone[rng.integers(0, len(gone), len(lost_product))]
    # PLACE_ORDER events that never arrived (the order exists, its event does not).
    places = np.flatnonzero((etype == PLACE) & (world.ev_session_kind == ORDERING))
    keep = np.ones(n, dtype=bool)
    keep[pick(rng, places, count(0.005, len(places), 2))] = False
    labels = _messy_labels(rng, etype, len(EVENT_TYPES), len(EVENT_FORMS), 2)

    # Duplicate deliveries: the same id 2–3 times, half the copies stamped a little later (the
    # time of redelivery), half identical.
    rng = stream(seed, "redelivery")
    kept = np.flatnonzero(keep)
    again = pick(rng, kept, count(0.01, n, 5))
    copies = np.repeat(again, np.where(percent(rng, len(again), 30), 2, 1))
    shift = np.where(
        percent(rng, len(copies), 50),
        piecewise(rng, len(copies), [1000, SECOND, MINUTE, 5 * MINUTE], [30, 50, 20]),
        0,
    )
    rows = np.concatenate([kept, copies])
    at = np.concatenate([world.ev_at[kept], world.ev_at[copies] + shift])
    order = np.lexsort((at, rows))
    return EventRows(world, rows[order], at[order], labels, product_idx)
