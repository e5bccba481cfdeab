"""``python -m tiktok_emulator``: serve one emulator from the command line until signalled.

Every flag sets the ``TikTokEmulator`` constructor argument of the same name (``--no-rotation``:
``rotate_refresh_tokens=False``; ``--user-info-omit-ungranted``:
``user_info_omits_ungranted_fields=True``; ``--business-rate-limit``:
``business_app_rate_limit_per_minute``; ``--fault``: one ``FaultRule`` each; ``--refuse-field``:
one of ``refused_fields`` each; ``--refusals-unnamed``: ``refusals_name_fields=False``).

It announces itself on one line, ``TikTok emulator listening on <url>``, then prints one line per
account, ``business account <i>: open_id=<open_id> refresh_token=<business refresh token>
display_refresh_token=<Display refresh token>`` (``--business-accounts N``, default 1; every
account authorised both apps); ``--write-business-accounts PATH`` writes the same as a JSON list
of ``{"index", "open_id", "refresh_token", "display_refresh_token"}`` (``--write-config`` and
``--write-business-config`` write account 0's connector configs).  Files are written before the
announcement.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import threading
from collections.abc import Sequence
from typing import Any

from tiktok_emulator.display.data import POSTING_PATTERNS
from tiktok_emulator.documented.business import (
    MISSING_SCOPE_CODES,
    REQUESTS_PER_ACCOUNT_ENDPOINT_MINUTE,
    REQUESTS_PER_APP_MINUTE,
    THROTTLE_CODES,
)
from tiktok_emulator.documented.comments import COMMENTS_REPEAT_AFTER
from tiktok_emulator.documented.display import (
    ACCESS_TOKEN_LIFETIME_SECONDS,
    REFRESH_TOKEN_LIFETIME_SECONDS,
    REQUESTS_PER_ENDPOINT_MINUTE,
)
from tiktok_emulator.emulator import TikTokEmulator
from tiktok_emulator.faults import FAULT_KINDS, FaultRule


def _parse_fault(spec: str) -> FaultRule:
    """``kind[,key=value...]``, e.g. ``http_429,endpoint=/v2/video/list/,every=5,retry_after=1``
    or ``http_429,endpoint=/open_api/v1.3/business/comment/list/,error_code=40132``."""
    kind, *options = spec.split(",")
    values: dict[str, Any] = {}
    for option in options:
        key, _, raw = option.partition("=")
        key = key.strip()
        if key in ("every", "times", "after"):
            values[key] = int(raw)
        elif key == "retry_after":
            values[key] = float(raw)
        elif key in ("endpoint", "error_code", "business_id"):
            values[key] = raw
        else:
            raise argparse.ArgumentTypeError(f"unknown fault option {key!r}")
    try:
        return FaultRule(kind=kind.strip(), **values)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tiktok_emulator",
        description="Serve an emulated TikTok Open API v2 (Display API, Login Kit) and API for Business "
        "(Accounts API: business/get, video/list, comment/list, comment/reply/list, benchmark, tt_user "
        "tokens) on 127.0.0.1 until SIGINT/SIGTERM.",
        epilog=f"Fault kinds: {', '.join(sorted(FAULT_KINDS))}. Options: endpoint=PATH (default: the "
        "Display data endpoints; Accounts API and OAuth paths must be named), every=N, times=N, after=N, "
        "retry_after=S, error_code=CODE (error_in_200's code; a number makes a business http_429 answer "
        "it, e.g. 40132), business_id=OPEN_ID (only that business account's requests; without endpoint: "
        "every Accounts API data endpoint of it; with a Display path: only the requests presenting that "
        "account's Display tokens). access_token_invalid kills the token as revoked "
        "(business 40105), access_token_expired as expired (business 40102).",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--videos", type=int, default=200, help="number of videos the account has")
    parser.add_argument("--pattern", choices=POSTING_PATTERNS, default="uniform")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--now", type=int, default=None, help="unix seconds of the newest video")
    parser.add_argument(
        "--followers",
        type=int,
        default=None,
        help="the Accounts API's follower count (default: the generated account's; demographics need 100)",
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds slept before each answer")
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        help="requests per endpoint per sliding minute (default: unlimited; "
        f"TikTok allows {REQUESTS_PER_ENDPOINT_MINUTE})",
    )
    parser.add_argument(
        "--business-rate-limit",
        type=int,
        default=None,
        help="Accounts API requests per sliding minute for the whole app, every account and endpoint "
        f"together (default: unlimited; TikTok allows {REQUESTS_PER_APP_MINUTE} at the basic level; "
        "--rate-limit is per account per endpoint there, TikTok allows "
        f"{REQUESTS_PER_ACCOUNT_ENDPOINT_MINUTE})",
    )
    parser.add_argument(
        "--business-accounts",
        type=int,
        default=1,
        help="accounts authorising the business app and the Display app (default: %(default)s); "
        "account 0 is the single-account emulator's creator, account i's refresh tokens (business "
        "and Display) are account 0's first ones plus '-account-i'",
    )
    parser.add_argument(
        "--no-rotation",
        action="store_true",
        help="keep refresh tokens valid after use (the config stays usable)",
    )
    parser.add_argument(
        "--access-token-expires-in",
        type=int,
        default=ACCESS_TOKEN_LIFETIME_SECONDS,
        help="Display access token lifetime in seconds (default: %(default)s, TikTok's 2 hours)",
    )
    parser.add_argument(
        "--refresh-expires-in",
        type=int,
        default=REFRESH_TOKEN_LIFETIME_SECONDS,
        help="Display refresh token lifetime in seconds from the consent; rotation keeps the clock "
        "(default: %(default)s, 180 days; TikTok's older pages said 365 days)",
    )
    parser.add_argument(
        "--user-info-omit-ungranted",
        action="store_true",
        help="user/info leaves out the fields of ungranted scopes instead of refusing the request",
    )
    parser.add_argument(
        "--access-token-lifetime-requests",
        type=int,
        default=None,
        help="access tokens die after this many calls",
    )
    parser.add_argument(
        "--today",
        type=datetime.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the Accounts API's UTC day (default: the real one)",
    )
    parser.add_argument(
        "--business-missing-scope-code",
        type=int,
        choices=MISSING_SCOPE_CODES,
        default=MISSING_SCOPE_CODES[0],
        help="the Accounts API's code for a missing scope (default: %(default)s)",
    )
    parser.add_argument(
        "--business-throttle-code",
        type=int,
        choices=THROTTLE_CODES,
        default=THROTTLE_CODES[0],
        help="the Accounts API's throttling code, for --rate-limit and http_429 faults "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--comments-repeat-after",
        type=int,
        default=COMMENTS_REPEAT_AFTER,
        help="past this many comments on a video, comment/list pages repeat earlier ones "
        "(default: %(default)s, as documented)",
    )
    parser.add_argument(
        "--fault", action="append", type=_parse_fault, default=[], metavar="KIND[,key=value...]"
    )
    parser.add_argument(
        "--refuse-field",
        action="append",
        default=[],
        metavar="FIELD",
        help="refuse every request asking for FIELD, in both APIs, as a field this app or region "
        "is not served (repeatable)",
    )
    parser.add_argument(
        "--refusals-unnamed",
        action="store_true",
        help="refusals of --refuse-field fields do not name them (TikTok's message is undocumented)",
    )
    parser.add_argument("--write-config", metavar="PATH", help="write the connector config JSON here")
    parser.add_argument(
        "--write-business-config",
        metavar="PATH",
        help="write a connector config JSON reading the Accounts API (business account 0) here",
    )
    parser.add_argument(
        "--write-business-accounts",
        metavar="PATH",
        help="write every account as JSON here: "
        '[{"index", "open_id", "refresh_token", "display_refresh_token"}, ...]',
    )
    return parser


def _write_atomically(path: str, config: Any) -> None:
    """Write ``config`` as JSON through a temporary file, so a reader never sees half a file."""
    tmp_path = f"{path}.tmp-{os.getpid()}"
    with open(tmp_path, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2)
    os.replace(tmp_path, path)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: start, announce the URL on one flushed line, serve until signalled."""
    args = _build_parser().parse_args(argv)
    emulator = TikTokEmulator(
        video_count=args.videos,
        posting_pattern=args.pattern,
        seed=args.seed,
        now=args.now,
        latency=args.latency,
        followers=args.followers,
        rate_limit_per_minute=args.rate_limit,
        rotate_refresh_tokens=not args.no_rotation,
        access_token_expires_in=args.access_token_expires_in,
        refresh_expires_in=args.refresh_expires_in,
        user_info_omits_ungranted_fields=args.user_info_omit_ungranted,
        access_token_lifetime_requests=args.access_token_lifetime_requests,
        today=args.today,
        business_missing_scope_code=args.business_missing_scope_code,
        business_throttle_code=args.business_throttle_code,
        comments_repeat_after=args.comments_repeat_after,
        business_accounts=args.business_accounts,
        business_app_rate_limit_per_minute=args.business_rate_limit,
        faults=list(args.fault),
        refused_fields=args.refuse_field,
        refusals_name_fields=not args.refusals_unnamed,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    url = emulator.start(port=args.port)
    try:
        # Written before the announcement, so a reader that waits for it finds the files complete.
        if args.write_config:
            _write_atomically(args.write_config, emulator.connector_config())
        if args.write_business_config:
            _write_atomically(args.write_business_config, emulator.business_connector_config())
        accounts = [
            {
                "index": a.index,
                "open_id": a.open_id,
                "refresh_token": a.current_refresh_token,
                "display_refresh_token": a.current_display_refresh_token,
            }
            for a in emulator.business_accounts
        ]
        if args.write_business_accounts:
            _write_atomically(args.write_business_accounts, accounts)
        lines = [f"TikTok emulator listening on {url}"]
        lines += [
            f"business account {a['index']}: open_id={a['open_id']} refresh_token={a['refresh_token']}"
            f" display_refresh_token={a['display_refresh_token']}"
            for a in accounts
        ]
        print("\n".join(lines), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0
