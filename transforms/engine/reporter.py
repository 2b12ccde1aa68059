"""What a run tells the world, as events. Core code reports here and never prints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from transforms.engine.checks import CheckResult
    from transforms.engine.results import ModelBuild, RunResult


class Reporter(Protocol):
    def info(self, message: str) -> None: ...

    def model_built(self, build: ModelBuild) -> None: ...

    def layer_checked(self, layer: str, results: list[CheckResult], seconds: float) -> None: ...

    def run_finished(self, result: RunResult) -> None: ...


class SilentReporter:
    """The default: says nothing (tests, embedding services)."""

    def info(self, message: str) -> None:
        pass

    def model_built(self, build: ModelBuild) -> None:
        pass

    def layer_checked(self, layer: str, results: list[CheckResult], seconds: float) -> None:
        pass

    def run_finished(self, result: RunResult) -> None:
        pass
