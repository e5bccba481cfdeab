#!/usr/bin/env bash
# A full sync: check, discover and read every stream. With secrets/config.json it reads your real
# TikTok account; without it, the bundled loopback TikTok emulator.
source "$(dirname "$0")/bootstrap.sh"
exec python scripts/sync.py "$@"
