"""The webshop's models, one module per layer. Each model is a plain function (see engine.model)."""
