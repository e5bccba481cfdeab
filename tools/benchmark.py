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
    every video must arrive exactly once;
(e) the requests of one sync of every stream, per endpoint, versus the minimum (each page asked
    once: one pass over the video list, one business/get or user/info), for 1,000 and 10,000
    videos, in business mode (the eight default streams) and with the Display API's four streams;
    and the least time that costs at TikTok's pace (the busiest endpoint's requests under the
    per-minute budget: 38 for the Accounts API, 580 for the Display API) versus each page once. The
    read itself runs at 600 requests per endpoint per minute, and its wall time is shown against
    that pace's floor: what the connector costs beyond its budget;
(f) one sync of every business stream of 10 accounts of 500 videos each in one connection, versus
    the same sync of 1 account of 500 videos, both at the connector's default pacing (38 requests
    per account per endpoint, 580 per app, a minute), with TikTok's limits enforced (40 per account
    per endpoint, 600 per app, a minute) and 300 ms per request; every video of every account must
    arrive once in business_videos, tagged with its account's business_id. It prints each
    account's requests per endpoint too;
(g) the connector's CPU per row reading business_videos and business_video_breakdowns of one
    account of 4,000 videos (about 76,000 rows), versus a bare `requests` loop that pages the same
    list and writes the same rows (each video, and a row per element of its per-second, traffic
    and viewer arrays), at 600 requests a minute.

Targets: (a) <= 2.5 (goal 1.5), (b) <= 0.4 with zero 429s, (c) within 20 %, (d) <= 3,
(e) video/list at most 1.25 x the minimum and at most 3 business/get calls, (f) <= 2.0 (goal 1.5),
(g) <= 3.0 (goal 2.0).

Run it from the repository root: ``python -m tools.benchmark`` (``bash scripts/benchmark.sh``
prepares .venv first); ``--only e`` runs figure (e) alone (``--only afg`` three of them in one run),
``--videos 1000`` with fewer videos.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from airbyte_cdk.models import AirbyteCatalog, Type

from source_tiktok_organic import tiktok_protocol
from source_tiktok_organic.business_protocol import (
    BUSINESS_GET_PATH,
    BUSINESS_REFRESH_TOKEN_PATH,
    BUSINESS_VIDEO_LIST_PATH,
)
from source_tiktok_organic.source import MANIFEST_PATH
from testkit.catalogs import CONFIGURED_CATALOG_PATH, catalog_json, configure
from testkit.configs import emulator_accounts_config
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
# (g)'s floor: the Accounts API's video list, each video and a row per element of its arrays, as
# the manifest's ArrayRowsExtractor names them (argv: the manifest's arrays and alternative keys).
BARE_BUSINESS_LOOP = r"""
import json, sys, time, requests
base, path, token, business_id, fields, arrays, alternative_keys = sys.argv[1:8]
arrays, alternative_keys = json.loads(arrays), json.loads(alternative_keys)
session = requests.Session()
session.headers["Access-Token"] = token
out = sys.stdout
def emit(stream, data):
    out.write(json.dumps({"type": "RECORD", "record": {"stream": stream, "data": data,
              "emitted_at": int(time.time() * 1000)}}) + "\n")
params = {"business_id": business_id, "fields": fields, "max_count": 20}
while True:
    body = session.get(f"{base}{path}", params=params).json()
    if body["code"] != 0:  # throttled (HTTP 200, code 40100)
        time.sleep(1)
        continue
    for video in body["data"]["videos"]:
        emit("business_videos", {**video, "business_id": business_id})
        for array, key in arrays.items():
            for element in video.get(array) or ():
                rest = dict(element)
                value = rest.pop(key if key in rest else alternative_keys.get(array, key), None)
                row = {"item_id": video["item_id"], "breakdown": array,
                       "key": None if value is None else str(value), **rest, "business_id": business_id}
                emit("business_video_breakdowns", row)
    if not body["data"]["has_more"]:
        break
    params["cursor"] = body["data"]["cursor"]
"""
# The fields the connector requests, so that the floor fetches as much.
USER_FIELDS = ",".join(tiktok_protocol.USER_FIELDS)
VIDEO_FIELDS = ",".join(tiktok_protocol.VIDEO_FIELDS)

