"""Parquet in and out: a raw extract into the source schema, published models out to files.

Both directions go through Arrow and the contracts, never through Python rows:

- :func:`open_extract` opens one ``<source>.parquet`` per source contract (a file, or a folder
  of part files as Spark writes them) and checks every file's schema against its contract
  before anything is written; :func:`load_extract` streams each file in record batches, cast
  to the contract's types by pyarrow, into the build area of the source schema
  (``Dialect.load_arrow``), and swaps the new tables in with ``Dialect.publish``: all of them
  in one transaction, or none.
- :func:`export_models` streams each published model with Ibis (``to_pyarrow_batches``), cast
  to the Arrow schema derived from its contract, into ``<model>.parquet`` through
  ``pyarrow.parquet.ParquetWriter``; every file is written under a temporary name and renamed
  only once all of them are complete.

The engine knows nothing of the webshop: sources and models come in as their contracts.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import ibis

from contracts.base import Contract
from transforms.engine.checks import schema_problems
from transforms.engine.dialects import Dialect
from transforms.engine.errors import TransformsError
from transforms.engine.sources import compatible

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.dataset as pads
    from ibis.backends.sql import SQLBackend

__all__ = [
    "EXTENSION",
    "ExportResult",
    "ExportedFile",
    "Extract",
    "LoadResult",
    "LoadedTable",
    "arrow_schema",
    "castable",
    "export_models",
    "load_extract",
    "open_extract",
]

# pyarrow is imported where it is used: `transforms run` imports this module and needs none
EXTENSION = ".parquet"
BATCH_ROWS = 131_072  # rows per record batch read from a file or fetched from the database


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedTable:
    """One source table loaded from its Parquet file."""

    name: str
    path: Path
    rows: int
    ignored_columns: tuple[str, ...] = ()  # columns of the file its contract does not declare


@dataclass
class LoadResult:
    """What :func:`load_extract` loaded: the source tables, now in ``schema``, replaced together."""

    schema: str
    tables: list[LoadedTable] = field(default_factory=list)
    seconds: float = 0.0

    def rows(self) -> dict[str, int]:
        return {t.name: t.rows for t in self.tables}


@dataclass(frozen=True)
class ExportedFile:
    """One published model written as ``<model>.parquet``."""

    model: str
    path: Path
    rows: int
    bytes: int


@dataclass
class ExportResult:
    """What :func:`export_models` wrote: one Parquet file per model, all complete."""

    directory: Path
    files: list[ExportedFile] = field(default_factory=list)
    seconds: float = 0.0

    def rows(self) -> dict[str, int]:
        return {f.model: f.rows for f in self.files}


# --- types --------------------------------------------------------------------------------------


def arrow_schema(contract: type[Contract]) -> pa.Schema:
    """The Arrow schema of a contract: its columns in order, its types (decimals stay
    decimals, timestamps microsecond timestamps without zone), not-nullable where declared."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field(c.name, c.ibis_type().to_pyarrow(), nullable=c.nullable)
            for c in contract.columns()
        ]
    )


def castable(expected: ibis.DataType, actual: pa.DataType) -> bool:
    """Can a Parquet column of Arrow type ``actual`` be cast to the declared ``expected``?

    The rule of the source tables (:func:`transforms.engine.sources.compatible`: any integer
    for an integer, an integer or a decimal of no finer scale for a decimal, …), plus what
    files carry that tables do not: a column of nothing but NULLs fits any type, and a
    timestamp with a time zone is taken as its UTC time. Values that do not fit (an integer
    out of range, sub-microsecond timestamps, too many digits) fail the cast itself.
    """
    import pyarrow as pa

    if pa.types.is_null(actual):
        return True
    try:
        found = ibis.dtype(actual)
    except Exception:  # an Arrow type Ibis has no name for (intervals, unions, …)
        return False
    if expected.is_timestamp() and found.is_timestamp():
        return True
    return compatible(expected, found)


def _type_name(dtype: pa.DataType) -> str:
    import pyarrow as pa

    return str(dtype.value_type if pa.types.is_dictionary(dtype) else dtype)


# --- load ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SourceFile:
    name: str
    path: Path
    dataset: pads.Dataset
    schema: pa.Schema  # the contract's
    ignored: tuple[str, ...]


@dataclass(frozen=True)
class Extract:
    """An extract's files, opened and checked against their contracts (:func:`open_extract`)."""

    directory: Path
    files: tuple[_SourceFile, ...]


