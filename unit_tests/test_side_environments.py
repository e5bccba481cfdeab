"""testkit/side_environments.py: the tests that need the side environments wait for them, and every
test file that uses one says so."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from testkit.side_environments import MARKER, wait_for_environments

REPO_ROOT = Path(__file__).resolve().parent.parent
#: What in a test file means it runs something of the side environments.
USES_A_SIDE_ENVIRONMENT = re.compile(
    "|".join(
        (
            r"report_warehouses",
            r"testkit\.manifest_only",
            r"testkit\.postgres",
            r"PYAIRBYTE_PYTHON",
            r"REPORT_VENV",
            r'sync\.sh", "--report',
        )
    )
)


def test_a_test_waits_until_the_environments_are_ready(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    threading.Timer(0.3, ready.write_text, args=("yes\n",)).start()
    wait_for_environments(ready, timeout=10, poll=0.05)
    assert ready.read_text() == "yes\n"


def test_environments_that_failed_or_never_came_fail_the_test(tmp_path: Path) -> None:
    failed = tmp_path / "failed"
    failed.write_text("no\n")
    with pytest.raises(pytest.fail.Exception, match="preparing the side environments failed"):
        wait_for_environments(failed, timeout=10, poll=0.05)
    with pytest.raises(pytest.fail.Exception, match="not ready after"):
        wait_for_environments(tmp_path / "never", timeout=0.2, poll=0.05)


def test_every_test_file_using_a_side_environment_waits_for_it() -> None:
    users = {
        path.name
        for path in (REPO_ROOT / "integration_tests").glob("test_*.py")
        if USES_A_SIDE_ENVIRONMENT.search(path.read_text())
    }
    marked = {
        path.name
        for path in (REPO_ROOT / "integration_tests").glob("test_*.py")
        if f"pytestmark = pytest.mark.{MARKER}" in path.read_text()
    }
    assert len(users) >= 7, users  # the pattern still finds them
    assert users <= marked, f"use a side environment without waiting for it: {sorted(users - marked)}"
