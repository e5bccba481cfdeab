"""tiktok-organic-auth's building blocks, without a run: the config it writes, redirect URI and
consent URL rules, and the auth package's imports."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from integration_tests.auth_cli_helpers import (
    mint_paste,
    query_of,
)
from source_tiktok_organic import tiktok_protocol as tiktok
from source_tiktok_organic.auth import common, consent, display
from tiktok_emulator import TikTokEmulator

# ------------------------------------------------------------------------------------------
# building blocks
# ------------------------------------------------------------------------------------------


def test_config_shape_default_host_is_not_written() -> None:

    body = {"access_token": "a" * 10, "refresh_token": "r" * 10, "expires_in": 86400}
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    existing = {"api_base_url": "http://127.0.0.1:9", "start_date": "2025-01-01T00:00:00Z"}
    config = display.build_config(existing, "key", "secret", body, tiktok.API_BASE_URL, now)
    assert config == {
        "start_date": "2025-01-01T00:00:00Z",
        "credentials": {
            "auth_type": "oauth2.0",
            "client_id": "key",
            "client_secret": "secret",
            "refresh_token": "r" * 10,
            "access_token": "a" * 10,
            "token_expiry_date": "2026-01-02T00:00:00+00:00",
        },
    }


def test_config_keeps_the_scopes_of_the_token_it_writes() -> None:
    """granted_scopes belongs to the access token written with it: TikTok's scope is kept, and an
    earlier token's scopes go when the new answer names none."""

    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    tokens = {"access_token": "a" * 10, "refresh_token": "r" * 10}
    existing = {"credentials": {"auth_type": "oauth2.0", "granted_scopes": "user.info.basic"}}

    said = display.build_config(
        existing, "key", "secret", {**tokens, "scope": "user.info.basic,video.list"}, tiktok.API_BASE_URL, now
    )
    silent = display.build_config(existing, "key", "secret", tokens, tiktok.API_BASE_URL, now)

    assert said["credentials"]["granted_scopes"] == "user.info.basic,video.list"
    assert "granted_scopes" not in silent["credentials"]


def test_config_keeps_display_credentials_and_drops_another_apis() -> None:
    """Credentials without an auth_type (written before the API for Business) are the Display
    API's and keep their other keys; business credentials are replaced whole."""

    body = {"access_token": "a" * 10, "refresh_token": "r" * 10}
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    legacy = {"credentials": {"refresh_token": "old", "token_expiry_date": "2025-01-01", "note": "kept"}}
    business = {"credentials": {"auth_type": "business_oauth2.0", "app_secret": "other", "open_id": "o"}}

    kept = display.build_config(legacy, "key", "secret", body, tiktok.API_BASE_URL, now)["credentials"]
    replaced = display.build_config(business, "key", "secret", body, tiktok.API_BASE_URL, now)["credentials"]

    assert kept["note"] == "kept" and "token_expiry_date" not in kept  # no expires_in: no expiry
    assert replaced == {
        "auth_type": "oauth2.0",
        "client_id": "key",
        "client_secret": "secret",
        "refresh_token": "r" * 10,
        "access_token": "a" * 10,
    }


def test_redirect_uri_rules() -> None:
    assert consent.RedirectTarget.parse("http://127.0.0.1:8765/callback").listen_port == 8765
    assert consent.RedirectTarget.parse("http://localhost:9000/").listen_port == 9000
    assert consent.RedirectTarget.parse("https://example.com/cb").listen_port is None
    for bad in ("http://127.0.0.1/cb", "http://example.com/cb", "ftp://x/y", "not a url"):
        with pytest.raises(common.AuthError):
            consent.RedirectTarget.parse(bad)


def test_the_display_consent_url_always_shows_the_consent_screen(
    emu: Callable[..., TikTokEmulator], tmp_path: Path
) -> None:
    """disable_auto_auth=1: without it TikTok may re-approve an app it knows silently, and such a
    re-approval has been seen to grant fewer scopes than requested."""
    emulator = emu()
    code, term = mint_paste(emulator, tmp_path / "config.json")
    assert code == 0, term.output
    printed_url = next(line for line in term.stdout.getvalue().splitlines() if line.startswith("http"))
    assert query_of(printed_url)["disable_auto_auth"] == "1"


def test_authorization_url_keeps_an_existing_query() -> None:
    url = consent.authorization_url(
        "https://proxy.example/authorize?tenant=1", "k", ["a", "b"], "https://r/cb", "s", "c"
    )
    assert query_of(url) == {
        "tenant": "1",
        "client_key": "k",
        "scope": "a,b",
        "response_type": "code",
        "redirect_uri": "https://r/cb",
        "state": "s",
        "code_challenge": "c",
        "code_challenge_method": "S256",
    }


def test_the_auth_package_has_no_import_cycle_and_needs_no_cdk() -> None:
    """No import cycle among the modules of source_tiktok_organic.auth (only ``__main__`` imports
    ``cli``), and each of them imports without the CDK, so that the command starts without it."""
    import ast

    prefix = "source_tiktok_organic.auth"
    graph: dict[str, set[str]] = {}
    for path in Path(display.__file__).parent.glob("*.py"):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == prefix:
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(prefix + "."):
                imported.add(str(node.module).split(".")[2])
            elif isinstance(node, ast.Import):
                imported |= {a.name.split(".")[2] for a in node.names if a.name.startswith(prefix + ".")}
        graph[path.stem] = imported

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join([*path, module])}"
        for dependency in graph.get(module, set()):
            visit(dependency, (*path, module))

    for module in graph:
        visit(module, ())
    assert [module for module, imported in graph.items() if "cli" in imported] == ["__main__"]

    for module in sorted(set(graph) - {"__main__"}):
        name = prefix if module == "__init__" else f"{prefix}.{module}"
        script = f"import sys, {name}; sys.exit(any(m.split('.')[0] == 'airbyte_cdk' for m in sys.modules))"
        assert subprocess.run([sys.executable, "-c", script], timeout=60).returncode == 0, module