# Runs a command and reports its peak RSS and CPU seconds (user + system) on stderr. The command is
# started from this small process, not from the benchmark: a child forked from the benchmark (whose
# emulator holds every video) inherits the benchmark's resident pages until it executes the command,
# and Linux counts them in the child's peak RSS, so (c) measured the emulator's memory more than the
# connector's.
PEAK_RSS_PROBE = (
    "import resource, subprocess, sys; status = subprocess.call(sys.argv[1:]); "
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime, file=sys.stderr); sys.exit(status)"
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
    requests_by_endpoint: dict[str, int]
    # Accounts API requests per account: {open_id: {path: requests}}.
    business_calls_by_account: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: int = 0
    cpu_seconds: float = 0.0
    records: int = 0

    @property
    def videos(self) -> int:
        return len(self.video_ids)


# What names one video in a stream's records: the Display API's id; a business video's account and
# item_id (the same video id in two accounts is two videos).
VideoKey = Callable[[Mapping[str, Any]], str]


def display_video(record: Mapping[str, Any]) -> str:
    return str(record["id"])


def business_video(record: Mapping[str, Any]) -> str:
    return f"{record['business_id']}/{record['item_id']}"


def run_measured(
    args: list[str],
    emulator: TikTokEmulator,
    videos_stream: str = "videos",
    video_key: VideoKey = display_video,
) -> Measurement:
    """Run a command, its stdout going to a file; wall time, the command's own peak RSS and CPU.

    The videos (records of ``videos_stream``, each named by ``video_key``) are counted from that
    file afterwards: parsing while the command runs would take CPU from the emulator serving it, in
    this same process.
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
        peak_rss_kib, cpu_seconds = completed.stderr.split()[-2:]
        stdout.seek(0)
        video_ids, errors, records = [], 0, 0
        for message in iter_messages(stdout):
            if message.type == Type.RECORD and message.record:
                records += 1
                if message.record.stream == videos_stream:
                    video_ids.append(video_key(message.record.data))
            elif message.type == Type.TRACE and message.trace and message.trace.error:
                errors += 1
    counters = emulator.snapshot()
    return Measurement(
        requests_by_endpoint=counters["requests_by_endpoint"],
        seconds=seconds,
        peak_rss_mib=int(peak_rss_kib) / 1024,
        cpu_seconds=float(cpu_seconds),
        video_ids=video_ids,
        http_429=counters["responses_by_status"].get(429, counters["responses_by_status"].get("429", 0)),
        requests=counters["total_requests"],
        faults=sum(counters["faults_fired"].values()),
        business_calls_by_account=counters["business_calls_by_account"],
        errors=errors,
        records=records,
    )


def assert_every_video_exactly_once(measured: Measurement, emulator: TikTokEmulator) -> None:
    assert_exactly_once(measured, [video["id"] for video in emulator.videos])


def assert_exactly_once(measured: Measurement, expected: list[str]) -> None:
    duplicated = [video_id for video_id, seen in Counter(measured.video_ids).items() if seen > 1]
    assert not duplicated, f"videos emitted more than once: {duplicated[:5]}"
    assert sorted(measured.video_ids) == sorted(expected), "videos lost, or from nowhere"


def connector_read(
    emulator: TikTokEmulator,
    workdir: Path,
    config: dict[str, Any] | None = None,
    catalog: Path = CONFIGURED_CATALOG_PATH,
    videos_stream: str = "videos",
    video_key: VideoKey = display_video,
) -> Measurement:
    config_path = workdir / "config.json"
    config_path.write_text(json.dumps(config or emulator.connector_config()))
    return run_measured(
        [str(console_script()), "read", "--config", str(config_path), "--catalog", str(catalog)],
        emulator,
        videos_stream,
        video_key,
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
            f"    {name:<20} {measured.seconds:6.2f} s  ({measured.requests} requests, "
            f"{measured.http_429} x 429; {per_row(measured)})"
        )
    return floor, ours


def per_row(measured: Measurement) -> str:
    """The CPU a command took, in all and per record it wrote."""
    return (
        f"{measured.cpu_seconds:.2f} s CPU for {measured.records:,} rows, "
        f"{measured.cpu_seconds / max(1, measured.records) * 1e6:.0f} µs per row"
    )


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


# (e): a read paced at this many requests per endpoint per minute (the most the spec allows), and the
# per-minute budgets the connector keeps to against TikTok (its defaults).
E_READ_PACE = 600
E_TIKTOK_PACE = {"business": 38, "display": 580}
VIDEO_PAGE = 20


@dataclass
class RequestFigure:
    """(e) for one mode and account size: what the sync asked per endpoint, and the least it could."""

    mode: str
    videos: int
    measured: Measurement
    minimum: dict[str, int]

    @property
    def busiest(self) -> int:
        return max(self.measured.requests_by_endpoint.values())

    def report(self) -> None:
        print(f"    {self.mode}, {self.videos:,} videos")
        for endpoint, least in self.minimum.items():
            made = self.measured.requests_by_endpoint.get(endpoint, 0)
            print(f"      {endpoint:<36} {made:6} requests, minimum {least:5} ({made / least:.2f} x)")
        others = set(self.measured.requests_by_endpoint) - set(self.minimum)
        for endpoint in sorted(others):
            print(f"      {endpoint:<36} {self.measured.requests_by_endpoint[endpoint]:6} requests")
        least_busiest = max(self.minimum.values())
        floor = pacing_floor_seconds(self.busiest, E_READ_PACE)
        print(
            f"      wall time {self.measured.seconds:6.1f} s at {E_READ_PACE}/min per endpoint "
            f"(that pace's floor: {floor:.0f} s); peak RSS {self.measured.peak_rss_mib:.0f} MiB"
        )
        pace = E_TIKTOK_PACE[self.mode]
        print(
            f"      at TikTok's pace ({pace}/min per endpoint) the paging takes at least "
            f"{pacing_floor_seconds(self.busiest, pace) / 60:.1f} min; each page once: "
            f"{pacing_floor_seconds(least_busiest, pace) / 60:.1f} min"
        )


def pacing_floor_seconds(requests: int, per_minute: int) -> float:
    """The least time ``requests`` to one endpoint take under a moving-window budget of
    ``per_minute``: the first minute's worth go at once, then a minute per further ``per_minute``."""
    return max(0, -(-requests // per_minute) - 1) * 60.0


def video_list_pages(videos: int) -> int:
    """The pages of one pass over the whole video list: 20 a page, and one page even when empty."""
    return max(1, -(-videos // VIDEO_PAGE))


def discover(config: dict[str, Any]) -> AirbyteCatalog:
    """The streams discover offers with ``config``."""
    from source_tiktok_organic import SourceTikTokOrganic

    return SourceTikTokOrganic(config=config).discover(logging.getLogger("benchmark"), config)


def discovered_catalog(config: dict[str, Any], workdir: Path) -> Path:
    """Every stream discover offers with ``config``, in full refresh, as a catalog file."""
    path = workdir / "catalog-e.json"
    path.write_text(json.dumps(catalog_json(configure(discover(config)))))
    return path


def requests_of_one_sync(workdir: Path, mode: str, videos: int) -> RequestFigure:
    """(e): one full-refresh sync of every stream of ``mode`` on a fresh emulator, unthrottled."""
    with TikTokEmulator(video_count=videos, rotate_refresh_tokens=False) as emulator:
        if mode == "business":
            config = emulator.business_connector_config(business_requests_per_minute=E_READ_PACE)
            minimum = {BUSINESS_VIDEO_LIST_PATH: video_list_pages(videos), BUSINESS_GET_PATH: 1}
        else:
            config = emulator.connector_config(requests_per_minute=E_READ_PACE)
            minimum = {
                tiktok_protocol.VIDEO_LIST_PATH: video_list_pages(videos),
                tiktok_protocol.USER_INFO_PATH: 1,
            }
        measured = connector_read(emulator, workdir, config, discovered_catalog(config, workdir))
    return RequestFigure(mode=mode, videos=videos, measured=measured, minimum=minimum)


def figure_e(workdir: Path, sizes: list[int]) -> bool:
    print("(e) requests of one sync of every stream, per endpoint, versus each page asked once")
    ok = True
    for videos in sizes:
        for mode in ("business", "display"):
            figure = requests_of_one_sync(workdir, mode, videos)
            figure.report()
            if mode == "business":
                made = figure.measured.requests_by_endpoint
                ok &= made.get(BUSINESS_VIDEO_LIST_PATH, 0) <= 1.25 * figure.minimum[BUSINESS_VIDEO_LIST_PATH]
                ok &= made.get(BUSINESS_GET_PATH, 0) <= 3
    print(f"    (target: business video/list <= 1.25 x the minimum, business/get <= 3: {verdict(ok)})\n")
    return ok


# (f): several accounts in one connection. TikTok's limits, which the emulator enforces: 40 requests
# per account per endpoint, 600 per app over every account and endpoint, a minute; the connector
# runs at its default pacing (38 and 580), and each request takes F_LATENCY seconds, as in (b).
F_ACCOUNTS = 10
F_VIDEOS = 500
F_ACCOUNT_LIMIT = 40
F_APP_LIMIT = 600
F_LATENCY = 0.3
F_TARGET = 2.0
F_GOAL = 1.5
F_ENDPOINTS = {
    BUSINESS_VIDEO_LIST_PATH: "video/list",
    BUSINESS_GET_PATH: "business/get",
    BUSINESS_REFRESH_TOKEN_PATH: "refresh",
}


def accounts_sync(workdir: Path, accounts: int) -> Measurement:
    """(f): one sync of every business stream of ``accounts`` accounts of F_VIDEOS videos each, in
    one connection, on a fresh emulator enforcing TikTok's limits; every video of every account
    must arrive once in business_videos, tagged with its account."""
    with TikTokEmulator(
        video_count=F_VIDEOS,
        business_accounts=accounts,
        rate_limit_per_minute=F_ACCOUNT_LIMIT,
        business_app_rate_limit_per_minute=F_APP_LIMIT,
        latency=F_LATENCY,
        rotate_refresh_tokens=False,
    ) as emulator:
        config = emulator_accounts_config(emulator, accounts)  # no pacing options: the defaults
        catalog = discovered_catalog(config, workdir)
        measured = connector_read(emulator, workdir, config, catalog, "business_videos", business_video)
        every_video = [
            business_video({"business_id": account.open_id, "item_id": video["id"]})
            for account in emulator.business_accounts
            for video in account.videos
        ]
        open_ids = [account.open_id for account in emulator.business_accounts]
    assert measured.errors == 0, f"{measured.errors} error traces"
    assert_exactly_once(measured, every_video)
    pages = video_list_pages(F_VIDEOS)
    print(
        f"    {accounts:>2} x {F_VIDEOS} videos  {measured.seconds:6.1f} s  ({per_row(measured)}; "
        f"{measured.requests} requests; each page once: {pages} video/list and 2 or 3 "
        f"business/get per account)"
    )
    for index, open_id in enumerate(open_ids):
        calls = measured.business_calls_by_account.get(open_id, {})
        made = ", ".join(f"{calls.get(path, 0)} {name}" for path, name in F_ENDPOINTS.items())
        others = sorted(set(calls) - set(F_ENDPOINTS))
        made += "".join(f", {calls[path]} {path}" for path in others)
        print(f"      account {index}: {made}")
    asked = [measured.business_calls_by_account.get(o, {}).get(BUSINESS_VIDEO_LIST_PATH, 0) for o in open_ids]
    print(
        f"      video/list per account {min(asked)} to {max(asked)}: "
        f"{min(asked) / pages:.2f} to {max(asked) / pages:.2f} x the {pages} pages"
    )
    return measured


def figure_f(workdir: Path) -> bool:
    print(
        f"(f) one business sync of every stream, {F_ACCOUNTS} accounts versus 1, {F_VIDEOS} videos each, "
        f"default pacing, TikTok's limits enforced ({F_ACCOUNT_LIMIT}/min per account per endpoint, "
        f"{F_APP_LIMIT}/min per app), {F_LATENCY * 1000:.0f} ms per request"
    )
    one = accounts_sync(workdir, 1)
    several = accounts_sync(workdir, F_ACCOUNTS)
    ratio = several.seconds / one.seconds
    ok = ratio <= F_TARGET
    print(
        f"    every video of every account exactly once, tagged with its business_id; "
        f"ratio {ratio:.2f} (target <= {F_TARGET}, goal {F_GOAL}: {verdict(ok)})\n"
    )
    return ok


# (g): one account's business videos and their breakdowns, paced at G_PACE requests a minute by both
# the connector and the emulator.
G_VIDEOS = 4_000
G_PACE = 600
G_STREAMS = ("business_videos", "business_video_breakdowns")
G_TARGET = 3.0
G_GOAL = 2.0


def business_video_rows() -> tuple[list[str], dict[str, str], dict[str, str]]:
    """The fields the connector asks of business/video/list, the arrays business_video_breakdowns
    makes rows of and their alternative keys: the manifest's own, so that the floor asks for the
    same pages and writes the rows the connector writes."""
    definitions = yaml.safe_load(MANIFEST_PATH.read_text())["definitions"]
    extractor = definitions["business_video_breakdowns_stream"]["retriever"]["record_selector"]["extractor"]
    fields = list(definitions["business_video_fields"])
    return fields, dict(extractor["arrays"]), dict(extractor.get("alternative_keys", {}))


def figure_g(workdir: Path) -> bool:
    print(
        f"(g) CPU per row: {' and '.join(G_STREAMS)} of one account of {G_VIDEOS:,} videos, "
        f"{G_PACE} requests/minute, versus a bare loop writing the same rows"
    )
    fields, arrays, alternative_keys = business_video_rows()
    with TikTokEmulator(
        video_count=G_VIDEOS, rate_limit_per_minute=G_PACE, rotate_refresh_tokens=False
    ) as emulator:
        account = emulator.business_accounts[0]
        floor = run_measured(
            [
                sys.executable,
                "-c",
                BARE_BUSINESS_LOOP,
                emulator.base_url,
                BUSINESS_VIDEO_LIST_PATH,
                emulator.issue_business_access_token(),
                account.open_id,
                json.dumps(fields),
                json.dumps(arrays),
                json.dumps(alternative_keys),
            ],
            emulator,
            "business_videos",
            business_video,
        )
        config = emulator.business_connector_config(
            business_requests_per_minute=G_PACE, business_app_requests_per_minute=G_PACE
        )
        catalog = workdir / "catalog-g.json"
        catalog.write_text(json.dumps(catalog_json(configure(discover(config), only=G_STREAMS))))
        ours = connector_read(emulator, workdir, config, catalog, "business_videos", business_video)
        every_video = [
            business_video({"business_id": account.open_id, "item_id": v["id"]}) for v in account.videos
        ]
    assert ours.errors == 0, f"{ours.errors} error traces"
    assert_exactly_once(ours, every_video)
    assert_exactly_once(floor, every_video)
    assert ours.records == floor.records, (
        f"the connector wrote {ours.records} rows, the floor {floor.records}"
    )
    for name, measured in (("bare loop", floor), ("connector", ours)):
        wall = f"{measured.seconds:.1f} s wall, {measured.requests} requests"
        print(f"    {name:<10} {per_row(measured)} ({wall})")
    ratio = ours.cpu_seconds / floor.cpu_seconds
    above = (ours.cpu_seconds - floor.cpu_seconds) / ours.records * 1e6
    ok = ratio <= G_TARGET
    print(
        f"    ratio {ratio:.2f}, {above:.0f} µs per row above the floor "
        f"(target <= {G_TARGET}, goal {G_GOAL}: {verdict(ok)})\n"
    )
    return ok


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def figure_letters(text: str) -> str:
    unknown = set(text) - set(FIGURES)
    if not text or unknown:
        raise argparse.ArgumentTypeError(f"figures are letters of {FIGURES!r}")
    return text


FIGURES = "abcdefg"


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
    parser.add_argument(
        "--only",
        type=figure_letters,
        help="run these figures alone, in one run (a letter or several: --only afg)",
    )
    parser.add_argument(
        "--videos",
        type=int,
        action="append",
        help="(e)'s account sizes (repeatable; default 1,000 and 10,000)",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tiktok-benchmark-"))

    def runs(figure: str) -> bool:
        return args.only is None or figure in args.only

    if runs("a"):
        print("(a) full read of 10,000 videos, zero latency")
        floor, ours = race(workdir, video_count=10_000)
        ratio_a = ours.seconds / floor.seconds
        print(f"    ratio {ratio_a:.2f} (target <= 2.5, goal 1.5: {verdict(ratio_a <= 2.5)})\n")

    if runs("b"):
        print("(b) full read of 1,000 videos, 300 ms per request, 600 requests/minute enforced")
        floor, ours = race(workdir, video_count=1_000, latency=0.3, rate_limit_per_minute=600)
        ratio_b = ours.seconds / floor.seconds
        print(
            f"    ratio {ratio_b:.2f} "
            f"(target <= 0.4 with zero 429s: {verdict(ratio_b <= 0.4 and ours.http_429 == 0)})\n"
        )

    if runs("d"):
        print("(d) full read of 400 videos, 30 ms per request, TikTok misbehaving (429, 500, drops, token)")
        clean, faulty = under_faults(workdir)
        ratio_d = faulty.seconds / clean.seconds
        print(f"    every video exactly once; ratio {ratio_d:.2f} (target <= 3: {verdict(ratio_d <= 3)})\n")

    if runs("e"):
        figure_e(workdir, args.videos or [1_000, 10_000])

    if runs("f"):
        figure_f(workdir)

    if runs("g"):
        figure_g(workdir)

    if runs("c") and not (args.skip_memory and "c" not in (args.only or "")):
        print("(c) peak RSS of the connector, 1,000 versus 50,000 videos")
        peaks = {}
        for count in (1_000, 50_000):
            with TikTokEmulator(video_count=count, rotate_refresh_tokens=False) as emulator:
                measured = connector_read(emulator, workdir)
            assert measured.videos == count, (measured.videos, count)
            peaks[count] = measured
            print(
                f"    {count:>6} videos: peak RSS {measured.peak_rss_mib:7.1f} MiB "
                f"in {measured.seconds:6.1f} s"
            )
        growth = peaks[50_000].peak_rss_mib / peaks[1_000].peak_rss_mib - 1
        print(f"    growth {growth * 100:+.1f} % (target within 20 %: {verdict(abs(growth) <= 0.20)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
