"""webshop-transforms: portable, contract-checked webshop analytics models in Ibis.

Library API::

    import transforms
    result = transforms.build("duckdb://webshop.duckdb")   # build, check, publish
    expr = transforms.expression("stg_orders", {"orders": my_ibis_table})
    sql = transforms.compile_sql("stg_orders", dialect="postgres")
"""

from __future__ import annotations

from transforms.api import build, check, compile_sql, connect, expression, session
from transforms.engine.checks import CheckResult
from transforms.engine.errors import ContractError, TransformsError
from transforms.engine.runner import ModelBuild, RunResult

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
    "session",
]
