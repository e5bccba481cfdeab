"""A throwaway PostgreSQL server on 127.0.0.1 for the dbt package's tests: Debian's ``postgresql``,
in a folder of its own, started once and stopped at the end, like the suite's other real parts.

Why a real server: the package's SQL must run on the warehouses users have, and only an engine tells
what it rejects (a trailing comma DuckDB accepts, nulls sorted first in a descending order). The
server trusts local connections (it listens on 127.0.0.1 only, for one test session) and trades
durability for speed (no fsync). Run as root, it runs as the ``postgres`` user Debian's package
creates, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Final

POSTGRES_LIBS: Final = Path("/usr/lib/postgresql")
USER: Final = "tiktok"
#: What to install when the server is missing (scripts/report_env.sh does, as root).
DEBIAN_PACKAGE: Final = "postgresql"


def server_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian's layout); None when none is."""
    found = sorted(
        POSTGRES_LIBS.glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name), reverse=True
    )
    return found[0].parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder; ``dsn(database)`` connects to it."""

    def __init__(self) -> None:
        bin_dir = server_bin()
        if bin_dir is None:
            raise FileNotFoundError(
                f"no PostgreSQL server under {POSTGRES_LIBS}: install Debian's {DEBIAN_PACKAGE} "
                "(scripts/report_env.sh does, as root)"
            )
        self._bin = bin_dir
        self._root = Path(tempfile.mkdtemp(prefix="tiktok-organic-postgres-"))
        self.data_dir = self._root / "data"
        self.port = _free_port()
        self._as_root = os.geteuid() == 0

    def _run(self, *command: str) -> None:
        argv = ["runuser", "-u", "postgres", "--", *command] if self._as_root else list(command)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command[:2])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            )

    def start(self) -> PostgresServer:
        if self._as_root:
            self._root.chmod(0o755)
            shutil.chown(self._root, "postgres", "postgres")
        self._run(
            str(self._bin / "initdb"), "-D", str(self.data_dir), "-U", USER, "--auth=trust", "-E", "UTF8",
            "--no-sync", "--locale=C",
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self._root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self._bin / "pg_ctl"), "-D", str(self.data_dir), "-o", options, "-l", str(self._root / "log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip
        return self

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(str(self._bin / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        shutil.rmtree(self._root, ignore_errors=True)

    def create_database(self, name: str) -> str:
        """A new database ``name``; its DSN."""
        psql = shutil.which("psql") or str(self._bin / "psql")
        done = subprocess.run(
            [psql, self.dsn("postgres"), "-v", "ON_ERROR_STOP=1", "-c", f'create database "{name}"'],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"create database {name} failed: {done.stderr[-1000:]}")
        return self.dsn(name)

    def dsn(self, database: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
