"""The incremental state: what the published tables reflect, in schema ``<target>_meta``.

Four small tables, replaced row by row in the transaction that publishes a run, so that a
failed, killed or cancelled run leaves them as they were:

- ``model_state``: one row per published model: the fingerprint of the code and contract it
  was built with, whether it is *synced* (it is what it computes from the published tables of
  its inputs, or for a staging model from its source as fingerprinted), and its row count;
- ``source_state``: one row per source: its row count and checksum, and the bucket width;
- ``source_buckets``: the source's rows grouped into buckets of ids, with a count and a
  checksum each (compared in the database, never fetched);
- ``check_state``: each check of each published model: its failing count and sample, the
  verdict on the published table that an incremental run's checks start from.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ibis
import sqlglot.expressions as sge

from transforms.engine.dialects import Dialect
from transforms.engine.runlog import meta_schema

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

CHECKSUM = "decimal(38, 0)"
TABLES: dict[str, dict[str, str]] = {
    "model_state": {
        "model": "string",
        "fingerprint": "string",
        "synced": "boolean",
        "rows": "int64",
        "run_id": "string",
    },
    "source_state": {
        "source": "string",
        "shift": "int64",
        "rows": "int64",
        "checksum": CHECKSUM,
        "run_id": "string",
    },
    "source_buckets": {
        "source": "string",
        "bucket": "int64",
        "rows": "int64",
        "checksum": CHECKSUM,
    },
    "check_state": {
        "model": "string",
        "check": "string",
        "failing": "int64",
        "sample": "string",
    },
}


@dataclass(frozen=True)
class ModelState:
    fingerprint: str
    synced: bool
    rows: int


@dataclass(frozen=True)
class SourceState:
    shift: int  # ids are grouped into buckets of 2**shift
    rows: int
    checksum: Decimal


@dataclass(frozen=True)
class CheckState:
    failing: int
    sample: list[dict[str, Any]]


@dataclass
class State:
    """The state as loaded at the start of a run (empty before the first one)."""

    schema: str
    models: dict[str, ModelState] = field(default_factory=dict)
    sources: dict[str, SourceState] = field(default_factory=dict)
    checks: dict[tuple[str, str], CheckState] = field(default_factory=dict)


def table(schema: str, name: str) -> ibis.Table:
    return ibis.table(TABLES[name], name=name, database=schema)


def load(con: SQLBackend, dialect: Dialect, target_schema: str) -> State:
    """The state of ``target_schema``'s published tables; empty where none was kept."""
    schema = meta_schema(target_schema)
    state = State(schema)
    present = dialect.list_tables(con, schema)
    if not set(TABLES) <= present:
        return state
    for model, fingerprint, synced, rows in _rows(
        con, dialect, schema, "model_state", ["model", "fingerprint", "synced", "rows"]
    ):
        state.models[model] = ModelState(fingerprint, bool(synced), int(rows))
    for source, shift, rows, checksum in _rows(
        con, dialect, schema, "source_state", ["source", "shift", "rows", "checksum"]
    ):
        state.sources[source] = SourceState(int(shift), int(rows), Decimal(checksum))
    for model, check, failing, sample in _rows(
        con, dialect, schema, "check_state", ["model", "check", "failing", "sample"]
    ):
        state.checks[(model, check)] = CheckState(int(failing), decode_sample(sample))
    return state


def _rows(
    con: SQLBackend, dialect: Dialect, schema: str, name: str, columns: list[str]
) -> list[tuple[Any, ...]]:
    return dialect.sql(con, dialect.to_sql(table(schema, name).select(*columns)))


def ensure_tables(con: SQLBackend, dialect: Dialect, target_schema: str) -> None:
    """Create the state tables (outside the publishing transaction: DuckDB cannot create a
    schema and write into it in one transaction)."""
    schema = meta_schema(target_schema)
    dialect.ensure_schema(con, schema)
    for name, columns in TABLES.items():
        defs = ", ".join(f"{dialect.q(c)} {dialect.sql_type(t)}" for c, t in columns.items())
        dialect.sql(con, f"CREATE TABLE IF NOT EXISTS {dialect.q(schema, name)} ({defs})")


