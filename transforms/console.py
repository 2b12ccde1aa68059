"""The terminal face of the commands: a rich reporter of runs, and lineage trees. Only the CLI
uses it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.spinner import SPINNERS
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from transforms.engine.checks import CheckResult
from transforms.engine.results import ModelBuild, RunResult

if TYPE_CHECKING:
    from transforms.engine.lineage import ColumnRef, Lineage, Role


class RichReporter:
    """Prints a line per built model, a table of contract results per layer and a summary.

    On a terminal a live area below those lines shows the models building now, for how long,
    and how many are built; elsewhere (a pipe, a CI log) only the lines are printed. Events
    come from several threads (``model_started`` from the workers'): the reporter's state is
    kept under a lock, never held while rich draws.
    """

    def __init__(
        self,
        console: Console | None = None,
        *,
        header: Sequence[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console or Console(highlight=False)
        self.header = list(header)  # the phrases of the run's first line (print_phrases)
        self.clock = clock
        self._lock = threading.Lock()
        self._running: dict[str, float] = {}  # model → when it started building
        self._total = 0
        self._built = 0
        self._live: Live | None = None

    def info(self, message: str) -> None:
        self.console.print(message)

    def run_started(self, models: Sequence[str]) -> None:
        if self.header:
            print_phrases(self.console, self.header)
        with self._lock:
            self._total, self._built = len(models), 0
            self._running.clear()
        if self.console.is_terminal and self._live is None:
            self._live = Live(
                console=self.console,
                get_renderable=self.progress,
                refresh_per_second=8,
                transient=True,  # gone at the end: the lines above tell what was done
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()

    def model_started(self, name: str) -> None:
        with self._lock:
            self._running[name] = self.clock()

    def model_built(self, build: ModelBuild) -> None:
        with self._lock:
            self._running.pop(build.name, None)
            self._built += 1
        self._redraw()
        self.console.print(
            f"  [green]✓[/] {build.name:<30} [cyan]{build.rows:>11,}[/] rows "
            f"[dim]{build.seconds:6.2f} s[/]  {changes(build)}",
            overflow="ellipsis",
            no_wrap=True,
        )

    def _redraw(self) -> None:
        """The live area as the state is now: a line printed next redraws the area, but as
        last refreshed (up to 1/8 s old), which would show a model built as still building."""
        if self._live is not None:
            self._live.refresh()

    def progress(self) -> RenderableType:
        """The live area: a line per model building now, with its seconds, then the count."""
        with self._lock:
            now = self.clock()
            running = sorted(self._running.items(), key=lambda item: item[1])
            built, total = self._built, self._total
        frames = SPINNER["frames"]
        frame = frames[int(now * 1000 / SPINNER["interval"]) % len(frames)]
        lines = [
            Text.assemble(("  " + frame, "cyan"), f" {name:<30} ", (f"{now - since:6.1f} s", "dim"))
            for name, since in running
        ]
        lines.append(
            Text.from_markup(
                f"  [bold]{built}/{total}[/] models built"
                + (f", {len(running)} building" if running else "")
            )
        )
        return Group(*lines)

    def layer_checked(self, layer: str, results: list[CheckResult], seconds: float) -> None:
        with self._lock:
            self._running.clear()  # a layer ends once every build of it has (or was stopped)
        self._redraw()
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
        if self._live is not None:
            self._live.stop()
            self._live = None
        with self._lock:
            self._running.clear()
        style = "green" if result.ok else "red"
        increments = [b.mode for b in result.builds].count("incremental")
        split = f" ({increments} incremental)" if increments else ""
        self.console.print(
            f"[{style}]{'Done' if result.ok else 'Failed'}:[/] built {len(result.builds)}{split}, "
            f"published {len(result.published)}, warnings {len(result.warnings)}, "
            f"errors {len(result.errors)} in {result.seconds:.2f} s"
        )


def print_phrases(console: Console, phrases: Sequence[str], indent: str = "  ") -> None:
    """Print ``phrases`` (markup) joined by spaces as lines of at most the console's width,
    broken only between phrases; lines after the first indented."""
    lines: list[list[Text]] = [[]]
    used = 0
    for phrase in phrases:
        text = Text.from_markup(phrase)
        gap = 1 if lines[-1] else 0
        if lines[-1] and used + gap + text.cell_len > console.width:
            lines.append([])
            used, gap = len(indent), 0
        lines[-1].append(text)
        used += gap + text.cell_len
    for i, parts in enumerate(lines):
        line = Text(indent if i else "")
        line.append_text(Text(" ").join(parts))
        console.print(line, soft_wrap=True)


def changes(build: ModelBuild) -> str:
    """How a build came about: ``+1,204 −17`` rows of an increment, or ``full: <why>``."""
    if build.mode == "incremental":
        return f"[green]+{build.inserted or 0:,}[/] [red]−{build.deleted or 0:,}[/]"
    return f"[yellow]full[/][dim]: {escape(build.reason or '')}[/]"


SPINNER: dict[str, Any] = SPINNERS["dots"]  # its frames, and the milliseconds each shows

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


# --- lineage ---------------------------------------------------------------------------------


def lineage_tree(lineage: Lineage) -> Tree:
    """A column's lineage as a tree: each column's inputs below it, down to the sources.

    A column reached again is not expanded twice: it says "(see above)". Downstream, the
    columns that depend on the asked one, grouped by layer, marts first.
    """
    from transforms.engine.lineage import roles_by_upstream

    root = lineage.column
    tree = Tree(_column_label(root, layer=True), guide_style="dim")
    if lineage.downstream:
        _readers(tree, lineage)
        return tree
    expanded: set[ColumnRef] = {root}

    def grow(branch: Tree, column: ColumnRef) -> None:
        for upstream, roles in _values_first(roles_by_upstream(lineage.next(column))):
            label = f"{_column_label(upstream)}  {_roles_label(roles)}"
            if upstream in expanded and lineage.next(upstream):
                branch.add(f"{label}  [dim](see above)[/]")
                continue
            expanded.add(upstream)
            grow(branch.add(label), upstream)

    grow(tree, root)
    if not lineage.dependencies:
        tree.add(
            "[dim]a source column: nothing upstream[/]"
            if root.layer == "source"
            else "[dim]computed from no column[/]"
        )
    return tree


def _readers(tree: Tree, lineage: Lineage) -> None:
    if not lineage.reached:
        tree.add("[dim]no model column depends on it[/]")
    layers: dict[str, Tree] = {}
    for reached in lineage.reached:
        col = reached.column
        if col.layer not in layers:
            layers[col.layer] = tree.add(f"[bold]{col.layer}[/]")
        via = [d.upstream for d in lineage.dependencies if d.column == col]
        through = ", ".join(dict.fromkeys(str(v) for v in via))
        kind = "[green]value[/]" if reached.kind == "value" else "[yellow]filter[/]"
        layers[col.layer].add(f"{_column_label(col)}  {kind}  [dim]← {through}[/]")


def _values_first(roles: dict[ColumnRef, list[Role]]) -> list[tuple[ColumnRef, list[Role]]]:
    return sorted(roles.items(), key=lambda item: item[1][0] != "value")


def _column_label(column: ColumnRef, *, layer: bool = False) -> str:
    """The column in bold; a source's in magenta and marked (a model's name tells its layer)."""
    if column.layer == "source":
        return f"[bold magenta]{escape(str(column))}[/] [dim](source)[/]"
    where = f" [dim]({column.layer})[/]" if layer else ""
    return f"[bold]{escape(str(column))}[/]{where}"


def _roles_label(roles: Sequence[str]) -> str:
    parts = [f"[green]{r}[/]" if r == "value" else f"[yellow]{r}[/]" for r in roles]
    return ", ".join(parts)
