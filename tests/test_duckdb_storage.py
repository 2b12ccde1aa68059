"""DuckDB files of another storage format than the installed DuckDB writes.

DuckDB 2 writes a storage format DuckDB 1.5 cannot read; it reads 1.5's files and leaves them in
their format. A file DuckDB cannot read is one line naming the file, the installed DuckDB and
what to do. The files of "another" DuckDB are made here by the installed one, their header's
storage version changed (and its checksum with it, as DuckDB computes it); with a Python of the
other DuckDB line in ``TRANSFORMS_TEST_DUCKDB_PEER`` (``nox -s tests`` sets it for its DuckDB 1.5
pass), a file of that line too.
"""

from __future__ import annotations

import os
import struct
import subprocess
from pathlib import Path

import duckdb
import pytest

from transforms.cli import main
from transforms.engine.dialects import Dialect
from transforms.engine.errors import TransformsError
from transforms.engine.target import Target

pytestmark = pytest.mark.duckdb

PEER = os.environ.get("TRANSFORMS_TEST_DUCKDB_PEER", "")


def _connect(path: Path) -> None:
    dialect = Dialect.for_target(Target.parse(f"duckdb://{path}"))
    dialect.connect().disconnect()


def _storage_version(path: Path) -> int:
    """The storage version in a DuckDB file's main header: a checksum (8 bytes), ``DUCK``, the
    version (8 bytes, little-endian)."""
    with path.open("rb") as f:
        head = f.read(20)
    assert head[8:12] == b"DUCK", head
    return int(struct.unpack_from("<Q", head, 12)[0])


def _set_storage_version(path: Path, version: int) -> None:
    """Write ``version`` into the main header, with the checksum DuckDB then expects: the XOR of
    each 8-byte word of the header times 0xbf58476d1ce4e5b9 (duckdb's src/common/checksum.cpp),
    so only the two words the version spans change it."""
    mask, factor = (1 << 64) - 1, 0xBF58476D1CE4E5B9
    with path.open("r+b") as f:
        head = bytearray(f.read(24))
        (checksum,) = struct.unpack_from("<Q", head, 0)
        before = struct.unpack_from("<2Q", head, 8)
        struct.pack_into("<Q", head, 12, version)
        after = struct.unpack_from("<2Q", head, 8)
        for old, new in zip(before, after, strict=True):
            checksum ^= (old * factor) & mask ^ (new * factor) & mask
        struct.pack_into("<Q", head, 0, checksum)
        f.seek(0)
        f.write(head)


def _file(path: Path, *, storage: str | None = None) -> Path:
    """A DuckDB file with one table, written by the installed DuckDB (in its default storage
    format, or ``storage``: DuckDB's STORAGE_VERSION, e.g. 'v1.0.0')."""
    con = duckdb.connect()
    option = f" (STORAGE_VERSION '{storage}')" if storage else ""
    con.execute(f"ATTACH '{path}' AS f{option}")
    con.execute("CREATE TABLE f.t AS SELECT 1 AS a")
    con.close()
    return path


def test_a_file_of_a_newer_duckdb_is_one_line_naming_the_file_and_what_to_upgrade(
    tmp_path: Path,
) -> None:
    path = _set_newer(_file(tmp_path / "newer.duckdb"))
    with pytest.raises(TransformsError) as info:
        _connect(path)
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    assert str(path) in message
    assert f"newer DuckDB (storage version 200) than the installed duckdb {duckdb.__version__}" in (
        message
    )
    if duckdb.__version__.startswith("1."):
        assert "pip install -U 'duckdb>=2,<3'" in message
    else:
        assert "newer than webshop-transforms supports (duckdb<3)" in message


def _set_newer(path: Path) -> Path:
    _set_storage_version(path, 200)
    return path


def test_the_cli_prints_a_file_of_a_newer_duckdb_as_one_red_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _set_newer(_file(tmp_path / "newer.duckdb"))
    assert main(["run", "--target", f"duckdb://{path}"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: the DuckDB file") and str(path) in err


def test_a_file_of_a_duckdb_too_old_to_read_says_to_export_it(tmp_path: Path) -> None:
    path = _file(tmp_path / "old.duckdb")
    _set_storage_version(path, 51)  # DuckDB 0.8's
    with pytest.raises(TransformsError) as info:
        _connect(path)
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    assert str(path) in message and "old DuckDB (storage version 51)" in message
    assert "EXPORT DATABASE" in message


def test_another_error_opening_a_file_is_duckdb_first_line(tmp_path: Path) -> None:
    path = tmp_path / "not-duckdb.duckdb"
    path.write_bytes(b"not a database" * 1000)
    with pytest.raises(TransformsError) as info:
        _connect(path)
    message = str(info.value)
    assert message.startswith(f"cannot open DuckDB file {path}: ")
    assert len(message.splitlines()) == 1, message


def test_a_file_of_duckdb_1_0_storage_opens_and_keeps_its_format(tmp_path: Path) -> None:
    """DuckDB 1.5 writes new files in 1.0's storage format (version 64), DuckDB 2 in its own:
    either reads a 64 file, and writing to it keeps it 64, readable by 1.5."""
    path = _file(tmp_path / "v1.duckdb", storage="v1.0.0")
    assert _storage_version(path) == 64
    dialect = Dialect.for_target(Target.parse(f"duckdb://{path}"))
    con = dialect.connect()
    try:
        dialect.sql(con, "INSERT INTO t VALUES (2)")
        dialect.sql(con, "CHECKPOINT")
        assert dialect.sql(con, "SELECT sum(a) FROM t") == [(3,)]
    finally:
        con.disconnect()
    assert _storage_version(path) == 64


def _peer(code: str) -> str:
    proc = subprocess.run(
        [PEER, "-c", f"import duckdb\n{code}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.skipif(not PEER, reason="no other DuckDB line (TRANSFORMS_TEST_DUCKDB_PEER)")
def test_a_file_of_the_other_duckdb_line(tmp_path: Path) -> None:
    """A file written by the other DuckDB line (its default format): one clear line if that line
    is newer, read as it is if it is older (and still readable by it after a write here)."""
    path = tmp_path / "peer.duckdb"
    version = _peer(
        f"con = duckdb.connect({str(path)!r})\n"
        "con.execute('CREATE TABLE t AS SELECT 1 AS a')\n"
        "con.close()\n"
        "print(duckdb.__version__)"
    )
    ours, theirs = (int(v.split(".")[0]) for v in (duckdb.__version__, version))
    assert ours != theirs, f"the peer's DuckDB {version} is of this line ({duckdb.__version__})"
    if theirs > ours:
        with pytest.raises(TransformsError) as info:
            _connect(path)
        message = str(info.value)
        assert len(message.splitlines()) == 1, message
        assert str(path) in message and f"installed duckdb {duckdb.__version__}" in message
        assert "pip install -U 'duckdb>=2,<3'" in message
        return
    dialect = Dialect.for_target(Target.parse(f"duckdb://{path}"))
    con = dialect.connect()
    try:
        dialect.sql(con, "INSERT INTO t VALUES (2)")
    finally:
        con.disconnect()
    assert _peer(
        f"print(duckdb.connect({str(path)!r}).sql('SELECT sum(a) FROM t').fetchall())"
    ) == ("[(3,)]")
