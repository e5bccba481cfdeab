"""``TikTokEmulator``'s methods for tests to script faults and field refusals and read the request
counters.

Why a mixin: scripting and observing the emulator is a job of its own, apart from its settings,
wiring and lifecycle (``emulator``) and the credentials (``display.credentials``,
``business.credentials``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tiktok_emulator.counters import EmulatorCounters
from tiktok_emulator.faults import FaultRule, FaultSchedule
from tiktok_emulator.field_refusals import FieldRefusals


class Controls:
    """Fault rules in force and request statistics, delegating to the schedule and the counters."""

    counters: EmulatorCounters
    _faults: FaultSchedule
    field_refusals: FieldRefusals

    # -- faults ----------------------------------------------------------------------
    def add_fault(self, rule: FaultRule) -> None:
        """Append a rule; it starts counting matching requests from now."""
        self._faults.add(rule)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def faults(self) -> list[FaultRule]:
        return self._faults.rules

    def refuse_fields(self, fields: Iterable[str], named: bool = True) -> None:
        """From now on, refuse every request asking for one of ``fields`` (none: refuse nothing),
        naming them in the message when ``named`` (see ``field_refusals``)."""
        self.field_refusals = FieldRefusals.of(fields, named)

    # -- counters --------------------------------------------------------------------
    @property
    def requests_by_endpoint(self) -> dict[str, int]:
        return self.counters.requests_by_endpoint

    @property
    def responses_by_status(self) -> dict[int, int]:
        return self.counters.responses_by_status

    @property
    def rate_limited(self) -> int:
        return self.counters.rate_limited

    @property
    def max_concurrent(self) -> int:
        return self.counters.max_concurrent

    def reset_counters(self) -> None:
        self.counters.reset()

    def snapshot(self) -> dict[str, Any]:
        return self.counters.snapshot()
