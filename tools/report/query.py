"""Rows of SQL queries as JSON lists, run under .venv-report (the tests' window on the marts).

On a DuckDB file (``--db-path``, read-only unless ``--write``) or a PostgreSQL database (``--dsn``).

python -m tools.report.query --db-path warehouse.duckdb "select ..."
python -m tools.report.query --dsn postgresql://user@127.0.0.1:5432/db "select ..."
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import psycopg2


def run(connection: Any, statements: list[str]) -> list[list[Any]]:
    """Each statement's rows (none for a statement that returns none)."""
    cursor = connection.cursor()
    results = []
    for sql in statements:
        cursor.execute(sql)
        results.append(cursor.fetchall() if cursor.description else [])
    return results


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.report.query")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db-path", type=Path)
    where.add_argument("--dsn", help="a PostgreSQL connection string")
    parser.add_argument("--write", action="store_true", help="open the DuckDB file for writing")
    parser.add_argument("sql", nargs="+", help="one or more queries; one JSON list of rows each")
    args = parser.parse_args()
    if args.dsn:
        connection: Any = psycopg2.connect(args.dsn)
    else:
        connection = duckdb.connect(str(args.db_path), read_only=not args.write)
    try:
        results = run(connection, args.sql)
        connection.commit()
    finally:
        connection.close()
    print(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
