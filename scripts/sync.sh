#!/usr/bin/env bash
# A full sync (tools/sync.py): check, discover and read every stream. With secrets/config.json it
# reads your real TikTok account; without it, the bundled loopback TikTok emulator.
source "$(dirname "$0")/bootstrap.sh"   # .venv with the connector; cd to the repo root
exec python -m tools.sync "$@"
