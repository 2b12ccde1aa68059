"""The Ibis calls the project relies on, so that an upgrade of ibis/sqlglot/duckdb fails loudly."""

from __future__ import annotations

import ibis
import pyarrow as pa

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


def test_unbound_table_compiles_offline_for_postgres() -> None:
    t = ibis.table({"id": "int64", "name": "string"}, name="customer", database="public")
    sql = ibis.to_sql(t.filter(t.id > 0).select("id", name=t.name.strip()), dialect="postgres")
    assert '"public"."customer"' in sql
    assert "TRIM(" in sql
