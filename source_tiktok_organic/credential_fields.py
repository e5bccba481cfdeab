"""What the connector config's ``credentials`` object holds: its auth types, its secret fields, and
where business credentials keep their further accounts and the accounts' labels.

One definition for every part that reads or writes credentials: the entrypoint masks the secret
fields (``run.py``), the auth command writes and redacts them and adds accounts (``auth/``), the
tests' secret-leak assertion watches them (``testkit/secrets.py``), and ``tools/sync.py`` names the
accounts it synced. Standard library only, so that the auth command starts without the CDK.
``components.py`` cannot import it (Airbyte's manifest-only runtime loads that file alone), so it
keeps its own copy of the account keys (``OTHER_ACCOUNTS_PATH`` and the ``"label"`` it reads), and
the manifest's spec repeats what it must (``auth_type`` consts, secret fields, ``accounts`` and
``label``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from source_tiktok_organic.business_protocol import BUSINESS_AUTH_TYPE

__all__ = [
    "ACCOUNT_LABEL_FIELD",
    "BUSINESS_AUTH_TYPE",
    "DISPLAY_AUTH_TYPE",
    "OTHER_ACCOUNTS_FIELD",
    "SECRET_CREDENTIAL_FIELDS",
    "secret_values",
]

# The Display API's credentials (Login Kit). Credentials without an auth_type are the Display API's:
# configs were written so before the API for Business (BUSINESS_AUTH_TYPE) existed.
DISPLAY_AUTH_TYPE: Final = "oauth2.0"

# The credentials fields that are secret, of either API; client_id (TikTok's client key), app_id
# and open_id are not.
SECRET_CREDENTIAL_FIELDS: Final[tuple[str, ...]] = (
    "client_secret",
    "app_secret",
    "refresh_token",
    "access_token",
)

# Several accounts in one config (either API): the credentials' own fields are
# the first account; ``credentials.accounts``, optional, lists the other accounts authorised for the
# same app, each an object of the first account's fields (open_id, refresh_token, access_token,
# token_expiry_date, granted_scopes, label). A config without it has one account, as before.
OTHER_ACCOUNTS_FIELD: Final = "accounts"
# An account's optional name (a brand, a client): ``credentials.label`` for the first account, the
# entry's ``label`` for the others. Written on its records as ``account_label``, used in messages,
# and accepted by ``tiktok-organic-auth --revoke [--business] --account``.
ACCOUNT_LABEL_FIELD: Final = "label"


def secret_values(credentials: Mapping[str, Any]) -> list[str]:
    """The values of every secret field of ``credentials``, the first account's and those of each
    entry of ``credentials.accounts`` (what masks, redactors and leak checks must watch)."""
    entries = credentials.get(OTHER_ACCOUNTS_FIELD)
    others = [entry for entry in entries if isinstance(entry, Mapping)] if isinstance(entries, list) else []
    return [
        str(holder[name])
        for holder in (credentials, *others)
        for name in SECRET_CREDENTIAL_FIELDS
        if holder.get(name)
    ]
