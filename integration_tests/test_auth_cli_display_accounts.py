"""tiktok-organic-auth with several Display API accounts in one config (--add-account, --label,
--revoke --account), against the loopback emulator."""

from __future__ import annotations

import functools
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from integration_tests.auth_cli_helpers import (
    FakeTerminal,
    common_args,
    emulator_consent,
    paste_browser,
    query_of,
    refresh,
    revoke_term,
    run_cli,
)
from source_tiktok_organic.auth import common
from testkit.secrets import assert_no_secrets
from tiktok_emulator import TikTokEmulator

# ------------------------------------------------------------------------------------------
# several Display accounts in one config (--add-account, --label, --revoke --account)
# ------------------------------------------------------------------------------------------

WEB_REDIRECT = "https://app.example.invalid/tiktok/callback"


def display_secrets(config: dict[str, Any]) -> list[str]:
    """The secrets of the config's credentials and of each of its further accounts."""
    credentials = config.get("credentials") or {}
    fields = [credentials, *(credentials.get("accounts") or [])]
    keys = ("client_secret", "refresh_token", "access_token")
    return [str(f[key]) for f in fields for key in keys if f.get(key)]


def display_consent_as(
    emulator: TikTokEmulator, output: Path, account: int, *extra: str, expect: int = 0
) -> tuple[FakeTerminal, dict[str, Any]]:
    """``tiktok-organic-auth *extra`` (Display, paste mode) consented by the emulator's account
    ``account``: its terminal, and the config file afterwards. No run may print a secret: neither
    the client secret, nor the code, nor any token the file held before or holds after."""
    before = json.loads(output.read_text()) if output.exists() else {}
    ref: list[FakeTerminal] = []
    consent = functools.partial(emulator_consent, account=account, emulator=emulator)
    term = FakeTerminal(emulator, paste_browser(ref, consent=consent))
    ref.append(term)
    code = run_cli([*common_args(emulator, output, WEB_REDIRECT), *extra], term)
    assert code == expect, term.output
    after = json.loads(output.read_text()) if output.exists() else {}
    auth_code = query_of(term.pasted[0]).get("code") if term.pasted else None
    secrets = [emulator.client_secret, auth_code, *display_secrets(before), *display_secrets(after)]
    assert_no_secrets(term.output, secrets)
    return term, after


def three_display_accounts(emulator: TikTokEmulator, output: Path) -> dict[str, Any]:
    """A Display config with the emulator's accounts 0, 1 and 2 labelled "Main", "Brand B" and
    "Brand C"; the config."""
    display_consent_as(emulator, output, 0, "--label", "Main")
    display_consent_as(emulator, output, 1, "--add-account", "--label", "Brand B")
    return display_consent_as(emulator, output, 2, "--add-account", "--label", "Brand C")[1]


def revoke_display_run(emulator: TikTokEmulator, output: Path, *extra: str) -> tuple[int, FakeTerminal]:
    term = revoke_term(emulator)
    term.open_browser = lambda url: pytest.fail("revoking opens no consent page")
    return run_cli(["--revoke", "--output", str(output), *extra], term), term


def without_accounts(credentials: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in credentials.items() if key != "accounts"}


