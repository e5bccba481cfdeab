"""The several TikTok accounts one config can hold (``--add-account``, ``--label``, ``--account``),
in either API's credentials: the Display API's (``oauth2.0``) or the API for Business's.

The shape: the credentials' own account fields (``open_id``, ``refresh_token``, ``access_token``,
``token_expiry_date``, ``granted_scopes``, and the optional ``label``) are the first account, the one
Airbyte's OAuth button fills; ``credentials.accounts``, optional, lists the other accounts
authorised for the same app (the app's id and secret and the config's base URL are shared), each
an object of those same fields. Each account's tokens are written as the first account's are
(``config_file.merge_tokens``).

Accounts are numbered by position: 0 is the first account, ``k`` is ``credentials.accounts[k-1]``.
An account is known by its ``open_id`` (TikTok's token answers name it), which is how a re-consent
finds the account it renews. A Display config written before accounts existed holds no
``open_id``: its first account's is written once the config names its accounts (``App.names_first``).

The rules both APIs' flows share live here, once: where a consenting account goes (``place``), how
its tokens are written there (``config_with_account``), that every account shares the config's app
and base URL (``check_same_app``, ``shared_base_url``), which account ``--account`` names
(``select``), labels unique (``check_label_free``), and an account's removal with the promotion of
the next (``without_account``). Nothing here is secret: an ``Account`` holds a position, a label and
an open_id only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from source_tiktok_organic.auth.common import AuthError, normalise_base_url
from source_tiktok_organic.auth.config_file import (
    config_with_credentials,
    credentials_of,
    merge_tokens,
    set_base_url,
)
from source_tiktok_organic.credential_fields import (
    ACCOUNT_LABEL_FIELD,
    DISPLAY_AUTH_TYPE,
    OTHER_ACCOUNTS_FIELD,
)

# The fields of one account: the first account's in the credentials, the others' in their entry.
ACCOUNT_FIELDS: tuple[str, ...] = (
    ACCOUNT_LABEL_FIELD,
    "open_id",
    "refresh_token",
    "access_token",
    "token_expiry_date",
    "granted_scopes",
)


@dataclass(frozen=True)
class Account:
    """One account of a config, as the user names it: its position, label and open_id."""

    position: int
    label: str | None
    open_id: str | None

    def describe(self) -> str:
        """``"Brand B" (open_id ...)``, or ``open_id ...`` without a label."""
        open_id = f"open_id {self.open_id or 'unknown'}"
        return f'"{self.label}" ({open_id})' if self.label else open_id


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def other_accounts(credentials: Mapping[str, Any], output: Path) -> list[dict[str, Any]]:
    """Copies of the entries of ``credentials.accounts`` (none when the key is absent)."""
    entries = credentials.get(OTHER_ACCOUNTS_FIELD)
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise AuthError(
            f"credentials.accounts of {output} is not a list of objects: fix it or pick another --output."
        )
    return [dict(entry) for entry in entries]


def accounts_of(credentials: Mapping[str, Any], output: Path) -> list[Account]:
    """Every account of the credentials, the first account first."""
    fields = [credentials, *other_accounts(credentials, output)]
    return [
        Account(position, _text(entry.get(ACCOUNT_LABEL_FIELD)), _text(entry.get("open_id")))
        for position, entry in enumerate(fields)
    ]


def fields_at(credentials: Mapping[str, Any], position: int, output: Path) -> Mapping[str, Any]:
    """The fields of the account at ``position``: the credentials themselves for the first."""
    return credentials if position == 0 else other_accounts(credentials, output)[position - 1]


def count(accounts: Sequence[Any] | int) -> str:
    """``1 account``, ``3 accounts``."""
    number = accounts if isinstance(accounts, int) else len(accounts)
    return f"{number} account{'' if number == 1 else 's'}"


def listing(accounts: Sequence[Account]) -> str:
    """The accounts named for a message: labels and open_ids, no secret."""
    return "; ".join(account.describe() for account in accounts)


def with_open_id(accounts: Sequence[Account], open_id: str | None) -> Account | None:
    """The account with this open_id, if the config holds it (none for an unknown open_id)."""
    return next((account for account in accounts if open_id and account.open_id == open_id), None)


def select(credentials: Mapping[str, Any], wanted: str | None, output: Path) -> Account:
    """The account ``--account`` names (an open_id, else a label); without it, the only one.

    Why refuse to guess: on a config with several accounts, acting on the wrong one (revoking it)
    cannot be undone.
    """
    accounts = accounts_of(credentials, output)
    if wanted is None:
        if len(accounts) == 1:
            return accounts[0]
        raise AuthError(
            f"{output} holds {count(accounts)}: name the one with --account=LABEL_OR_OPEN_ID. "
            f"Its accounts: {listing(accounts)}."
        )
    matches = [a for a in accounts if a.open_id == wanted] or [a for a in accounts if a.label == wanted]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise AuthError(
            f'No account of {output} has the label or open_id "{wanted}". Its accounts: {listing(accounts)}.'
        )
    raise AuthError(
        f'Several accounts of {output} are labelled "{wanted}": name one by its open_id. '
        f"Its accounts: {listing(accounts)}."
    )


def check_label_free(accounts: Sequence[Account], label: str | None, position: int, output: Path) -> None:
    """Refuse a label another account (not the one at ``position``) already has: ``--account``
    names accounts by label."""
    taken = next((a for a in accounts if label and a.label == label and a.position != position), None)
    if taken is not None:
        raise AuthError(
            f'The label "{label}" already names {taken.describe()} in {output}; nothing was written. '
            "Pick another --label (or none)."
        )


def without_account(credentials: Mapping[str, Any], position: int, output: Path) -> dict[str, Any]:
    """The credentials without the account at ``position``.

    An entry of ``accounts`` is removed from the list. The first account is replaced by the first
    entry of ``accounts`` (its every field, none of the old account's left), so that the config
    keeps a first account, the one the connector and Airbyte's OAuth button read. ``accounts`` is
    dropped once empty: the config is then a single-account one, as written before accounts existed.
    A single account cannot be removed this way (the credentials would hold no account).
    """
    entries = other_accounts(credentials, output)
    merged = {name: value for name, value in credentials.items() if name != OTHER_ACCOUNTS_FIELD}
    if position == 0:
        if not entries:
            raise AuthError(f"{output} holds a single account; it cannot be removed from its credentials.")
        promoted = entries.pop(0)
        merged = {name: value for name, value in merged.items() if name not in ACCOUNT_FIELDS}
        merged.update({name: value for name, value in promoted.items() if name != OTHER_ACCOUNTS_FIELD})
    else:
        del entries[position - 1]
    if entries:
        merged[OTHER_ACCOUNTS_FIELD] = entries
    return merged


def names_accounts(credentials: Mapping[str, Any]) -> bool:
    """Whether the credentials name their accounts: further accounts, or a first account with a
    label or an open_id. A Display config written before accounts existed names none, and is
    written as it always was."""
    return any(credentials.get(name) for name in (OTHER_ACCOUNTS_FIELD, ACCOUNT_LABEL_FIELD, "open_id"))


def open_id_of(token: Mapping[str, Any]) -> str | None:
    """The ``open_id`` of a token answer (the account that consented), if it names one: TikTok's
    answers of either API do."""
    return _text(token.get("open_id"))


# --------------------------------------------------------------------------------------------
# Writing an account
# --------------------------------------------------------------------------------------------


class Api(NamedTuple):
    """One of TikTok's APIs as its accounts' messages name it: its credentials' ``auth_type``, its
    name, and the command that authorises its accounts."""

    auth_type: str
    name: str
    command: str


def held_accounts(credentials: Mapping[str, Any], api: Api, add_account: bool, output: Path) -> list[Account]:
    """The accounts the config holds for ``api`` (none when its credentials are another API's or
    hold no refresh token); ``--add-account`` is refused without any: an account is added to a config
    that holds its API's credentials (their app, their base URL)."""
    same_api = credentials.get("auth_type", DISPLAY_AUTH_TYPE) == api.auth_type
    if same_api and credentials.get("refresh_token"):
        return accounts_of(credentials, output)
    if add_account:
        raise AuthError(
            f"--add-account adds an account to a config that holds {api.name} credentials; "
            f"{output} holds none (credentials.auth_type {api.auth_type} with a refresh_token). "
            f"Authorise its first account with {api.command} first."
        )
    return []


class App(NamedTuple):
    """What every account of a config shares, as one API writes it: ``credentials``, the fields
    beside the accounts' (``auth_type`` and the app's id and secret); ``base_url``, the base-URL key
    of the config (``config_file.set_base_url``); ``names_first``, whether the first account's
    ``open_id`` is written (the Display API's single-account configs, as written before accounts
    existed, hold none)."""

    credentials: Mapping[str, Any]
    base_url: tuple[str, str, str]
    names_first: bool = True


def first_account_config(
    existing: Mapping[str, Any],
    app: App,
    token: Mapping[str, Any],
    now: datetime,
    label: str | None = None,
) -> dict[str, Any]:
    """The connector config with TikTok's token answer ``token`` as its first account (see
    ``config_file.config_with_credentials``), its ``open_id`` included if ``app.names_first``;
    ``label``, when given, becomes its label. Every other key, ``accounts`` included, is kept."""
    open_id = open_id_of(token)
    identity = {"open_id": open_id} if app.names_first and open_id else {}
    config = config_with_credentials(existing, {**app.credentials, **identity}, token, now, app.base_url)
    if label:
        config["credentials"][ACCOUNT_LABEL_FIELD] = label
    return config


def config_with_account(
    existing: Mapping[str, Any],
    app: App,
    token: Mapping[str, Any],
    now: datetime,
    where: tuple[int, Path],
    label: str | None = None,
) -> dict[str, Any]:
    """The connector config with the token answer written as the account at position ``where[0]``
    (``where[1]`` is the config file, for messages): the first account by
    ``first_account_config``, an entry of ``credentials.accounts`` (a new one at the end when the
    position is one past the last) the same way, its ``open_id`` always (when TikTok named it), its
    other fields (its label) kept. ``label``, when given, becomes the account's label."""
    position, output = where
    if position == 0:
        return first_account_config(existing, app, token, now, label)
    config = dict(existing)
    credentials = credentials_of(existing)
    credentials.update(app.credentials)
    entries = other_accounts(credentials, output)
    if position > len(entries):
        entries.append({ACCOUNT_LABEL_FIELD: label} if label else {})
    entry = entries[position - 1]
    if label:
        entry[ACCOUNT_LABEL_FIELD] = label
    open_id = open_id_of(token)
    if open_id:
        entry["open_id"] = open_id
    merge_tokens(entry, token, now)
    credentials[OTHER_ACCOUNTS_FIELD] = entries
    config["credentials"] = credentials
    set_base_url(config, app.base_url)
    return config


# --------------------------------------------------------------------------------------------
# Where a consenting account goes
# --------------------------------------------------------------------------------------------


class Target(NamedTuple):
    """Where the consenting account goes in the config: its position, whether the config already
    held it (a re-consent: its tokens are replaced in place), the config as it stood, with what the
    new tokens must not keep (a replaced first account's label) removed, and the first account it
    replaces, if another."""

    position: int
    known: bool
    existing: Mapping[str, Any]
    replaced: Account | None = None


def place(
    output: Path,
    existing: Mapping[str, Any],
    held: Sequence[Account],
    open_id: str | None,
    add: tuple[bool, str | None],
) -> Target:
    """Where the account with ``open_id`` goes, ``add`` being ``--add-account`` and ``--label``:
    the config's account with the same open_id, if any, gets the new tokens in place (the re-consent
    of any account, with or without ``--add-account``); otherwise ``--add-account`` appends it to
    ``credentials.accounts`` and without it, it becomes the first account, as before accounts
    existed (``accounts`` kept). Its label must not name another account."""
    add_account, label = add
    match = with_open_id(held, open_id)
    if match is not None:
        target = Target(match.position, True, existing)
    elif add_account:
        target = Target(len(held), False, existing)
    else:
        # Another account replaces the first: the old one's label does not describe it.
        credentials = credentials_of(existing)
        if credentials.pop(ACCOUNT_LABEL_FIELD, None) is not None:
            existing = {**existing, "credentials": credentials}
        target = Target(0, False, existing, held[0] if held else None)
    check_label_free(held, label, target.position, output)
    return target


def placed(output: Path, config: Mapping[str, Any], target: Target) -> str:
    """The sentence on where the account went and which accounts the config now holds."""
    held = accounts_of(credentials_of(config), output)
    if target.known:
        where = "already in the config: its tokens were replaced in place"
    elif target.replaced is not None and target.replaced.label is None and target.replaced.open_id is None:
        # A first account written before accounts existed: its open_id is written from now on.
        where = "the config's first account, in place of the one there, whose open_id the config did not hold"
    elif target.replaced is not None:
        where = f"the config's first account, in place of {target.replaced.describe()}"
    elif target.position == 0:
        where = "the config's first account (the credentials' own fields)"
    else:
        where = f"added as credentials.accounts[{target.position - 1}]"
    return f"This account is {where}; the config holds {count(held)}: {listing(held)}."


def check_same_app(stored_id: Any, app_id: str, output: Path) -> None:
    """Refuse another app's id for a config with several accounts: they all belong to its app."""
    if stored_id and str(stored_id) != app_id:
        raise AuthError(
            f"The accounts of {output} are authorised for the app {stored_id}, not {app_id}: "
            "every account of a config belongs to its one app. Use another --output for this app."
        )


def shared_base_url(option: str, default: str, stored: str | None, output: Path) -> str:
    """The host to mint at for a config with several accounts (or one about to get them): the
    config's own (``stored``, else ``default``), unless the option (``default`` when not given)
    names another one, which is refused: every account of a config is used at its one base URL."""
    given = normalise_base_url(option, default)
    own = normalise_base_url(stored or default, default)
    if option != default and given != own:
        raise AuthError(
            f"The accounts of {output} use {own}; every account of a config is used at one "
            f"base URL, so this one cannot be authorised at {given}. Use another --output for it."
        )
    return own


def select_with_token(
    credentials: Mapping[str, Any], wanted: str | None, output: Path
) -> tuple[Account, Mapping[str, Any]]:
    """The account ``--account`` names (``select``) and its fields, which must hold a refresh token."""
    account = select(credentials, wanted, output)
    fields = fields_at(credentials, account.position, output)
    if not fields.get("refresh_token"):
        raise AuthError(
            f"Nothing to revoke: the account {account.describe()} of {output} has no refresh_token."
        )
    return account, fields


def form_fields_note(output: Path, config: Mapping[str, Any], position: int) -> str:
    """Which fields of the written file a user of the Airbyte UI pastes into the source's form, for
    the account at ``position``: with its live access token, the connection test proves the account
    without spending its single-use refresh token (nothing secret is printed, only the names)."""
    fields = fields_at(credentials_of(config), position, output)
    where = "credentials" if position == 0 else f"credentials.accounts[{position - 1}]"
    expiry = fields.get("token_expiry_date") or "its expiry"
    return (
        f"In the Airbyte UI's form, paste {where}.refresh_token, access_token, token_expiry_date and "
        f"open_id from {output} before {expiry}: the connection test then proves the account "
        "without spending its refresh token (or create the source from the whole file through the "
        "Airbyte API)."
    )
