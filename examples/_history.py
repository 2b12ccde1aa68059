"""The shop over time: when each row, and each version of a row, reached the database.

The simulation (``examples._world``) makes the whole year at once, and ``examples._tables`` makes
the database as it is at the end of it. Here every row of those tables gets the moment it arrived
(a clean event at its timestamp, a late one later, an order at its ``created_at`` …) and every
row that is updated in place (orders, customers) gets its earlier versions and the moments they
were replaced. The database as of a moment is then a mask over the year, and the changes between
two moments the rows between two masks: however a moment is reached (made as of it, or advanced
to it in one step or many), it holds the same rows.

All randomness is new, in streams of its own (``arrival``, ``customer_history``): the year's
tables are exactly what they are without any of this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from examples import _text as tx
from examples._rand import percent, piecewise, stream
from examples._tables import (
    STATUS_FORMS,
    STATUS_LABELS,
    STATUSES,
    EventRows,
    customer_versions,
    event_rows,
    messy_labels,
    orderitem,
    orders,
    product,
    status_forms,
    timestamps,
)
from examples._world import DAY, END, HOUR, MINUTE, SECOND, Sizes, World, simulate

# Every arrival is capped at the end of the data (1 µs before it: the last day holds them all),
# so the shop as of 2026-11-22, or any moment after, is the whole year.
LAST = END - 1
NEVER = np.iinfo(np.int64).max

# Late deliveries of events, in 1/10,000 of the rows: a few % by minutes (a phone on a bad
# connection), a few per mille by days (an app that was offline, a replayed queue).
LATE_BY_MINUTES = 300  # 3 %
LATE_BY_DAYS = 20  # 0.2 %
MINUTES_LATE = ([MINUTE, 5 * MINUTE, 20 * MINUTE, 2 * HOUR], [45, 35, 20])
DAYS_LATE = ([DAY, 3 * DAY, 7 * DAY, 21 * DAY], [45, 35, 20])
# An identical redelivery (the same timestamp as its first send) arrives this long after it.
IDENTICAL_LAG = ([SECOND, MINUTE, 10 * MINUTE, HOUR], [40, 40, 20])
# Of the ids redelivered with later timestamps only, this % have their first send (the earliest
# stamp, the one stg_events keeps) arrive after every repeat, this long after the last one.
SWAPPED = 40
SWAP_LAG = ([SECOND, MINUTE, 30 * MINUTE, 6 * HOUR], [30, 50, 20])

_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)


def moment(as_of: date | datetime | None) -> int:
    """The last µs the shop has seen as of ``as_of``: a date is the whole day (everything that
    arrived before the next midnight), a datetime that very moment (at or before it), None the
    end of the data. An aware datetime is read in UTC."""
    if as_of is None:
        return LAST
    if isinstance(as_of, datetime):
        if as_of.tzinfo is not None:
            as_of = as_of.astimezone(UTC).replace(tzinfo=None)
        return (as_of - _EPOCH) // _US
    if isinstance(as_of, date):
        days = as_of.toordinal() - _EPOCH.toordinal()
        return (days + 1) * DAY - 1
    raise TypeError(f"as_of must be a date or a datetime, not {type(as_of).__name__}")


def to_datetime(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=int(us))


def describe(us: int) -> str:
    """A moment as the user said it: ``2026-03-01`` for the end of a day, else the datetime."""
    if (us + 1) % DAY == 0:
        return (to_datetime(us + 1) - timedelta(days=1)).date().isoformat()
    return to_datetime(us).isoformat(sep=" ")


@dataclass
class Versioned:
    """A table whose rows are inserted and then updated in place.

    ``rows`` holds ``k`` blocks of ``n`` rows: version ``v`` of row ``i`` is row ``v * n + i``.
    ``times[0]`` is when a row was inserted, ``times[v]`` when version ``v`` replaced the one
    before (non-decreasing along ``v``; ``NEVER``: it did not).
    """

    rows: pa.Table
    times: np.ndarray

    def _version(self, t: int) -> np.ndarray:
        n = self.times.shape[1]
        return (self.times[1:] <= t).sum(axis=0) * n + np.arange(n)

    def at(self, t: int) -> pa.Table:
        return self.rows.take(pa.array(self._version(t)[self.times[0] <= t]))

    def changes(self, t1: int, t2: int) -> tuple[pa.Table, pa.Table]:
        """(rows inserted, rows updated) in ``(t1, t2]``, each as it is at ``t2``."""
        inserted = self.times[0] > t1
        inserted &= self.times[0] <= t2
        before, after = self._version(t1), self._version(t2)
        updated = (self.times[0] <= t1) & (before != after)
        return self.rows.take(pa.array(after[inserted])), self.rows.take(pa.array(after[updated]))


@dataclass
class Appended:
    """A table that is only ever inserted into: each row and the moment it arrived."""

    rows: pa.Table | EventRows  # the events are made into Arrow columns only when selected
    arrival: np.ndarray

    def _select(self, mask: np.ndarray) -> pa.Table:
        if isinstance(self.rows, EventRows):
            return self.rows.table(mask)
        return self.rows.filter(pa.array(mask))

    def at(self, t: int) -> pa.Table:
        return self._select(self.arrival <= t)

    def changes(self, t1: int, t2: int) -> tuple[pa.Table, None]:
        arrived = self.arrival > t1
        arrived &= self.arrival <= t2
        return self._select(arrived), None


@dataclass
class History:
    """The whole year, and when each row and each version of a row arrived."""

    tables: dict[str, Appended | Versioned]

    def at(self, t: int) -> dict[str, pa.Table]:
        """The five tables as of moment ``t`` (µs): the rows arrived by then, as they were."""
        return {name: table.at(t) for name, table in self.tables.items()}

    def changes(self, t1: int, t2: int) -> tuple[dict[str, pa.Table], dict[str, pa.Table]]:
        """Rows inserted per table, and rows updated (their new version) per updated table,
        between moments ``t1`` (excluded) and ``t2`` (included), each as it is at ``t2``."""
        inserted, updated = {}, {}
        for name, table in self.tables.items():
            inserted[name], new_versions = table.changes(t1, t2)
            if new_versions is not None:
                updated[name] = new_versions
        return inserted, updated


def history(scale: float, seed: int) -> History:
    world = simulate(Sizes.for_scale(scale), seed)
    customers, customers_before = customer_versions(world, seed)
    live = ~world.customer_deleted
    times = np.stack([world.customer_created_at[live], world.customer_updated_at[live]])
    customer = Versioned(
        pa.concat_tables([customers_before, customers]).combine_chunks(), np.minimum(times, LAST)
    )
    products = product(world, seed)
    items = orderitem(world, seed)
    events = event_rows(world, seed)
    return History(
        {
            "customer": customer,
            "product": Appended(
                products,
                _capped(pc.coalesce(products["updated_at"], products["created_at"])),
            ),
            "orders": _order_versions(world, seed, orders(world, seed)),
            "orderitem": Appended(items, _capped(items["created_at"])),
            "events": Appended(events, _event_arrival(events.ids, events.at, seed)),
        }
    )


def _capped(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    us = column.cast(pa.int64())
    if isinstance(us, pa.ChunkedArray):
        us = us.combine_chunks()
    return np.minimum(us.to_numpy(), LAST)


def _order_versions(world: World, seed: int, today: pa.Table) -> Versioned:
    """PLACED at ``created_at``, PAID at the paid time, SHIPPED at ``max(created_at, shipped_at)``
    (a clock-skewed order is shipped, and so paid, as it is placed); ``updated_at`` is the time
    of the version, the status text keeps the order's spelling."""
    status = world.order_status
    created = world.order_created_at
    shipped = np.where(
        status == 2, np.minimum(np.maximum(world.order_shipped_at, created), LAST), NEVER
    )
    paid = np.where(status >= 1, np.minimum(np.minimum(world.order_paid_at, shipped), LAST), NEVER)
    n = len(status)
    forms = status_forms(world, seed)
    blocks = []
    for code, updated_at in enumerate([created, world.order_paid_at, world.order_updated_at]):
        labels = messy_labels(np.full(n, code), forms, len(STATUSES), len(STATUS_FORMS))
        shipped_at = world.order_shipped_at
        columns = {
            "status": tx.lookup(STATUS_LABELS, labels),
            "shipped_at": timestamps(shipped_at, (shipped_at < 0) | (code < 2)),
            "updated_at": timestamps(updated_at),
        }
        block = today
        for name, column in columns.items():
            i = today.schema.get_field_index(name)
            block = block.set_column(i, today.schema.field(name), column)
        blocks.append(block)
    times = np.stack([np.minimum(created, LAST), paid, shipped])
    return Versioned(pa.concat_tables(blocks).combine_chunks(), times)


