"""tiktok-organic-auth --business with several accounts in one config (--add-account, --label,
--revoke --account), against the loopback emulator's API for Business."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from integration_tests.auth_cli_helpers import (
    BUSINESS_REDIRECT,
    FakeTerminal,
    Start,
    business_args,
    business_consent,
    common_args,
    mint_business_paste,
    paste_browser,
    query_of,
    run_cli,
)
from integration_tests.emulator_helpers import business_code, business_refresh
from source_tiktok_organic.auth import accounts, business, common
from source_tiktok_organic.business_protocol import (
    BUSINESS_API_BASE_URL,
    BUSINESS_REQUIRED_SCOPES,
    BUSINESS_REVOKE_PATH,
    CODE_OK,
)
from testkit.secrets import assert_no_secrets
from tiktok_emulator import FaultRule, TikTokEmulator
from tiktok_emulator.business.envelope import CODE_INVALID_GRANT

# ------------------------------------------------------------------------------------------
# several business accounts in one config (--add-account, --label, --revoke --account)
# ------------------------------------------------------------------------------------------


def consent_as(
    emu: TikTokEmulator, output: Path, account: int, *extra: str, expect: int = 0
) -> tuple[FakeTerminal, dict[str, Any]]:
    """``tiktok-organic-auth --business *extra`` consented by business account ``account``: its
    terminal, and the config file afterwards. No run may print a secret: neither the app secret,
    nor the auth code, nor any token the file held before or holds after."""
    before = json.loads(output.read_text()) if output.exists() else {}
    code, term = mint_business_paste(emu, output, *extra, account=account)
    assert code == expect, term.output
    after = json.loads(output.read_text()) if output.exists() else {}
    auth_code = query_of(term.pasted[0]).get("auth_code") if term.pasted else None
    assert_no_secrets(term.output, [emu.app_secret, auth_code, *every_secret(before), *every_secret(after)])
    return term, after


def every_secret(config: dict[str, Any]) -> list[str]:
    """The secrets of the config's credentials and of each of its further accounts."""
    credentials = config.get("credentials") or {}
    fields = [credentials, *(credentials.get("accounts") or [])]
    return [
        str(f[key]) for f in fields for key in ("app_secret", "refresh_token", "access_token") if f.get(key)
    ]


def three_accounts(emu: TikTokEmulator, output: Path) -> dict[str, Any]:
    """A config with business accounts 0, 1 and 2 labelled "Main brand", "Brand B" and "Brand C"."""
    consent_as(emu, output, 0, "--label", "Main brand")
    consent_as(emu, output, 1, "--add-account", "--label", "Brand B")
    return consent_as(emu, output, 2, "--add-account", "--label", "Brand C")[1]


def revoke_term_run(emu: TikTokEmulator, output: Path, *extra: str) -> tuple[int, FakeTerminal]:
    term = FakeTerminal(emu, browser=lambda url: pytest.fail("revoking opens no consent page"))
    return run_cli(["--revoke", "--business", "--output", str(output), *extra], term), term


def refresh_code(emu: TikTokEmulator, http_session: requests.Session, refresh_token: str) -> int:
    return business_code(business_refresh(emu, http_session, refresh_token=refresh_token))


