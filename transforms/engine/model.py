"""A model is a plain function returning an Ibis table; ``@model`` declares its layer and contract.

The function's name is the table's name and its parameter names are the upstream sources or
models it reads (Hamilton-style). The decorator returns the function unchanged, so a model can
be called directly with any Ibis tables.
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
class Model:
    """A declared model: its function, layer, contract and upstream names."""

    name: str
    func: Callable[..., ibis.Table]
    layer: str
    contract: type[Contract]
    depends_on: tuple[str, ...]

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def grain(self) -> str:
        """The first line of the docstring: "One row per …"."""
        return self.description.splitlines()[0] if self.description else ""

    def __call__(self, **upstream: ibis.Table) -> ibis.Table:
        return self.func(**{name: upstream[name] for name in self.depends_on})


def model(*, layer: str, contract: type[Contract]) -> Callable[[F], F]:
    """Declare a function as a model of ``layer`` whose output satisfies ``contract``."""
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
