"""Speed and memory of a full read, measured against the loopback TikTok emulator in one run.

Every figure is a ratio against a baseline measured in the same run, on the same emulator:

(a) a full read of 10,000 videos at zero latency, versus a bare sequential `requests` loop that
    pages the same API and prints the same RECORD lines (the Python floor);
(b) a full read of 1,000 videos with 300 ms per request and TikTok's 600 requests/minute limit
    enforced, versus the same bare loop; plus the 429s each received;
(c) the connector's peak RSS reading 1,000 versus 50,000 videos.

Targets: (a) <= 1.5, (b) <= 0.4 with zero 429s, (c) within 20 %.

Run it from the repository root: ``python -m tools.benchmark`` (``bash scripts/benchmark.sh``
prepares .venv first).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airbyte_cdk.models import Type

from source_tiktok_organic import tiktok_protocol
from testkit.catalogs import CONFIGURED_CATALOG_PATH
from testkit.connector_output import iter_messages
from testkit.console_script import console_script
from tiktok_emulator import TikTokEmulator

# The floor: what any Python program must do to produce the same output from the same API.
BARE_LOOP = r"""
import json, sys, time, requests
base, key, secret, refresh = sys.argv[1:5]
session = requests.Session()
token = session.post(f"{base}/v2/oauth/token/", data={"client_key": key, "client_secret": secret,
        "grant_type": "refresh_token", "refresh_token": refresh}).json()["access_token"]
session.headers["Authorization"] = f"Bearer {token}"
out = sys.stdout
def emit(stream, data):
    out.write(json.dumps({"type": "RECORD", "record": {"stream": stream, "data": data,
              "emitted_at": int(time.time() * 1000)}}) + "\n")
emit("user_info", session.get(f"{base}/v2/user/info/", params={"fields": sys.argv[5]}).json()["data"]["user"])
body = {"max_count": 20}
while True:
    page = session.post(f"{base}/v2/video/list/", params={"fields": sys.argv[6]}, json=body)
    if page.status_code == 429:
        time.sleep(float(page.headers.get("Retry-After", "1")))
        continue
    data = page.json()["data"]
    for video in data["videos"]:
        emit("videos", video)
    if not data["has_more"]:
        break
    body = {"max_count": 20, "cursor": data["cursor"]}
"""
# The fields the connector requests, so that the floor fetches as much.
USER_FIELDS = ",".join(tiktok_protocol.USER_FIELDS)
VIDEO_FIELDS = ",".join(tiktok_protocol.VIDEO_FIELDS)


@dataclass
class Measurement:
    seconds: float
    peak_rss_mib: float
    videos: int
    http_429: int
    requests: int


def run_measured(args: list[str], emulator: TikTokEmulator) -> Measurement:
    """Run a command, its stdout going to a file; wall time and the child's own peak RSS.

    The videos are counted from that file afterwards: parsing while the command runs would take
    CPU from the emulator serving it, in this same process.
    """
    emulator.reset_counters()
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n") as stdout:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=stdout, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if status != 0:
            raise SystemExit(f"{args[0]} failed with status {status}")
        stdout.seek(0)
        videos = sum(
            1
            for message in iter_messages(stdout)
            if message.type == Type.RECORD and message.record and message.record.stream == "videos"
        )
    counters = emulator.snapshot()
    return Measurement(
        seconds=seconds,
        peak_rss_mib=usage.ru_maxrss / 1024,
        videos=videos,
        http_429=counters["responses_by_status"].get(429, counters["responses_by_status"].get("429", 0)),
        requests=counters["total_requests"],
    )


def connector_read(emulator: TikTokEmulator, workdir: Path, **options: Any) -> Measurement:
    config = workdir / "config.json"
    config.write_text(json.dumps(emulator.connector_config(**options)))
    return run_measured(
        [str(console_script()), "read", "--config", str(config), "--catalog", str(CONFIGURED_CATALOG_PATH)],
        emulator,
    )


def bare_loop(emulator: TikTokEmulator) -> Measurement:
    config = emulator.connector_config()
    credentials = config["credentials"]
    return run_measured(
        [
            sys.executable,
            "-c",
            BARE_LOOP,
            emulator.base_url,
            credentials["client_id"],
            credentials["client_secret"],
            credentials["refresh_token"],
            USER_FIELDS,
            VIDEO_FIELDS,
        ],
        emulator,
    )


def race(workdir: Path, video_count: int, **emulator_options: Any) -> tuple[Measurement, Measurement]:
    """The bare loop, then the connector, on one emulator; both must deliver every video."""
    with TikTokEmulator(video_count=video_count, rotate_refresh_tokens=False, **emulator_options) as emulator:
        floor = bare_loop(emulator)
        ours = connector_read(emulator, workdir)
    assert ours.videos == floor.videos == video_count, (ours.videos, floor.videos)
    for name, measured in (("bare sequential loop", floor), ("connector", ours)):
        print(
            f"    {name:<20} {measured.seconds:6.2f} s  "
            f"({measured.requests} requests, {measured.http_429} x 429)"
        )
    return floor, ours


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.benchmark",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--skip-memory",
        action="store_true",
        help="skip (c), which pages 50,000 videos at 580 requests/minute (about 5 minutes)",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tiktok-benchmark-"))

    print("(a) full read of 10,000 videos, zero latency")
    floor, ours = race(workdir, video_count=10_000)
    ratio_a = ours.seconds / floor.seconds
    print(f"    ratio {ratio_a:.2f} (target <= 1.5: {verdict(ratio_a <= 1.5)})\n")

    print("(b) full read of 1,000 videos, 300 ms per request, 600 requests/minute enforced")
    floor, ours = race(workdir, video_count=1_000, latency=0.3, rate_limit_per_minute=600)
    ratio_b = ours.seconds / floor.seconds
    print(
        f"    ratio {ratio_b:.2f} "
        f"(target <= 0.4 with zero 429s: {verdict(ratio_b <= 0.4 and ours.http_429 == 0)})\n"
    )

    if args.skip_memory:
        return 0
    print("(c) peak RSS of the connector, 1,000 versus 50,000 videos")
    peaks = {}
    for count in (1_000, 50_000):
        with TikTokEmulator(video_count=count, rotate_refresh_tokens=False) as emulator:
            measured = connector_read(emulator, workdir)
        assert measured.videos == count, (measured.videos, count)
        peaks[count] = measured
        print(
            f"    {count:>6} videos: peak RSS {measured.peak_rss_mib:7.1f} MiB in {measured.seconds:6.1f} s"
        )
    growth = peaks[50_000].peak_rss_mib / peaks[1_000].peak_rss_mib - 1
    print(f"    growth {growth * 100:+.1f} % (target within 20 %: {verdict(abs(growth) <= 0.20)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
