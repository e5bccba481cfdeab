"""Run check, discover and a full read the way Airbyte does, and show what came out.

With secrets/config.json the connector talks to the real TikTok API and the rotated refresh token
is written back to that file (TikTok retires the old one). Without it, a loopback TikTok emulator
is started so the whole job runs with no credentials at all.

Run it from the repository root: ``python -m tools.sync`` (``bash scripts/sync.sh`` prepares .venv
first).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from airbyte_cdk.models import Status, Type

from source_tiktok_organic.source import required_scopes
from testkit.catalogs import catalog_json, configure
from testkit.connector_output import ConnectorOutput
from testkit.console_script import run_console_script

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRETS_CONFIG = REPO_ROOT / "secrets" / "config.json"
PREVIEW_COLUMNS = {
    "user_info": ["username", "display_name", "follower_count", "likes_count", "video_count"],
    "videos": ["id", "created_at", "title", "view_count", "like_count", "comment_count"],
}


def run_connector(command: str, args: list[str], output: Path) -> ConnectorOutput:
    """Run one connector command as a subprocess; keep its raw messages in output/<command>.jsonl."""
    result = run_console_script([command, *args], timeout=None)
    (output / f"{command}.jsonl").write_text(result.stdout, encoding="utf-8")
    if result.returncode != 0 and not result.of_type(Type.TRACE):
        sys.stderr.write(result.stderr)
    return result


def write_config(config: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(config, indent=2))
    os.chmod(path, 0o600)


def carry_rotated_config(
    result: ConnectorOutput, config: dict[str, Any], config_path: Path, persist: Path | None
) -> dict[str, Any]:
    """Adopt the newest CONNECTOR_CONFIG, as the Airbyte platform does, so the next command works."""
    config = result.latest_config or config
    write_config(config, config_path)
    if persist is not None:
        write_config(config, persist)
    return config


def errors_of(result: ConnectorOutput) -> list[str]:
    return [
        f"{error.failure_type.value if error.failure_type else None}: {error.message}"
        for error in result.errors
    ]


def cell(value: Any, width: int = 28) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = [max(len(c), *(len(cell(r.get(c))) for r in rows)) for c in columns]
    print("    " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("    " + "  ".join(cell(row.get(c)).ljust(w) for c, w in zip(columns, widths, strict=True)))


def sync(config: dict[str, Any], output: Path, persist: Path | None, source_label: str) -> int:
    output.mkdir(parents=True, exist_ok=True)
    config_path = output / "config.json"
    write_config(config, config_path)
    print(f"Source: {source_label}\n")

    started = time.perf_counter()
    check = run_connector("check", ["--config", str(config_path)], output)
    config = carry_rotated_config(check, config, config_path, persist)
    statuses = [m.connectionStatus for m in check.of_type(Type.CONNECTION_STATUS) if m.connectionStatus]
    if not statuses or statuses[-1].status != Status.SUCCEEDED:
        reason = statuses[-1].message if statuses else "; ".join(errors_of(check))
        print(f"check      FAILED: {reason}")
        return 1
    # What the check proved: the Display API's four scopes, or the API for Business's eight
    # (nine with include_comments).
    scopes = required_scopes(config)
    print(f"check      succeeded: credentials and all {len(scopes)} scopes work ({', '.join(scopes)})")

    discover = run_connector("discover", ["--config", str(config_path)], output)
    catalogs = [m.catalog for m in discover.of_type(Type.CATALOG) if m.catalog]
    if not catalogs:
        print(f"discover   FAILED: {'; '.join(errors_of(discover))}")
        return 1
    streams = catalogs[-1].streams
    print(
        "discover   "
        + ", ".join(f"{s.name} ({'/'.join(mode.value for mode in s.supported_sync_modes)})" for s in streams)
    )

    catalog_path = output / "configured_catalog.json"
    catalog_path.write_text(json.dumps(catalog_json(configure(catalogs[-1])), indent=2))
    read = run_connector("read", ["--config", str(config_path), "--catalog", str(catalog_path)], output)
    carry_rotated_config(read, config, config_path, persist)
    elapsed = time.perf_counter() - started

    records = {s.name: read.records(s.name) for s in streams}
    failures = errors_of(read)
    refreshes = len(check.emitted_configs) + len(read.emitted_configs)
    print(
        f"read       {sum(map(len, records.values()))} records in {elapsed:.1f} s "
        f"({refreshes} token refresh{'es' if refreshes != 1 else ''}, refresh token rotated and kept)\n"
    )
    for name, rows in records.items():
        print(f"  {name}: {len(rows)} record{'s' if len(rows) != 1 else ''}")
        if rows:
            # Windows are read concurrently, so records arrive in no particular order.
            newest_first = sorted(rows, key=lambda row: row.get("create_time") or 0, reverse=True)
            print_table(newest_first[:3], PREVIEW_COLUMNS.get(name, list(rows[0])[:6]))
        print()
    if failures:
        print("Errors:")
        for failure in failures:
            print(f"  {failure}")
    print(f"Raw Airbyte messages: {output}/check.jsonl, discover.jsonl, read.jsonl")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.sync", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--config", type=Path, default=SECRETS_CONFIG, help="connector config (default: secrets/config.json)"
    )
    parser.add_argument(
        "--videos", type=int, default=120, help="videos the emulator generates when no config exists"
    )
    parser.add_argument(
        "--output", type=Path, default=REPO_ROOT / ".sync-output", help="where raw messages are written"
    )
    parser.add_argument(
        "--business",
        action="store_true",
        help="against the emulator, read with API for Business credentials (the Accounts API streams)",
    )
    args = parser.parse_args()

    if args.config.exists():
        config = json.loads(args.config.read_text())
        return sync(
            config, args.output, persist=args.config, source_label=f"the TikTok API, with {args.config}"
        )

    from tiktok_emulator import TikTokEmulator

    with TikTokEmulator(video_count=args.videos) as emulator:
        api = "API for Business" if args.business else "Display API"
        label = (
            f"the loopback TikTok emulator's {api} at {emulator.base_url} ({args.videos} videos; "
            f"no {SECRETS_CONFIG.relative_to(REPO_ROOT)}, so no credentials are needed)"
        )
        config = emulator.business_connector_config() if args.business else emulator.connector_config()
        return sync(config, args.output, persist=None, source_label=label)


if __name__ == "__main__":
    sys.exit(main())
