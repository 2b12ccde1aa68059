"""The terminal report: failed checks stay readable at any width, values are never markup."""

from __future__ import annotations

import io

from rich.console import Console

from transforms.console import RichReporter
from transforms.engine.checks import CheckResult

RESULTS = [
    CheckResult("stg_orders", "order_id unique", "error", 2, [{"order_id": 7, "note": "[red]x"}]),
    CheckResult(
        "stg_events",
        "event_type in 6 accepted values",
        "warn",
        3012,
        [{"event_id": 10000235, "event_type": "APPLY_COUPON[x]"}],
    ),
    CheckResult("stg_events", "event_id unique", "error", 0),
]


def _report(width: int) -> str:
    out = io.StringIO()
    RichReporter(Console(file=out, width=width)).layer_checked("staging", RESULTS, 0.25)
    return out.getvalue()


def test_a_narrow_terminal_lists_each_failed_check_with_its_sample() -> None:
    text = _report(80)
    assert "staging: 1/3 contract checks passed 0.25 s" in text
    assert "error stg_orders: order_id unique 2 failing" in text
    assert "warn stg_events: event_type in 6 accepted values 3,012 failing" in text
    assert "event_id=10000235, event_type='APPLY_COUPON[x]'" in text
    assert "order_id=7, note='[red]x'" in text
    assert "event_id unique" not in text  # passed checks are counted, not listed


def test_a_wide_terminal_shows_a_table() -> None:
    text = _report(160)
    assert "┃ check" in text
    assert "event_type in 6 accepted values" in text
    assert "'APPLY_COUPON[x]'" in text and "'[red]x'" in text
