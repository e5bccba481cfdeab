"""Tests that need the side environments wait for them (a pytest plugin: ``-p testkit.side_environments``).

``scripts/test.sh`` starts pytest as soon as ``.venv`` is there, while ``.venv-manifest-only``,
``.venv-report``, ``.venv-pyairbyte`` and Debian's Chromium and PostgreSQL are still being prepared
beside it (about a minute of mostly network and disk), and names in ``TEST_ENVIRONMENTS_READY`` the
file it writes ``yes`` (or ``no``) into once they are. A test file that needs any of them says so
with ``pytestmark = pytest.mark.side_environments``; its tests wait for that file before their set-up.
Without the variable (pytest run by hand) nothing waits: the tests' own checks skip or fail as before.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

MARKER = "side_environments"
READY_VARIABLE = "TEST_ENVIRONMENTS_READY"
#: Far more than preparing them takes on the 2-core machine (about a minute).
WAIT_SECONDS = 1200


def wait_for_environments(ready_file: Path, timeout: float = WAIT_SECONDS, poll: float = 0.5) -> None:
    """Return once ``ready_file`` says ``yes``; fail the test when it says anything else or never
    appears."""
    deadline = time.monotonic() + timeout
    while not ready_file.is_file() or not ready_file.read_text().strip():
        if time.monotonic() > deadline:
            pytest.fail(f"the side environments were not ready after {timeout:.0f} s ({ready_file})")
        time.sleep(poll)
    if ready_file.read_text().strip() != "yes":
        pytest.fail("preparing the side environments failed: scripts/test.sh prints their logs")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}: needs .venv-manifest-only, .venv-report, .venv-pyairbyte or Debian's Chromium and "
        "PostgreSQL, which scripts/test.sh prepares beside pytest (testkit/side_environments.py)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    ready_file = os.environ.get(READY_VARIABLE)
    if ready_file and item.get_closest_marker(MARKER) is not None:
        wait_for_environments(Path(ready_file))
