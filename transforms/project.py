"""The webshop project: its sources (contracts.sources) and the models under transforms.models."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from contracts.sources import SOURCES
from transforms.engine.graph import Project


@cache
def webshop() -> Project:
    """Discover every model module under ``transforms.models`` (helpers start with ``_``)."""
    import transforms.models as package

    modules = [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_")
    ]
    return Project.discover(modules, SOURCES)
