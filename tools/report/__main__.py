"""``bash scripts/sync.sh --report``: sync into DuckDB with PyAirbyte, build dbt_tiktok_organic, write
one HTML report that opens offline, and print its path.

With secrets/config.json it syncs your TikTok account once into .report-output/warehouse.duckdb,
which keeps every earlier sync: run it daily and the daily charts fill in. Without it, it plays
``--days`` days on the loopback emulator (a sync a day, the account growing in between) into a new
warehouse, so every chart has data at once.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from tools.report import REPO_ROOT
from tools.report.dbt_build import dbt_build, report_python
from tools.report.warehouse import play_days, sync_real_account

SECRETS_CONFIG = REPO_ROOT / "secrets" / "config.json"
WAREHOUSE = "warehouse.duckdb"


def run_report_module(module: str, *args: str) -> str:
    """``python -m tools.report.<module>`` under .venv-report; returns its output."""
    done = subprocess.run(
        [str(report_python()), "-m", f"tools.report.{module}", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"tools.report.{module} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def build_report(db_path: Path, workdir: Path, report: Path, label: str) -> Path:
    """dbt build over the warehouse, then the HTML page; returns the page's path."""
    print("dbt build ...", flush=True)
    dbt_build(db_path, workdir)
    run_report_module("render", "--db-path", str(db_path), "--output", str(report), "--label", label)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="bash scripts/sync.sh --report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, default=SECRETS_CONFIG, help="default: secrets/config.json")
    parser.add_argument("--business", action="store_true", help="emulator: the API for Business")
    parser.add_argument("--days", type=int, default=8, help="emulator: days synced, one sync a day")
    parser.add_argument("--videos", type=int, default=24, help="emulator: the account's videos")
    parser.add_argument(
        "--accounts",
        type=int,
        default=1,
        help="emulator: N business accounts in one connection (implies --business), charted each apart",
    )
    parser.add_argument("--output", type=Path, default=REPO_ROOT / ".report-output")
    parser.add_argument("--screenshot", type=Path, help="also save a picture of the page (PNG)")
    args = parser.parse_args()
    if args.days < 1:
        parser.error("--days must be at least 1")
    if args.accounts < 1:
        parser.error("--accounts must be at least 1")
    args.business = args.business or args.accounts > 1

    if args.config.exists():
        workdir = args.output
        db_path = workdir / WAREHOUSE
        print(f"Syncing the account of {args.config} into {db_path} with PyAirbyte ...", flush=True)
        result = sync_real_account(args.config, db_path, workdir)
        print(f"  {result['records']} records")
        label = f"your TikTok account ({args.config.name})"
        report = workdir / "report.html"
    else:
        from tiktok_emulator import TikTokEmulator

        mode = "business" if args.business else "display"
        workdir = args.output / f"emulator-{mode}"
        shutil.rmtree(workdir, ignore_errors=True)  # the played days start afresh
        db_path = workdir / WAREHOUSE
        api = "API for Business" if args.business else "Display API"
        videos = (
            f"{args.accounts} accounts of {args.videos} videos"
            if args.accounts > 1
            else f"{args.videos} videos"
        )
        label = f"the loopback TikTok emulator's {api}, {videos}, {args.days} daily syncs"
        print(f"Syncing {label} into {db_path} with PyAirbyte ...", flush=True)
        with TikTokEmulator(video_count=args.videos, business_accounts=args.accounts) as emulator:
            play_days(
                emulator,
                business=args.business,
                days=args.days,
                db_path=db_path,
                workdir=workdir,
                accounts=args.accounts,
                progress=lambda line: print(line, flush=True),
            )
        report = args.output / f"report-{mode}.html"

    build_report(db_path, workdir, report, label)
    if args.screenshot:
        seen = json.loads(
            run_report_module("browser_check", str(report), "--screenshot", str(args.screenshot))
        )
        print(f"Screenshot: {args.screenshot} ({len(seen['charts'])} charts)")
    print(f"Report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
