"""What ``scripts/bootstrap.sh`` gives every script that sources it (sync.sh, test.sh, the side
environments' scripts): ``.venv``'s Python first on the PATH, and Python's default of keeping the
bytecode it compiles, even on a machine that turns it off (``PYTHONDONTWRITEBYTECODE=1``, as the
development machines do). Without that default, every process compiled all it imported again, and
the environments are installed without compiling (scripts/bootstrap.sh says why)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PROBE = (
    "import json, sys; "
    "print(json.dumps({'dont_write_bytecode': sys.dont_write_bytecode, 'prefix': sys.prefix}))"
)


def test_scripts_run_dot_venvs_python_and_keep_the_bytecode_it_compiles(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        ["bash", "-c", f'source scripts/bootstrap.sh && cd "$1" && python -c "{PROBE}"', "-", str(tmp_path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["dont_write_bytecode"] is False
    assert Path(probe["prefix"]).resolve() == (REPO_ROOT / ".venv").resolve()
