#!/usr/bin/env bash
# Builds what the report (bash scripts/sync.sh --report) and its tests need, beside the connector:
#   .venv-report     the `report` extra of pyproject.toml alone (dbt-core, dbt-duckdb, dbt-postgres,
#                    sqlglot, duckdb, plotly, playwright), never the connector's environment nor its image
#   .venv-pyairbyte  PyAirbyte, which syncs into DuckDB (scripts/pyairbyte_test.sh --setup-only)
#   Debian's chromium and postgresql (scripts/system_packages.sh)
# Rebuilt only when the extra's requirements change.
source "$(dirname "$0")/bootstrap.sh"   # .venv (for tomllib's Python); cd to the repo root
bash scripts/pyairbyte_test.sh --setup-only
mapfile -t REPORT_REQUIREMENTS < <(python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["report"]))')
side_venv .venv-report "${REPORT_REQUIREMENTS[@]}"
bash scripts/system_packages.sh   # Chromium and PostgreSQL
echo ".venv-report is ready." >&2
