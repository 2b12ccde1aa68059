"""What a run did, as plain data: the builds, the check results, what was published."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from transforms.engine.checks import CheckResult


@dataclass(frozen=True)
class ModelBuild:
    """One model's build: its rows after the run, and how they came about."""

    name: str
    layer: str
    rows: int
    seconds: float
    mode: str = "full"  # "full" (built whole) or "incremental" (its changed partitions)
    reason: str | None = None  # why it was built whole
    inserted: int | None = None  # rows that are new or changed (None: unknown)
    deleted: int | None = None  # rows that are gone or changed (None: unknown)
    kept: int | None = None  # rows of the published table left as they were


@dataclass
class RunResult:
    """What a run did: built models, check results, what it published, how long it took."""

    run_id: str
    target_schema: str
    builds: list[ModelBuild] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    check_seconds: dict[str, float] = field(default_factory=dict)
    # wall seconds of each layer: until its last model was built, and until its checks ended
    # (checks run alongside the builds: the difference is what they add to the run)
    layer_seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed and c.severity == "warn"]

    @property
    def errors(self) -> list[CheckResult]:
        return [c for c in self.checks if c.is_error]

    def rows(self) -> dict[str, int]:
        return {b.name: b.rows for b in self.builds}

    def modes(self) -> dict[str, str]:
        return {b.name: b.mode for b in self.builds}

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready): for logs, dashboards and the benchmark."""
        return {
            "run_id": self.run_id,
            "target_schema": self.target_schema,
            "ok": self.ok,
            "error": self.error,
            "seconds": self.seconds,
            "builds": [vars(b) for b in self.builds],
            "check_seconds": self.check_seconds,
            "layer_seconds": self.layer_seconds,
            "checks": [
                {
                    "model": c.model,
                    "check": c.check,
                    "severity": c.severity,
                    "failing": c.failing,
                    "sample": [{k: str(v) for k, v in row.items()} for row in c.sample],
                }
                for c in self.checks
            ],
            "published": self.published,
        }
