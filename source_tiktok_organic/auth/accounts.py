"""The several TikTok business accounts one config can hold (``--add-account``, ``--account``).

The shape: the business credentials' own fields (``open_id``, ``refresh_token``, ``access_token``,
``token_expiry_date``, ``granted_scopes``, and the optional ``label``) are the first account, the one
Airbyte's OAuth button fills; ``credentials.accounts``, optional, lists the other accounts
authorised for the same app (``app_id``, ``app_secret`` and the config's base URL are shared), each
an object of those same fields. Each account's tokens are written as the first account's are
(``config_file.merge_tokens``).

Accounts are numbered by position: 0 is the first account, ``k`` is ``credentials.accounts[k-1]``.
Nothing here is secret: an ``Account`` holds a position, a label and an open_id only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from source_tiktok_organic.auth.common import AuthError
from source_tiktok_organic.credential_fields import ACCOUNT_LABEL_FIELD, OTHER_ACCOUNTS_FIELD

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
    """Every account of business credentials, the first account first."""
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


def with_open_id(accounts: Sequence[Account], open_id: str) -> Account | None:
    """The account with this open_id, if the config holds it."""
    return next((account for account in accounts if account.open_id == open_id), None)


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
