#!/usr/bin/env bash
# Debian's packages the report's and the dbt package's tests need, installed when missing (as root):
#   /usr/bin/chromium  Chromium for the report's browser test (playwright downloads none)
#   postgresql         the PostgreSQL server the dbt package's tests start on 127.0.0.1
# Run before anything else uses apt (scripts/test.sh starts the container engine's setup after it):
# two apt-get runs at once fail on dpkg's lock.
set -euo pipefail
# One run at a time (report_env.sh runs this too, perhaps beside scripts/test.sh's own run): the
# second waits, then finds the packages there.
exec 9>"${TMPDIR:-/tmp}/source-tiktok-organic-system-packages.lock"
flock 9
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
[ "${#missing[@]}" = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Install them (apt-get install ${missing[*]}) for the" \
    "report's browser test and the dbt package's PostgreSQL tests." >&2
  exit 0
fi
echo "Installing Debian's ${missing[*]} for the report's and the dbt package's tests ..." >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
