"""Seeded random streams and integer-only distributions.

Why integers only: PCG64 and ``Generator.integers`` give the same numbers on every machine, but
``exp``/``log`` (behind lognormal, Poisson, Zipf …) may differ in the last bit between libm and
SIMD implementations, and one bit can flip a rounding. Every distribution here is a table of
integer weights and integer bucket edges, so the same seed gives the same bytes everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Fixed numbers, not hashes of the names (hash() depends on PYTHONHASHSEED); a new stream never
# shifts an existing one, so adding dirt to one table leaves the others byte-identical.
STREAMS: dict[str, int] = {
    "customers": 1,
    "sessions": 2,
    "products": 3,
    "orders": 4,
    "items": 5,
    "customer_text": 6,
    "product_text": 7,
    "event_dirt": 8,
    "redelivery": 9,
    "arrival": 10,
    "customer_history": 11,
    "late_lines": 12,
    "breaks": 100,
}


def stream(seed: int, name: str, *extra: int) -> np.random.Generator:
    """An independent generator for one part of the data (``SeedSequence`` spawn keys)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAMS[name], *extra)))


def categorical(
    rng: np.random.Generator, n: int, weights: Sequence[int] | np.ndarray
) -> np.ndarray:
    """``n`` bucket numbers drawn with the given integer weights."""
    cum = np.cumsum(np.asarray(weights, dtype=np.int64))
    return np.searchsorted(cum, rng.integers(0, cum[-1], n), side="right").astype(np.int64)


def choose_values(
    rng: np.random.Generator, n: int, values: Sequence[int], weights: Sequence[int]
) -> np.ndarray:
    """``n`` values drawn from ``values`` with integer ``weights``."""
    return np.asarray(values, dtype=np.int64)[categorical(rng, n, weights)]


def piecewise(
    rng: np.random.Generator, n: int, edges: Sequence[int], weights: Sequence[int]
) -> np.ndarray:
    """Integers uniform within ``[edges[b], edges[b+1])``, bucket ``b`` chosen by weight.

    A cheap, exact stand-in for heavy-tailed distributions (gaps, prices).
    """
    e = np.asarray(edges, dtype=np.int64)
    b = categorical(rng, n, weights)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    return rng.integers(e[b], e[b + 1]).astype(np.int64)


def percent(rng: np.random.Generator, n: int, pct: int) -> np.ndarray:
    """A boolean mask, true for about ``pct`` % of ``n`` rows (exact integer test)."""
    return rng.integers(0, 1000, n) < pct * 10


def count(rate: float, n: int, minimum: int) -> int:
    """How many rows get a kind of dirt: ``rate`` of ``n``, at least ``minimum``, at most ``n``."""
    return int(min(n, max(minimum, round(rate * n))))


def pick(rng: np.random.Generator, candidates: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct candidates (fewer if there are not enough), sorted."""
    k = min(k, len(candidates))
    return np.sort(rng.choice(candidates, k, replace=False)) if k else candidates[:0]


class Picker:
    """Disjoint draws from one pool: each kind of dirt gets rows no other kind touched."""

    def __init__(self, rng: np.random.Generator, pool: np.ndarray) -> None:
        self._pool = rng.permutation(pool)
        self._at = 0

    def take(self, k: int) -> np.ndarray:
        out = np.sort(self._pool[self._at : self._at + k])
        self._at += len(out)
        return out
