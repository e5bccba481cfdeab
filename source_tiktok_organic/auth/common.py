"""What every step of ``tiktok-organic-auth`` shares: its errors and exit codes, the ``Redactor``,
the ``Terminal`` it talks to the user through, the app's credentials and the base URLs it is given.

Every message a step raises has gone through a ``Redactor`` or holds no secret.
"""

from __future__ import annotations

import getpass
import os
import sys
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TextIO
from urllib.parse import urlsplit

from source_tiktok_organic import tiktok_protocol as tiktok
from source_tiktok_organic.credential_fields import secret_values

# (connect, read) seconds for every request to TikTok.
HTTP_TIMEOUT = (10.0, 30.0)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_MISSING_SCOPES = 3  # the granted scopes fall short
EXIT_ALREADY_ENDED = 4  # --revoke: the refresh token in the file was already refused, nothing revoked
EXIT_INTERRUPTED = 130


class AuthError(Exception):
    """A failure the user can act on: printed as one message, never as a traceback.

    ``tiktok_error``: the ``error`` of TikTok's answer (``invalid_grant``, ...) when TikTok refused.
    """

    def __init__(self, message: str, exit_code: int = EXIT_ERROR, tiktok_error: str | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.tiktok_error = tiktok_error


@dataclass
class Redactor:
    """Replaces every secret seen so far by ``****`` in anything about to be printed.

    Why: error descriptions from TikTok, exception texts and URLs can echo what was sent. Every
    message goes through here, so a secret can only leak if it was never registered.
    """

    secrets: set[str] = field(default_factory=set)

    def add(self, *values: str | None) -> None:
        self.secrets.update(v for v in values if v and len(v) >= 4)

    def add_credentials(self, credentials: Mapping[str, Any]) -> None:
        """Every secret field (``SECRET_CREDENTIAL_FIELDS``) of a config's credentials, those of
        each of its further business accounts (``credentials.accounts``) included."""
        self.add(*secret_values(credentials))

    def __call__(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "****")
        return text


@dataclass
class Terminal:
    """Where the command talks to the user; injectable so tests can drive it in-process."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    ask_secret: Callable[[str], str] = getpass.getpass
    open_browser: Callable[[str], bool] = webbrowser.open

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def ask(self, prompt: str) -> str:
        self.stderr.write(prompt)
        self.stderr.flush()
        return self.stdin.readline().strip()


class AppNames(NamedTuple):
    """What an app's id and secret are called: prompts, environment variables, options, config keys."""

    id_label: str
    secret_label: str
    env: tuple[str, str]
    options: tuple[str, str]
    config_keys: tuple[str, str]


def client_credentials(
    given: tuple[str | None, str | None], term: Terminal, defaults: Mapping[str, Any], names: AppNames
) -> tuple[str, str]:
    """An app's id and secret: options, then environment, then the existing config, then asked.

    The secret is asked with getpass (no echo), and only on a terminal: a piped stdin gets a clear
    error instead of a prompt nobody sees.
    """
    interactive = term.stdin.isatty() if hasattr(term.stdin, "isatty") else False
    key = given[0] or term.environ.get(names.env[0]) or defaults.get(names.config_keys[0])
    if not key and interactive:
        key = term.ask(f"{names.id_label}: ")
    secret = given[1] or term.environ.get(names.env[1]) or defaults.get(names.config_keys[1])
    if not secret and interactive:
        secret = term.ask_secret(f"{names.secret_label} (not shown): ")
    if not key or not secret:
        raise AuthError(
            f"The {names.id_label} and its secret are needed: set {' and '.join(names.env)}, pass "
            f"{' and '.join(names.options)}, or run in a terminal to be asked."
        )
    return str(key).strip(), str(secret).strip()


def normalise_base_url(url: str, example: str = tiktok.API_BASE_URL) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise AuthError(f"The API base URL is not an http(s) URL: {url} (for example {example}).")
    return url.rstrip("/")
