"""The CDK internals the connector relies on still have the shape it expects.

Each test exercises one item of ``source_tiktok_organic/cdk_internals.py`` and fails with a message
naming it, so that a CDK upgrade breaks here, clearly, rather than in the middle of a sync.
"""

from __future__ import annotations

import logging
from queue import Queue
from typing import Any

import pytest
import yaml
from airbyte_cdk.sources.declarative.auth.oauth import DeclarativeSingleUseRefreshTokenOauth2Authenticator
from airbyte_cdk.sources.declarative.models.declarative_component_schema import (
    CustomAuthenticator as CustomAuthenticatorModel,
)
from airbyte_cdk.sources.declarative.models.declarative_component_schema import (
    CustomRequester as CustomRequesterModel,
)
from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from airbyte_cdk.sources.streams.call_rate import APIBudget

from source_tiktok_organic import cdk_internals
from source_tiktok_organic.components import SharedPageRequester, TikTokOAuthAuthenticator
from source_tiktok_organic.source import MANIFEST_PATH, RECORD_QUEUE_SIZE, SourceTikTokOrganic

UPGRADE_HINT = "the CDK changed an internal listed in source_tiktok_organic/cdk_internals.py: "


def built_authenticator(config: dict[str, Any]) -> TikTokOAuthAuthenticator:
    """The manifest's authenticator, built by the CDK's component factory as a sync builds it."""
    manifest = ManifestReferenceResolver().preprocess_manifest(yaml.safe_load(MANIFEST_PATH.read_text()))
    authenticator = ModelToComponentFactory().create_component(
        CustomAuthenticatorModel, manifest["definitions"]["authenticator"], config
    )
    assert isinstance(authenticator, TikTokOAuthAuthenticator), UPGRADE_HINT + "authenticator wiring"
    return authenticator


def config() -> dict[str, Any]:
    return {
        "credentials": {
            "auth_type": "oauth2.0",
            "client_id": "client-key",
            "client_secret": "contract-client-secret",
            "refresh_token": "contract-refresh-token",
        }
    }


def test_adopted_authenticator_keeps_the_configured_oauth_state() -> None:
    authenticator = built_authenticator(config())
    assert isinstance(authenticator, DeclarativeSingleUseRefreshTokenOauth2Authenticator)
    assert authenticator.get_refresh_token() == "contract-refresh-token", (
        UPGRADE_HINT + "1. the built authenticator's state"
    )
    assert authenticator.get_client_id() == "client-key", UPGRADE_HINT + "1. the built authenticator's state"


@pytest.mark.parametrize(
    "reported, reason",
    [("'TikTok said no'", "TikTok said no"), ('"it\'s gone"', "it's gone"), ("plain", "plain")],
)
def test_check_failure_reason_unwraps_a_repr(reported: str, reason: str) -> None:
    assert cdk_internals.check_failure_reason(reported) == reason


def test_a_failed_check_stream_reports_its_reason_as_a_repr(requests_mock: Any) -> None:
    from airbyte_cdk.models import Status

    requests_mock.post(
        "https://open.tiktokapis.com/v2/oauth/token/",
        status_code=400,
        json={"error": "invalid_grant", "error_description": "gone"},
    )
    source = SourceTikTokOrganic(config=config())
    status = YamlDeclarativeSource.check(source, logging.getLogger("contract"), config())
    assert status.status == Status.FAILED
    assert status.message.startswith(("'", '"')), UPGRADE_HINT + "2. CheckStream's repr(reason)"
    assert "TikTok rejected the refresh token" in cdk_internals.check_failure_reason(status.message)


def test_the_package_uses_at_most_five_internals() -> None:
    """The module's own list: five for the connector, the rest for tests and tools only."""
    import ast
    from pathlib import Path

    package = Path(cdk_internals.__file__).parent
    used = set()
    for module in package.rglob("*.py"):
        if module.name == "cdk_internals.py":
            continue
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "source_tiktok_organic.cdk_internals":
                used.update(alias.name for alias in node.names)
            if isinstance(node, ast.FunctionDef) and node.name in cdk_internals.__all__:
                used.add(node.name)
    assert used <= set(cdk_internals.__all__[:5]), used
    assert len(used) <= 5