def test_add_account_writes_each_account_with_its_own_label_open_id_and_tokens(
    emulator: Start, tmp_path: Path, http_session: requests.Session
) -> None:
    emu = emulator(video_count=1, business_accounts=3)
    output = tmp_path / "config.json"
    output.write_text(json.dumps({"start_date": "2024-01-01T00:00:00Z"}))
    term, config = consent_as(emu, output, 0, "--label", "Main brand")
    first = emu.business_accounts[0]
    assert config["credentials"]["label"] == "Main brand" and "accounts" not in config["credentials"]
    assert f'for TikTok account "Main brand" (open_id {first.open_id}).' in term.stdout.getvalue()
    assert "the config holds 1 account:" in term.stdout.getvalue()

    term, _ = consent_as(emu, output, 1, "--add-account", "--label", "Brand B")
    assert "added as credentials.accounts[0]; the config holds 2 accounts" in term.stdout.getvalue()
    term, config = consent_as(emu, output, 2, "--add-account", "--label", "Brand C")
    stdout = term.stdout.getvalue()
    second, third = emu.business_accounts[1], emu.business_accounts[2]
    assert f'for TikTok account "Brand C" (open_id {third.open_id}).' in stdout
    assert "added as credentials.accounts[1]; the config holds 3 accounts" in stdout
    assert f'"Main brand" (open_id {first.open_id}); "Brand B" (open_id {second.open_id})' in stdout

    credentials = config["credentials"]
    assert config["start_date"] == "2024-01-01T00:00:00Z"
    assert config["business_api_base_url"] == emu.base_url
    assert (credentials["app_id"], credentials["app_secret"]) == (emu.app_id, emu.app_secret)
    assert (credentials["label"], credentials["open_id"]) == ("Main brand", first.open_id)
    assert credentials["refresh_token"] == first.current_refresh_token
    entries = credentials["accounts"]
    assert [(e["label"], e["open_id"]) for e in entries] == [
        ("Brand B", second.open_id),
        ("Brand C", third.open_id),
    ]
    assert [e["refresh_token"] for e in entries] == [
        second.current_refresh_token,
        third.current_refresh_token,
    ]
    assert len({first.open_id, second.open_id, third.open_id}) == 3
    assert len({credentials["refresh_token"], *(e["refresh_token"] for e in entries)}) == 3
    for entry in entries:  # each written as the first account is
        assert set(entry) == {
            "label",
            "open_id",
            "refresh_token",
            "access_token",
            "token_expiry_date",
            "granted_scopes",
        }
        assert set(entry["granted_scopes"].split(",")) == set(BUSINESS_REQUIRED_SCOPES)
        assert datetime.fromisoformat(entry["token_expiry_date"]) > datetime.now(timezone.utc)
    # Every account's refresh token works at the emulator (checked last: refreshing may rotate them).
    for token in (credentials["refresh_token"], *(e["refresh_token"] for e in entries)):
        assert refresh_code(emu, http_session, token) == CODE_OK


def test_a_reconsent_replaces_the_accounts_tokens_in_place(emulator: Start, tmp_path: Path) -> None:
    emu = emulator(video_count=1, business_accounts=4)
    output = tmp_path / "config.json"
    before = three_accounts(emu, output)

    # --add-account for an account already in the file: no duplicate, its label kept.
    term, config = consent_as(emu, output, 1, "--add-account")
    assert "already in the config: its tokens were replaced in place" in term.stdout.getvalue()
    entries = config["credentials"]["accounts"]
    assert [e["open_id"] for e in entries] == [a["open_id"] for a in before["credentials"]["accounts"]]
    assert entries[0]["label"] == "Brand B"
    assert entries[0]["refresh_token"] == emu.business_accounts[1].current_refresh_token
    assert entries[0]["refresh_token"] != before["credentials"]["accounts"][0]["refresh_token"]
    assert entries[1] == before["credentials"]["accounts"][1]
    assert config["credentials"]["refresh_token"] == before["credentials"]["refresh_token"]

    # --add-account for the first account: it stays first, relabelled.
    _, config = consent_as(emu, output, 0, "--add-account", "--label", "Main brand (EU)")
    credentials = config["credentials"]
    assert (credentials["label"], credentials["open_id"]) == (
        "Main brand (EU)",
        emu.business_accounts[0].open_id,
    )
    assert credentials["refresh_token"] == emu.business_accounts[0].current_refresh_token
    assert credentials["refresh_token"] != before["credentials"]["refresh_token"]
    assert len(credentials["accounts"]) == 2

    # Plain --business signed in as the third account (the yearly re-consent): updated in place.
    previous = config
    term, config = consent_as(emu, output, 2)
    assert f'"Brand C" (open_id {emu.business_accounts[2].open_id})' in term.stdout.getvalue()
    assert "replaced in place; the config holds 3 accounts" in term.stdout.getvalue()
    entries = config["credentials"]["accounts"]
    assert [e["label"] for e in entries] == ["Brand B", "Brand C"]
    assert entries[1]["refresh_token"] == emu.business_accounts[2].current_refresh_token
    assert entries[1]["refresh_token"] != previous["credentials"]["accounts"][1]["refresh_token"]
    assert entries[0] == previous["credentials"]["accounts"][0]
    first_fields = {k: v for k, v in config["credentials"].items() if k != "accounts"}
    assert first_fields == {k: v for k, v in previous["credentials"].items() if k != "accounts"}

    # Plain --business by an account not in the file replaces the first one, as ever; the others
    # stay, and the old first account's label does not stick to the new one.
    term, config = consent_as(emu, output, 3)
    credentials = config["credentials"]
    assert credentials["open_id"] == emu.business_accounts[3].open_id and "label" not in credentials
    assert credentials["refresh_token"] == emu.business_accounts[3].current_refresh_token
    assert credentials["accounts"] == entries
    old_first = emu.business_accounts[0].open_id
    replaced = f'the config\'s first account, in place of "Main brand (EU)" (open_id {old_first})'
    assert replaced in term.stdout.getvalue()


