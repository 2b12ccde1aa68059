"""The one error class the project raises for problems a user can fix."""

from __future__ import annotations


class TransformsError(Exception):
    """A known, user-fixable problem: the CLI prints it as one red line and exits 1."""


class ContractError(TransformsError):
    """A contract check of severity ``error`` failed; nothing of the run was published."""

    def __init__(self, message: str, results: list | None = None) -> None:
        super().__init__(message)
        self.results = results or []
