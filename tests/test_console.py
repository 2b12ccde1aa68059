"""The terminal report: failed checks stay readable at any width, values are never markup."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text

from transforms.console import RichReporter, print_phrases
from transforms.engine.checks import CheckResult
from transforms.engine.results import ModelBuild, RunResult

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


# --- a run as it goes: the live area on a terminal, today's lines elsewhere -------------------

BUILDS = [
    ModelBuild("stg_orders", "staging", 50_000, 0.42, reason="first run"),
    ModelBuild("stg_events", "staging", 1_017_008, 1.25, reason="first run"),
]
PLAIN = (
    "  ✓ stg_orders                          50,000 rows   0.42 s  full: first run\n"
    "  ✓ stg_events                       1,017,008 rows   1.25 s  full: first run\n"
    "  staging: 3/3 contract checks passed 0.10 s\n"
    "Done: built 2, published 2, warnings 0, errors 0 in 2.00 s\n"
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _run(reporter: RichReporter, clock: Clock, during: list[str] | None = None) -> None:
    """The events of a two-model run; ``during`` gets the live area's text mid-run."""
    reporter.run_started(["stg_orders", "stg_events"])
    reporter.model_started("stg_orders")
    clock.now += 0.5
    reporter.model_started("stg_events")
    clock.now += 12.25
    if during is not None:
        during.append(_text(reporter.progress()))
    reporter.model_built(BUILDS[0])
    if during is not None:
        during.append(_text(reporter.progress()))
    reporter.model_built(BUILDS[1])
    passed = [CheckResult("stg_orders", f"check {i}", "error", 0) for i in range(3)]
    reporter.layer_checked("staging", passed, 0.1)
    result = RunResult("r1", "analytics", builds=list(BUILDS), published=["a", "b"], seconds=2.0)
    reporter.run_finished(result)


def _text(renderable: Any) -> str:
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(renderable)
    return out.getvalue()


def test_a_terminal_shows_the_models_building_now_and_the_count() -> None:
    out, clock = io.StringIO(), Clock()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    reporter = RichReporter(console, clock=clock)
    during: list[str] = []
    _run(reporter, clock, during)
    lines = during[0].splitlines()
    assert [line[4:].split() for line in lines[:2]] == [
        ["stg_orders", "12.8", "s"],  # the longest-running first
        ["stg_events", "12.2", "s"],
    ]
    assert lines[2] == "  0/2 models built, 2 building"
    assert during[1].splitlines()[-1] == "  1/2 models built, 1 building"
    assert "stg_orders" not in during[1]
    text = out.getvalue()
    assert "✓ stg_orders" in text and "Done: built 2" in text  # the lines, above the live area
    assert reporter._live is None  # stopped by run_finished


def test_elsewhere_the_output_is_the_plain_lines() -> None:
    out, clock = io.StringIO(), Clock()
    reporter = RichReporter(Console(file=out, width=80), clock=clock)
    assert not reporter.console.is_terminal
    _run(reporter, clock)
    assert out.getvalue() == PLAIN


def test_events_from_many_threads_at_once() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    reporter = RichReporter(console)
    names = [f"model_{i}" for i in range(200)]
    reporter.run_started(names)

    def work(name: str) -> None:
        reporter.model_started(name)
        reporter.progress()

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "0/200 models built, 200 building" in _text(reporter.progress())
    for name in names:
        reporter.model_built(ModelBuild(name, "staging", 1, 0.0))
    reporter.run_finished(RunResult("r", "analytics", seconds=1.0))
    assert out.getvalue().count("✓ model_") == 200


HEADER = [
    "Building into [bold]postgres://analyst:***@warehouse.internal:5432/webshop[/]",
    "schema [bold]analytics[/] from [bold]public[/],",
    "4 models at a time",
]


@pytest.mark.parametrize("width", [40, 60, 80, 120, 200])
def test_the_header_breaks_only_between_phrases(width: int) -> None:
    out = io.StringIO()
    print_phrases(Console(file=out, width=width), HEADER)
    plain = [Text.from_markup(p).plain for p in HEADER]
    lines = [line.strip() for line in out.getvalue().splitlines()]
    assert " ".join(lines) == " ".join(plain)
    for line in lines:  # each line is whole phrases
        assert any(line == " ".join(plain[i:j]) for i in range(3) for j in range(i + 1, 4)), line
    fits = [len(line) <= width for line in out.getvalue().splitlines()]
    assert all(fits) or width < len(plain[0])  # a phrase wider than the terminal: on its own


def test_the_run_header_at_80_columns() -> None:
    out = io.StringIO()
    header = ["Building into [bold]duckdb://webshop.duckdb[/]", *HEADER[1:]]
    reporter = RichReporter(Console(file=out, width=80), header=header)
    reporter.run_started([])
    assert out.getvalue() == (
        "Building into duckdb://webshop.duckdb schema analytics from public,\n"
        "  4 models at a time\n"
    )