def test_a_label_names_one_account_only(emulator: Start, tmp_path: Path) -> None:
    emu = emulator(video_count=1, business_accounts=4)
    output = tmp_path / "config.json"
    three_accounts(emu, output)
    written = output.read_bytes()
    term, _ = consent_as(emu, output, 3, "--add-account", "--label", "Brand B", expect=1)
    assert f'The label "Brand B" already names "Brand B" (open_id {emu.business_accounts[1].open_id})' in (
        term.stderr.getvalue()
    )
    assert output.read_bytes() == written


def test_add_account_needs_a_business_config(emulator: Start, tmp_path: Path) -> None:
    emu = emulator(video_count=1, business_accounts=2)
    output = tmp_path / "config.json"
    display = {"credentials": {"auth_type": "oauth2.0", "client_id": "k", "refresh_token": "rt-display"}}
    for existing in (None, display):
        if existing is not None:
            output.write_text(json.dumps(existing))
        term = FakeTerminal(emu, browser=lambda url: pytest.fail("no consent without a business config"))
        assert run_cli([*business_args(emu, output, BUSINESS_REDIRECT), "--add-account"], term) == 1
        assert "--add-account adds an account to a config that holds API for Business credentials" in (
            term.stderr.getvalue()
        )
        if existing is None:
            assert not output.exists()
        else:
            assert json.loads(output.read_text()) == existing

    # The account options where they mean nothing are refused, not ignored.
    refusals = {
        ("--revoke", "--business", "--label", "X"): "--revoke takes --account instead",
        ("--revoke", "--business", "--add-account"): "--revoke takes --account instead",
        ("--business", "--account", "X"): "--account names the account to revoke",
        ("--business", "--label", " "): "--label is empty",
    }
    for options, message in refusals.items():
        term = FakeTerminal(emu, browser=lambda url: pytest.fail("refused before any consent"))
        assert run_cli([*options, "--output", str(output)], term) == 1, options
        assert message in term.stderr.getvalue(), (options, term.output)


