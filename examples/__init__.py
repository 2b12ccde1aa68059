"""Example data: a generator of the raw webshop tables (``python -m examples.generate``)."""
