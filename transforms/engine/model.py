"""A model is a plain function returning an Ibis table; ``@model`` declares its layer and contract.

The function's name is the table's name and its parameter names are the upstream sources or
models it reads (Hamilton-style). The decorator returns the function unchanged, so a model can
be called directly with any Ibis tables.

``incremental=by(key, …)`` declares, beside the function and without changing it, how the
model can be brought up to date by recomputing only some of its rows (see
``transforms.engine.incremental``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import ibis

from contracts.base import Contract

LAYERS = ("staging", "intermediate", "marts")
ATTRIBUTE = "__transforms_model__"

F = TypeVar("F", bound=Callable[..., ibis.Table])


@dataclass(frozen=True)
class Via:
    """Changes of an input that reach the model through another input's rows.

    ``via("int_session", "product_id")`` on input ``dim_product``: a changed product changes
    the partitions of the ``int_session`` rows whose ``product_id`` is the product's
    (``on``, default the same column name, in the changed input).
    """

    model: str
    column: str
    on: str | None = None

    @property
    def input_column(self) -> str:
        return self.on or self.column


@dataclass(frozen=True)
class Partitioned:
    """The model's rows with given ``key`` values depend only on the inputs' rows with them.

    For any set of key values, the model's rows with those values are what the model computes
    from each input's rows whose mapped column (in ``columns``, default the key's own name)
    holds them; an input mapped with :class:`Via` is read whole. An incremental run recomputes
    just the keys a change can reach, and replaces exactly those rows.
    """

    key: str
    columns: tuple[tuple[str, str | Via], ...] = ()  # (input, its column) where not the key's

    def column(self, upstream: str) -> str | Via:
        return dict(self.columns).get(upstream, self.key)


def by(key: str, **columns: str | Via) -> Partitioned:
    """A model incremental by ``key``: ``by("customer_id")``, ``by("event_id", events="id")``.

    Each keyword names an input and its column holding the key (or a :func:`via`), for
    inputs where the column's name differs from the key's.
    """
    return Partitioned(key, tuple(sorted(columns.items())))


def via(model: str, column: str, *, on: str | None = None) -> Via:
    """An input whose changes reach the model through ``model.column`` (see :class:`Via`)."""
    return Via(model, column, on)


@dataclass(frozen=True)
class Model:
    """A declared model: its function, layer, contract and upstream names."""

    name: str
    func: Callable[..., ibis.Table]
    layer: str
    contract: type[Contract]
    depends_on: tuple[str, ...]
    incremental: Partitioned | None = None  # None: rebuilt whole on every run

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def grain(self) -> str:
        """The first line of the docstring: "One row per …"."""
        return self.description.splitlines()[0] if self.description else ""

    def __call__(self, **upstream: ibis.Table) -> ibis.Table:
        return self.func(**{name: upstream[name] for name in self.depends_on})


def model(
    *, layer: str, contract: type[Contract], incremental: Partitioned | None = None
) -> Callable[[F], F]:
    """Declare a function as a model of ``layer`` whose output satisfies ``contract``.

    ``incremental`` (:func:`by`) says how a run may recompute only what changed; without it
    the model is rebuilt whole on every run.
    """
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}: use one of {', '.join(LAYERS)}")

    def register(func: F) -> F:
        params = inspect.signature(func).parameters.values()
        for p in params:
            if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                raise TypeError(f"model {func.__name__}: parameter {p.name!r} must be a plain name")
        declared = Model(
            name=func.__name__,
            func=func,
            layer=layer,
            contract=contract,
            depends_on=tuple(p.name for p in params),
            incremental=incremental,
        )
        setattr(func, ATTRIBUTE, declared)
        return func

    return register


def declared_model(obj: object) -> Model | None:
    """The :class:`Model` declared on ``obj``, if it is a model function."""
    if not inspect.isfunction(obj):
        # not even asked: a module's `ibis` would answer through its module __getattr__, which
        # looks for a backend of that name among the installed packages (25 ms a module)
        return None
    found = getattr(obj, ATTRIBUTE, None)
    return found if isinstance(found, Model) else None
