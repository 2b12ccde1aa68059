"""Where a run reads and writes: one URL, parsed once, never printed with its password."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from transforms.engine.errors import TransformsError

ENV_VAR = "TRANSFORMS_TARGET"
DEFAULT_URL = "duckdb://webshop.duckdb"  # relative: like ibis, duckdb:///abs/path.db is absolute
_ENCODE_HINT = "percent-encode a password holding '/', '?' or '#'"
_SCHEMES = {
    "duckdb": "duckdb",
    "postgres": "postgres",
    "postgresql": "postgres",
    "spark": "spark",
    "sc": "spark",
}
SPARK_CONNECT_PORT = 15002  # Spark Connect's default


@dataclass(frozen=True)
class Target:
    """A parsed connection URL: ``duckdb://file.db`` (relative), ``duckdb:///abs/file.db``,
    ``duckdb://`` (in memory), ``postgres://user@host:port/db``, ``spark:///abs/warehouse``
    (Spark in local mode, its catalog and tables under that directory) or ``sc://host:port``
    (a Spark Connect server)."""

    engine: str  # "duckdb", "postgres" or "spark"
    url: str
    path: str | None = None  # DuckDB file (None: in memory); Spark local mode's directory
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None

    @classmethod
    def parse(cls, url: str | None = None) -> Target:
        """Parse ``url``, else ``$TRANSFORMS_TARGET``, else a DuckDB file in the working dir."""
        url = url or os.environ.get(ENV_VAR) or DEFAULT_URL
        parts = urlsplit(url)
        engine = _SCHEMES.get(parts.scheme)
        if engine is None:
            raise TransformsError(
                f"unsupported target URL scheme {parts.scheme!r} in {redact(url)!r}: "
                "use duckdb:///path.db, duckdb:// (in memory), postgres://user@host:port/db, "
                "spark:///abs/warehouse/dir or sc://host:port"
            )
        if engine == "spark":
            return cls._parse_spark(url, parts)
        if engine == "duckdb":
            raw = unquote(parts.netloc + parts.path)
            path = None if raw in ("", ":memory:", "/:memory:") else raw
            return cls(engine="duckdb", url=url, path=path)
        if parts.query or parts.fragment:
            # Silently dropping e.g. ?sslmode=require would connect without what was asked for.
            raise TransformsError(
                f"the PostgreSQL target {redact(url)!r} has options after the database name, "
                "which are not supported: set them with libpq's environment variables instead "
                f"(PGSSLMODE, PGOPTIONS, …) ({_ENCODE_HINT})"
            )
        if "@" in parts.path:
            # "user:pw/x@host/db" parses as host "user", database "x@host/db"
            raise TransformsError(
                f"the PostgreSQL target {redact(url)!r} has an '@' after the host: "
                f"{_ENCODE_HINT}, and percent-encode an '@' in the database name as %40"
            )
        if not parts.path.strip("/"):
            raise TransformsError(
                f"the PostgreSQL target {redact(url)!r} names no database: "
                "add it to the URL, e.g. postgres://user@localhost:5432/analytics"
            )
        try:
            port = parts.port
        except ValueError:
            # not the ValueError's text: it quotes the "port", which can be part of a password
            raise TransformsError(
                f"bad port in target URL {redact(url)!r}: use a number from 1 to 65535 "
                f"({_ENCODE_HINT})"
            ) from None
        return cls(
            engine="postgres",
            url=url,
            host=parts.hostname or "localhost",
            port=port or 5432,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            database=unquote(parts.path.lstrip("/")),
        )

    @classmethod
    def _parse_spark(cls, url: str, parts: SplitResult) -> Target:
        if parts.scheme == "sc":
            # Spark Connect: sc://host:port (options after ";" are the client's own, kept)
            host = parts.hostname
            if not host:
                raise TransformsError(
                    f"the Spark Connect target {redact(url)!r} names no host: "
                    "use sc://host:port (default port 15002)"
                )
            try:
                port = parts.port or SPARK_CONNECT_PORT
            except ValueError:
                raise TransformsError(
                    f"bad port in target URL {redact(url)!r}: use a number from 1 to 65535"
                ) from None
            return cls(engine="spark", url=url, host=host, port=port)
        if parts.netloc or parts.query or parts.fragment:
            # spark://host:7077 is a standalone cluster's master URL in Spark's own notation
            raise TransformsError(
                f"the Spark target {redact(url)!r} is not a local warehouse directory: use "
                "spark:///absolute/warehouse/dir (local mode, three slashes) or sc://host:port "
                "(Spark Connect)"
            )
        path = unquote(parts.path)
        if not path.startswith("/") or path.rstrip("/") == "":
            raise TransformsError(
                f"the Spark target {url!r} needs an absolute warehouse directory: "
                "spark:///srv/warehouse"
            )
        return cls(engine="spark", url=url, path=str(Path(path)))

    @property
    def spark_connect(self) -> bool:
        """A Spark Connect server (``sc://``) rather than Spark in local mode."""
        return self.engine == "spark" and self.host is not None

    def __repr__(self) -> str:
        # the dataclass repr would show the URL and the password (tracebacks, logs, debuggers)
        return f"Target({self.display!r})"

    @property
    def display(self) -> str:
        """The URL with any password masked: safe to print and log."""
        return redact(self.url)

    def duckdb_path(self) -> str:
        if self.path is None:
            return ":memory:"
        return str(Path(self.path))

    def require_database(self, *, create: bool) -> None:
        """Refuse, before connecting, a local database that connecting would get wrong.

        Connecting to a DuckDB file that is not there creates it (and a Spark warehouse
        directory likewise): with ``create=False`` — every command that reads what is
        already there — a missing file is an error instead, and nothing is created. With
        ``create=True`` the file's folder must exist (DuckDB creates the file, not folders).
        """
        if self.path is None or self.spark_connect:
            return
        path = Path(self.path)
        if self.engine == "spark":
            if not create and not path.is_dir():
                raise TransformsError(
                    f"no Spark warehouse at {path}: run `transforms generate` first, "
                    "or pass the right --target"
                )
            return
        if path.is_dir():
            raise TransformsError(f"{path} is a folder, not a DuckDB file: name a file in it")
        if path.exists():
            return
        if not create:
            raise TransformsError(
                f"no DuckDB file at {path}: run `transforms generate` first, "
                "or pass the right --target"
            )
        folder = path.parent
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise TransformsError(
                f"cannot create the DuckDB file {path}: {folder} {what}: create it first"
            )


def redact(url: str) -> str:
    """Mask the password of a URL (``postgres://bob:***@host/db``) and a Spark Connect token
    (``sc://host/;token=***``).

    Works on the text up to the last ``@``, not on a URL parse: a password holding an unencoded
    ``#``, ``?`` or ``/`` ends the parsed host early, so a parse would find no password to mask.
    """
    url = re.sub(r"(;token=)[^;]*", r"\1***", url)  # a Spark Connect token
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}"
