#!/usr/bin/env bash
# Speed and memory figures against the loopback emulator (see tools/benchmark.py).
source "$(dirname "$0")/bootstrap.sh"   # .venv with the connector; cd to the repo root
exec python -m tools.benchmark "$@"
