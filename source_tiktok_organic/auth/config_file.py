"""The connector config file ``tiktok-organic-auth`` writes: read, credentials merged, written
atomically with mode 0600, and what was written said to the user.

Every other key of an existing config survives: the command replaces its ``credentials`` (and the
base URL the token was minted at), nothing else.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from source_tiktok_organic.auth.common import AuthError, Terminal
from source_tiktok_organic.credential_fields import DISPLAY_AUTH_TYPE

DEFAULT_OUTPUT = "secrets/config.json"


# --------------------------------------------------------------------------------------------
# The file
# --------------------------------------------------------------------------------------------


def read_config(path: Path) -> dict[str, Any]:
    """The existing config at ``path`` (``{}`` if none), so that its other keys survive."""
    if not path.exists():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AuthError(
            f"The config file is not readable JSON: {path} ({type(error).__name__}). Move it away or "
            "pick another --output."
        ) from None
    if not isinstance(config, dict):
        raise AuthError(
            f"The config file does not hold a JSON object: {path}. Move it away or pick another --output."
        )
    return config


def write_config_file(path: Path, config: Mapping[str, Any]) -> None:
    """Write ``config`` to ``path`` with mode 0600, atomically.

    Why atomically: a half-written config would lose the only copy of a freshly minted (and, as
    TikTok rotates, irreplaceable) refresh token. Why 0600 from the first byte: the file is
    created by ``mkstemp`` (mode 0600) and renamed over the target, so it is never readable by
    others, whatever the umask or the old file's mode.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(config, stream, indent=2)
            stream.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_config(output: Path, config: Mapping[str, Any]) -> None:
    """``write_config_file``, its failure said in one line."""
    try:
        write_config_file(output, config)
    except OSError as error:
        raise AuthError(
            f"Could not write the config file {output} ({error.strerror or type(error).__name__})."
        ) from None


def save_and_report(
    term: Terminal,
    output: Path,
    existing: Mapping[str, Any],
    config: Mapping[str, Any],
    own_keys: tuple[str, ...],
    summary: tuple[Any, list[str] | None, str],
    account: str | None = None,
    notes: Sequence[str] = (),
) -> None:
    """Write the config; then say for which account, with which scopes, what was kept, what next.

    ``summary``: the account's open_id, the granted scopes and a sentence on the refresh token.
    ``account``: how to name the account instead of by its open_id alone (its label too); ``notes``:
    sentences said right after which account was written (where it went in the config).
    """
    save_config(output, config)
    open_id, granted, token_note = summary
    kept = sorted(k for k in existing if k not in own_keys)
    named = account or f"open_id {open_id or 'unknown'}"
    term.say(f"Wrote {output} (mode 0600) for TikTok account {named}.")
    for note in notes:
        term.say(note)
    term.say(f"Granted scopes: {', '.join(granted) if granted is not None else 'not reported by TikTok'}.")
    term.say(token_note)
    if kept:
        term.say(f"Kept from the existing file: {', '.join(kept)}.")
    term.say(f"Next: source-tiktok-organic check --config {output}")


# --------------------------------------------------------------------------------------------
# The credentials in the connector config
# --------------------------------------------------------------------------------------------


def credentials_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config's ``credentials`` object, or an empty one."""
    credentials = config.get("credentials")
    return dict(credentials) if isinstance(credentials, dict) else {}


def config_with_credentials(
    existing: Mapping[str, Any],
    credentials: Mapping[str, Any],
    token: Mapping[str, Any],
    now: datetime,
    base_url: tuple[str, str, str],
) -> dict[str, Any]:
    """The connector config with new ``credentials`` (their ``auth_type`` included) and the tokens
    of TikTok's token answer ``token``; every other key of ``existing`` kept as it was.

    Earlier credentials of the same API keep their other keys; another API's are replaced whole (a
    client secret has no place under another API's credentials). ``refresh_token`` and
    ``access_token`` come from ``token``; ``token_expiry_date`` from its ``expires_in`` and
    ``granted_scopes`` from its ``scope``, each dropped when the answer has none (an earlier token's
    would mislead). ``base_url`` is the config key, the URL the token was minted at and TikTok's
    own URL: the key is written only when the URL is not TikTok's (the token must be used where it
    was minted), and dropped when it is, so an old emulator or proxy URL cannot outlive the token.
    """
    config = dict(existing)
    merged = credentials_of(existing)
    if merged.get("auth_type", DISPLAY_AUTH_TYPE) != credentials["auth_type"]:
        merged = {}
    merged.update(credentials)
    merge_tokens(merged, token, now)
    config["credentials"] = merged
    set_base_url(config, base_url)
    return config


def merge_tokens(target: dict[str, Any], token: Mapping[str, Any], now: datetime) -> None:
    """Write the tokens of TikTok's token answer ``token`` into ``target`` (a credentials object, or
    one of ``credentials.accounts``): see ``config_with_credentials``, the one definition of how an
    account's ``refresh_token``, ``access_token``, ``granted_scopes`` and ``token_expiry_date`` are
    written."""
    target["refresh_token"] = str(token["refresh_token"])
    target["access_token"] = str(token["access_token"])
    scope = token.get("scope")
    if isinstance(scope, str):
        target["granted_scopes"] = scope
    else:
        target.pop("granted_scopes", None)
    expires_in = token.get("expires_in")
    if isinstance(expires_in, (int, float)) and expires_in > 0:
        target["token_expiry_date"] = (now + timedelta(seconds=int(expires_in))).isoformat(timespec="seconds")
    else:
        target.pop("token_expiry_date", None)


def set_base_url(config: dict[str, Any], base_url: tuple[str, str, str]) -> None:
    """Write (or drop) the base URL key of ``config``: see ``config_with_credentials``."""
    key, url, tiktoks_url = base_url
    if url == tiktoks_url:
        config.pop(key, None)
    else:
        config[key] = url
