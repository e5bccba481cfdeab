#!/usr/bin/env bash
# The whole test suite, as CI runs it: ruff (lint and format) and mypy, the container image (built
# and run against the loopback emulator on Docker, which image_test.sh sets up itself, podman only
# if no Docker engine can be started), then pytest over unit_tests (mocked HTTP) and
# integration_tests (emulator end to end, the CDK's standard tests, PyAirbyte from the venv and from
# the image the image test left, the manifest-only runtime, packaging and docs checks).
# With arguments, only pytest runs, with those arguments: bash scripts/test.sh -k pagination
source "$(dirname "$0")/bootstrap.sh"
if [ "$#" -eq 0 ]; then
  ruff check .
  ruff format --check .
  mypy   # strict on the connector package; the files checked are listed in pyproject.toml
  bash scripts/pyairbyte_test.sh --setup-only
  bash scripts/manifest_only_env.sh
  bash scripts/image_test.sh
  export CI="${CI:-1}"   # the full suite runs the PyAirbyte and manifest-only tests, never skips them
fi
exec python -m pytest "$@"