def _event_arrival(ids: np.ndarray, at: np.ndarray, seed: int) -> np.ndarray:
    """When each row of the events table was delivered.

    At its timestamp (a redelivery's later stamp is the time it was sent again), an identical
    redelivery a little after the copy it repeats; 3 % of the rows minutes late and 0.2 % days
    late; and for 40 % of the ids redelivered with later stamps only, the first send (the
    earliest stamp) after all its repeats.
    """
    rng = stream(seed, "arrival")
    n = len(ids)
    arrival = at.copy()
    # Rows are by id, then timestamp: a repeat follows the first send (its id's earliest stamp)
    # and the repeats before it. Only the repeats (1 % of the rows) are looked at one by one.
    repeats = np.flatnonzero(ids[1:] == ids[:-1]) + 1
    new_id = np.r_[True, np.diff(repeats) != 1]  # the first repeat of its id
    group = np.cumsum(new_id) - 1
    firsts = repeats[new_id] - 1  # the first send of each repeated id
    origin = firsts[group]
    identical = repeats[at[repeats] == at[origin]]
    arrival[identical] += piecewise(rng, len(identical), *IDENTICAL_LAG)
    late = rng.integers(0, 10_000, n)
    by_minutes = np.flatnonzero(late < LATE_BY_MINUTES)
    arrival[by_minutes] += piecewise(rng, len(by_minutes), *MINUTES_LATE)
    by_days = np.flatnonzero((late >= LATE_BY_MINUTES) & (late < LATE_BY_MINUTES + LATE_BY_DAYS))
    arrival[by_days] += piecewise(rng, len(by_days), *DAYS_LATE)
    # The first send stuck in a queue: every repeat (all stamped later) arrives before it.
    bounds = np.flatnonzero(new_id)
    if len(bounds):
        later_only = np.flatnonzero(np.minimum.reduceat(at[repeats], bounds) > at[firsts])
        swapped = later_only[percent(rng, len(later_only), SWAPPED)]
        last_repeat = np.maximum.reduceat(arrival[repeats], bounds)[swapped]
        rows = firsts[swapped]
        lag = piecewise(rng, len(rows), *SWAP_LAG)
        arrival[rows] = np.maximum(arrival[rows], last_repeat + lag)
    return np.minimum(arrival, LAST, out=arrival)
