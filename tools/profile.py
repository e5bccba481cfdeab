"""Where a sync's CPU goes, over every thread: a benchmark figure's read under py-spy.

The CDK builds records in worker threads and prints them from the main thread, so a profile of the
main thread alone misses most of the work. This records the whole process with ``py-spy record
--gil``: each sample is the stack of whichever thread holds the interpreter, so every thread's
Python work is counted and threads asleep (waiting on the rate limiter, on a socket, on the record
queue) are not. It prints the functions holding the most samples, counting each function once per
stack (inclusive) and as the innermost frame (self), and leaves py-spy's raw output where it says.

    python -m tools.profile g                   # (g)'s sync: business videos and their breakdowns
    python -m tools.profile a --videos 10000    # (a)'s sync: the Display API's videos
    python -m tools.profile g --match components  # only the functions whose line matches

Needs py-spy (in the dev extra). Runs from the repository root, like ``python -m tools.benchmark``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from testkit.catalogs import CONFIGURED_CATALOG_PATH, catalog_json, configure
from testkit.console_script import console_script
from tiktok_emulator import TikTokEmulator
from tools.benchmark import G_PACE, G_STREAMS, discover

SAMPLES_PER_SECOND = 200
# py-spy names a frame "function (file:line)"; the line is dropped so that a function is one row.
FRAME_LINE = re.compile(r":\d+\)$")


@dataclass
class Profile:
    """Sample counts per function: inclusive (anywhere in the stack) and self (innermost)."""

    samples: int
    inclusive: Counter[str]
    innermost: Counter[str]

    def report(self, top: int, match: str | None = None) -> str:
        lines = [f"{self.samples} samples holding the GIL, over every thread"]
        for title, counts in (("inclusive", self.inclusive), ("self", self.innermost)):
            lines.append(f"--- {title}")
            shown = [(name, n) for name, n in counts.most_common() if not match or re.search(match, name)]
            lines += [f"{100 * n / max(1, self.samples):5.1f} %  {name}" for name, n in shown[:top]]
        return "\n".join(lines)


def summarize(raw_lines: Iterable[str]) -> Profile:
    """py-spy's raw (collapsed) output, ``frame;frame;... count`` per line, outermost first."""
    inclusive: Counter[str] = Counter()
    innermost: Counter[str] = Counter()
    samples = 0
    for line in raw_lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [FRAME_LINE.sub(")", frame) for frame in stack.split(";")]
        samples += int(count)
        for name in set(frames):
            inclusive[name] += int(count)
        innermost[frames[-1]] += int(count)
    return Profile(samples, inclusive, innermost)


def read_command(figure: str, workdir: Path, emulator: TikTokEmulator) -> list[str]:
    """The connector's read of ``figure``'s sync against ``emulator``, as a command line."""
    if figure == "g":
        config = emulator.business_connector_config(
            business_requests_per_minute=G_PACE, business_app_requests_per_minute=G_PACE
        )
        catalog = workdir / "catalog.json"
        catalog.write_text(json.dumps(catalog_json(configure(discover(config), only=G_STREAMS))))
    else:
        config, catalog = emulator.connector_config(), CONFIGURED_CATALOG_PATH
    config_path = workdir / "config.json"
    config_path.write_text(json.dumps(config))
    return [str(console_script()), "read", "--config", str(config_path), "--catalog", str(catalog)]


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.profile",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("figure", choices=["a", "g"], help="whose sync to profile (see tools/benchmark.py)")
    parser.add_argument("--videos", type=int, default=1_000, help="videos in the account (default 1,000)")
    parser.add_argument("--top", type=int, default=30, help="functions to print per list (default 30)")
    parser.add_argument("--match", help="print only the functions matching this regular expression")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("py-spy is not installed: pip install -e '.[dev]' (or pip install py-spy)")
    workdir = Path(tempfile.mkdtemp(prefix="tiktok-profile-"))
    raw = workdir / f"profile-{args.figure}.txt"
    record = [py_spy, "record", "--gil", "--rate", str(SAMPLES_PER_SECOND), "--format", "raw", "-o", str(raw)]
    emulator = TikTokEmulator(
        video_count=args.videos, rate_limit_per_minute=G_PACE, rotate_refresh_tokens=False
    )
    with emulator as tiktok:
        command = read_command(args.figure, workdir, tiktok)
        with (workdir / "records.jsonl").open("w") as records:
            subprocess.run([*record, "--", *command], stdout=records, stderr=subprocess.DEVNULL, check=True)
    with raw.open() as lines:
        print(summarize(lines).report(args.top, args.match))
    print(f"(py-spy's raw output: {raw})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
