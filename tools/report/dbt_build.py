"""``dbt build`` of dbt_tiktok_organic over a DuckDB or PostgreSQL warehouse, with .venv-report's dbt.

Runs under .venv. dbt's profile, target and logs go to a work directory: the package folder stays
as committed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tools.report import REPO_ROOT

PROJECT_DIR = REPO_ROOT / "dbt_tiktok_organic"
REPORT_VENV = Path(os.environ.get("REPORT_VENV") or REPO_ROOT / ".venv-report")
#: The schema the models are built in (dbt's target schema).
MARTS_SCHEMA = "analytics"


def report_python() -> Path:
    python = REPORT_VENV / "bin" / "python"
    if not python.exists():
        raise FileNotFoundError(f"{python} is missing: scripts/report_env.sh builds it")
    return python


def write_profile(warehouse: Path | str, workdir: Path, schema: str, attach: dict[str, Path]) -> Path:
    """A profiles.yml (JSON is YAML) naming the warehouse: a DuckDB file, with other DuckDB files by
    alias, or a PostgreSQL database by its ``postgresql://user@host:port/database`` DSN."""
    output: dict[str, Any]
    if isinstance(warehouse, str):
        url = urlsplit(warehouse)
        output = {
            "type": "postgres",
            "host": url.hostname,
            "port": url.port,
            "user": url.username,
            "password": url.password or "",
            "dbname": url.path.lstrip("/"),
            "schema": schema,
            "threads": 2,
        }
    else:
        output = {"type": "duckdb", "path": str(warehouse), "schema": schema, "threads": 2}
    if attach:
        output["attach"] = [
            {"path": str(path), "alias": alias, "read_only": True} for alias, path in attach.items()
        ]
    profile = {"tiktok_organic": {"target": "report", "outputs": {"report": output}}}
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "profiles.yml").write_text(json.dumps(profile, indent=2))
    return workdir


def dbt_build(
    warehouse: Path | str,
    workdir: Path,
    dbt_vars: dict[str, Any] | None = None,
    *,
    schema: str = MARTS_SCHEMA,
    attach: dict[str, Path] | None = None,
    select: str | None = None,
) -> str:
    """Run ``dbt build`` (of the ``select``ed models only, when given) into ``schema`` of
    ``warehouse`` (a DuckDB file, or a PostgreSQL DSN), with ``attach``'s DuckDB files readable as
    databases; returns dbt's output, raises with it when a model or a test failed."""
    profiles_dir = write_profile(warehouse, workdir / "dbt", schema, attach or {})
    command = [str(report_python().with_name("dbt")), "build", "--project-dir", str(PROJECT_DIR)]
    if select:
        command += ["--select", select]
    command += ["--profiles-dir", str(profiles_dir), "--target-path", str(workdir / "dbt" / "target")]
    command += ["--log-path", str(workdir / "dbt" / "logs")]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    # No anonymous usage events: the machine reaches nothing but package registries.
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}")
    return done.stdout
