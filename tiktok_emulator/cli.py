"""``python -m tiktok_emulator``: serve one emulator from the command line until signalled."""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from collections.abc import Sequence
from typing import Any

from source_tiktok_organic.tiktok_protocol import REQUESTS_PER_ENDPOINT_MINUTE
from tiktok_emulator.data import POSTING_PATTERNS
from tiktok_emulator.emulator import TikTokEmulator
from tiktok_emulator.faults import FaultRule


def _parse_fault(spec: str) -> FaultRule:
    """``kind[,key=value...]``, e.g. ``http_429,endpoint=/v2/video/list/,every=5,retry_after=1``."""
    kind, *options = spec.split(",")
    values: dict[str, Any] = {}
    for option in options:
        key, _, raw = option.partition("=")
        key = key.strip()
        if key in ("every", "times", "after"):
            values[key] = int(raw)
        elif key == "retry_after":
            values[key] = float(raw)
        elif key in ("endpoint", "error_code"):
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
        description="Serve an emulated TikTok Open API v2 on 127.0.0.1 until SIGINT/SIGTERM.",
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
        "--no-rotation",
        action="store_true",
        help="keep refresh tokens valid after use (the config stays usable)",
    )
    parser.add_argument(
        "--access-token-lifetime-requests",
        type=int,
        default=None,
        help="access tokens die after this many calls",
    )
    parser.add_argument(
        "--fault", action="append", type=_parse_fault, default=[], metavar="KIND[,key=value...]"
    )
    parser.add_argument("--write-config", metavar="PATH", help="write the connector config JSON here")
    return parser


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
        access_token_lifetime_requests=args.access_token_lifetime_requests,
        faults=list(args.fault),
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    url = emulator.start(port=args.port)
    try:
        if args.write_config:
            # Written before the announcement, atomically, so a reader never sees half a file.
            tmp_path = f"{args.write_config}.tmp-{os.getpid()}"
            with open(tmp_path, "w", encoding="utf-8") as handle:
                json.dump(emulator.connector_config(), handle, indent=2)
            os.replace(tmp_path, args.write_config)
        print(f"TikTok emulator listening on {url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0