class Writer:
    """The statements that bring the state up to date, run in the publishing transaction."""

    def __init__(self, dialect: Dialect, target_schema: str, run_id: str) -> None:
        self.dialect = dialect
        self.schema = meta_schema(target_schema)
        self.run_id = run_id
        self.statements: list[str] = []

    def models(self, rows: Iterable[tuple[str, str, int]]) -> None:
        """Models published (or found unchanged) by this run: (model, fingerprint, rows)."""
        rows = list(rows)
        if rows:
            self._delete("model_state", "model", [m for m, _, _ in rows])
            values = [(m, f, True, n, self.run_id) for m, f, n in rows]
            self._insert("model_state", values)

    def unsync(self, models: Sequence[str]) -> None:
        """Models left behind: an input of theirs changed and they were not rebuilt."""
        if models:
            q = self.dialect.q
            self.statements.append(
                f"UPDATE {q(self.schema, 'model_state')} SET {q('synced')} = FALSE "
                f"WHERE {q('model')} IN ({_list(models)})"
            )

    def source(
        self,
        source: str,
        shift: int,
        rows: int,
        checksum: Decimal,
        fingerprint: tuple[str, ...],
        buckets: tuple[str, ...] | None = None,
    ) -> None:
        """A source as fingerprinted by this run; its buckets from the build-area table
        ``fingerprint`` (schema, table) — only those listed in ``buckets`` (a table of
        ``key``) when given, else all of them."""
        q = self.dialect.q
        self._delete("source_state", "source", [source])
        self._insert("source_state", [(source, shift, rows, checksum, self.run_id)])
        where = f"{q('source')} = {_literal(source)}"
        # a bucket of NULL ids is never kept: it compares unequal to everything, so it always
        # counts as changed
        only = f" WHERE {q('bucket')} IS NOT NULL"
        if buckets is not None:
            keys = f"SELECT {q('key')} FROM {q(*buckets)}"
            where += f" AND {q('bucket')} IN ({keys})"
            only += f" AND {q('bucket')} IN ({keys})"
        self.statements.append(f"DELETE FROM {q(self.schema, 'source_buckets')} WHERE {where}")
        columns = ", ".join(q(c) for c in ("source", "bucket", "rows", "checksum"))
        self.statements.append(
            f"INSERT INTO {q(self.schema, 'source_buckets')} ({columns}) "
            f"SELECT {_literal(source)}, {q('bucket')}, {q('rows')}, {q('checksum')} "
            f"FROM {q(*fingerprint)}{only}"
        )

    def checks(self, model: str, results: Iterable[tuple[str, int, list[dict[str, Any]]]]) -> None:
        """Every check of ``model`` on its table as published by this run."""
        self._delete("check_state", "model", [model])
        values = [(model, check, failing, encode_sample(s)) for check, failing, s in results]
        if values:
            self._insert("check_state", values)

    def forget_checks(self, model: str, checks: Sequence[str]) -> None:
        """Drop the kept verdicts of ``checks`` of ``model`` (a table they read changed without
        it being checked): the next run that builds the model incrementally checks them whole."""
        if checks:
            q = self.dialect.q
            self.statements.append(
                f"DELETE FROM {q(self.schema, 'check_state')} WHERE {q('model')} = "
                f"{_literal(model)} AND {q('check')} IN ({_list(checks)})"
            )

    def _delete(self, name: str, column: str, values: Sequence[str]) -> None:
        q = self.dialect.q
        self.statements.append(
            f"DELETE FROM {q(self.schema, name)} WHERE {q(column)} IN ({_list(values)})"
        )

    def _insert(self, name: str, rows: list[tuple[Any, ...]]) -> None:
        columns = [sge.to_identifier(c, quoted=True) for c in TABLES[name]]
        values = sge.values([tuple(sge.convert(v) for v in row) for row in rows])
        into = sge.table_(name, db=self.schema, quoted=True)
        self.statements.append(
            sge.insert(values, into, columns=columns).sql(dialect=self.dialect.name)
        )


def _literal(value: str) -> str:
    return sge.Literal.string(value).sql()


def _list(values: Sequence[str]) -> str:
    return ", ".join(_literal(v) for v in values)


# --- samples as text -----------------------------------------------------------------------------
# A check's sample rows keep their Python types through the state table, so that an incremental
# run reports the same values a full run would.


def encode_sample(rows: list[dict[str, Any]]) -> str:
    return json.dumps([{k: _tag(v) for k, v in row.items()} for row in rows])


def decode_sample(text: str | None) -> list[dict[str, Any]]:
    return [{k: _untag(v) for k, v in row.items()} for row in json.loads(text or "[]")]


def _tag(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    return {"text": str(value)}


def _untag(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    [(kind, text)] = value.items()
    match kind:
        case "float":
            return float(text)
        case "decimal":
            return Decimal(text)
        case "datetime":
            return datetime.fromisoformat(text)
        case "date":
            return date.fromisoformat(text)
        case "bytes":
            return base64.b64decode(text)
    return text
