"""Parse every compiled model of a dbt target folder in the dialects of the warehouses users have;
run under .venv-report. Prints a JSON list of [model, dialect, error] for each that fails.

Why parsing: only DuckDB and PostgreSQL run in the tests; BigQuery and Snowflake are out of reach
here, so their dialects are checked by sqlglot, a maintained SQL parser: a model compiled for
DuckDB must parse as DuckDB and transpile to each other dialect with nothing left unsupported, and
the transpiled text must parse in that dialect; a model compiled for PostgreSQL must parse as
PostgreSQL. Parsing proves syntax only: a function a warehouse lacks under the same name parses.

    python -m tools.report.sql_dialects --compiled target/compiled --engine duckdb
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import sqlglot
from sqlglot.errors import ErrorLevel, SqlglotError

# What each engine's compiled models are checked in: its own dialect, then the others by transpiling.
OTHER_DIALECTS = ("bigquery", "snowflake", "postgres", "duckdb")


def models(compiled: Path) -> list[Path]:
    """The compiled models: not the data tests (the package's own checks, compiled beside them)."""
    return [
        path
        for path in sorted(compiled.rglob("*.sql"))
        if "models" in path.parts and not any(part.endswith(".yml") for part in path.parts)
    ]


def failures(compiled: Path, engine: str) -> list[list[str]]:
    found: list[list[str]] = []
    for path in models(compiled):
        model, sql = path.stem, path.read_text()
        try:
            sqlglot.parse(sql, read=engine, error_level=ErrorLevel.RAISE)
        except SqlglotError as error:
            found.append([model, engine, str(error)[:300]])
            continue
        for dialect in OTHER_DIALECTS:
            if dialect == engine:
                continue
            try:
                written = sqlglot.transpile(
                    sql, read=engine, write=dialect, unsupported_level=ErrorLevel.RAISE
                )
                for statement in written:
                    sqlglot.parse(statement, read=dialect, error_level=ErrorLevel.RAISE)
            except SqlglotError as error:
                found.append([model, dialect, str(error)[:300]])
    return found


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.report.sql_dialects")
    parser.add_argument("--compiled", type=Path, required=True, help="dbt's target/compiled folder")
    parser.add_argument("--engine", choices=("duckdb", "postgres"), required=True)
    args = parser.parse_args()
    checked = [path.stem for path in models(args.compiled)]
    print(json.dumps({"models": checked, "failures": failures(args.compiled, args.engine)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
