"""The Ibis calls the project relies on, so that an upgrade of ibis/sqlglot/duckdb fails loudly."""

from __future__ import annotations

import warnings

import duckdb
import ibis
import pyarrow as pa
import pytest

from tests.conftest import Workspace


def test_create_drop_list_and_raw_sql(ws: Workspace) -> None:
    con = ws.con
    data = ibis.memtable(pa.table({"a": [1, 2, 3]}))
    con.create_table("smoke", obj=data, database=ws.source_schema, overwrite=True)
    con.create_table(
        "smoke", obj=data.filter(data.a > 1), database=ws.source_schema, overwrite=True
    )
    assert "smoke" in con.list_tables(database=ws.source_schema)
    assert con.table("smoke", database=ws.source_schema).count().execute() == 2
    assert ws.sql(f"SELECT count(*) FROM {ws.q(ws.source_schema, 'smoke')}") == [(2,)]
    con.drop_table("smoke", database=ws.source_schema)
    assert "smoke" not in con.list_tables(database=ws.source_schema)
    # a raw query after the others still works (an unread DuckDB result would break it)
    assert ws.sql("SELECT 1") == [(1,)]


@pytest.mark.duckdb
@pytest.mark.parametrize("engine", ["duckdb"], indirect=False)
def test_ibis_duckdb_calls_that_fetch_arrow_work_on_this_duckdb(ws: Workspace) -> None:
    """Ibis 12.0.0 fetches these with what DuckDB 2 removed (fetch_arrow_table and
    fetch_record_batch on a connection); our backend runs them as relations on 1.5 and 2."""
    con = ws.con
    ws.sql(f"CREATE TABLE {ws.q(ws.source_schema, 'smoke')} AS SELECT range AS a FROM range(5)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ws.source_schema in con.list_databases()
        assert con.list_catalogs()
        assert con.list_tables(database=ws.source_schema) == ["smoke"]
        assert con.list_tables(database=ws.source_schema, like="sm.*") == ["smoke"]
        expr = con.table("smoke", database=ws.source_schema)
        assert expr.schema() == ibis.schema({"a": "int64"})
        batches = con.to_pyarrow_batches(expr.order_by("a"), chunk_size=2)
        assert [b.num_rows for b in batches] == [2, 2, 1]
        query = con.sql(f"SELECT a * 2 AS b FROM {ws.q(ws.source_schema, 'smoke')}")
        assert query.schema() == ibis.schema({"b": "int64"})
        assert sorted(query.to_pyarrow()["b"].to_pylist()) == [0, 2, 4, 6, 8]
        # a query's error still surfaces, as DuckDB raises it
        with pytest.raises(duckdb.CatalogException):
            con.sql("SELECT nope FROM nowhere")
    duckdb_warnings = [str(w.message) for w in caught if "arrow" in str(w.message).lower()]
    assert duckdb_warnings == []
    # the connection is DuckDB's own, as a caller gets it
    assert type(con.con).__name__ == "DuckDBPyConnection"
    assert ws.sql("SELECT 1") == [(1,)]


def test_unbound_table_compiles_offline_for_postgres() -> None:
    t = ibis.table({"id": "int64", "name": "string"}, name="customer", database="public")
    sql = ibis.to_sql(t.filter(t.id > 0).select("id", name=t.name.strip()), dialect="postgres")
    assert '"public"."customer"' in sql
    assert "TRIM(" in sql
