"""The examples run, and agree with the pipeline: what they compute equals the built tables."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import transforms
from contracts.marts import MartCartValue, MartSales
from examples import compose_expression
from examples.embed_in_service import serve_in_thread
from examples.generate import generate, load

ROOT = Path(__file__).resolve().parents[1]
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return generate(scale=0.01)


@pytest.fixture(scope="module")
def built(tables: dict[str, pa.Table], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An open DuckDB connection where every model was built from ``tables``."""
    path = tmp_path_factory.mktemp("examples") / "shop.duckdb"
    con, dialect = transforms.connect(f"duckdb:///{path}")
    load(con, dialect, "public", tables)
    transforms.build(con)
    yield con
    con.disconnect()


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with NO_PROXY.open(url, timeout=30) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_service_answers_a_known_customer_and_404s_an_unknown_one(
    tables: dict[str, pa.Table], built: Any
) -> None:
    mart = built.table("mart_cart_value", database="analytics")
    rows = built.to_pyarrow(mart.order_by("customer_id")).to_pylist()
    known = MartCartValue.model_validate(rows[0])
    in_mart = {r["customer_id"] for r in rows}
    customers = built.to_pyarrow(built.table("stg_customer", database="analytics")).to_pylist()
    without = next(c["customer_id"] for c in customers if c["customer_id"] not in in_mart)

    server, thread = serve_in_thread(tables)
    try:
        host, port = server.server_address[:2]
        base = f"http://{host!s}:{port}"
        status, body = _get(f"{base}/cart-value/{known.customer_id}")
        assert status == 200
        assert body == known.model_dump(mode="json")
        assert MartCartValue.model_validate_json(json.dumps(body)) == known  # round trip
        assert _get(f"{base}/cart-value/{without}")[0] == 404  # a customer, no order then
        assert _get(f"{base}/cart-value/987654321")[0] == 404  # nobody
        assert _get(f"{base}/nothing-here")[0] == 404
        # several requests at once: one connection behind a lock, every answer right
        ids = [r["customer_id"] for r in rows[:6]]
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(lambda c: _get(f"{base}/cart-value/{c}"), ids))
        assert [a[1]["customer_id"] for a in answers] == ids
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_service_runs_as_a_script() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "examples.embed_in_service", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Serving on http://127.0.0.1:"), line or proc.stderr.read()
        base = line.split()[2].split("/cart-value")[0]
        status, body = _get(f"{base}/cart-value/987654321")
        assert status == 404 and "error" in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_compose_expression_equals_filtering_the_built_table(
    tables: dict[str, pa.Table], built: Any
) -> None:
    threshold = Decimal("500")
    weeks = compose_expression.run(tables, threshold)

    sales = built.table("mart_sales", database="analytics")
    expected = built.to_pyarrow(
        sales.filter(sales.discount_total > threshold).order_by("week_start")
    ).to_pylist()
    assert weeks == [MartSales.model_validate(r) for r in expected]
    assert 0 < len(weeks) < built.to_pyarrow(sales).num_rows  # the filter did filter
    assert all(w.discount_total > threshold for w in weeks)


def test_compose_expression_main_prints_the_weeks(capsys: pytest.CaptureFixture[str]) -> None:
    assert compose_expression.main(["--min-discount", "1000"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("week(s) with discounts over 1000:")
    assert len(lines) == 1 + int(lines[0].split()[0])
