"""The connector's clock set ahead of the wall clock, as if the platform ran it hours or days later.

What the clock decides here is whether a stored access token has expired (the CDK's OAuth
authenticators and the connector's own expiry of a new token both read ``ab_datetime_now``), so a
test can play "the next day" without rewriting the stored config, which the platform never does.

This file imports only the standard library and airbyte_cdk: the manifest-only runtime's
virtualenv, which holds nothing of this repository, loads it by path before the CDK's CLI
(``launch_code``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from airbyte_cdk.utils import datetime_helpers

__all__ = ["launch_code", "set_connector_clock_ahead"]

_WALL_CLOCK: Callable[[], Any] = datetime_helpers.ab_datetime_now
_MARK = "_tiktok_connector_clock"


def set_connector_clock_ahead(seconds: float) -> None:
    """Every ``ab_datetime_now`` of the CDK and the connector, imported already or later, reads
    ``seconds`` past the wall clock (0: the wall clock again)."""

    def ahead() -> Any:
        return _WALL_CLOCK() + timedelta(seconds=seconds)

    setattr(ahead, _MARK, True)
    clock = _WALL_CLOCK if seconds == 0 else ahead
    datetime_helpers.ab_datetime_now = clock
    for module in list(sys.modules.values()):
        bound = getattr(module, "ab_datetime_now", None)
        if bound is _WALL_CLOCK or getattr(bound, _MARK, False):
            module.ab_datetime_now = clock  # type: ignore[attr-defined]


def launch_code(seconds: float, entrypoint: str) -> str:
    """A ``python -c`` program that sets the clock ahead, then runs ``entrypoint`` (``module:function``)
    with the process's arguments, as its console script would."""
    module, function = entrypoint.split(":")
    return (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('connector_clock', {str(Path(__file__))!r})\n"
        "clock = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(clock)\n"
        f"clock.set_connector_clock_ahead({float(seconds)!r})\n"
        f"from {module} import {function}\n"
        f"sys.exit({function}())\n"
    )