def test_a_single_display_account_is_written_and_reported_as_before_accounts_existed(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    """No --add-account, no --label, no accounts in the file: no open_id, no label, no account
    sentence; the run says what it said before accounts existed, line for line."""
    emu = emulator(video_count=1, business_accounts=2)
    output = tmp_path / "config.json"
    for account in (0, 1):  # a first consent, then another account's: the first account replaced
        term, config = display_consent_as(emu, output, account)
        credentials = config["credentials"]
        assert set(credentials) == {
            "auth_type",
            "client_id",
            "client_secret",
            "refresh_token",
            "access_token",
            "token_expiry_date",
            "granted_scopes",
        }
        assert credentials["refresh_token"] == emu.business_accounts[account].current_display_refresh_token
        open_id = emu.business_accounts[account].open_id
        lines = [line for line in term.stdout.getvalue().splitlines() if not line.startswith("http")]
        assert lines == [
            "Open this URL in a browser, log in to the TikTok account to sync and approve every scope:",
            f"Wrote {output} (mode 0600) for TikTok account open_id {open_id}.",
            "Granted scopes: user.info.basic, user.info.profile, user.info.stats, video.list.",
            "The refresh token rotates on every refresh: keep the config the connector writes back; it "
            "expires in 180 days unless the connector rotates it first.",
            f"Next: source-tiktok-organic check --config {output}",
        ]


def test_display_add_account_writes_each_account_with_its_own_open_id_and_tokens(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=3)
    output = tmp_path / "config.json"
    output.write_text(json.dumps({"start_date": "2024-01-01T00:00:00Z"}))
    first, second, third = emu.business_accounts[:3]

    term, config = display_consent_as(emu, output, 0, "--label", "Main")
    credentials = config["credentials"]
    assert (credentials["label"], credentials["open_id"]) == ("Main", first.open_id)
    assert "accounts" not in credentials
    stdout = term.stdout.getvalue()
    assert f'for TikTok account "Main" (open_id {first.open_id}).' in stdout
    assert "the config's first account (the credentials' own fields); the config holds 1 account:" in stdout

    term, _ = display_consent_as(emu, output, 1, "--add-account", "--label", "Brand B")
    assert "added as credentials.accounts[0]; the config holds 2 accounts" in term.stdout.getvalue()
    term, config = display_consent_as(emu, output, 2, "--add-account")
    stdout = term.stdout.getvalue()
    assert f"for TikTok account open_id {third.open_id}." in stdout
    assert "added as credentials.accounts[1]; the config holds 3 accounts: " in stdout
    assert f'"Main" (open_id {first.open_id}); "Brand B" (open_id {second.open_id}); ' in stdout

    credentials = config["credentials"]
    assert config["start_date"] == "2024-01-01T00:00:00Z"
    assert config["api_base_url"] == emu.base_url
    assert (credentials["auth_type"], credentials["client_id"]) == ("oauth2.0", emu.client_key)
    assert credentials["client_secret"] == emu.client_secret
    assert credentials["refresh_token"] == first.current_display_refresh_token
    entries = credentials["accounts"]
    assert [(e.get("label"), e["open_id"]) for e in entries] == [
        ("Brand B", second.open_id),
        (None, third.open_id),
    ]
    assert [e["refresh_token"] for e in entries] == [
        second.current_display_refresh_token,
        third.current_display_refresh_token,
    ]
    assert len({first.open_id, second.open_id, third.open_id}) == 3
    assert len({credentials["refresh_token"], *(e["refresh_token"] for e in entries)}) == 3
    for entry in entries:  # each written as the first account is
        assert set(entry) - {"label"} == {
            "open_id",
            "refresh_token",
            "access_token",
            "token_expiry_date",
            "granted_scopes",
        }
        assert entry["granted_scopes"] == "user.info.basic,user.info.profile,user.info.stats,video.list"
    # Each refresh token is its own account's at TikTok: the answer names that account.
    tokens = (credentials["refresh_token"], *(e["refresh_token"] for e in entries))
    for token, account in zip(tokens, (first, second, third), strict=True):
        assert refresh(emu, token)["open_id"] == account.open_id


def test_a_display_reconsent_replaces_the_accounts_tokens_in_place(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=4)
    output = tmp_path / "config.json"
    before = three_display_accounts(emu, output)

    # --add-account for an account already in the file: no duplicate, its label kept.
    term, config = display_consent_as(emu, output, 1, "--add-account")
    assert "already in the config: its tokens were replaced in place" in term.stdout.getvalue()
    entries = config["credentials"]["accounts"]
    assert [e["open_id"] for e in entries] == [a["open_id"] for a in before["credentials"]["accounts"]]
    assert entries[0]["label"] == "Brand B"
    assert entries[0]["refresh_token"] == emu.business_accounts[1].current_display_refresh_token
    assert entries[0]["refresh_token"] != before["credentials"]["accounts"][0]["refresh_token"]
    assert entries[1] == before["credentials"]["accounts"][1]
    assert without_accounts(config["credentials"]) == without_accounts(before["credentials"])

    # Plain tiktok-organic-auth signed in as the third account: updated in place.
    previous = config
    term, config = display_consent_as(emu, output, 2)
    stdout = term.stdout.getvalue()
    assert f'"Brand C" (open_id {emu.business_accounts[2].open_id})' in stdout
    assert "replaced in place; the config holds 3 accounts" in stdout
    entries = config["credentials"]["accounts"]
    assert entries[1]["refresh_token"] == emu.business_accounts[2].current_display_refresh_token
    assert entries[1]["refresh_token"] != previous["credentials"]["accounts"][1]["refresh_token"]
    assert entries[0] == previous["credentials"]["accounts"][0]
    assert without_accounts(config["credentials"]) == without_accounts(previous["credentials"])

    # ... and as the first account, relabelled: it stays first, the others untouched.
    previous = config
    _, config = display_consent_as(emu, output, 0, "--label", "Main (EU)")
    credentials = config["credentials"]
    assert (credentials["label"], credentials["open_id"]) == ("Main (EU)", emu.business_accounts[0].open_id)
    assert credentials["refresh_token"] == emu.business_accounts[0].current_display_refresh_token
    assert credentials["refresh_token"] != previous["credentials"]["refresh_token"]
    assert credentials["accounts"] == previous["credentials"]["accounts"]

    # A label names one account only: refused after the consent, nothing written.
    written = output.read_bytes()
    term, _ = display_consent_as(emu, output, 3, "--add-account", "--label", "Brand B", expect=1)
    assert 'The label "Brand B" already names "Brand B"' in term.stderr.getvalue()
    assert output.read_bytes() == written

    # Plain tiktok-organic-auth by an account not in the file replaces the first one, as ever; the
    # others stay, and the old first account's label does not stick to the new one.
    term, config = display_consent_as(emu, output, 3)
    credentials = config["credentials"]
    assert credentials["open_id"] == emu.business_accounts[3].open_id and "label" not in credentials
    assert credentials["refresh_token"] == emu.business_accounts[3].current_display_refresh_token
    assert credentials["accounts"] == previous["credentials"]["accounts"]
    assert 'the config\'s first account, in place of "Main (EU)"' in term.stdout.getvalue()


def test_a_first_display_account_written_before_accounts_gets_its_open_id_once_it_has_others(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    """A config minted as before accounts existed holds no open_id; once it holds further
    accounts, its first account's next consent writes it, and later re-consents find it."""
    emu = emulator(video_count=1, business_accounts=2)
    output = tmp_path / "config.json"
    _, config = display_consent_as(emu, output, 0)
    assert "open_id" not in config["credentials"]
    _, config = display_consent_as(emu, output, 1, "--add-account", "--label", "Brand B")
    assert "open_id" not in config["credentials"]
    added = config["credentials"]["accounts"]

    term, config = display_consent_as(emu, output, 0)
    assert config["credentials"]["open_id"] == emu.business_accounts[0].open_id
    assert config["credentials"]["accounts"] == added
    assert (
        "the config's first account, in place of the one there, whose open_id the config did not hold; "
        "the config holds 2 accounts: "
    ) in term.stdout.getvalue()

    term, config = display_consent_as(emu, output, 0, "--add-account")
    assert "already in the config: its tokens were replaced in place" in term.stdout.getvalue()
    assert config["credentials"]["refresh_token"] == emu.business_accounts[0].current_display_refresh_token
    assert config["credentials"]["accounts"] == added


def test_display_revoke_account_removes_that_account_and_ends_only_its_authorisation(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=3, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    before = three_display_accounts(emu, output)
    main_token = before["credentials"]["refresh_token"]
    b_token, c_token = (e["refresh_token"] for e in before["credentials"]["accounts"])
    second, third = emu.business_accounts[1], emu.business_accounts[2]

    code, term = revoke_display_run(emu, output, "--account", "Brand B")
    assert code == 0, term.output
    assert_no_secrets(term.output, [emu.client_secret, *display_secrets(before)])
    stdout = term.stdout.getvalue()
    assert f'account "Brand B" (open_id {second.open_id}) at {emu.base_url} (confirmed:' in stdout
    assert f"removed it from {output}, which now holds 2 accounts" in stdout
    assert "Run tiktok-organic-auth --add-account to authorise it again." in stdout
    config = json.loads(output.read_text())
    assert config["credentials"]["accounts"] == before["credentials"]["accounts"][1:]
    assert config["credentials"]["refresh_token"] == main_token
    assert refresh(emu, b_token)["error"] == "invalid_grant"
    assert refresh(emu, main_token)["open_id"] == emu.business_accounts[0].open_id
    assert refresh(emu, c_token)["open_id"] == third.open_id
    assert stat.S_IMODE(output.stat().st_mode) == 0o600

    # By open_id: the last further account goes, and with it the accounts key.
    code, term = revoke_display_run(emu, output, f"--account={third.open_id}")
    assert code == 0, term.output
    config = json.loads(output.read_text())
    assert "accounts" not in config["credentials"]
    assert config["credentials"]["refresh_token"] == main_token
    assert refresh(emu, c_token)["error"] == "invalid_grant"
    assert refresh(emu, main_token)["open_id"] == emu.business_accounts[0].open_id

    # One account left: --revoke needs no --account again, as before accounts existed.
    code, term = revoke_display_run(emu, output)
    assert code == 0, term.output
    assert "so that config no longer authenticates" in term.stdout.getvalue()
    assert refresh(emu, main_token)["error"] == "invalid_grant"


def test_revoking_the_first_display_account_promotes_the_next(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=3, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    display_consent_as(emu, output, 0, "--label", "Main")
    display_consent_as(emu, output, 1, "--add-account")  # unlabelled: "Main" must not stick to it
    before = display_consent_as(emu, output, 2, "--add-account", "--label", "Brand C")[1]
    promoted = before["credentials"]["accounts"][0]
    assert "label" not in promoted

    code, term = revoke_display_run(emu, output, "--account", "Main")
    assert code == 0, term.output
    second = emu.business_accounts[1].open_id
    assert f"The config's first account is now open_id {second}, until now in credentials.accounts." in (
        term.stdout.getvalue()
    )
    assert_no_secrets(term.output, [emu.client_secret, *display_secrets(before)])
    config = json.loads(output.read_text())
    assert config["credentials"] == {
        "auth_type": "oauth2.0",
        "client_id": emu.client_key,
        "client_secret": emu.client_secret,
        **promoted,
        "accounts": before["credentials"]["accounts"][1:],
    }
    assert config["api_base_url"] == emu.base_url
    assert refresh(emu, before["credentials"]["refresh_token"])["error"] == "invalid_grant"
    assert refresh(emu, promoted["refresh_token"])["open_id"] == emu.business_accounts[1].open_id


def test_display_revoke_on_several_accounts_names_none_until_told_which(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=3, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    before = three_display_accounts(emu, output)
    written = output.read_bytes()
    token_calls = emu.requests_by_endpoint["/v2/oauth/token/"]
    for extra, message in (
        ((), "holds 3 accounts: name the one with --account=LABEL_OR_OPEN_ID"),
        (("--account", "Brand D"), "No account of"),
    ):
        code, term = revoke_display_run(emu, output, *extra)
        assert code == 1, term.output
        stderr = term.stderr.getvalue()
        assert message in stderr
        for index, label in enumerate(("Main", "Brand B", "Brand C")):
            assert f'"{label}" (open_id {emu.business_accounts[index].open_id})' in stderr
        assert_no_secrets(term.output, [emu.client_secret, *display_secrets(before)])
        assert output.read_bytes() == written
    assert emu.requests_by_endpoint["/v2/oauth/token/"] == token_calls, "no account was touched"
    assert emu.requests_by_endpoint.get("/v2/oauth/revoke/", 0) == 0
    credentials = before["credentials"]
    for fields in (credentials, *credentials["accounts"]):  # nothing was revoked
        assert "access_token" in refresh(emu, fields["refresh_token"])


def test_display_revoke_uses_the_named_accounts_own_token(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    """An account whose user withdrew the app's access has nothing to revoke, whatever the
    others': the command names it and leaves the file as it was."""
    emu = emulator(video_count=1, business_accounts=3, rotate_refresh_tokens=False)
    output = tmp_path / "config.json"
    before = three_display_accounts(emu, output)
    emu.revoke_display_account(2)
    written = output.read_bytes()

    code, term = revoke_display_run(emu, output, "--account", "Brand C")
    assert code == common.EXIT_ALREADY_ENDED, term.output
    stderr = term.stderr.getvalue()
    third = emu.business_accounts[2].open_id
    assert (
        f'TikTok refuses the refresh token of the account "Brand C" (open_id {third}) of {output}' in stderr
    )
    assert "so that account no longer authenticates" in stderr
    assert output.read_bytes() == written
    assert emu.requests_by_endpoint.get("/v2/oauth/revoke/", 0) == 0
    assert_no_secrets(term.output, [emu.client_secret, *display_secrets(before)])


def test_display_account_options_are_refused_where_they_mean_nothing(
    emulator: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    emu = emulator(video_count=1, business_accounts=2)
    output = tmp_path / "config.json"
    business = {"credentials": {"auth_type": "business_oauth2.0", "app_id": "1", "refresh_token": "rt-b"}}
    legacy = {"credentials": {"auth_type": "oauth2.0", "client_id": "k"}}  # no refresh token
    for existing in (None, business, legacy):
        if existing is not None:
            output.write_text(json.dumps(existing))
        term = FakeTerminal(emu, browser=lambda url: pytest.fail("no consent without a Display config"))
        assert run_cli([*common_args(emu, output, WEB_REDIRECT), "--add-account"], term) == 1
        assert "--add-account adds an account to a config that holds Display API credentials" in (
            term.stderr.getvalue()
        )
        assert "Authorise its first account with tiktok-organic-auth first." in term.stderr.getvalue()
        if existing is None:
            assert not output.exists()
        else:
            assert json.loads(output.read_text()) == existing

    display_consent_as(emu, output, 0)
    written = output.read_bytes()
    refusals = {
        ("--revoke", "--add-account"): "--revoke takes --account instead",
        ("--revoke", "--label", "X"): "--revoke takes --account instead",
        ("--account", "X"): "run tiktok-organic-auth signed in as it",
        ("--label", " "): "--label is empty",
        ("--add-account", "--client-key", "another-client-key"): "are authorised for the app emulator-",
        ("--add-account", "--api-base-url", "http://127.0.0.1:9"): "every account of a config is used at one",
    }
    for options, message in refusals.items():
        term = FakeTerminal(emu, browser=lambda url: pytest.fail("refused before any consent"))
        args = [*common_args(emu, output, WEB_REDIRECT)]
        del args[args.index("--api-base-url") : args.index("--api-base-url") + 2]
        assert run_cli([*args, *options], term) == 1, options
        assert message in term.stderr.getvalue(), (options, term.output)
        assert output.read_bytes() == written
