"""Run check, discover and a full read the way Airbyte does, and show what came out.

With secrets/config.json the connector talks to the real TikTok API and the rotated refresh token
is written back to that file (TikTok retires the old one). Without it, a loopback TikTok emulator
is started so the whole job runs with no credentials at all.

--accounts N syncs N of the emulator's business accounts in one connection (always the emulator,
never secrets/config.json): the first account in the credentials, the others in
credentials.accounts, each labelled, and ends with each account's records per stream.

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

from source_tiktok_organic.credential_fields import ACCOUNT_LABEL_FIELD, OTHER_ACCOUNTS_FIELD
from source_tiktok_organic.source import NOT_SENT_WORDS, required_scopes
from testkit.catalogs import catalog_json, configure
from testkit.configs import emulator_accounts_config
from testkit.connector_output import ConnectorOutput
from testkit.console_script import run_console_script

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRETS_CONFIG = REPO_ROOT / "secrets" / "config.json"
PREVIEW_COLUMNS = {
    "user_info": ["username", "display_name", "follower_count", "likes_count", "video_count"],
    "videos": ["id", "created_at", "title", "view_count", "like_count", "comment_count"],
}
# The labels --accounts gives the emulator's accounts, in order (then "Account 7", "Account 8", ...).
ACCOUNT_LABELS = ("Brand A", "Brand B", "Brand C", "Brand D", "Brand E", "Brand F")


def account_labels(count: int) -> list[str]:
    """The labels of ``count`` accounts: ACCOUNT_LABELS, then "Account <n>"."""
    return [ACCOUNT_LABELS[i] if i < len(ACCOUNT_LABELS) else f"Account {i + 1}" for i in range(count)]


def configured_accounts(config: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    """(label, open_id) of each account of business credentials, the first account first."""
    credentials = config.get("credentials") or {}
    entries = [credentials, *(credentials.get(OTHER_ACCOUNTS_FIELD) or [])]
    return [(entry.get(ACCOUNT_LABEL_FIELD), entry.get("open_id")) for entry in entries]


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


def print_records_per_account(records: dict[str, list[dict[str, Any]]], config: dict[str, Any]) -> None:
    """Each stream's records per account (by the records' business_id), with a total per account."""
    accounts = configured_accounts(config)
    names = [label or open_id or f"account {n + 1}" for n, (label, open_id) in enumerate(accounts)]
    open_ids = [open_id for _, open_id in accounts]

    def count(rows: list[dict[str, Any]], open_id: str | None) -> int:
        return sum(1 for row in rows if row.get("business_id") == open_id)

    table = [
        [stream, *(str(count(rows, open_id)) for open_id in open_ids)] for stream, rows in records.items()
    ]
    every = [row for rows in records.values() for row in rows]
    table.append(["total", *(str(count(every, open_id)) for open_id in open_ids)])
    header = ["stream", *names]
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(len(header))]
    print("Records per account:")
    for line in [header, *table]:
        print("    " + "  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)))
    for name, open_id in zip(names, open_ids, strict=True):
        print(f"    {name}: open_id {open_id}")
    unattributed = len(every) - sum(count(every, open_id) for open_id in open_ids)
    if unattributed:
        print(f"    {unattributed} records name no account of the config")
    print()


def sync(
    config: dict[str, Any], output: Path, persist: Path | None, source_label: str, per_account: bool = False
) -> int:
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
    said = statuses[-1].message or ""
    if NOT_SENT_WORDS in said and not per_account:
        # No live access token yet: the check spends no refresh token, the read proves the tokens.
        print(f"check      passed without asking TikTok: {said.split('. ')[0]}")
    else:
        print(f"check      succeeded: credentials and all {len(scopes)} scopes work ({', '.join(scopes)})")
    if per_account:
        print(f"           {said}")

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
    if per_account:
        # The newest config: the connector learnt every account's open_id on its way.
        print_records_per_account(records, read.latest_config or config)
    if failures:
        print("Errors:")
        for failure in failures:
            print(f"  {failure}")
    print(f"Raw Airbyte messages: {output}/check.jsonl, discover.jsonl, read.jsonl")
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    """The command's arguments (the docs test checks the README's options against them)."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.sync", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--config", type=Path, default=None, help="connector config (default: secrets/config.json)"
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
    parser.add_argument(
        "--accounts",
        type=int,
        metavar="N",
        help="sync N (2 or more) of the emulator's business accounts in one connection, labelled "
        f"{', '.join(account_labels(3))}, ..., and print each account's records (implies --business; "
        "always the emulator, never a config file)",
    )
    return parser


def main() -> int:
    parser = build_parser()
    args = parser.parse_args()
    if args.accounts is not None:
        if args.accounts < 2:
            parser.error("--accounts needs 2 or more accounts (a single account is plain --business)")
        if args.config is not None:
            parser.error("--accounts syncs the emulator's accounts; it takes no --config")
        return sync_emulator_accounts(args.accounts, args.videos, args.output)
    if args.config is None:
        args.config = SECRETS_CONFIG

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
        # The business demo shows who talks about the account too (the Mentions API, opt-in).
        config = (
            emulator.business_connector_config(include_mentions=True)
            if args.business
            else emulator.connector_config()
        )
        return sync(config, args.output, persist=None, source_label=label)


def sync_emulator_accounts(count: int, videos: int, output: Path) -> int:
    """A connection reading ``count`` of the emulator's business accounts, as an agency's would."""
    from tiktok_emulator import TikTokEmulator

    with TikTokEmulator(video_count=videos, business_accounts=count) as emulator:
        config = emulator_accounts_config(emulator, count, account_labels(count))
        label = (
            f"the loopback TikTok emulator's API for Business at {emulator.base_url}: {count} accounts "
            f"in one connection ({videos} videos each; credentials.label and credentials.accounts)"
        )
        return sync(config, output, persist=None, source_label=label, per_account=True)


if __name__ == "__main__":
    sys.exit(main())
