"""How a contract is declared: a pydantic class whose fields are the table's columns, in order.

A field's type names the column type (``Int64``, ``Money``, …; ``| None`` makes it nullable, and
a column that is not nullable gets a not-null check). Its ``Annotated`` metadata carries the
column checks: pydantic's own ``Field(ge=…, gt=…, le=…, lt=…)`` for ranges, and :class:`Unique`,
:class:`OneOf`, :class:`Matches`, :class:`References` here. Table-level checks are listed in the
class variable ``checks``.

This module only declares. ``transforms.engine.checks`` turns a contract into an Ibis schema and
into aggregate queries that run inside the database; the classes also validate fetched rows
(``MartCartValue.model_validate(row)``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

import annotated_types as at
import ibis
from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warn"]


# --- Column types ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DType:
    """The Ibis type of a column (``"int64"``, ``"decimal(18, 2)"``, …)."""

    name: str


Int64 = Annotated[int, DType("int64")]
Int32 = Annotated[int, DType("int32")]
Float64 = Annotated[float, DType("float64")]
Money = Annotated[Decimal, DType("decimal(18, 2)")]
SourceMoney = Annotated[Decimal, DType("decimal(10, 2)")]
Text = Annotated[str, DType("string")]
Timestamp = Annotated[datetime, DType("timestamp")]
Date = Annotated[date, DType("date")]
Flag = Annotated[bool, DType("boolean")]


# --- Column checks (Annotated metadata) --------------------------------------------------------


@dataclass(frozen=True)
class Unique:
    """No two rows share a non-NULL value of this column."""

    severity: Severity = "error"


@dataclass(frozen=True)
class OneOf:
    """The column, when not NULL, holds one of ``values``."""

    values: tuple[Any, ...]
    severity: Severity = "error"

    def __init__(self, *values: Any, severity: Severity = "error") -> None:
        object.__setattr__(self, "values", tuple(values))
        object.__setattr__(self, "severity", severity)


@dataclass(frozen=True)
class Matches:
    """The text column, when not NULL, matches the regular expression ``pattern`` (whole value)."""

    pattern: str
    severity: Severity = "error"


@dataclass(frozen=True)
class References:
    """Each non-NULL value exists in ``model.column`` (a relationship to another model's key)."""

    model: str
    column: str
    severity: Severity = "error"


ColumnCheck = Unique | OneOf | Matches | References | at.Ge | at.Gt | at.Le | at.Lt


# --- Table checks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UniqueKey:
    """No two rows share the combination of ``columns`` (a composite key)."""

    columns: tuple[str, ...]
    severity: Severity = "error"

    @property
    def name(self) -> str:
        return "unique(" + ", ".join(self.columns) + ")"


@dataclass(frozen=True)
class RowCheck:
    """Every row satisfies ``rule(table)`` (a boolean Ibis expression; NULL counts as passing)."""

    name: str
    rule: Callable[[ibis.Table], ibis.Value]
    severity: Severity = "error"
    description: str = ""


@dataclass(frozen=True)
class TableCheck:
    """``violations(table)`` returns the violating rows; the check passes when there are none."""

    name: str
    violations: Callable[[ibis.Table], ibis.Table]
    severity: Severity = "error"
    description: str = ""


Check = UniqueKey | RowCheck | TableCheck


# --- The contract ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec:
    """One declared column, read off a contract class."""

    name: str
    dtype: str
    nullable: bool
    description: str | None
    checks: tuple[ColumnCheck, ...] = field(default=())

    def ibis_type(self) -> ibis.DataType:
        return ibis.dtype(self.dtype)


class Contract(BaseModel):
    """Base of every contract: a row of the table, and the table's declared checks."""

    # defer_build: rows are checked in the database, so pydantic's validator is only built if
    # someone validates a row in Python (building it for every contract took 50 ms of each start)
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    checks: ClassVar[tuple[Check, ...]] = ()

    @classmethod
    def columns(cls) -> list[ColumnSpec]:
        specs = []
        for name, info in cls.model_fields.items():
            dtype, nullable = _dtype_of(cls, name, info.annotation, info.metadata)
            checks = tuple(m for m in info.metadata if isinstance(m, ColumnCheck))
            specs.append(ColumnSpec(name, dtype, nullable, info.description, checks))
        return specs

    @classmethod
    def ibis_schema(cls) -> ibis.Schema:
        """The Ibis schema of the table (column names, order and types)."""
        return ibis.schema({c.name: c.ibis_type() for c in cls.columns()})

    @classmethod
    def references(cls) -> set[str]:
        """The other models this contract's relationship checks read."""
        return {r.model for c in cls.columns() for r in c.checks if isinstance(r, References)}

    @classmethod
    def keys(cls) -> list[str]:
        """The columns that identify a row: single-column unique keys, else the first column."""
        keys = [c.name for c in cls.columns() if any(isinstance(k, Unique) for k in c.checks)]
        for check in cls.checks:
            if isinstance(check, UniqueKey):
                keys.extend(c for c in check.columns if c not in keys)
        return keys or [next(iter(cls.model_fields))]


@dataclass(frozen=True)
class Freshness:
    """A source is stale when its newest ``column`` is older than ``warn_after``/``error_after``."""

    column: str
    warn_after: timedelta = timedelta(hours=24)
    error_after: timedelta = timedelta(hours=72)


class Source(Contract):
    """A raw source table. ``table`` is its name in the source schema."""

    table: ClassVar[str]
    freshness: ClassVar[Freshness | None] = None


def _dtype_of(cls: type, name: str, annotation: Any, metadata: list[Any]) -> tuple[str, bool]:
    # pydantic flattens Annotated[Int64, ...] into (int, [DType, ...]); a union keeps its parts
    nullable = False
    for meta in metadata:
        if isinstance(meta, DType):
            return meta.name, nullable
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
    if typing.get_origin(annotation) is Annotated:
        for meta in annotation.__metadata__:
            if isinstance(meta, DType):
                return meta.name, nullable
    raise TypeError(
        f"{cls.__name__}.{name}: declare the column type with one of contracts.base's types "
        "(Int64, Int32, Float64, Money, SourceMoney, Text, Timestamp, Date, Flag)"
    )
