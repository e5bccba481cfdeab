"""Copy the raw tables of a DuckDB warehouse into PostgreSQL, typed; run under .venv-report.

Why: the dbt package's tests build it on PostgreSQL over the very rows PyAirbyte wrote to DuckDB, so
the two engines' marts can be compared row for row. Each table of ``--schema`` is recreated with its
columns' PostgreSQL types (DuckDB's JSON becomes jsonb) and its rows copied, the Airbyte columns
(``_airbyte_raw_id``, ``_airbyte_extracted_at``, ``_airbyte_meta``) included.

    python -m tools.report.postgres_load --db-path warehouse.duckdb --dsn postgresql://... --schema s
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
from psycopg2.extras import Json, execute_values

# DuckDB's type names -> PostgreSQL's; anything else is kept as text.
TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "JSON": "jsonb",
}


def pg_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return "numeric"
    return TYPES.get(duckdb_type, "text")


def copy_tables(db: duckdb.DuckDBPyConnection, pg: Any, schema: str) -> list[str]:
    tables = [row[0] for row in db.execute(
        "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
    ).fetchall()]  # fmt: skip
    with pg.cursor() as cursor:
        cursor.execute(f'create schema if not exists "{schema}"')
        for table in tables:
            columns = db.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            types = [pg_type(kind) for _, kind in columns]
            definition = ", ".join(f'"{name}" {kind}' for (name, _), kind in zip(columns, types, strict=True))
            cursor.execute(f'drop table if exists "{schema}"."{table}"')
            cursor.execute(f'create table "{schema}"."{table}" ({definition})')
            rows = db.execute(f'select * from "{schema}"."{table}"').fetchall()
            if rows:
                values = [
                    tuple(Json(json.loads(v)) if kind == "jsonb" and isinstance(v, str) else v
                          for v, kind in zip(row, types, strict=True))
                    for row in rows
                ]  # fmt: skip
                names = ", ".join(f'"{name}"' for name, _ in columns)
                execute_values(cursor, f'insert into "{schema}"."{table}" ({names}) values %s', values)
    pg.commit()
    return tables


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.report.postgres_load")
    parser.add_argument("--db-path", type=Path, required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--schema", required=True)
    args = parser.parse_args()
    db = duckdb.connect(str(args.db_path), read_only=True)
    pg = psycopg2.connect(args.dsn)
    try:
        tables = copy_tables(db, pg, args.schema)
    finally:
        pg.close()
        db.close()
    print(json.dumps({"tables": tables}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
