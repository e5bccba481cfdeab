"""A local, deterministic emulator of TikTok's Open API v2 (Display API + Login Kit) and of the
TikTok API for Business's Accounts API.

Why it exists: the connector cannot be tested end to end against the real TikTok API (that needs a
real creator account, a reviewed app and a consenting human), and mocked ``requests`` calls cannot
exercise what breaks in production: refresh-token rotation, access tokens that die early, 429s with
``Retry-After``, errors wrapped in HTTP 200, cursors repeated forever, dropped connections, awkward
unicode, ids above 2**53.  The emulator serves the endpoints the connector uses on 127.0.0.1 only,
so end-to-end tests, the CDK standard tests, a no-credentials demo and a benchmark all run offline
against the same behaviour.

It never imports the connector: the protocol facts it serves (paths, fields, scopes, codes, limits,
token lifetimes) are its own copy, read from TikTok's pages and cited there (``documented``,
``documented_business``), so that a test passing against it proves the connector agrees with
TikTok, not with itself.  ``unit_tests/test_protocol_facts.py`` compares the two copies.  Only the
standard library is used.

Modules, one job each:

- ``emulator``: ``TikTokEmulator``, which owns the settings and state, registers the API modules'
  routes and starts and stops the server; ``display_credentials``, ``business_credentials`` and
  ``controls``: its methods for credentials, fault rules and counters;
- ``documented``, ``documented_business``: TikTok's documented facts, each group citing its page;
- ``oauth``: Login Kit's authorize, token and revoke endpoints;
- ``display_api``: the user/info, video/list and video/query endpoints (every account's, each
  reached with its own Display grant, kept in ``business_accounts``);
- ``tokens``: grants, access and refresh tokens, authorization codes;
- ``data``: the generated account (profile and videos) from a seed;
- ``faults``: ``FaultRule`` and the schedule that decides which request a rule hits;
- ``field_refusals``: fields an app or region is not served, refused in both APIs (named or not);
- ``rate_limit``: the sliding-window limiter (per endpoint; on the Accounts API per account and
  endpoint, and app-wide);
- ``counters``: request statistics (per endpoint, status, and per account on each API);
- ``envelope``: TikTok v2's ``{"data", "error"}`` response body and error codes;
- ``routing``: the (method, path) -> handler table the API modules fill;
- ``http_server``: the threaded HTTP/1.1 server;
- ``wire``: the request and response records passed between them;
- ``cli``: ``python -m tiktok_emulator``;
- the Accounts API: ``business_accounts`` (the accounts authorising the business app and the
  Display app, each with its own data and a token store per app; account 0 is the creator a
  single-account emulator serves),
  ``business_oauth`` (JSON token, refresh, revoke and token-info endpoints),
  ``business_api`` (the gate, business/get and video/list), ``business_comment_api``
  (comment/list, comment/reply/list), ``business_benchmark`` (business/benchmark),
  ``business_params`` (parameter checks), ``business_scopes`` (the inferred field -> scope map),
  ``business_data`` (profile, daily metrics, activity, demographics), ``business_media`` (videos
  with insights), ``business_comments`` (the generated comment threads), ``business_envelope``
  (the ``{code, message, request_id, data}`` answer) and ``business_credentials``;
- ``fixtures/``: small JSON bodies in the shape of the reference pages' examples, which the
  emulator's tests compare its answers with.

Run it from the command line::

    python -m tiktok_emulator --port 0 --videos 200 --write-config /tmp/config.json

or in-process::

    with TikTokEmulator(video_count=95) as emu:
        config = emu.connector_config()
"""

from __future__ import annotations

from tiktok_emulator.cli import main
from tiktok_emulator.counters import EmulatorCounters
from tiktok_emulator.data import DEFAULT_NOW
from tiktok_emulator.display_api import API_PATHS
from tiktok_emulator.documented import (
    AUTHORIZE_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
    USER_FIELD_SCOPES,
    USER_INFO_PATH,
    VIDEO_FIELDS,
    VIDEO_LIST_PATH,
    VIDEO_QUERY_PATH,
)
from tiktok_emulator.emulator import TikTokEmulator
from tiktok_emulator.faults import FAULT_KINDS, FaultRule
from tiktok_emulator.rate_limit import SlidingWindowRateLimiter

__all__ = [
    "API_PATHS",
    "AUTHORIZE_PATH",
    "DEFAULT_NOW",
    "FAULT_KINDS",
    "FaultRule",
    "EmulatorCounters",
    "REVOKE_PATH",
    "SlidingWindowRateLimiter",
    "TOKEN_PATH",
    "TikTokEmulator",
    "USER_FIELD_SCOPES",
    "USER_INFO_PATH",
    "VIDEO_FIELDS",
    "VIDEO_LIST_PATH",
    "VIDEO_QUERY_PATH",
    "main",
]
