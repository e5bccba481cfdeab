#!/usr/bin/env bash
# A full sync (tools/sync.py): check, discover and read every stream. With secrets/config.json it
# reads your real TikTok account; without it, the bundled loopback TikTok emulator.
#   bash scripts/sync.sh --business              (no secrets/config.json) the emulator's API for Business
#   bash scripts/sync.sh --accounts 3            three of the emulator's business accounts in one
#                                                connection, with each account's records at the end
#   bash scripts/sync.sh --report [--business]   sync into DuckDB with PyAirbyte, build dbt_tiktok_organic
#                                                and write an HTML report (tools/report); prints its path
source "$(dirname "$0")/bootstrap.sh"   # .venv with the connector; cd to the repo root
if [ "${1:-}" = "--report" ]; then
  shift
  bash scripts/report_env.sh
  exec python -m tools.report "$@"
fi
exec python -m tools.sync "$@"
