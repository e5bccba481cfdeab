#!/usr/bin/env bash
# The whole test suite: unit tests (mocked HTTP) and integration tests (loopback TikTok emulator).
source "$(dirname "$0")/bootstrap.sh"
exec python -m pytest "$@"
