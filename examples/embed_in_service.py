"""Embed a model in a service: a tiny HTTP API answering with a customer's last-session cart.

    python -m examples.embed_in_service --port 8000
    curl localhost:8000/cart-value/42

``GET /cart-value/<customer_id>`` answers with the customer's row of ``mart_cart_value`` as
JSON (404 when the customer has none). The service does not build or publish anything: it
composes the mart from the raw tables with ``transforms.expression`` and lets DuckDB execute
it, filtered to the one customer. Rows are validated by the model's contract class
(``MartCartValue``), which also gives them their types.

Standard library only (``http.server``); the example data comes from
``examples.generate.generate``.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import ibis
import pyarrow as pa

import transforms
from contracts.marts import MartCartValue
from examples.generate import generate, load

ROUTE = re.compile(r"^/cart-value/(-?\d+)/?$")


class CartValues:
    """``mart_cart_value`` over raw tables held in an in-memory DuckDB, one customer at a time."""

    def __init__(self, tables: Mapping[str, pa.Table]) -> None:
        self.con, dialect = transforms.connect("duckdb://")  # in memory, null order pinned
        load(self.con, dialect, "public", dict(tables))
        sources = {name: self.con.table(name, database="public") for name in tables}
        self.mart: ibis.Table = transforms.expression("mart_cart_value", sources=sources)
        self.lock = threading.Lock()  # one DuckDB connection: one query at a time

    def get(self, customer_id: int) -> MartCartValue | None:
        """The customer's row, validated, or None when they have no such row."""
        mart = self.mart
        query = mart.filter(mart.customer_id == customer_id)
        with self.lock:
            rows = self.con.to_pyarrow(query).to_pylist()
        return MartCartValue.model_validate(rows[0]) if rows else None

    def close(self) -> None:
        self.con.disconnect()


class CartServer(ThreadingHTTPServer):
    """The HTTP server: one thread per request, all sharing ``carts``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], carts: CartValues) -> None:
        self.carts = carts
        super().__init__(address, _Handler)

    def server_close(self) -> None:
        super().server_close()
        self.carts.close()


class _Handler(BaseHTTPRequestHandler):
    server: CartServer

    def do_GET(self) -> None:
        match = ROUTE.match(self.path)
        if not match:
            self._reply(HTTPStatus.NOT_FOUND, {"error": "try /cart-value/<customer_id>"})
            return
        row = self.server.carts.get(int(match.group(1)))
        if row is None:
            self._reply(HTTPStatus.NOT_FOUND, {"error": "no order in the last session"})
            return
        self._reply(HTTPStatus.OK, row.model_dump(mode="json"))

    def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: a real service would log through its own logger


def serve_in_thread(
    tables: Mapping[str, pa.Table], host: str = "127.0.0.1", port: int = 0
) -> tuple[CartServer, threading.Thread]:
    """Start the service in a background thread (port 0: any free port, see
    ``server.server_address``); stop it with ``server.shutdown(); server.server_close()``."""
    server = CartServer((host, port), CartValues(tables))
    thread = threading.Thread(target=server.serve_forever, name="cart-values", daemon=True)
    thread.start()
    return server, thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--scale", type=float, default=0.01, help="example data scale")
    args = parser.parse_args(argv)
    server = CartServer((args.host, args.port), CartValues(generate(scale=args.scale)))
    host, port = server.server_address[:2]
    print(f"Serving on http://{host!s}:{port}/cart-value/<customer_id> (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
