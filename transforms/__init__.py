"""webshop-transforms: portable, contract-checked webshop analytics models in Ibis.

Library API (see :mod:`transforms.api`)::

    import transforms
    result = transforms.build("duckdb://webshop.duckdb")   # build, check, publish
    results = transforms.check("duckdb://webshop.duckdb")  # re-check the published tables
    run = transforms.last_run("duckdb://webshop.duckdb")   # the run log: LoggedRun | None
    expr = transforms.expression("mart_sales", {"orders": ..., "orderitem": ...})
    sql = transforms.compile_sql("stg_orders", dialect="postgres")  # offline
    tree = transforms.lineage("mart_cart_value", "cart_value")  # column lineage, offline
    transforms.load_parquet("extract/", "duckdb://webshop.duckdb")  # raw tables from Parquet
    transforms.export_parquet("out/", "duckdb://webshop.duckdb")  # published models to Parquet
    row = transforms.contract("mart_sales").model_validate(fetched_row)  # typed, validated

Every function is safe to call from several threads, each with its own connection.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transforms.api import (
        LoggedCheck,
        LoggedModel,
        LoggedRun,
        build,
        check,
        compile_sql,
        connect,
        contract,
        export_parquet,
        expression,
        last_run,
        lineage,
        load_parquet,
        session,
    )
    from transforms.engine.checks import CheckResult
    from transforms.engine.errors import ContractError, TransformsError
    from transforms.engine.lineage import ColumnRef, Dependency, Lineage, Reached
    from transforms.engine.parquet import ExportedFile, ExportResult, LoadedTable, LoadResult
    from transforms.engine.reporter import Reporter
    from transforms.engine.results import ModelBuild, RunResult

# Imported on first use, so that `transforms --help` does not pay for Ibis.
_EXPORTS = {
    "build": "transforms.api",
    "check": "transforms.api",
    "compile_sql": "transforms.api",
    "connect": "transforms.api",
    "contract": "transforms.api",
    "LoggedCheck": "transforms.api",
    "LoggedModel": "transforms.api",
    "LoggedRun": "transforms.api",
    "Reporter": "transforms.engine.reporter",
    "expression": "transforms.api",
    "export_parquet": "transforms.api",
    "last_run": "transforms.api",
    "lineage": "transforms.api",
    "ColumnRef": "transforms.engine.lineage",
    "Dependency": "transforms.engine.lineage",
    "Lineage": "transforms.engine.lineage",
    "Reached": "transforms.engine.lineage",
    "load_parquet": "transforms.api",
    "ExportedFile": "transforms.engine.parquet",
    "ExportResult": "transforms.engine.parquet",
    "LoadedTable": "transforms.engine.parquet",
    "LoadResult": "transforms.engine.parquet",
    "session": "transforms.api",
    "CheckResult": "transforms.engine.checks",
    "ContractError": "transforms.engine.errors",
    "TransformsError": "transforms.engine.errors",
    "ModelBuild": "transforms.engine.results",
    "RunResult": "transforms.engine.results",
}

__all__ = [
    "CheckResult",
    "ColumnRef",
    "ContractError",
    "Dependency",
    "ExportResult",
    "ExportedFile",
    "Lineage",
    "LoadResult",
    "LoadedTable",
    "LoggedCheck",
    "LoggedModel",
    "LoggedRun",
    "ModelBuild",
    "Reached",
    "Reporter",
    "RunResult",
    "TransformsError",
    "build",
    "check",
    "compile_sql",
    "connect",
    "contract",
    "export_parquet",
    "expression",
    "last_run",
    "lineage",
    "load_parquet",
    "session",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'transforms' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
