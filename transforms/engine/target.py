"""Where a run reads and writes: one URL, parsed once, never printed with its password."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from transforms.engine.errors import TransformsError

ENV_VAR = "TRANSFORMS_TARGET"
DEFAULT_URL = "duckdb://webshop.duckdb"  # relative: like ibis, duckdb:///abs/path.db is absolute
_SCHEMES = {"duckdb": "duckdb", "postgres": "postgres", "postgresql": "postgres"}


@dataclass(frozen=True)
class Target:
    """A parsed connection URL: ``duckdb://file.db`` (relative), ``duckdb:///abs/file.db``,
    ``duckdb://`` (in memory) or ``postgres://user@host:port/db``."""

    engine: str  # "duckdb" or "postgres"
    url: str
    path: str | None = None  # DuckDB file; None means in memory
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
                "use duckdb:///path.db, duckdb:// (in memory) or postgres://user@host:port/db"
            )
        if engine == "duckdb":
            raw = unquote(parts.netloc + parts.path)
            path = None if raw in ("", ":memory:", "/:memory:") else raw
            return cls(engine="duckdb", url=url, path=path)
        if not parts.path.strip("/"):
            raise TransformsError(
                f"the PostgreSQL target {redact(url)!r} names no database: "
                "add it to the URL, e.g. postgres://user@localhost:5432/analytics"
            )
        try:
            port = parts.port
        except ValueError as exc:
            raise TransformsError(f"bad port in target URL {redact(url)!r}: {exc}") from None
        return cls(
            engine="postgres",
            url=url,
            host=parts.hostname or "localhost",
            port=port or 5432,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            database=unquote(parts.path.lstrip("/")),
        )

    @property
    def display(self) -> str:
        """The URL with any password masked: safe to print and log."""
        return redact(self.url)

    def duckdb_path(self) -> str:
        if self.path is None:
            return ":memory:"
        return str(Path(self.path))


def redact(url: str) -> str:
    """Mask the password of a URL (``postgres://bob:***@host/db``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[-1]}"))
