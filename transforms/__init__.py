"""webshop-transforms: portable, contract-checked webshop analytics models in Ibis.

Library API::

    import transforms
    result = transforms.build("duckdb://webshop.duckdb")   # build, check, publish
    expr = transforms.expression("stg_orders", {"orders": my_ibis_table})
    sql = transforms.compile_sql("stg_orders", dialect="postgres")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transforms.api import (
        build,
        check,
        compile_sql,
        connect,
        expression,
        last_run,
        session,
    )
    from transforms.engine.checks import CheckResult
    from transforms.engine.errors import ContractError, TransformsError
    from transforms.engine.runner import ModelBuild, RunResult

# Imported on first use, so that `transforms --help` does not pay for Ibis.
_EXPORTS = {
    "build": "transforms.api",
    "check": "transforms.api",
    "compile_sql": "transforms.api",
    "connect": "transforms.api",
    "expression": "transforms.api",
    "last_run": "transforms.api",
    "session": "transforms.api",
    "CheckResult": "transforms.engine.checks",
    "ContractError": "transforms.engine.errors",
    "TransformsError": "transforms.engine.errors",
    "ModelBuild": "transforms.engine.runner",
    "RunResult": "transforms.engine.runner",
}

__all__ = [
    "CheckResult",
    "ContractError",
    "ModelBuild",
    "RunResult",
    "TransformsError",
    "build",
    "check",
    "compile_sql",
    "connect",
    "expression",
    "last_run",
    "session",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'transforms' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
