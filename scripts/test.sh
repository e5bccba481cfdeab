#!/usr/bin/env bash
# The whole test suite, as CI runs it: ruff (lint and format) and mypy, the container image (built
# and run against the loopback emulator on Docker, which image_test.sh sets up itself, podman only
# if no Docker engine can be started), then pytest over unit_tests (mocked HTTP) and
# integration_tests (emulator end to end, the CDK's standard tests, PyAirbyte from the venv and from
# the image the image test left, the manifest-only runtime, dbt_tiktok_organic and the report,
# packaging and docs checks).
# Where no container engine answers nor can be set up (tools/container_engine.py decides, as for the
# image test and the PyAirbyte test), everything that needs none still runs, and a banner at the end
# names what was skipped: the image test and PyAirbyte's docker_image tests. Under CI (the CI
# variable set, and not 0 or false) nothing is skipped: without an engine the image test fails the run.
#   bash scripts/test.sh --fast                 the quick loop: ruff, mypy and unit_tests only
#   bash scripts/test.sh --fast -k pagination   the same, with pytest arguments for unit_tests
# With other arguments, only pytest runs, with those arguments: bash scripts/test.sh -k pagination
source "$(dirname "$0")/bootstrap.sh"

static_checks() {
  ruff check .
  ruff format --check .
  mypy   # strict on the connector package; the files checked are listed in pyproject.toml
}

if [ "${1:-}" = "--fast" ]; then
  shift
  static_checks
  exec python -m pytest unit_tests "$@"
fi
if [ "$#" -gt 0 ]; then
  exec python -m pytest "$@"
fi

case "${CI:-}" in
  "" | 0 | false | False | FALSE) in_ci=0 ;;
  *) in_ci=1 ;;
esac
static_checks
bash scripts/pyairbyte_test.sh --setup-only
bash scripts/manifest_only_env.sh
bash scripts/report_env.sh   # .venv-report and Chromium, for dbt_tiktok_organic's and the report's tests
pytest_args=()
skipped=0
if [ "$in_ci" = 1 ] || python -m tools.container_engine setup; then
  bash scripts/image_test.sh   # under CI, no engine fails here: nothing is skipped
else
  skipped=1
  pytest_args=(-k "not (test_pyairbyte and docker_image)")
fi
export CI="${CI:-1}"   # the full suite runs the PyAirbyte and manifest-only tests, never skips them
status=0
python -m pytest "${pytest_args[@]}" || status=$?
if [ "$skipped" = 1 ]; then
  cat >&2 <<'EOF'

################################################################################################
#  SKIPPED: no container engine (no Docker engine answers `docker info`, and neither Docker nor
#  podman could be set up; see `python -m tools.container_engine setup` above). Not run:
#    - scripts/image_test.sh: the image build, and spec/check/discover/read in the container
#    - integration_tests/test_pyairbyte.py, every [docker_image] test: PyAirbyte running the image
#  Everything else ran. CI (CI=true) never skips these: install Docker or podman to run them.
################################################################################################
EOF
fi
exit "$status"
