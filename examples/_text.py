"""Word lists and vectorised string helpers (pyarrow.compute only, no per-row Python)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from examples._rand import categorical

# fmt: off
# (display, ASCII form for e-mail addresses). Some names are non-ASCII on purpose: the models
# must trim them without touching the letters, and byte order must sort them the same on both
# engines.
FIRST_NAMES: list[tuple[str, str]] = [
    ("Anna", "anna"), ("Ben", "ben"), ("Chloé", "chloe"), ("David", "david"), ("Emma", "emma"),
    ("Fatima", "fatima"), ("Gabriel", "gabriel"), ("Hannah", "hannah"), ("Ivan", "ivan"),
    ("Jasmine", "jasmine"), ("Jürgen", "jurgen"), ("Kai", "kai"), ("Laura", "laura"),
    ("Mohammed", "mohammed"), ("Noah", "noah"), ("Olivia", "olivia"), ("Pedro", "pedro"),
    ("Quinn", "quinn"), ("Rosa", "rosa"), ("Søren", "soren"), ("Tom", "tom"), ("Uma", "uma"),
    ("Victor", "victor"), ("Wei", "wei"), ("Xavier", "xavier"), ("Yuki", "yuki"),
    ("Zoë", "zoe"), ("Aisha", "aisha"), ("Björn", "bjorn"), ("Carlos", "carlos"),
    ("Dana", "dana"), ("Elena", "elena"), ("Felix", "felix"), ("Grace", "grace"),
    ("Hugo", "hugo"), ("Isabel", "isabel"), ("James", "james"), ("Karin", "karin"),
    ("Leo", "leo"), ("Maria", "maria"), ("Nina", "nina"), ("Oscar", "oscar"),
    ("Priya", "priya"), ("Rafael", "rafael"), ("Sara", "sara"), ("Théo", "theo"),
    ("Umar", "umar"), ("Vera", "vera"), ("William", "william"), ("Yasmin", "yasmin"),
    ("Zara", "zara"), ("José", "jose"), ("Łukasz", "lukasz"), ("Mia", "mia"),
    ("Liam", "liam"), ("Sofia", "sofia"), ("Lucas", "lucas"), ("Amelia", "amelia"),
    ("Ethan", "ethan"), ("Ingrid", "ingrid"),
]
LAST_NAMES: list[tuple[str, str]] = [
    ("Smith", "smith"), ("Johnson", "johnson"), ("Müller", "muller"), ("García", "garcia"),
    ("Nguyen", "nguyen"), ("Kowalski", "kowalski"), ("Rossi", "rossi"), ("O'Brien", "obrien"),
    ("Dubois", "dubois"), ("Jensen", "jensen"), ("Silva", "silva"), ("Novak", "novak"),
    ("Kim", "kim"), ("Patel", "patel"), ("Ivanova", "ivanova"), ("Andersson", "andersson"),
    ("Fischer", "fischer"), ("López", "lopez"), ("Martin", "martin"), ("Brown", "brown"),
    ("Wilson", "wilson"), ("Taylor", "taylor"), ("Schmidt", "schmidt"),
    ("Yamamoto", "yamamoto"), ("Chen", "chen"), ("Haddad", "haddad"), ("Okafor", "okafor"),
    ("Nowak", "nowak"), ("Costa", "costa"), ("Bianchi", "bianchi"), ("Virtanen", "virtanen"),
    ("Horvat", "horvat"), ("Papadopoulos", "papadopoulos"), ("van der Berg", "vanderberg"),
    ("Ødegaard", "odegaard"), ("Ibrahim", "ibrahim"), ("Santos", "santos"), ("Cohen", "cohen"),
    ("Walker", "walker"), ("Lee", "lee"),
]
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com", "shop.example"]
EMAIL_DOMAIN_WEIGHTS = [40, 20, 15, 15, 10]

CATEGORIES: dict[str, list[str]] = {
    "Kitchen": ["Mug", "Teapot", "Chef's Knife", "Crème Brûlée Torch", "Cutting Board"],
    "Garden": ["Trowel", "Watering Can", "Hose Reel", "Bird Feeder", "Planter"],
    "Toys": ["Puzzle", "Kite", "Building Blocks", "Plush Bear", "Yo-Yo"],
    "Books": ["Cookbook", "Atlas", "Novel", "Sketchbook", "Field Guide"],
    "Electronics": ["Headphones", "USB-C Cable", "Power Bank", "Smart Plug", "Webcam"],
    "Sports": ["Yoga Mat", "Water Bottle", "Jump Rope", "Tennis Balls", "Cycling Gloves"],
    "Beauty": ["Face Cream", "Shampoo", "Lip Balm", "Hair Brush", "Soap Bar"],
    "Office": ["Notebook", "Desk Lamp", "Stapler", "Fountain Pen", "Monitor Stand"],
    "Pets": ["Dog Leash", "Cat Tree", "Chew Toy", "Pet Bed", "Food Bowl"],
    "Clothing": ["T-Shirt", "Scarf", "Rain Jacket", "Wool Socks", "Café Apron"],
}
ADJECTIVES = [
    "Classic", "Deluxe", "Eco", "Compact", "Vintage", "Premium", "Basic", "Smart", "Rustic",
    "Modern", "Travel", "Mini", "Pro", "Bamboo", "Ceramic", "Nordic", "Urban", "Cozy", "Bold",
    "Ultra",
]

# fmt: on

# White space padding as (left, right): mostly spaces, tabs and newlines, a few of the rarer
# characters of the spec's trim set (\r, \v, \f) so that a space-only SQL trim() is caught.
PADS: list[tuple[str, str]] = [
    (" ", ""),
    ("", " "),
    (" ", " "),
    ("  ", ""),
    ("\t", ""),
    ("", "\t"),
    ("\n", ""),
    ("", "\n"),
    (" ", "\t\n"),
    ("\r\n", ""),
    ("", " \r"),
    ("\v", ""),
    ("", "\f"),
]
PAD_WEIGHTS = [20, 20, 15, 5, 8, 8, 6, 6, 4, 2, 2, 2, 2]


def strings(values: Sequence[str]) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def lookup(values: Sequence[str], codes: np.ndarray) -> pa.Array:
    """``values[codes]`` as an Arrow string array (a ``take``, no per-row Python)."""
    return strings(values).take(pa.array(np.asarray(codes, dtype=np.int64)))


def scatter(arr: pa.Array, rows: np.ndarray, values: pa.Array) -> pa.Array:
    """``arr`` with ``arr[rows] = values``; ``rows`` ascending and distinct."""
    if len(rows) == 0:
        return arr
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(arr, pa.array(mask), values.cast(arr.type))


def set_null(arr: pa.Array, rows: np.ndarray) -> pa.Array:
    return scatter(arr, rows, pa.nulls(len(rows), arr.type))


def pad(rng: np.random.Generator, arr: pa.Array, rows: np.ndarray) -> pa.Array:
    """Surround ``arr[rows]`` with white space."""
    codes = categorical(rng, len(rows), PAD_WEIGHTS)
    # The first six padded rows cycle through spaces, tabs and newlines on either side, so every
    # padded column has each of them however few rows it pads.
    fixed = [2, 4, 7, 5, 6, 8][: len(codes)]
    codes[: len(fixed)] = fixed
    left = lookup([p[0] for p in PADS], codes)
    right = lookup([p[1] for p in PADS], codes)
    taken = arr.take(pa.array(rows))
    return scatter(arr, rows, pc.binary_join_element_wise(left, taken, right, ""))


_FIELD = re.compile(r"\{(\w+)\}")


def render(template: str, fields: Mapping[str, pa.Array], rows: np.ndarray) -> pa.Array:
    """A template like ``"({a}) {e}-{l}"`` filled from string columns, for ``rows`` only."""
    idx = pa.array(rows)
    parts: list[pa.Array | str] = []
    for i, piece in enumerate(_FIELD.split(template)):
        if i % 2:
            parts.append(fields[piece].take(idx))
        elif piece:
            parts.append(piece)
    if not any(isinstance(p, pa.Array) for p in parts):
        return strings([template] * len(rows))
    return pc.binary_join_element_wise(*parts, "")


def variants(canonical: Sequence[str], forms: Sequence[Callable[[str], str]]) -> list[str]:
    """A dictionary of labels: the canonical ones, then each one in every messy form.

    Label ``c`` in form ``f`` has code ``len(canonical) + c * len(forms) + f``.
    """
    return list(canonical) + [form(c) for c in canonical for form in forms]


def digits(values: np.ndarray, width: int) -> pa.Array:
    """Integers as zero-padded decimal strings."""
    return pc.utf8_lpad(pa.array(values).cast(pa.string()), width, "0")
