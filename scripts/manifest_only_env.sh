#!/usr/bin/env bash
# Builds .venv-manifest-only: the airbyte-cdk this connector pins, and nothing of this repository,
# so that integration_tests/test_manifest_only_runtime.py runs manifest.yaml plus components.py the
# way Airbyte's manifest-only runtime and the Connector Builder do (`source-declarative-manifest`).
# Rebuilt only when the pinned CDK requirement changes.
source "$(dirname "$0")/bootstrap.sh"   # .venv (for tomllib's Python); cd to the repo root
CDK_REQUIREMENT="$(python -c 'import tomllib; print(next(d for d in tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"] if d.startswith("airbyte-cdk")))')"
MANIFEST_ONLY_VENV="$REPO_ROOT/.venv-manifest-only"
stamp="$MANIFEST_ONLY_VENV/.installed-$(printf '%s' "$CDK_REQUIREMENT" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing $CDK_REQUIREMENT alone into .venv-manifest-only ..." >&2
  rm -rf "$MANIFEST_ONLY_VENV"
  "${PYTHON:-python3}" -m venv "$MANIFEST_ONLY_VENV"
  pip_quiet=(--quiet --disable-pip-version-check)
  # uv installs the CDK's dependencies in seconds where pip takes minutes.
  if "$MANIFEST_ONLY_VENV/bin/python" -m pip install "${pip_quiet[@]}" uv >&2 \
     && SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" \
        "$MANIFEST_ONLY_VENV/bin/uv" pip install --quiet --native-tls \
        --python "$MANIFEST_ONLY_VENV/bin/python" "$CDK_REQUIREMENT" >&2; then
    :
  else
    "$MANIFEST_ONLY_VENV/bin/python" -m pip install "${pip_quiet[@]}" "$CDK_REQUIREMENT" >&2
  fi
  touch "$stamp"
fi
echo ".venv-manifest-only is ready ($CDK_REQUIREMENT)." >&2
