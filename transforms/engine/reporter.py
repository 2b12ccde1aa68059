"""What a run tells the world, as events. Core code reports here and never prints.

A reporter hears events from more than one thread: ``model_started`` comes from the worker
thread that builds the model, the others from the thread that called the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from transforms.engine.checks import CheckResult
    from transforms.engine.results import ModelBuild, RunResult


class Reporter(Protocol):
    """The events of a run. Two more are optional (a reporter without them still works):

    - ``run_started(models: list[str])``: the run's inputs are checked and building starts;
      the models it will build, in build order. ``run_finished`` always follows.
    - ``model_started(name: str)``: a model starts building (on a worker thread).
    """

    def info(self, message: str) -> None: ...

    def model_built(self, build: ModelBuild) -> None: ...

    def layer_checked(self, layer: str, results: list[CheckResult], seconds: float) -> None: ...

    def run_finished(self, result: RunResult) -> None: ...


class SilentReporter:
    """The default: says nothing (tests, embedding services)."""

    def info(self, message: str) -> None:
        pass

    def run_started(self, models: Sequence[str]) -> None:
        pass

    def model_started(self, name: str) -> None:
        pass

    def model_built(self, build: ModelBuild) -> None:
        pass

    def layer_checked(self, layer: str, results: list[CheckResult], seconds: float) -> None:
        pass

    def run_finished(self, result: RunResult) -> None:
        pass


def notify(reporter: Reporter, event: str, *args: Any) -> None:
    """Tell ``reporter`` of an optional event, if it listens for it (see :class:`Reporter`)."""
    hook = getattr(reporter, event, None)
    if hook is not None:
        hook(*args)