def open_extract(
    directory: str | os.PathLike[str], sources: Mapping[str, type[Contract]]
) -> Extract:
    """Open the file of every source in ``directory`` and check its schema against the
    source's contract: nothing is read beyond the files' footers, and no database is needed.

    Raises :class:`TransformsError` for a missing directory, file or column, a type that does
    not cast to the contract's, or a file that is not Parquet.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    directory = Path(directory)

    expected = ", ".join(f"{name}{EXTENSION}" for name in sources)
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "does not exist"
        raise TransformsError(
            f"extract directory {directory} {what}: give the folder holding {expected}"
        )
    missing = [f"{n}{EXTENSION}" for n in sources if not (directory / f"{n}{EXTENSION}").exists()]
    if missing:
        raise TransformsError(
            f"{directory} lacks {', '.join(missing)}: an extract has one Parquet file per "
            f"source table, {expected}"
        )
    opened = []
    for name, contract in sources.items():
        path = directory / f"{name}{EXTENSION}"
        try:
            dataset = ds.dataset(path, format="parquet")
            found = dataset.schema
        except (pa.ArrowException, OSError) as exc:
            raise TransformsError(
                f"{path} is not a readable Parquet file ({_first_line(exc)}): write it again "
                "as Parquet"
            ) from None
        for column in contract.columns():
            if column.name not in found.names:
                raise TransformsError(
                    f"{path}: table {name} lacks column {column.name!r} ({column.dtype}): "
                    "add it to the file"
                )
            actual = found.field(column.name).type
            if not castable(column.ibis_type(), actual):
                raise TransformsError(
                    f"{path}: column {name}.{column.name} is {_type_name(actual)}, expected "
                    f"{column.dtype}: write it with a type that casts to {column.dtype}"
                )
        declared = {c.name for c in contract.columns()}
        ignored = tuple(n for n in found.names if n not in declared)
        opened.append(_SourceFile(name, path, dataset, arrow_schema(contract), ignored))
    return Extract(directory, tuple(opened))


class _Stream:
    """A file's record batches cast to its contract's types, counted as they pass.

    A cast that fails (a value that does not fit) is kept in ``error`` as a clear one-line
    error naming the column, then raised into the engine's loader, which fails in its own
    words: the caller raises ``error`` instead.
    """

    def __init__(self, source: _SourceFile) -> None:
        self.source = source
        self.rows = 0
        self.error: TransformsError | None = None

    def reader(self) -> pa.RecordBatchReader:
        import pyarrow as pa

        return pa.RecordBatchReader.from_batches(self.source.schema, self._batches())

    def _batches(self) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        source = self.source
        try:
            scanner = source.dataset.scanner(columns=source.schema.names, batch_size=BATCH_ROWS)
            for batch in scanner.to_batches():
                try:
                    cast = batch.cast(source.schema, safe=True)
                except (pa.ArrowInvalid, ValueError) as exc:
                    raise self._failed(self._culprit(batch), exc) from exc
                self.rows += cast.num_rows
                yield cast
        except TransformsError:
            raise
        except (pa.ArrowException, OSError) as exc:  # a file that cannot be read to its end
            raise self._failed(f"table {source.name}", exc) from exc

    def _failed(self, what: str, exc: BaseException) -> TransformsError:
        self.error = TransformsError(
            f"{self.source.path}: {what}: {_first_line(exc)}: fix the file; nothing was loaded"
        )
        return self.error

    def _culprit(self, batch: pa.RecordBatch) -> str:
        """The first column of ``batch`` whose values do not cast: a cast per column, not row."""
        import pyarrow as pa

        for i, target in enumerate(self.source.schema):
            try:
                batch.column(i).cast(target.type, safe=True)
            except (pa.ArrowInvalid, ValueError):
                return f"column {self.source.name}.{target.name}"
        return f"table {self.source.name}"


def load_extract(
    con: SQLBackend,
    dialect: Dialect,
    extract: Extract,
    schema: str,
    *,
    statements: Sequence[str] = (),
    lock_timeout: float = 60.0,
    on_start: Callable[[], None] | None = None,
) -> LoadResult:
    """Replace the source tables in ``schema`` with the files of ``extract`` (:func:`open_extract`:
    every file's schema is checked before anything is written).

    The files are streamed in record batches, cast to their contract's types, into the
    schema's build area, and published together, with ``statements``, in one transaction: a
    failure (a value that does not fit its type raises :class:`TransformsError`) leaves the
    tables as they were. Only the contract's columns are loaded, in its order; the others are
    listed as ignored. Two loads into one schema take turns (the run lock, keyed on ``schema``:
    each would drop the other's build area), waiting ``lock_timeout`` seconds at most.
    ``on_start`` is called once all is checked, before anything is written.
    """
    started = time.perf_counter()
    dialect.check_schema_name(con, schema)
    if on_start is not None:
        on_start()
    with dialect.run_lock(con, schema, lock_timeout):
        result = _load(con, dialect, extract, schema, statements)
    result.seconds = time.perf_counter() - started
    return result


def _load(
    con: SQLBackend, dialect: Dialect, extract: Extract, schema: str, statements: Sequence[str]
) -> LoadResult:
    files = extract.files
    result = LoadResult(schema=schema)
    dialect.prepare_build_area(con, schema)
    try:
        for source in files:
            stream = _Stream(source)
            build_schema, build_table = dialect.build_location(schema, source.name)
            try:
                dialect.load_arrow(con, build_schema, build_table, stream.reader(), replace=True)
            except Exception:
                if stream.error is not None:
                    raise stream.error from None
                raise
            result.tables.append(LoadedTable(source.name, source.path, stream.rows, source.ignored))
        dialect.publish(con, schema, [f.name for f in files], statements)
    finally:
        with contextlib.suppress(Exception):
            dialect.drop_build_area(con, schema)
    return result


# --- export -------------------------------------------------------------------------------------


def export_models(
    con: SQLBackend,
    dialect: Dialect,
    out: str | os.PathLike[str],
    schema: str,
    models: Mapping[str, type[Contract]],
    *,
    lock_timeout: float = 60.0,
    on_start: Callable[[], None] | None = None,
) -> ExportResult:
    """Write each published model of ``schema`` that ``models`` names as ``<model>.parquet``.

    Each file has the Arrow schema of the model's contract and is streamed from the database
    in record batches. Files are written under temporary names in ``out`` and renamed over any
    earlier file of the same name only once every one of them is complete: a failed export
    leaves no file half written and the earlier files as they were. The export holds the
    target's run lock, so no run publishes between two of its tables. Raises
    :class:`TransformsError` when nothing is published, a model is not, a published table no
    longer matches its contract, or ``out`` cannot be written. ``on_start`` is called once
    every model is found published, before anything is written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    started = time.perf_counter()
    directory = Path(out)
    published = dialect.list_tables(con, schema)
    if not published & set(models):
        raise TransformsError(
            f"nothing is published in schema {schema!r} of {dialect.target.display}: "
            "run `transforms run` first"
        )
    missing = [name for name in models if name not in published]
    if missing:
        raise TransformsError(
            f"not published in schema {schema!r}: {', '.join(missing)}: run `transforms run` "
            "first, or --select what is published"
        )
    if on_start is not None:
        on_start()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(directory, exc) from None
    result = ExportResult(directory=directory)
    written: list[tuple[Path, Path]] = []  # (temporary, final)
    try:
        with dialect.run_lock(con, schema, lock_timeout):
            tables = {}
            for name, contract in models.items():
                problems = schema_problems(contract, con.get_schema(name, database=schema))
                if problems:
                    raise TransformsError(
                        f"published table {schema}.{name} does not match its contract "
                        f"({'; '.join(problems)}): run `transforms run` to rebuild it"
                    )
                tables[name] = con.table(name, database=schema)
            for name, contract in models.items():
                target = arrow_schema(contract)
                final = directory / f"{name}{EXTENSION}"
                # a hidden name of its own (readers of the folder skip it), created by the
                # writer with the usual permissions (mkstemp's would be the owner's only)
                temporary = directory / f".{name}.{uuid.uuid4().hex[:12]}{EXTENSION}.tmp"
                written.append((temporary, final))
                rows = 0
                reader = dialect.arrow_batches(con, tables[name], BATCH_ROWS)
                try:
                    with pq.ParquetWriter(temporary, target) as writer:
                        for batch in reader:
                            cast = batch.cast(target, safe=True)
                            writer.write_batch(cast)
                            rows += cast.num_rows
                except OSError as exc:  # before ArrowException: pyarrow's I/O errors are both
                    raise _unwritable(directory, exc) from None
                except (pa.ArrowException, ValueError) as exc:
                    raise TransformsError(
                        f"model {name}: its published rows do not fit its contract's types "
                        f"({_first_line(exc)}): run `transforms check`"
                    ) from None
                finally:
                    reader.close()
                result.files.append(ExportedFile(name, final, rows, temporary.stat().st_size))
        for temporary, final in written:
            os.replace(temporary, final)
    except BaseException:
        for temporary, _ in written:
            with contextlib.suppress(OSError):
                temporary.unlink()
        raise
    result.seconds = time.perf_counter() - started
    return result


def _unwritable(directory: Path, exc: OSError) -> TransformsError:
    reason = exc.strerror or _first_line(exc)
    return TransformsError(
        f"cannot write Parquet files to {directory}: {reason}: choose another --out"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
