"""Scripted misbehaviour: fault rules, and the schedule that decides which request each one hits.

The API modules ask the schedule at two points of a request: before authentication for the
faults that replace the whole response (``RESPONSE_FAULTS``), and, in an endpoint that serves
pages, once the request is known to be valid for the faults that distort a page (``PAGE_FAULTS``).
Each API module renders a fired rule in its own response format.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from tiktok_emulator.counters import EmulatorCounters
from tiktok_emulator.wire import ResponseHeaders

FAULT_KINDS: frozenset[str] = frozenset(
    {
        "http_429",
        "http_500",
        "http_503",
        "drop_connection",
        "access_token_invalid",
        "access_token_expired",
        "error_in_200",
        "repeat_cursor",
        "short_page",
    }
)
#: Faults that replace the whole response, decided before authentication.
RESPONSE_FAULTS: frozenset[str] = frozenset(
    {
        "http_429",
        "http_500",
        "http_503",
        "drop_connection",
        "access_token_invalid",
        "access_token_expired",
        "error_in_200",
    }
)
#: Faults that distort a valid video/list page, decided once the request is known to be valid.
PAGE_FAULTS: frozenset[str] = frozenset({"repeat_cursor", "short_page"})


@dataclass
class FaultRule:
    """One scripted misbehaviour of the emulated server.

    Why: every failure mode the connector must survive (throttling, 5xx, dropped
    sockets, tokens dying early, errors hidden in HTTP 200, cursors that never advance,
    short pages) has to be reproducible on demand and at a precise request, so that a
    test can assert exactly how the connector reacted.

    Scheduling is counted per rule, on the matching requests that reach the rule (see
    ``TikTokEmulator`` for the evaluation order): the first ``after`` matching requests
    are skipped; then, with ``every > 0`` the rule fires on every ``every``-th matching
    request, otherwise on the first ``times`` matching requests.

    ``endpoint=None`` matches the Display API's data endpoints (user/info, video/list,
    video/query) and nothing else: the OAuth endpoints and every Accounts API endpoint
    (``documented.business``'s ``*_PATH``, data and token alike) are only faulted when
    named explicitly (e.g. ``endpoint="/v2/oauth/token/"`` or
    ``endpoint=documented_business.COMMENT_LIST_PATH``).  Why: a rule written for the
    Display API keeps its schedule (which request it hits) when a connector also reads
    the Accounts API.  ``repeat_cursor`` and ``short_page`` only ever apply to the
    endpoints that serve cursor pages: ``/v2/video/list/`` and, when named, the business
    video/list.

    ``access_token_invalid`` kills the request's access token as revoked and
    ``access_token_expired`` as expired: both answer the Display API's 401
    ``access_token_invalid`` (its message says which), and the Accounts API's 40105 and
    40102.  The Accounts API renders every fired rule in its own way: HTTP 200 with a
    ``code`` for everything but ``http_500``/``http_503``; its ``http_429`` answers the
    emulator's ``business_throttle_code`` (40100) unless the rule's ``error_code`` is a
    number (e.g. ``"40132"``); see ``business.envelope.render_fault``.

    ``business_id`` (an Accounts API account's ``open_id``) narrows a rule to that account's
    requests: it sees, counts and fires on them only.  On the Accounts API's data endpoints a
    request's account is its ``business_id`` query parameter; on the token endpoints it is the
    account that issued the presented refresh token (refresh), auth code (exchange) or access
    token (revoke, token info).  With ``business_id`` and no ``endpoint`` the rule matches every
    Accounts API data endpoint (never a token endpoint, never the Display API); a rule without
    ``business_id`` behaves as described above, whichever account a request is for.

    Every account also authorised the Display app, so ``business_id`` narrows a rule that names a
    Display path too: on user/info, video/list and video/query a request's account is the one
    whose Display grant issued its Bearer token; on /v2/oauth/token/ the one that issued the
    presented refresh token (refresh) or code (exchange); on /v2/oauth/revoke/ the access
    token's.  A request whose token no account issued matches no rule with a ``business_id``.
    (A rule with ``business_id`` must name the Display path: without an endpoint it stays on the
    Accounts API, so the rules already written keep their schedules.)
    """

    kind: str
    endpoint: str | None = None
    every: int = 0
    times: int = 1
    after: int = 0
    retry_after: float | None = None
    error_code: str = "internal_error"
    business_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if self.every < 0 or self.times < 0 or self.after < 0:
            raise ValueError("every, times and after must be >= 0")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError("retry_after must be >= 0")


@dataclass
class _FaultState:
    """A rule plus its private request count, so every rule keeps its own schedule."""

    rule: FaultRule
    seen: int = 0
    fired: int = 0

    def matches(
        self,
        path: str,
        phase: frozenset[str],
        data_endpoint: bool,
        business_id: str | None,
        business_data_endpoint: bool,
    ) -> bool:
        if self.rule.kind not in phase:
            return False
        if self.rule.business_id is not None:
            if self.rule.business_id != business_id:
                return False
            if self.rule.endpoint is None:
                return business_data_endpoint
        if self.rule.endpoint is None:
            return data_endpoint
        return self.rule.endpoint == path

    def tick(self) -> bool:
        """Count one matching request and say whether the rule fires on it."""
        self.seen += 1
        k = self.seen - self.rule.after
        if k <= 0:
            return False
        fire = (k % self.rule.every == 0) if self.rule.every > 0 else (k <= self.rule.times)
        if fire:
            self.fired += 1
        return fire


class FaultSchedule:
    """The rules in force, in the order they were added; thread-safe."""

    def __init__(self, rules: Iterable[FaultRule], counters: EmulatorCounters) -> None:
        self._lock = threading.Lock()
        self._states: list[_FaultState] = [_FaultState(rule) for rule in rules]
        self._counters = counters

    def add(self, rule: FaultRule) -> None:
        """Append a rule; it starts counting matching requests from now."""
        with self._lock:
            self._states.append(_FaultState(rule))

    def clear(self) -> None:
        with self._lock:
            self._states.clear()

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return [state.rule for state in self._states]

    def next(
        self,
        path: str,
        phase: frozenset[str],
        *,
        data_endpoint: bool,
        business_id: str | None = None,
        business_data_endpoint: bool = False,
    ) -> FaultRule | None:
        """The rule that answers this request at this ``phase``, if any fires.

        ``data_endpoint`` says whether rules that name no endpoint (and no account) apply to
        ``path``; ``business_id`` is the Accounts API account the request is for (None: none
        known), and ``business_data_endpoint`` whether ``path`` is an Accounts API data endpoint
        (where rules that name an account but no endpoint apply).
        """
        chosen: FaultRule | None = None
        with self._lock:
            for state in self._states:
                # Every matching rule counts the request, so each rule's schedule is
                # independent of the others; the first rule that fires answers it.
                matches = state.matches(path, phase, data_endpoint, business_id, business_data_endpoint)
                if matches and state.tick() and chosen is None:
                    chosen = state.rule
            if chosen is not None:
                self._counters.fault_fired(chosen.kind)
        return chosen


def retry_after_headers(rule: FaultRule) -> ResponseHeaders:
    """The ``Retry-After`` header a throttling rule asks for (none if it sets no delay)."""
    if rule.retry_after is None:
        return ()
    value = rule.retry_after
    return (("Retry-After", str(int(value)) if float(value).is_integer() else str(value)),)
