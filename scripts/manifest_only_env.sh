#!/usr/bin/env bash
# Builds .venv-manifest-only: the airbyte-cdk this connector pins, and nothing of this repository,
# so that integration_tests/test_manifest_only_runtime.py runs manifest.yaml plus components.py the
# way Airbyte's manifest-only runtime and the Connector Builder do (`source-declarative-manifest`).
# Rebuilt only when the pinned CDK requirement changes.
source "$(dirname "$0")/bootstrap.sh"   # .venv (for tomllib's Python); cd to the repo root
CDK_REQUIREMENT="$(python -c 'import tomllib; print(next(d for d in tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"] if d.startswith("airbyte-cdk")))')"
side_venv .venv-manifest-only "$CDK_REQUIREMENT"
echo ".venv-manifest-only is ready ($CDK_REQUIREMENT)." >&2
