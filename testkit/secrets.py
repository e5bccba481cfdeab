"""The one secret-leak assertion, whose failure message shows where a secret leaked but never the
secret itself.

Connector output legitimately carries credentials only in CONNECTOR_CONFIG control messages:
scan ``ConnectorOutput.text_without_emitted_configs``, and watch the secrets of those configs too
(``config_secrets``), since a rotated token must not leak anywhere else either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from source_tiktok_organic.credential_fields import secret_values
from testkit.connector_output import ConnectorOutput

__all__ = ["assert_no_secrets", "assert_run_leaks_no_secret", "config_secrets", "mask"]

# Characters of the leaking line shown on each side of the (masked) secret.
CONTEXT_CHARS = 80


def mask(secret: str) -> str:
    """A secret's stand-in in failure messages: its first characters (only for long secrets) and length."""
    shown = secret[:3] if len(secret) >= 12 else ""
    return f"<secret {shown}…, {len(secret)} chars>"


def config_secrets(config: Mapping[str, Any]) -> set[str]:
    """The secret values in a connector config's ``credentials``, every account's (the connector's
    own reading of its secret fields, ``secret_values``)."""
    return set(secret_values(config.get("credentials") or {}))


def assert_no_secrets(text: str, secrets: Iterable[str | None]) -> None:
    """Fail if any of ``secrets`` (empty and ``None`` ones are ignored) occurs in ``text``.

    The message names each leaked secret by :func:`mask` and shows the line it leaked on, with
    every watched secret masked.
    """
    __tracebackhide__ = True  # pytest shows a frame's arguments; this one's are the secrets
    watched = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
    leaks = []
    for secret in watched:
        index = text.find(secret)
        if index < 0:
            continue
        start = text.rfind("\n", 0, index) + 1
        end = text.find("\n", index)
        line = text[start : end if end >= 0 else len(text)]
        masked = line
        for other in watched:
            masked = masked.replace(other, mask(other))
        at = max(masked.find(mask(secret)), 0)  # 0: it leaked inside a longer secret
        context = masked[max(0, at - CONTEXT_CHARS) : at + len(mask(secret)) + CONTEXT_CHARS]
        line_number = text.count("\n", 0, index) + 1
        leaks.append(f"  {mask(secret)} on line {line_number}: ...{context}...")
    if leaks:
        raise AssertionError(f"{len(leaks)} secret(s) leaked:\n" + "\n".join(leaks))


def assert_run_leaks_no_secret(run: ConnectorOutput, secrets: Iterable[str | None]) -> None:
    """No secret of ``secrets``, nor of any config the run emitted, outside its CONNECTOR_CONFIG
    messages (which carry them to the platform by design)."""
    __tracebackhide__ = True
    watched = set(secrets)
    for config in run.emitted_configs:
        watched |= config_secrets(config)
    assert_no_secrets(run.text_without_emitted_configs, watched)
