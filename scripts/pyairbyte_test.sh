#!/usr/bin/env bash
# PyAirbyte interoperability: builds .venv-pyairbyte (PyAirbyte in its own environment, because it
# pins its own dependency ranges) and runs integration_tests/test_pyairbyte.py, which drives the
# connector installed in .venv through PyAirbyte (tools/pyairbyte_driver.py, run by that test from the
# repo root under .venv-pyairbyte's python) against the loopback TikTok emulator.
# The environment is rebuilt only when PYAIRBYTE_REQUIREMENT changes.
#   bash scripts/pyairbyte_test.sh                # build if needed, then run the PyAirbyte test
#   bash scripts/pyairbyte_test.sh --setup-only   # only build: scripts/test.sh then runs the test
source "$(dirname "$0")/bootstrap.sh"   # .venv with the connector; cd to the repo root
PYAIRBYTE_REQUIREMENT="${PYAIRBYTE_REQUIREMENT:-airbyte~=0.71.3}"
side_venv .venv-pyairbyte "$PYAIRBYTE_REQUIREMENT"
if [ "${1:-}" = "--setup-only" ]; then
  echo ".venv-pyairbyte is ready; scripts/test.sh runs integration_tests/test_pyairbyte.py with it." >&2
  exit 0
fi
# CI=1: inside this script a missing PyAirbyte environment is a failure, never a skip.
CI="${CI:-1}" exec python -m pytest -p no:cacheprovider -ra integration_tests/test_pyairbyte.py "$@"
