"""Fill a DuckDB warehouse with PyAirbyte syncs: days played on the emulator, or one real sync.

Runs under .venv (it drives the emulator in-process). The syncs of one warehouse are asked of one
``pyairbyte_sync`` process under .venv-pyairbyte. Against the emulator, every played day moves the
account on (views, likes, comments and shares of every video, and in Display mode the followers;
the Accounts API's daily metrics and followers move with the emulator's ``today`` by themselves),
sets the emulator's ``today`` and the connector's clock to that day, and syncs; ``Served`` keeps
what the emulator served, the truth the tests check the marts against.
"""

from __future__ import annotations

import atexit
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from testkit import preloaded
from testkit.configs import emulator_accounts_config
from testkit.console_script import console_script
from tiktok_emulator import TikTokEmulator
from tools.report import REPO_ROOT
from tools.report.clocked_connector import CLOCK_VARIABLE
from tools.report.pyairbyte_sync import RESULT_PREFIX

PYAIRBYTE_PYTHON = Path(
    os.environ.get("PYAIRBYTE_PYTHON") or REPO_ROOT / ".venv-pyairbyte" / "bin" / "python"
)
#: PyAirbyte's tables go to this schema: the dbt package's default ``tiktok_organic_schema``.
RAW_SCHEMA = "tiktok_organic"
#: The last played day. The emulator's newest video was posted on 2025-11-13 (``DEFAULT_NOW``).
LAST_DAY = date(2025, 11, 21)


@dataclass
class Served:
    """What the emulator served on each played day: the followers (Display API's user/info; of the
    first account, and in ``account_followers`` of every synced account by open_id) and each video's
    views, likes, comments and shares (every synced account's videos), and the open_id of each
    video's account."""

    followers: dict[date, int] = field(default_factory=dict)
    videos: dict[date, dict[str, dict[str, int]]] = field(default_factory=dict)
    video_accounts: dict[str, str] = field(default_factory=dict)
    account_followers: dict[date, dict[str, int]] = field(default_factory=dict)


def pyairbyte_env(workdir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "AIRBYTE_OFFLINE_MODE": "1",  # no registry look-up: the connector is local
        "DO_NOT_TRACK": "1",
        "AIRBYTE_CACHE_ROOT": str(workdir / "pyairbyte" / "cache-root"),
        "AIRBYTE_LOGGING_ROOT": str(workdir / "pyairbyte" / "logs"),
        "AIRBYTE_PROJECT_DIR": str(workdir / "pyairbyte" / "project"),
        "AIRBYTE_INSTALL_DIR": str(workdir / "pyairbyte" / "install"),
    }
    env.pop("VIRTUAL_ENV", None)
    return env