def test_run_command_is_the_entrypoint_runner() -> None:
    from airbyte_cdk.test import entrypoint_wrapper

    assert hasattr(entrypoint_wrapper, "_run_command"), UPGRADE_HINT + "5. entrypoint_wrapper._run_command"
    output = cdk_internals.run_command(SourceTikTokOrganic(), ["spec"])
    assert output.spec_messages, UPGRADE_HINT + "5. _run_command no longer runs spec"


def test_api_budget_is_reachable_once_streams_are_built() -> None:
    source = SourceTikTokOrganic(config=config())
    source.streams(config())
    assert isinstance(cdk_internals.api_budget_of(source), APIBudget), (
        UPGRADE_HINT + "6. _constructor._api_budget"
    )


def test_manifest_macros_render_from_the_replaceable_globals(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timezone

    from airbyte_cdk.sources.declarative.interpolation.jinja import JinjaInterpolation

    fixed = datetime(2030, 5, 17, 12, 0, tzinfo=timezone.utc)
    monkeypatch.setitem(cdk_internals.interpolation_globals(), "now_utc", lambda: fixed)
    rendered = JinjaInterpolation().eval("{{ format_datetime(now_utc(), '%Y-%m-%d') }}", config={})
    assert rendered == "2030-05-17", UPGRADE_HINT + "7. jinja._ENVIRONMENT globals"


def test_record_queue_is_reachable_and_read_on_every_put() -> None:
    plain = YamlDeclarativeSource(path_to_yaml=str(MANIFEST_PATH), config=config())
    queue = cdk_internals.record_queue_of(plain)
    assert isinstance(queue, Queue), UPGRADE_HINT + "3. _concurrent_source._queue"
    assert queue.maxsize == 10_000, UPGRADE_HINT + "3. the CDK's queue size (is the bound still needed?)"
    ours = cdk_internals.record_queue_of(SourceTikTokOrganic(config=config()))
    assert ours.maxsize == RECORD_QUEUE_SIZE < queue.maxsize


def test_custom_components_get_the_api_budget_of_their_build_and_each_build_a_new_one() -> None:
    business = {
        "credentials": {
            "auth_type": "business_oauth2.0",
            "app_id": "123",
            "app_secret": "contract-app-secret",
            "refresh_token": "contract-refresh-token",
        }
    }
    source = SourceTikTokOrganic(config=business)
    source.streams(business)
    first = cdk_internals.api_budget_of(source)
    manifest = ManifestReferenceResolver().preprocess_manifest(yaml.safe_load(MANIFEST_PATH.read_text()))
    definition = {**manifest["definitions"]["business_requester"], "path": "/"}
    requester = source._constructor.create_component(CustomRequesterModel, definition, business, name="x")
    assert isinstance(requester, SharedPageRequester) and requester.api_budget is first, (
        UPGRADE_HINT + "4. custom components get the factory's api_budget"
    )
    source.streams(business)
    assert cdk_internals.api_budget_of(source) is not first, (
        UPGRADE_HINT + "4. each build of the streams makes its own api_budget"
    )


def test_every_template_is_literal_evaluated_through_the_guarded_method(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airbyte_cdk.sources.declarative.interpolation.jinja import JinjaInterpolation

    seen: list[str | None] = []
    guarded = JinjaInterpolation._literal_eval

    def watched(self: JinjaInterpolation, result: str | None, valid_types: Any) -> Any:
        seen.append(result)
        return guarded(self, result, valid_types)

    monkeypatch.setattr(JinjaInterpolation, "_literal_eval", watched)
    assert JinjaInterpolation().eval("{{ [config['n']] }}", {"n": 7}) == [7]
    assert seen == ["[7]"], (
        UPGRADE_HINT + "5. JinjaInterpolation._literal_eval (is the 3.11 guard still needed?)"
    )
