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
PYAIRBYTE_VENV="$REPO_ROOT/.venv-pyairbyte"
stamp="$PYAIRBYTE_VENV/.installed-$(printf '%s' "$PYAIRBYTE_REQUIREMENT" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing PyAirbyte ($PYAIRBYTE_REQUIREMENT) into .venv-pyairbyte ..." >&2
  started=$SECONDS
  rm -rf "$PYAIRBYTE_VENV"
  "${PYTHON:-python3}" -m venv "$PYAIRBYTE_VENV"
  pip_quiet=(--quiet --disable-pip-version-check)
  # uv resolves and installs PyAirbyte's ~150 dependencies in seconds where pip takes minutes.
  if "$PYAIRBYTE_VENV/bin/python" -m pip install "${pip_quiet[@]}" uv >&2 \
     && SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" \
        "$PYAIRBYTE_VENV/bin/uv" pip install --quiet --native-tls --python "$PYAIRBYTE_VENV/bin/python" \
        "$PYAIRBYTE_REQUIREMENT" >&2; then
    :
  else
    echo "uv could not install PyAirbyte; installing it with pip instead (slower) ..." >&2
    "$PYAIRBYTE_VENV/bin/python" -m pip install "${pip_quiet[@]}" "$PYAIRBYTE_REQUIREMENT" >&2
  fi
  "$PYAIRBYTE_VENV/bin/python" -c "import importlib.metadata as m; print('PyAirbyte', m.version('airbyte'), 'installed')" >&2
  echo "(.venv-pyairbyte built in $((SECONDS - started)) s)" >&2
  touch "$stamp"
fi
if [ "${1:-}" = "--setup-only" ]; then
  echo ".venv-pyairbyte is ready; scripts/test.sh runs integration_tests/test_pyairbyte.py with it." >&2
  exit 0
fi
# CI=1: inside this script a missing PyAirbyte environment is a failure, never a skip.
CI="${CI:-1}" exec python -m pytest -p no:cacheprovider -ra integration_tests/test_pyairbyte.py "$@"
