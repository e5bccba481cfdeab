"""What the connector config's ``credentials`` object holds: its auth types and its secret fields.

One definition for every part that reads or writes credentials: the entrypoint masks the secret
fields (``run.py``), the auth command writes and redacts them (``auth/``), and the tests' secret-leak
assertion watches them (``testkit/secrets.py``). Standard library only, so that the auth command
starts without the CDK. ``components.py`` cannot import it (Airbyte's manifest-only runtime loads
that file alone), and the manifest's spec repeats what it must (``auth_type`` consts, secret fields).
"""

from __future__ import annotations

from typing import Final

from source_tiktok_organic.business_protocol import BUSINESS_AUTH_TYPE

__all__ = ["BUSINESS_AUTH_TYPE", "DISPLAY_AUTH_TYPE", "SECRET_CREDENTIAL_FIELDS"]

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