class PyAirbyteSyncs:
    """A ``pyairbyte_sync`` process under .venv-pyairbyte, asked for one sync at a time."""

    def __init__(self, config: Path, db_path: Path, workdir: Path) -> None:
        if not PYAIRBYTE_PYTHON.exists():
            raise FileNotFoundError(f"{PYAIRBYTE_PYTHON} is missing: scripts/report_env.sh builds it")
        self.log = workdir / "pyairbyte_sync.log"
        with self.log.open("w") as log:  # the child keeps its own handle
            self._process = subprocess.Popen(
                [str(PYAIRBYTE_PYTHON), "-m", "tools.report.pyairbyte_sync"]
                + ["--config", str(config), "--db-path", str(db_path), "--schema", RAW_SCHEMA],
                cwd=REPO_ROOT,
                env=pyairbyte_env(workdir),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )

    def sync(self, executable: Path) -> dict[str, Any]:
        """One sync of every stream; returns the records and streams PyAirbyte read."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"executable": str(executable)}) + "\n")
        self._process.stdin.flush()
        for line in self._process.stdout:
            if line.startswith(RESULT_PREFIX):
                result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
                return result
        raise RuntimeError(f"the PyAirbyte sync failed; its log ends:\n{self.log.read_text()[-4000:]}")

    def __enter__(self) -> PyAirbyteSyncs:
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def clocked_executable(workdir: Path, now: datetime) -> Path:
    """A console script that runs the connector believing it is ``now`` (see clocked_connector): a
    fork of the preloaded clocked connector where the system allows (testkit.preloaded), else a
    fresh interpreter."""
    launcher = (
        _preloaded_clocked_connector().launcher()
        if preloaded.enabled()
        else [sys.executable, "-m", "tools.report.clocked_connector"]
    )
    script = workdir / "source-tiktok-organic-clocked"
    script.write_text(
        "#!/bin/sh\n"
        f"export PYTHONPATH={shlex.quote(str(REPO_ROOT))} {CLOCK_VARIABLE}={shlex.quote(now.isoformat())}\n"
        f'exec {shlex.join(launcher)} "$@"\n'
    )
    script.chmod(0o755)
    return script


@cache
def _preloaded_clocked_connector() -> preloaded.PreloadedProgram:
    """Each spec, discover and read of a sync costs a fork, not 2.5 s of imports."""
    program = preloaded.PreloadedProgram(
        console_script(),
        "tools.report.clocked_connector:main",
        env={"PYTHONPATH": str(REPO_ROOT)},
        preload=("source_tiktok_organic.run", "testkit.clock"),
    )
    atexit.register(program.close)
    return program


def synced_videos(
    emulator: TikTokEmulator, *, business: bool, accounts: int
) -> dict[str, list[dict[str, Any]]]:
    """The videos a connection reads, by their account's open_id: the Display API's one account, or
    the first ``accounts`` accounts (account 0's videos are the Display API's one account's)."""
    if not business and accounts == 1:
        return {emulator.user["open_id"]: emulator.videos}
    return {account.open_id: account.videos for account in list(emulator.business_accounts)[:accounts]}


def grow(emulator: TikTokEmulator, day_index: int, *, business: bool, accounts: int = 1) -> None:
    """A day of the accounts' lives: every video gains views and engagement, differently each day
    (and each account: account 0 grows as the one account of a single-account connection does)."""
    for index, videos in enumerate(synced_videos(emulator, business=business, accounts=accounts).values()):
        for rank, video in enumerate(videos):
            views = 40 * (1 + (rank * 7 + day_index * 3 + index * 5) % 13) * (3 if rank < 3 else 1)
            video["view_count"] += views
            video["like_count"] += views // 9
            video["comment_count"] += views // 150
            video["share_count"] += views // 220
    if not business:
        for index, account in enumerate(list(emulator.business_accounts)[:accounts]):
            account.user["follower_count"] += 30 + 11 * ((day_index + index) % 5)


def served_videos(
    emulator: TikTokEmulator, *, business: bool = False, accounts: int = 1
) -> dict[str, dict[str, int]]:
    fields = ("view_count", "like_count", "comment_count", "share_count")
    return {
        video["id"]: {name: int(video[name]) for name in fields}
        for videos in synced_videos(emulator, business=business, accounts=accounts).values()
        for video in videos
    }


def play_days(
    emulator: TikTokEmulator,
    *,
    business: bool,
    days: int,
    db_path: Path,
    workdir: Path,
    accounts: int = 1,
    labels: Sequence[str | None] = (),
    progress: Callable[[str], None] = lambda _: None,
) -> Served:
    """Sync the running emulator once a day for ``days`` days ending on ``LAST_DAY``, at noon UTC.

    With ``accounts`` > 1 one connection (of the API for Business, else of the Display API) reads
    the emulator's first ``accounts`` accounts, ``labels[i]`` labelling account i
    (``emulator_accounts_config``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "config.json"
    # A business connection reads who talks about the brands too: the report has a section for it.
    extra = {"include_mentions": True} if business else {}
    if accounts > 1:
        config = emulator_accounts_config(emulator, accounts, labels, display=not business, **extra)
    else:
        config = emulator.business_connector_config(**extra) if business else emulator.connector_config()
    config_path.write_text(json.dumps(config, indent=2))
    served = Served()
    for open_id, videos in synced_videos(emulator, business=business, accounts=accounts).items():
        served.video_accounts.update({video["id"]: open_id for video in videos})
    with PyAirbyteSyncs(config_path, db_path, workdir) as syncs:
        for day_index in range(days):
            day = LAST_DAY - timedelta(days=days - 1 - day_index)
            grow(emulator, day_index, business=business, accounts=accounts)
            emulator.today = day
            executable = clocked_executable(workdir, datetime.combine(day, time(12), timezone.utc))
            result = syncs.sync(executable)
            served.followers[day] = int(emulator.user["follower_count"])
            served.account_followers[day] = {
                account.open_id: int(account.user["follower_count"])
                for account in list(emulator.business_accounts)[:accounts]
            }
            served.videos[day] = served_videos(emulator, business=business, accounts=accounts)
            progress(f"  synced {day}: {result['records']} records")
    return served


def sync_real_account(config: Path, db_path: Path, workdir: Path) -> dict[str, Any]:
    """One sync of the account of ``config`` (its rotated refresh token written back to it)."""
    workdir.mkdir(parents=True, exist_ok=True)
    with PyAirbyteSyncs(config, db_path, workdir) as syncs:
        return syncs.sync(console_script())
