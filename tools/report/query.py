"""Rows of a DuckDB query as JSON lists, run under .venv-report (the tests' window on the marts).

python -m tools.report.query --db-path warehouse.duckdb "select ..."
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.report.query")
    parser.add_argument("--db-path", type=Path, required=True)
    parser.add_argument("sql", nargs="+", help="one or more queries; one JSON list of rows each")
    args = parser.parse_args()
    db = duckdb.connect(str(args.db_path), read_only=True)
    try:
        results = [db.execute(sql).fetchall() for sql in args.sql]
    finally:
        db.close()
    print(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
