"""The engine: declares, orders, compiles, builds, checks and publishes models.

It knows nothing of the webshop: a project hands it sources (contracts) and models (functions
declared with :func:`model`).
"""

from transforms.engine.errors import ContractError, TransformsError
from transforms.engine.model import LAYERS, Model, model

__all__ = ["LAYERS", "ContractError", "Model", "TransformsError", "model"]
