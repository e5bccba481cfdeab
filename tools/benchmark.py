"""Speed and memory of a full read, measured against the loopback TikTok emulator in one run.

Every figure is a ratio against a baseline measured in the same run, on the same emulator:

(a) a full read of 10,000 videos at zero latency, versus a bare sequential `requests` loop that
    pages the same API and prints the same RECORD lines (the Python floor);
(b) a full read of 1,000 videos with 300 ms per request and TikTok's 600 requests/minute limit
    enforced, versus the same bare loop; plus the 429s each received;
(c) the connector's peak RSS reading 1,000 versus 50,000 videos;
(d) a full read of 400 videos with 30 ms per request while TikTok misbehaves (1 request in 7
    answered 429 with Retry-After: 1, 1 in 11 answered 500, 1 connection in 13 dropped, the
    access token revoked once mid-sync), versus the same read on the same emulator without faults;
    every video must arrive exactly once.

Targets: (a) <= 2.5 (goal 1.5), (b) <= 0.4 with zero 429s, (c) within 20 %, (d) <= 3.

Run it from the repository root: ``python -m tools.benchmark`` (``bash scripts/benchmark.sh``
prepares .venv first).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airbyte_cdk.models import Type

from source_tiktok_organic import tiktok_protocol
from testkit.catalogs import CONFIGURED_CATALOG_PATH
from testkit.connector_output import iter_messages
from testkit.console_script import console_script
from tiktok_emulator import FaultRule, TikTokEmulator

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

# Runs a command and reports its peak RSS on stderr. The command is started from this small
# process, not from the benchmark: a child forked from the benchmark (whose emulator holds every
# video) inherits the benchmark's resident pages until it executes the command, and Linux counts
# them in the child's peak RSS, so (c) measured the emulator's memory more than the connector's.
PEAK_RSS_PROBE = (
    "import resource, subprocess, sys; status = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(status)"
)

# (d): TikTok misbehaving throughout a sync. Each rule keeps its own count of the requests it
# sees; the token is revoked once, mid-sync (the emulator kills it: only a refresh helps).
FAULTY_TIKTOK = (
    FaultRule("http_429", every=7, retry_after=1),
    FaultRule("http_500", every=11),
    FaultRule("drop_connection", every=13),
    FaultRule("access_token_invalid", endpoint="/v2/video/list/", after=25, times=1),
)


@dataclass
class Measurement:
    seconds: float
    peak_rss_mib: float
    video_ids: list[str]
    http_429: int
    requests: int
    faults: int

    @property
    def videos(self) -> int:
        return len(self.video_ids)


def run_measured(args: list[str], emulator: TikTokEmulator) -> Measurement:
    """Run a command, its stdout going to a file; wall time and the command's own peak RSS.

    The videos are counted from that file afterwards: parsing while the command runs would take
    CPU from the emulator serving it, in this same process.
    """
    emulator.reset_counters()
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n") as stdout:
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-I", "-S", "-c", PEAK_RSS_PROBE, *args],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if completed.returncode != 0:
            raise SystemExit(f"{args[0]} failed with status {completed.returncode}")
        peak_rss_kib = int(completed.stderr.split()[-1])
        stdout.seek(0)
        video_ids = [
            str(message.record.data["id"])
            for message in iter_messages(stdout)
            if message.type == Type.RECORD and message.record and message.record.stream == "videos"
        ]
    counters = emulator.snapshot()
    return Measurement(
        seconds=seconds,
        peak_rss_mib=peak_rss_kib / 1024,
        video_ids=video_ids,
        http_429=counters["responses_by_status"].get(429, counters["responses_by_status"].get("429", 0)),
        requests=counters["total_requests"],
        faults=sum(counters["faults_fired"].values()),
    )


def assert_every_video_exactly_once(measured: Measurement, emulator: TikTokEmulator) -> None:
    duplicated = [video_id for video_id, seen in Counter(measured.video_ids).items() if seen > 1]
    assert not duplicated, f"videos emitted more than once: {duplicated[:5]}"
    assert sorted(measured.video_ids) == sorted(video["id"] for video in emulator.videos), "videos lost"


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
        assert_every_video_exactly_once(ours, emulator)
    assert floor.videos == video_count, (floor.videos, video_count)
    for name, measured in (("bare sequential loop", floor), ("connector", ours)):
        print(
            f"    {name:<20} {measured.seconds:6.2f} s  "
            f"({measured.requests} requests, {measured.http_429} x 429)"
        )
    return floor, ours


def under_faults(workdir: Path) -> tuple[Measurement, Measurement]:
    """(d): the connector's read of 400 videos without faults, then with them, on one emulator."""
    with TikTokEmulator(video_count=400, latency=0.03) as emulator:
        clean = connector_read(emulator, workdir)
        assert_every_video_exactly_once(clean, emulator)
        for rule in FAULTY_TIKTOK:
            emulator.add_fault(rule)
        faulty = connector_read(emulator, workdir)
        assert_every_video_exactly_once(faulty, emulator)
    for name, measured in (("without faults", clean), ("with faults", faulty)):
        print(
            f"    {name:<20} {measured.seconds:6.2f} s  ({measured.requests} requests, "
            f"{measured.faults} faults, {measured.http_429} x 429)"
        )
    return clean, faulty


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
    print(f"    ratio {ratio_a:.2f} (target <= 2.5, goal 1.5: {verdict(ratio_a <= 2.5)})\n")

    print("(b) full read of 1,000 videos, 300 ms per request, 600 requests/minute enforced")
    floor, ours = race(workdir, video_count=1_000, latency=0.3, rate_limit_per_minute=600)
    ratio_b = ours.seconds / floor.seconds
    print(
        f"    ratio {ratio_b:.2f} "
        f"(target <= 0.4 with zero 429s: {verdict(ratio_b <= 0.4 and ours.http_429 == 0)})\n"
    )

    print("(d) full read of 400 videos, 30 ms per request, TikTok misbehaving (429, 500, drops, token)")
    clean, faulty = under_faults(workdir)
    ratio_d = faulty.seconds / clean.seconds
    print(f"    every video exactly once; ratio {ratio_d:.2f} (target <= 3: {verdict(ratio_d <= 3)})\n")

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
