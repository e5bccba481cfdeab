#!/usr/bin/env bash
# The whole test suite, as CI runs it: pytest on several workers (pytest-xdist) over unit_tests
# (mocked HTTP) and integration_tests (emulator end to end, the CDK's standard tests, PyAirbyte from
# the venv, the manifest-only runtime, dbt_tiktok_organic and the report, packaging and docs checks),
# started as soon as .venv is there, with beside it: the side environments the tests wait for, the
# image lane (the container image built and run against the loopback emulator on Docker, which
# image_test.sh sets up itself, podman only if no Docker engine can be started, then PyAirbyte
# running it), and ruff (lint and format) and mypy.
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
export CI="${CI:-1}"   # the full suite runs the PyAirbyte and manifest-only tests, never skips them
# pytest starts as soon as .venv is there. Beside it, in the background: the side environments
# (.venv-manifest-only, .venv-report, .venv-pyairbyte, Debian's Chromium and PostgreSQL), whose tests
# wait until TEST_ENVIRONMENTS_READY says yes (testkit/side_environments.py); the image lane; ruff
# and mypy. Each one's output is printed after pytest's.
trap 'jobs -pr | xargs -r kill 2>/dev/null || true' EXIT
setup_logs="$(mktemp -d)"
export TEST_ENVIRONMENTS_READY="$setup_logs/ready"
(
  ready=yes
  bash scripts/manifest_only_env.sh >"$setup_logs/manifest-only.log" 2>&1 &
  manifest_env=$!
  bash scripts/report_env.sh >"$setup_logs/report.log" 2>&1 || ready=no   # PyAirbyte, dbt, Chromium, PostgreSQL
  wait "$manifest_env" || ready=no
  echo "[scripts/test.sh] side environments ready after ${SECONDS} s: $ready" >"$setup_logs/ready.log"
  echo "$ready" >"$TEST_ENVIRONMENTS_READY"
) &
environments=$!
# The image lane: Debian's packages first (the container engine's set-up uses apt too, and two apt
# runs at once fail on dpkg's lock), then the image test (under CI, no engine fails it: nothing is
# skipped), then PyAirbyte running the image it leaves.
image_tmp="$(mktemp -d)"
(
  bash scripts/system_packages.sh
  if [ "$in_ci" = 0 ] && ! python -m tools.container_engine setup; then
    touch "$setup_logs/no-engine"
    exit 0
  fi
  bash scripts/image_test.sh &&
    python -m pytest -p no:cacheprovider --basetemp "$image_tmp" -k "test_pyairbyte and docker_image" \
      integration_tests/test_pyairbyte.py
) >"$setup_logs/image-lane.log" 2>&1 &
image_lane=$!
static_checks >"$setup_logs/static-checks.log" 2>&1 &
static_job=$!
# The tests run on TEST_WORKERS pytest-xdist workers (testkit/xdist_scopes.py says what each gets):
# three on the two cores, because several tests spend a minute waiting, as TikTok's rate limits ask.
workers="${TEST_WORKERS:-3}"
echo "[scripts/test.sh] pytest starts after ${SECONDS} s on $workers workers" >&2
status=0
python -m pytest -n "$workers" --durations=25 -k "not (test_pyairbyte and docker_image)" || status=$?
echo "[scripts/test.sh] pytest done after ${SECONDS} s" >&2

echo
echo "== ruff and mypy"
static_status=0
wait "$static_job" || static_status=$?
cat "$setup_logs/static-checks.log"
[ "$static_status" = 0 ] || { echo "FAILED: ruff or mypy (above)" >&2; status=1; }
echo
echo "== the side environments"
wait "$environments" || true
cat "$setup_logs/manifest-only.log" "$setup_logs/report.log" "$setup_logs/ready.log"
[ "$(cat "$TEST_ENVIRONMENTS_READY")" = yes ] || { echo "FAILED: preparing the side environments (above)" >&2; status=1; }
image_status=0
wait "$image_lane" || image_status=$?
echo "[scripts/test.sh] the image lane done after ${SECONDS} s" >&2
echo
echo "== the image lane: scripts/image_test.sh, then PyAirbyte's [docker_image] tests"
cat "$setup_logs/image-lane.log"
rm -rf "$image_tmp"
if [ "$image_status" != 0 ]; then
  echo "FAILED: the image lane (exit $image_status)" >&2
  status="$image_status"
fi
if [ -f "$setup_logs/no-engine" ]; then
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
rm -rf "$setup_logs"
exit "$status"
