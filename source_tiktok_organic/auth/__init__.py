"""``tiktok-organic-auth``: mint the first TikTok refresh token and write the connector config.

Why this exists: the connector only ever *refreshes* tokens. The first refresh token comes from
TikTok's authorisation-code flow, which needs a browser, a consenting TikTok user, ``state`` and a
PKCE pair computed TikTok's way (hex SHA-256, not RFC 7636's base64url). Inside Airbyte the
platform runs that flow (the spec's ``advanced_auth``); this command is the same flow for
everyone else (docker, the CLI, PyAirbyte, CI secrets). It uses only the standard library and
``requests`` so that it runs wherever the connector is installed, without importing the CDK.

Secrets (client secret, tokens, the authorisation code, the PKCE verifier) are never printed: the
only things written to the terminal are the authorisation URL (client key, scopes, redirect URI,
state and challenge, all public) and plain-language progress and error messages.

The modules, each importing only modules listed before it (so there is no import cycle):

- ``common``: ``AuthError``, the exit codes, the ``Redactor``, the ``Terminal``, the app's
  credentials and base URLs;
- ``config_file``: the config file (read; written atomically with mode 0600) and the credentials
  merged into it, and the report of what was written;
- ``accounts``: the several accounts one config can hold, of either API (the first account in the
  credentials' own fields, the others in ``credentials.accounts``), named by label or open_id: where
  a consenting account goes, how it is written, which one ``--account`` names, its removal;
- ``consent``: the consent URL, receiving the redirect, the ``state`` and scope checks, which both
  flows share;
- ``display``: TikTok Login Kit's flow for the Display API (PKCE, the token endpoint; ``--add-account``,
  ``--label``, as for business);
- ``business``: the API for Business's flow (Accounts API; ``--business``, ``--add-account``,
  ``--label``): the consenting account becomes the first account, is added to the config's
  accounts, or, when the config already holds its open_id, gets its new tokens in place;
- ``revoke``: ``--revoke`` for either API (``--account`` names the account of several);
- ``cli``: the arguments and ``main``, the console script (also ``python -m
  source_tiktok_organic.auth``).
"""
