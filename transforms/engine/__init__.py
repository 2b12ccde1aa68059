"""The engine: declares, orders, compiles, builds, checks and publishes models.

It knows nothing of the webshop: a project hands it sources (contracts) and models (functions
declared with :func:`transforms.engine.model.model`). Modules: ``model`` (declaration), ``graph``
(discovery, order, selection), ``checks`` (contracts → in-database checks), ``runner`` (build,
audit, publish), ``compile`` (offline SQL), ``lineage`` (each column's dependencies, from the
expressions), ``dialects`` (every DuckDB/PostgreSQL/Spark
difference), ``target`` (connection URLs), ``reporter`` (events; core code never prints).
"""
