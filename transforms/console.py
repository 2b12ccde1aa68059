"""The terminal face of a run: a rich reporter. Only the CLI creates one."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from transforms.engine.checks import CheckResult
from transforms.engine.results import ModelBuild, RunResult


class RichReporter:
    """Prints a line per built model, a table of contract results per layer and a summary."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)

    def info(self, message: str) -> None:
        self.console.print(message)

    def model_built(self, build: ModelBuild) -> None:
        self.console.print(
            f"  [green]✓[/] {build.name:<30} [cyan]{build.rows:>11,}[/] rows "
            f"[dim]{build.seconds:6.2f} s[/]  {changes(build)}",
            overflow="ellipsis",
            no_wrap=True,
        )

    def layer_checked(self, layer: str, results: list[CheckResult], seconds: float) -> None:
        failed = [r for r in results if not r.passed]
        passed = len(results) - len(failed)
        style = "red" if any(r.is_error for r in failed) else "yellow" if failed else "green"
        self.console.print(
            f"  [{style}]{layer}: {passed}/{len(results)} contract checks passed[/] "
            f"[dim]{seconds:.2f} s[/]"
        )
        if failed and self.console.width >= WIDE:
            self.console.print(results_table(failed))
        elif failed:
            for line in results_lines(failed):
                self.console.print(line, overflow="ellipsis", no_wrap=True)

    def run_finished(self, result: RunResult) -> None:
        style = "green" if result.ok else "red"
        increments = [b.mode for b in result.builds].count("incremental")
        split = f" ({increments} incremental)" if increments else ""
        self.console.print(
            f"[{style}]{'Done' if result.ok else 'Failed'}:[/] built {len(result.builds)}{split}, "
            f"published {len(result.published)}, warnings {len(result.warnings)}, "
            f"errors {len(result.errors)} in {result.seconds:.2f} s"
        )


def changes(build: ModelBuild) -> str:
    """How a build came about: ``+1,204 −17`` rows of an increment, or ``full: <why>``."""
    if build.mode == "incremental":
        return f"[green]+{build.inserted or 0:,}[/] [red]−{build.deleted or 0:,}[/]"
    return f"[yellow]full[/][dim]: {escape(build.reason or '')}[/]"


# Below this width a table of failed checks squeezes the check names out of sight: a list it is.
WIDE = 110


def results_lines(results: list[CheckResult]) -> list[str]:
    """Failed checks as lines: model, check, severity and count, then the sample rows."""
    lines = []
    for r in results:
        colour = "red" if r.severity == "error" else "yellow"
        lines.append(
            f"  [{colour}]{r.severity}[/] [bold]{escape(r.model)}[/]: {escape(r.check)} "
            f"[{colour}]{r.failing:,} failing[/]"
        )
        lines.extend(f"      [dim]{escape(_row(s))}[/]" for s in r.sample)
    return lines


def results_table(results: list[CheckResult]) -> Table:
    table = Table(show_lines=False, pad_edge=False)
    table.add_column("model", no_wrap=True)
    table.add_column("check", overflow="fold", ratio=1)
    table.add_column("severity", no_wrap=True)
    table.add_column("failing", justify="right", no_wrap=True)
    # one line per sample row, cut at the terminal's edge: keys come first, so they stay visible
    table.add_column("sample (keys first)", overflow="ellipsis", no_wrap=True, ratio=2)
    for r in results:
        colour = "red" if r.severity == "error" else "yellow"
        table.add_row(
            escape(r.model),
            escape(r.check),
            f"[{colour}]{r.severity}[/]",
            f"{r.failing:,}",
            escape("\n".join(_row(s) for s in r.sample)),
        )
    return table


def _row(sample: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in sample.items())
