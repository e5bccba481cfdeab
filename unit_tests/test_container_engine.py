"""tools/container_engine.py: where no Docker engine answers, dockerd is started on overlay2, and
the helper's vfs dockerd is what is left when overlay2 cannot run. Processes are stood in for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tools import container_engine


class _Daemon:
    """What ``_start_dockerd_on_overlay`` reads of the dockerd it starts."""

    def __init__(self, exits: bool) -> None:
        self.pid = 4321
        self.exits = exits
        self.killed = False

    def poll(self) -> int | None:
        return 1 if self.exits else None

    def kill(self) -> None:
        self.killed = True


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[str]]:
    monkeypatch.setattr(container_engine, "OVERLAY_DATA_ROOT", tmp_path / "data-root")
    monkeypatch.setattr(container_engine, "DOCKERD_PIDFILE", tmp_path / "dockerd.pid")
    monkeypatch.setattr(container_engine, "DOCKERD_LOG", tmp_path / "dockerd.log")
    monkeypatch.setattr(container_engine.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(container_engine.time, "sleep", lambda seconds: None)
    return []


def test_dockerd_starts_on_overlay2_and_leaves_its_pid_for_the_helpers_stop(
    monkeypatch: pytest.MonkeyPatch, started: list[list[str]], tmp_path: Path
) -> None:
    def popen(command: list[str], **kwargs: Any) -> _Daemon:
        started.append(command)
        return _Daemon(exits=False)

    answers = iter([False, False, True])
    monkeypatch.setattr(container_engine.subprocess, "Popen", popen)
    monkeypatch.setattr(container_engine, "_answers", lambda command: next(answers))
    logged: list[str] = []

    assert container_engine._start_dockerd_on_overlay(logged.append)
    assert started[0][:3] == ["dockerd", "--storage-driver=overlay2", f"--data-root={tmp_path / 'data-root'}"]
    assert "--bridge=none" in started[0] and "--iptables=false" in started[0]
    assert (tmp_path / "dockerd.pid").read_text() == "4321\n"
    assert "overlay2" in logged[0]


def test_a_dockerd_that_cannot_run_on_overlay2_is_killed_and_the_helper_is_left_to_start_one(
    monkeypatch: pytest.MonkeyPatch, started: list[list[str]], tmp_path: Path
) -> None:
    daemon = _Daemon(exits=True)
    monkeypatch.setattr(container_engine.subprocess, "Popen", lambda command, **kwargs: daemon)
    monkeypatch.setattr(container_engine, "_answers", lambda command: False)
    logged: list[str] = []

    assert not container_engine._start_dockerd_on_overlay(logged.append)
    assert daemon.killed
    assert not (tmp_path / "dockerd.pid").exists()
    assert "vfs" in logged[0]


def test_without_dockerd_even_after_the_helpers_setup_nothing_is_started(
    monkeypatch: pytest.MonkeyPatch, started: list[list[str]]
) -> None:
    helper_actions: list[str] = []
    monkeypatch.setattr(container_engine.shutil, "which", lambda name: None)
    monkeypatch.setattr(
        container_engine, "_helper", lambda action, log: helper_actions.append(action) or True
    )

    assert not container_engine._start_dockerd_on_overlay(lambda message: None)
    assert helper_actions == ["setup"]
