#!/usr/bin/env bash
# Speed and memory figures against the loopback emulator (see scripts/benchmark.py).
source "$(dirname "$0")/bootstrap.sh"
exec python scripts/benchmark.py "$@"
