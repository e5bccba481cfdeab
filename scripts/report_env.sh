#!/usr/bin/env bash
# Builds what the report (bash scripts/sync.sh --report) and its tests need, beside the connector:
#   .venv-report     the `report` extra of pyproject.toml alone (dbt-core, dbt-duckdb, dbt-postgres,
#                    sqlglot, duckdb, plotly, playwright), never the connector's environment nor its image
#   .venv-pyairbyte  PyAirbyte, which syncs into DuckDB (scripts/pyairbyte_test.sh --setup-only)
#   /usr/bin/chromium  Debian's Chromium for the report's browser test (playwright downloads none)
#   postgresql       Debian's PostgreSQL server, which the dbt package's tests start on 127.0.0.1
# Rebuilt only when the extra's requirements change.
source "$(dirname "$0")/bootstrap.sh"   # .venv (for tomllib's Python); cd to the repo root
bash scripts/pyairbyte_test.sh --setup-only
mapfile -t REPORT_REQUIREMENTS < <(python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["report"]))')
side_venv .venv-report "${REPORT_REQUIREMENTS[@]}"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's chromium for the report's browser test ..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    echo "No /usr/bin/chromium: install it (apt-get install chromium) for the report's browser test." >&2
  fi
fi
# Debian's PostgreSQL server for the dbt package's PostgreSQL tests (testkit/postgres.py starts it).
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's postgresql for the dbt package's PostgreSQL tests ..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  else
    echo "No PostgreSQL server: install it (apt-get install postgresql) for the dbt package's tests." >&2
  fi
fi
echo ".venv-report is ready." >&2
