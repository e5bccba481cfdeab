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
token lifetimes) are its own copy, read from TikTok's pages and cited there (``documented.display``,
``documented.business``), so that a test passing against it proves the connector agrees with
TikTok, not with itself.  ``unit_tests/test_protocol_facts.py`` compares the two copies.  Only the
standard library is used.

The package, by folder: one subpackage per TikTok API, one for the cited facts, and the shared
machinery at the top.

- ``documented/``: TikTok's documented facts, the emulator's own copy, each group citing its page:
  ``display`` (Open API v2), ``business`` (the Accounts API's paths, codes, scopes, limits),
  ``insights`` (its fields), ``comments``, ``mentions`` (the Mentions API);
- ``display/``: Login Kit's OAuth (``oauth``), the user/info, video/list and video/query endpoints
  (``api``), the generated creator account (``data``), v2's ``{"data", "error"}`` answer
  (``envelope``) and the emulator's credential methods (``credentials``);
- ``business/``: the Accounts API: the accounts authorising both apps, each with its own data and
  token stores (``accounts``; account 0 is the creator a single-account emulator serves), the JSON
  OAuth endpoints (``oauth``), the gate with business/get and video/list (``api``), comment/list
  and comment/reply/list (``comment_api``), business/benchmark (``benchmark``), parameter checks
  (``params``), the inferred field -> scope map (``scopes``), the generated profile, metrics and
  videos (``data``, ``media``, ``comments``), the ``{code, message, request_id, data}`` answer
  (``envelope``) and ``credentials``;
- ``mentions/``: the Mentions API (who talks about the brand), served behind the Accounts API's
  gate: mentioned posts, mentions in comments, brand-hashtag posts, top hashtags and words, the
  enabled brand hashtags;
- shared: ``emulator`` (``TikTokEmulator``: settings, state, the API modules' routes, the server;
  ``controls`` holds its fault-rule and counter methods), ``tokens`` (grants, access and refresh
  tokens, codes), ``faults`` (``FaultRule`` and its schedule), ``field_refusals`` (fields an app
  or region is not served), ``rate_limit`` (the sliding-window limiter), ``counters`` (request
  statistics), ``routing`` (the (method, path) -> handler table), ``http_server`` (the threaded
  HTTP/1.1 server), ``wire`` (request and response records), ``cli`` (``python -m
  tiktok_emulator``);
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
from tiktok_emulator.display.api import API_PATHS
from tiktok_emulator.display.data import DEFAULT_NOW
from tiktok_emulator.documented.display import (
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
