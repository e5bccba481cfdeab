# Sourced by the other scripts: makes .venv with the connector and its test tools installed.
# Re-installs only when pyproject.toml changed, so repeated runs start at once.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
PYTHON_BIN="${PYTHON:-python3}"
# Python's default, which the development machines turn off: each module is compiled once, when a
# process first imports it, and kept. Turned off, every process compiled all it imported again (the
# connector's imports: 5.0 s of CPU instead of 2.7; PyAirbyte's: 19 s instead of 10; pytest rewrote
# every test module's asserts in every worker). Compiling every file at install instead costs more
# than it saves: PyAirbyte's environment has 10,830 modules and a sync imports a third of them
# (44 s of CPU at install under the suite's load, against 9 s more at its first import only).
unset PYTHONDONTWRITEBYTECODE

# Installs the pip arguments that follow into the virtualenv $1, made first if missing. With uv,
# which resolves and installs in seconds where pip takes a minute or more (.venv: 32 s against 64 s
# on the 2-core machine); pip is the fallback.
#   install_into "$VENV" -e ".[dev]"
install_into() {
  local venv="$1"
  shift
  [ -x "$venv/bin/python" ] || "$PYTHON_BIN" -m venv "$venv"
  local pip_quiet=(--quiet --disable-pip-version-check)
  if "$venv/bin/python" -m pip install "${pip_quiet[@]}" uv >&2 \
     && SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" \
        "$venv/bin/uv" pip install --quiet --native-tls --python "$venv/bin/python" "$@" >&2; then
    return 0
  fi
  echo "uv could not install $*; installing with pip instead (slower) ..." >&2
  "$venv/bin/python" -m pip install "${pip_quiet[@]}" "$@" >&2
}

stamp="$VENV/.installed-$(sha256sum "$REPO_ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing source-tiktok-organic and its test tools into .venv ..." >&2
  install_into "$VENV" -e "$REPO_ROOT[dev]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
cd "$REPO_ROOT"

# A virtualenv beside .venv holding only the given requirements (nothing of this repository): the
# manifest-only runtime's CDK, the report's dbt and plotly, PyAirbyte. Rebuilt only when the
# requirements change.
#   side_venv .venv-name "requirement" ...
side_venv() {
  local venv="$REPO_ROOT/$1"
  shift
  local stamp
  stamp="$venv/.installed-$(printf '%s\n' "$@" | sha256sum | cut -c1-16)"
  [ -f "$stamp" ] && return 0
  echo "Installing $* into $(basename "$venv") ..." >&2
  rm -rf "$venv"
  install_into "$venv" "$@"
  touch "$stamp"
}