def test_revoke_account_removes_that_account_and_ends_only_its_authorisation(
    emulator: Start, tmp_path: Path, http_session: requests.Session
) -> None:
    emu = emulator(video_count=1, business_accounts=3, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    before = three_accounts(emu, output)
    main_token = before["credentials"]["refresh_token"]
    b_token, c_token = (e["refresh_token"] for e in before["credentials"]["accounts"])

    code, term = revoke_term_run(emu, output, "--account", "Brand B")
    assert code == 0, term.output
    assert_no_secrets(term.output, [emu.app_secret, *every_secret(before)])
    second, third = emu.business_accounts[1], emu.business_accounts[2]
    stdout = term.stdout.getvalue()
    assert f'account "Brand B" (open_id {second.open_id})' in stdout
    assert "which now holds 2 accounts" in stdout
    config = json.loads(output.read_text())
    assert config["credentials"]["accounts"] == before["credentials"]["accounts"][1:]
    assert {k: v for k, v in config["credentials"].items() if k != "accounts"} == {
        k: v for k, v in before["credentials"].items() if k != "accounts"
    }
    assert refresh_code(emu, http_session, b_token) == CODE_INVALID_GRANT
    assert refresh_code(emu, http_session, main_token) == CODE_OK
    assert refresh_code(emu, http_session, c_token) == CODE_OK

    # By open_id: the last further account goes, and with it the accounts key.
    code, term = revoke_term_run(emu, output, f"--account={third.open_id}")
    assert code == 0, term.output
    config = json.loads(output.read_text())
    assert "accounts" not in config["credentials"]
    assert config["credentials"]["refresh_token"] == main_token
    assert refresh_code(emu, http_session, c_token) == CODE_INVALID_GRANT
    assert refresh_code(emu, http_session, main_token) == CODE_OK

    # One account left: --revoke --business needs no --account again, as before accounts existed.
    code, term = revoke_term_run(emu, output)
    assert code == 0, term.output
    assert "that config no longer authenticates" in term.stdout.getvalue()
    assert refresh_code(emu, http_session, main_token) == CODE_INVALID_GRANT


def test_revoking_the_first_account_promotes_the_next(
    emulator: Start, tmp_path: Path, http_session: requests.Session
) -> None:
    emu = emulator(video_count=1, business_accounts=3, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    before = three_accounts(emu, output)
    promoted = before["credentials"]["accounts"][0]

    code, term = revoke_term_run(emu, output, "--account", "Main brand")
    assert code == 0, term.output
    assert f'first account is now "Brand B" (open_id {emu.business_accounts[1].open_id})' in (
        term.stdout.getvalue()
    )
    credentials = json.loads(output.read_text())["credentials"]
    assert credentials == {
        "auth_type": "business_oauth2.0",
        "app_id": emu.app_id,
        "app_secret": emu.app_secret,
        **promoted,
        "accounts": before["credentials"]["accounts"][1:],
    }
    assert refresh_code(emu, http_session, before["credentials"]["refresh_token"]) == CODE_INVALID_GRANT
    assert refresh_code(emu, http_session, promoted["refresh_token"]) == CODE_OK


def test_revoke_on_several_accounts_names_none_until_told_which(
    emulator: Start, tmp_path: Path, http_session: requests.Session
) -> None:
    emu = emulator(video_count=1, business_accounts=3, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    before = three_accounts(emu, output)
    written = output.read_bytes()
    for extra, message in (
        ((), "holds 3 accounts: name the one with --account=LABEL_OR_OPEN_ID"),
        (("--account", "Brand D"), "No account of"),
    ):
        code, term = revoke_term_run(emu, output, *extra)
        assert code == 1, term.output
        stderr = term.stderr.getvalue()
        assert message in stderr
        for index, label in enumerate(("Main brand", "Brand B", "Brand C")):
            assert f'"{label}" (open_id {emu.business_accounts[index].open_id})' in stderr
        assert_no_secrets(term.output, [emu.app_secret, *every_secret(before)])
        assert output.read_bytes() == written
    credentials = before["credentials"]
    for fields in (credentials, *credentials["accounts"]):  # nothing was revoked
        assert refresh_code(emu, http_session, fields["refresh_token"]) == CODE_OK


def test_account_building_blocks(tmp_path: Path) -> None:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    output = tmp_path / "config.json"
    data = {"access_token": "a" * 8, "refresh_token": "r" * 8, "open_id": "o-2", "expires_in": 86400}
    existing = {
        "credentials": {
            "auth_type": "business_oauth2.0",
            "app_id": "123",
            "app_secret": "s",
            "open_id": "o-1",
            "refresh_token": "r1" * 4,
            "access_token": "a1" * 4,
            "label": "Main",
        }
    }
    # The first account is written exactly as build_business_config writes it (single-account configs
    # are unchanged, down to the bytes).
    first = business.build_account_config(
        existing, ("123", "s"), data, BUSINESS_API_BASE_URL, now, (0, output)
    )
    same = business.build_business_config(existing, "123", "s", data, BUSINESS_API_BASE_URL, now)
    assert json.dumps(first) == json.dumps(same)
    # A new account: appended, written the same way, labelled; the base URL as for the first account.
    added = business.build_account_config(
        existing, ("123", "s"), data, "http://127.0.0.1:9", now, (1, output), "Brand B"
    )
    assert added["business_api_base_url"] == "http://127.0.0.1:9"
    assert added["credentials"]["accounts"] == [
        {
            "label": "Brand B",
            "open_id": "o-2",
            "refresh_token": "r" * 8,
            "access_token": "a" * 8,
            "token_expiry_date": "2026-01-02T00:00:00+00:00",
        }
    ]
    assert {k: v for k, v in added["credentials"].items() if k != "accounts"} == existing["credentials"]

    # Every account's secrets are redacted.
    redact = common.Redactor()
    redact.add_credentials(added["credentials"])
    assert redact(f"{'r' * 8} {'a1' * 4} s-not") == "**** **** s-not"

    # Promotion: none of the revoked first account's fields (its label) survive.
    promoted = accounts.without_account(
        {**existing["credentials"], "accounts": [{"open_id": "o-3", "refresh_token": "r3" * 4}]}, 0, output
    )
    assert promoted == {
        "auth_type": "business_oauth2.0",
        "app_id": "123",
        "app_secret": "s",
        "open_id": "o-3",
        "refresh_token": "r3" * 4,
    }


def test_revoking_an_added_account_refreshes_its_expired_access_token_into_its_entry(
    emulator: Start, tmp_path: Path, http_session: requests.Session
) -> None:
    emu = emulator(video_count=1, business_accounts=3)  # rotating refresh tokens
    output = tmp_path / "config.json"
    before = three_accounts(emu, output)
    before["credentials"]["accounts"][1]["token_expiry_date"] = "2020-01-01T00:00:00+00:00"
    output.write_text(json.dumps(before))

    # TikTok refuses the revocation: the rotated tokens are in Brand C's entry, the others untouched.
    emu.add_fault(FaultRule(kind="error_in_200", endpoint=BUSINESS_REVOKE_PATH, times=1, error_code="40002"))
    code, term = revoke_term_run(emu, output, "--account", "Brand C")
    assert code == 1 and "code 40002" in term.stderr.getvalue(), term.output
    credentials = json.loads(output.read_text())["credentials"]
    rotated = credentials["accounts"][1]["refresh_token"]
    assert rotated == emu.business_accounts[2].current_refresh_token
    assert rotated != before["credentials"]["accounts"][1]["refresh_token"]
    assert credentials["accounts"][0] == before["credentials"]["accounts"][0]
    assert credentials["refresh_token"] == before["credentials"]["refresh_token"]
    assert_no_secrets(term.output, [emu.app_secret, rotated, *every_secret(before)])

    code, term = revoke_term_run(emu, output, "--account", "Brand C")
    assert code == 0, term.output
    assert [e["label"] for e in json.loads(output.read_text())["credentials"]["accounts"]] == ["Brand B"]
    assert refresh_code(emu, http_session, rotated) == CODE_INVALID_GRANT


def test_added_accounts_share_the_configs_app_and_base_url(emulator: Start, tmp_path: Path) -> None:
    emu = emulator(video_count=1, business_accounts=2)
    output = tmp_path / "config.json"
    consent_as(emu, output, 0)
    written = output.read_bytes()
    refusals = {
        ("--app-id", "another-app"): "are authorised for the app",
        (
            "--business-api-base-url",
            "http://127.0.0.1:9",
        ): "every account of a config is used at one base URL",
    }
    for options, message in refusals.items():
        term = FakeTerminal(emu, browser=lambda url: pytest.fail("refused before any consent"))
        args = [*common_args(emu, output, BUSINESS_REDIRECT), "--business", "--add-account", *options]
        assert run_cli(args, term) == 1, term.output
        assert message in term.stderr.getvalue(), term.output
        assert output.read_bytes() == written
    # Without --business-api-base-url the config's own is used, as --revoke does.
    term = FakeTerminal(emu, paste_browser(ref := [], consent=business_consent(emu, account=1)))
    ref.append(term)
    assert run_cli([*common_args(emu, output, BUSINESS_REDIRECT), "--business", "--add-account"], term) == 0
    config = json.loads(output.read_text())
    assert config["business_api_base_url"] == emu.base_url
    assert config["credentials"]["accounts"][0]["open_id"] == emu.business_accounts[1].open_id
