"""Target URLs: parsed once, the password never shown (display, repr, errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.engine.dialects import Dialect, DuckDB, Postgres
from transforms.engine.errors import TransformsError
from transforms.engine.target import DEFAULT_URL, ENV_VAR, Target, redact

SECRET = "s3cret"


# --- DuckDB ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path", "duckdb_path"),
    [
        ("duckdb://webshop.duckdb", "webshop.duckdb", "webshop.duckdb"),  # relative
        ("duckdb://data/dev/w.db", "data/dev/w.db", "data/dev/w.db"),  # relative, with dirs
        ("duckdb:///abs/dir/w.db", "/abs/dir/w.db", "/abs/dir/w.db"),  # absolute
        ("duckdb://", None, ":memory:"),  # in memory
        ("duckdb://:memory:", None, ":memory:"),
        ("duckdb:///:memory:", None, ":memory:"),
        ("DuckDB://w.db", "w.db", "w.db"),  # the scheme is case-insensitive
    ],
)
def test_parse_duckdb(url: str, path: str | None, duckdb_path: str) -> None:
    t = Target.parse(url)
    assert (t.engine, t.url, t.path) == ("duckdb", url, path)
    assert (t.host, t.port, t.user, t.password, t.database) == (None,) * 5
    assert t.duckdb_path() == duckdb_path
    assert t.display == url
    assert isinstance(Dialect.for_target(t), DuckDB)


def test_duckdb_in_memory_and_file_connect(tmp_path: Path) -> None:
    con = Dialect.for_target(Target.parse("duckdb://")).connect()
    assert con.raw_sql("SELECT 41 + 1").fetchall() == [(42,)]
    con.disconnect()
    path = tmp_path / "w.duckdb"
    con = Dialect.for_target(Target.parse(f"duckdb://{path}")).connect()
    con.disconnect()
    assert path.exists()


def test_duckdb_unopenable_file_is_a_transforms_error(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_dir" / "w.duckdb"
    with pytest.raises(TransformsError, match=f"cannot open DuckDB file {missing}"):
        Dialect.for_target(Target.parse(f"duckdb://{missing}")).connect()


# --- PostgreSQL --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://bob:pw@db.example.com:6543/analytics",
            ("db.example.com", 6543, "bob", "pw", "analytics"),
        ),
        ("postgresql://bob@localhost/shop", ("localhost", 5432, "bob", None, "shop")),
        ("postgres://10.0.0.5:5433/shop", ("10.0.0.5", 5433, None, None, "shop")),
        ("postgres:///shop", ("localhost", 5432, None, None, "shop")),
        ("postgres://u:pw@[::1]:5444/shop", ("::1", 5444, "u", "pw", "shop")),
        # percent-encoded parts are decoded; an '@' may even stand unencoded in the password
        ("postgres://b%40b:p%40ss%3A1@h/my%20db", ("h", 5432, "b@b", "p@ss:1", "my db")),
        ("postgres://bob:p@ss@h/db", ("h", 5432, "bob", "p@ss", "db")),
    ],
)
def test_parse_postgres(url: str, expected: tuple[object, ...]) -> None:
    t = Target.parse(url)
    assert t.engine == "postgres"
    assert (t.host, t.port, t.user, t.password, t.database) == expected
    assert t.path is None
    assert isinstance(Dialect.for_target(t), Postgres)


@pytest.mark.parametrize(
    ("url", "display"),
    [
        (f"postgres://bob:{SECRET}@h:5432/db", "postgres://bob:***@h:5432/db"),
        (f"postgresql://:{SECRET}@h/db", "postgresql://:***@h/db"),
        (f"postgres://bob:{SECRET}@x@h/db", "postgres://bob:***@h/db"),
        ("postgres://bob:s3%63ret@h/db", "postgres://bob:***@h/db"),
        ("postgres://bob@h/db", "postgres://bob@h/db"),
        ("postgres://h:5432/db", "postgres://h:5432/db"),
        (f"postgres://bob:{SECRET}#x@h/db", "postgres://bob:***@h/db"),
        (f"sc://h:15002/;token={SECRET}", "sc://h:15002/;token=***"),
        (
            f"sc://h/;user_id=a;token={SECRET};use_ssl=true",
            "sc://h/;user_id=a;token=***;use_ssl=true",
        ),
    ],
)
def test_redact_masks_the_password(url: str, display: str) -> None:
    assert redact(url) == display
    assert SECRET not in display


@pytest.mark.parametrize(
    "url",
    [f"postgres://bob:{SECRET}@h:5432/db", "postgres://bob:s3%63ret@h/db", "duckdb://w.db"],
)
def test_display_and_repr_mask_the_password(url: str) -> None:
    t = Target.parse(url)
    assert t.display == redact(url)
    for text in (t.display, repr(t), str(t), repr([t])):
        assert SECRET not in text
        assert "s3%63ret" not in text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"postgres://bob:{SECRET}@h:5432", "names no database"),
        (f"postgres://bob:{SECRET}@h:5432/", "names no database"),
        (f"postgresql://bob:{SECRET}@h", "names no database"),
        (f"postgres://bob:{SECRET}@h:port/db", "bad port in target URL"),
        (f"postgres://bob:{SECRET}@h:70000/db", "bad port in target URL"),
        (f"mysql://bob:{SECRET}@h/db", "unsupported target URL scheme 'mysql'"),
        ("sqlite:///w.db", "unsupported target URL scheme 'sqlite'"),
        ("w.duckdb", "unsupported target URL scheme ''"),
        (f"postgres://bob:{SECRET}@h/db?sslmode=require", "options after the database name"),
        # an unencoded '/', '?' or '#' in the password cuts the host short: still masked
        (f"postgres://bob:{SECRET}/x@h/db", "percent-encode a password holding"),
        (f"postgres://bob:{SECRET}?x@h/db", "percent-encode a password holding"),
        (f"postgres://bob:{SECRET}#x@h/db", "percent-encode a password holding"),
        (f"postgres://bob:12/{SECRET}@h/db", "has an '@' after the host"),
    ],
)
def test_bad_urls_are_transforms_errors_without_the_password(url: str, message: str) -> None:
    with pytest.raises(TransformsError) as err:
        Target.parse(url)
    assert message in str(err.value)
    assert SECRET not in str(err.value)
    assert err.value.__cause__ is None


def test_parse_falls_back_to_the_environment_then_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_VAR, "postgres://env@h/envdb")
    assert Target.parse().database == "envdb"
    assert Target.parse("duckdb://x.db").path == "x.db"  # an explicit URL wins
    monkeypatch.delenv(ENV_VAR)
    assert Target.parse() == Target.parse(DEFAULT_URL)
    assert Target.parse().path == "webshop.duckdb"


@pytest.mark.parametrize(
    "url",
    [
        f"postgres://postgres:{SECRET}@127.0.0.1:1/x",  # nothing listens on port 1
        f"postgres://postgres:{SECRET}@no-such-host.invalid:5432/x",  # unresolvable host
    ],
)
def test_connect_failure_never_shows_the_password(url: str) -> None:
    with pytest.raises(TransformsError) as err:
        Dialect.for_target(Target.parse(url)).connect()
    message = str(err.value)
    assert message.startswith("cannot connect to postgres://postgres:***@")
    assert SECRET not in message
    assert err.value.__suppress_context__


@pytest.mark.postgres
def test_connect_refused_by_the_server_never_shows_the_password(pg_url: str) -> None:
    base = Target.parse(pg_url)
    # the server answers, and refuses: no such database (with trust auth a wrong password
    # would be accepted, so a missing database stands in for a rejected login)
    url = f"postgres://{base.user}:{SECRET}@{base.host}:{base.port}/no_such_db_x"
    with pytest.raises(TransformsError) as err:
        Dialect.for_target(Target.parse(url)).connect()
    message = str(err.value)
    assert 'database "no_such_db_x" does not exist' in message
    assert SECRET not in message


def test_require_database_before_connecting(tmp_path: Path) -> None:
    """What reads needs the file there; what creates it needs its folder; a folder is no file."""
    missing = Target.parse(f"duckdb://{tmp_path}/shop.duckdb")
    missing.require_database(create=True)  # created on connecting
    with pytest.raises(TransformsError, match=r"^no DuckDB file at .*shop\.duckdb: run `tr"):
        missing.require_database(create=False)
    nested = Target.parse(f"duckdb://{tmp_path}/nodir/shop.duckdb")
    for create in (True, False):
        with pytest.raises(TransformsError, match="nodir"):
            nested.require_database(create=create)
    with pytest.raises(TransformsError, match="is a folder, not a DuckDB file"):
        Target.parse(f"duckdb://{tmp_path}").require_database(create=True)
    Target.parse("duckdb://").require_database(create=False)  # in memory: nothing to check
    with pytest.raises(TransformsError, match="no Spark warehouse at"):
        Target.parse(f"spark://{tmp_path}/warehouse").require_database(create=False)
    Target.parse(f"spark://{tmp_path}/warehouse").require_database(create=True)
    Target.parse("sc://spark.internal").require_database(create=False)  # a server's business
    assert sorted(tmp_path.iterdir()) == []
