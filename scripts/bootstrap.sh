# Sourced by the other scripts: makes .venv with the connector and its test tools installed.
# Re-installs only when pyproject.toml changed, so repeated runs start at once.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
PYTHON_BIN="${PYTHON:-python3}"
stamp="$VENV/.installed-$(sha256sum "$REPO_ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing source-tiktok-organic and its test tools into .venv ..." >&2
  [ -x "$VENV/bin/python" ] || "$PYTHON_BIN" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$REPO_ROOT[dev]" >&2
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
cd "$REPO_ROOT"

# A virtualenv beside .venv holding only the given requirements (nothing of this repository): the
# manifest-only runtime's CDK, the report's dbt and plotly. Rebuilt only when the requirements change.
#   side_venv .venv-name "requirement" ...
side_venv() {
  local venv="$REPO_ROOT/$1"
  shift
  local stamp
  stamp="$venv/.installed-$(printf '%s\n' "$@" | sha256sum | cut -c1-16)"
  [ -f "$stamp" ] && return 0
  echo "Installing $* into $(basename "$venv") ..." >&2
  rm -rf "$venv"
  "$PYTHON_BIN" -m venv "$venv"
  local pip_quiet=(--quiet --disable-pip-version-check)
  # uv installs dependencies in seconds where pip takes minutes; pip is the fallback.
  if "$venv/bin/python" -m pip install "${pip_quiet[@]}" uv >&2 \
     && SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" \
        "$venv/bin/uv" pip install --quiet --native-tls --python "$venv/bin/python" "$@" >&2; then
    :
  else
    "$venv/bin/python" -m pip install "${pip_quiet[@]}" "$@" >&2
  fi
  touch "$stamp"
}
