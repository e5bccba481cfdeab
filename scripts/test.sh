#!/usr/bin/env bash
# The whole test suite, as CI runs it: ruff (lint and format) and mypy, then two lanes side by side:
# the container image (built and run against the loopback emulator on Docker, which image_test.sh
# sets up itself, podman only if no Docker engine can be started) followed by PyAirbyte running it,
# and pytest on several workers (pytest-xdist) over unit_tests (mocked HTTP) and integration_tests
# (emulator end to end, the CDK's standard tests, PyAirbyte from the venv, the manifest-only
# runtime, dbt_tiktok_organic and the report, packaging and docs checks).
# Where no container engine answers nor can be set up (tools/container_engine.py decides, as for the
# image test and the PyAirbyte test), everything that needs none still runs, and a banner at the end
# names what was skipped: the image test and PyAirbyte's docker_image tests. Under CI (the CI
# variable set, and not 0 or false) nothing is skipped: without an engine the image test fails the run.
#   bash scripts/test.sh --fast                 the quick loop: ruff, mypy and unit_tests only (no
#                                               network, server or process: unit_tests/conftest.py)
#   bash scripts/test.sh --fast -k pagination   the same, with pytest arguments for unit_tests
# With other arguments, only pytest runs, with those arguments: bash scripts/test.sh -k pagination
source "$(dirname "$0")/bootstrap.sh"

lint() {
  ruff check .
  ruff format --check .
}
static_checks() {
  lint
  mypy   # strict on the connector package; the files checked are listed in pyproject.toml
}

if [ "${1:-}" = "--fast" ]; then
  shift
  lint
  # mypy beside the unit tests (one worker per core, tests dealt singly): about 15 s sooner.
  mypy_log="$(mktemp)"
  mypy >"$mypy_log" 2>&1 &
  mypy_job=$!
  tests_status=0
  python -m pytest -n auto --dist load unit_tests "$@" || tests_status=$?
  mypy_status=0
  wait "$mypy_job" || mypy_status=$?
  cat "$mypy_log"
  rm -f "$mypy_log"
  [ "$mypy_status" = 0 ] || echo "FAILED: mypy (above)" >&2
  exit $((tests_status != 0 ? tests_status : mypy_status))
fi
if [ "$#" -gt 0 ]; then
  exec python -m pytest "$@"
fi

case "${CI:-}" in
  "" | 0 | false | False | FALSE) in_ci=0 ;;
  *) in_ci=1 ;;
esac
# What must be there before pytest starts, at once: the side environments build in the background
# (uv, no apt) while Debian's packages install, then the image lane starts (its container engine's
# set-up uses apt too, so after ours), then ruff and mypy run.
trap 'jobs -pr | xargs -r kill 2>/dev/null || true' EXIT
setup_logs="$(mktemp -d)"
bash scripts/manifest_only_env.sh >"$setup_logs/manifest-only.log" 2>&1 &
manifest_env=$!
bash scripts/report_env.sh >"$setup_logs/report.log" 2>&1 &   # with .venv-pyairbyte
report_env=$!
bash scripts/system_packages.sh   # Chromium and PostgreSQL
export CI="${CI:-1}"   # the full suite runs the PyAirbyte and manifest-only tests, never skips them
# The tests run on TEST_WORKERS pytest-xdist workers (testkit/xdist_scopes.py says what each gets):
# three on the two cores, because several tests spend a minute waiting, as TikTok's rate limits ask.
workers="${TEST_WORKERS:-3}"
status=0
skipped=0
image_lane=""
if [ "$in_ci" = 1 ] || python -m tools.container_engine setup; then
  # The image lane, beside the other tests: the image test (under CI, no engine fails it: nothing
  # is skipped), then PyAirbyte running the image it leaves. Its output follows the other tests'.
  image_log="$(mktemp)"
  image_tmp="$(mktemp -d)"
  (
    bash scripts/image_test.sh &&
      until [ -s "$setup_logs/ready" ]; do sleep 2; done &&
      [ "$(cat "$setup_logs/ready")" = yes ] &&   # .venv-pyairbyte
      python -m pytest -p no:cacheprovider --basetemp "$image_tmp" -k "test_pyairbyte and docker_image" \
        integration_tests/test_pyairbyte.py
  ) >"$image_log" 2>&1 &
  image_lane=$!
else
  skipped=1
fi
static_checks
ready=yes
wait "$manifest_env" || ready=no
wait "$report_env" || ready=no
cat "$setup_logs"/*.log >&2
echo "$ready" >"$setup_logs/ready"   # the image lane's PyAirbyte tests wait for it
if [ "$ready" = no ]; then
  echo "FAILED: preparing the test environments (above)" >&2
  exit 1
fi
echo "[scripts/test.sh] environments ready after ${SECONDS} s; pytest on $workers workers" >&2
python -m pytest -n "$workers" -k "not (test_pyairbyte and docker_image)" || status=$?
if [ -n "$image_lane" ]; then
  image_status=0
  echo "[scripts/test.sh] pytest done after ${SECONDS} s" >&2
  wait "$image_lane" || image_status=$?
  echo "[scripts/test.sh] the image lane done after ${SECONDS} s" >&2
  echo
  echo "== the image lane: scripts/image_test.sh, then PyAirbyte's [docker_image] tests"
  cat "$image_log"
  rm -rf "$image_log" "$image_tmp"
  if [ "$image_status" != 0 ]; then
    echo "FAILED: the image lane (exit $image_status)" >&2
    status="$image_status"
  fi
fi
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
