"""The spec's ``advanced_auth`` (the Airbyte UI's OAuth button), validated and then run.

1. The spec the connector prints (``spec`` through the CDK entrypoint) is validated against the
   CDK's declarative component schema (``AuthFlow`` / ``OAuthConfigSpecification``), and the
   manifest's ``spec`` block against ``Spec``.
2. Its content is checked against TikTok's flow (consent URL, scopes, PKCE pair, form-encoded token
   request) and against the connector's own ``connection_specification`` (every output path lands
   on a field that exists).
3. The flow is executed the way the Airbyte platform's declarative OAuth executes it (its
   documented template variables, rendered with Jinja), against the loopback emulator, and the
   config it produces passes the connector's ``check``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import airbyte_cdk
import jsonschema
import pytest
import yaml
from airbyte_cdk.models import AirbyteConnectionStatus, Status, Type

from source_tiktok_organic.source import MANIFEST_PATH
from source_tiktok_organic.tiktok_protocol import REQUIRED_SCOPES
from testkit.connector_output import ConnectorOutput
from testkit.platform_oauth import (
    AIRBYTE_REDIRECT,
    TIKTOK_AUTHORIZE,
    config_from_platform_output,
    render,
    run_platform_flow,
    template_values,
)
from tiktok_emulator import TikTokEmulator

SCHEMA_PATH = (
    Path(airbyte_cdk.__file__).parent / "sources" / "declarative" / "declarative_component_schema.yaml"
)
TIKTOK_TOKEN = "https://open.tiktokapis.com/v2/oauth/token/"


@lru_cache(maxsize=1)
def component_schema() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA_PATH.read_text())


def validate_as(definition: str, instance: Any) -> None:
    schema = component_schema()
    jsonschema.Draft7Validator(
        {"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]}
    ).validate(instance)


def run_entrypoint(args: list[str]) -> ConnectorOutput:
    """The connector command, through the CDK's entrypoint, in-process (what the console script
    runs, without paying a second interpreter start-up and CDK import per command)."""
    from airbyte_cdk.entrypoint import AirbyteEntrypoint

    from source_tiktok_organic.run import _create_source

    entrypoint = AirbyteEntrypoint(_create_source(args))
    return ConnectorOutput(
        "\n".join(entrypoint.run(AirbyteEntrypoint.parse_args(args))), command=" ".join(args)
    )


@pytest.fixture(scope="module")
def rendered_spec() -> dict[str, Any]:
    """The SPEC message of `source-tiktok-organic spec`, as the JSON it prints."""
    specs = [m["spec"] for m in run_entrypoint(["spec"]).raw_of_type(Type.SPEC)]
    assert len(specs) == 1
    return specs[0]


@pytest.fixture(scope="module")
def advanced_auth(rendered_spec: dict[str, Any]) -> dict[str, Any]:
    assert "advanced_auth" in rendered_spec, "the spec declares no OAuth flow"
    return rendered_spec["advanced_auth"]


@pytest.fixture(scope="module")
def oauth(advanced_auth: dict[str, Any]) -> dict[str, Any]:
    return advanced_auth["oauth_config_specification"]


@pytest.fixture(scope="module")
def connector_input(oauth: dict[str, Any]) -> dict[str, Any]:
    return oauth["oauth_connector_input_specification"]


# The credentials option the OAuth button fills: the Display API's (advanced_auth's predicate).
OAUTH_OPTION = ("auth_type", "oauth2.0")


def spec_field(connection_specification: Mapping[str, Any], path: Sequence[str]) -> Mapping[str, Any] | None:
    """The JSON schema of the config field at ``path``, or None if the spec has no such field. In a
    ``oneOf`` (the kinds of credentials), the option the OAuth button fills is followed."""
    node: Mapping[str, Any] = connection_specification
    for name in path:
        properties = _oauth_option(node).get("properties")
        if not isinstance(properties, Mapping) or name not in properties:
            return None
        node = properties[name]
    return _oauth_option(node)


def _oauth_option(node: Mapping[str, Any]) -> Mapping[str, Any]:
    for option in node.get("oneOf") or ():
        if option.get("properties", {}).get(OAUTH_OPTION[0], {}).get("const") == OAUTH_OPTION[1]:
            return dict(option)
    return node


# ------------------------------------------------------------------------------------------
# 1. schema validation
# ------------------------------------------------------------------------------------------


def test_rendered_advanced_auth_is_a_valid_auth_flow(advanced_auth: dict[str, Any]) -> None:
    validate_as("AuthFlow", advanced_auth)
    # AuthFlow only references OAuthConfigSpecification; validate it (and its required
    # consent_url / access_token_url) directly as well.
    validate_as("OAuthConfigSpecification", advanced_auth["oauth_config_specification"])
    assert advanced_auth["auth_flow_type"] == "oauth2.0"


def test_manifest_spec_block_is_a_valid_spec() -> None:
    manifest = yaml.safe_load(MANIFEST_PATH.read_text())
    validate_as("Spec", manifest["spec"])
    assert "advanced_auth" in manifest["spec"]


def test_schema_validation_catches_a_broken_flow(connector_input: dict[str, Any]) -> None:
    """The validation above has teeth: a flow without its consent URL is rejected."""
    broken = {key: value for key, value in connector_input.items() if key != "consent_url"}
    with pytest.raises(jsonschema.ValidationError):
        validate_as("OAuthConfigSpecification", {"oauth_connector_input_specification": broken})


def test_rendered_spec_loads_as_the_protocol_model(rendered_spec: dict[str, Any]) -> None:
    from airbyte_cdk.models import ConnectorSpecificationSerializer

    spec = ConnectorSpecificationSerializer.load(rendered_spec)
    assert spec.advanced_auth is not None
    assert spec.advanced_auth.oauth_config_specification is not None


# ------------------------------------------------------------------------------------------
# 2. content: TikTok's flow, and paths into the connector's config
# ------------------------------------------------------------------------------------------


def test_predicate_selects_the_oauth_credentials(
    advanced_auth: dict[str, Any], rendered_spec: dict[str, Any]
) -> None:
    field = spec_field(rendered_spec["connectionSpecification"], advanced_auth["predicate_key"])
    assert field is not None
    assert field.get("const") == advanced_auth["predicate_value"]


def test_consent_url_and_token_request_follow_tiktok(connector_input: dict[str, Any]) -> None:
    assert connector_input["consent_url"].startswith(TIKTOK_AUTHORIZE + "?")
    assert connector_input["access_token_url"] == TIKTOK_TOKEN
    assert connector_input["scope"].split(",") == list(REQUIRED_SCOPES)
    assert connector_input["client_id_key"] == "client_key"  # TikTok's name for the client id
    assert connector_input["access_token_headers"] == {"Content-Type": "application/x-www-form-urlencoded"}
    params = connector_input["access_token_params"]
    assert params["grant_type"] == "authorization_code"
    assert {"client_key", "client_secret", "code", "redirect_uri", "code_verifier"} <= set(params)
    assert connector_input["state"]["min"] >= 16
    assert set(connector_input["extract_output"]) == {"access_token", "refresh_token", "expires_in", "scope"}


def test_pkce_pair_is_tiktoks_hex_sha256(connector_input: dict[str, Any]) -> None:
    consent = render(connector_input["consent_url"], template_values("k", AIRBYTE_REDIRECT, "s" * 32))
    query = {k: v[0] for k, v in parse_qs(urlsplit(consent).query).items()}
    verifier = connector_input["access_token_params"]["code_verifier"]
    assert re.fullmatch(r"[A-Za-z0-9._~-]{43,128}", verifier), "TikTok's verifier charset and length"
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] == hashlib.sha256(verifier.encode()).hexdigest()


def test_outputs_land_in_credentials_fields_that_exist(
    oauth: dict[str, Any], rendered_spec: dict[str, Any]
) -> None:
    connection_specification = rendered_spec["connectionSpecification"]
    outputs = oauth["complete_oauth_output_specification"]["properties"]
    assert set(outputs) == {"access_token", "refresh_token", "token_expiry_date", "granted_scopes"}
    for name, output in outputs.items():
        path = output["path_in_connector_config"]
        assert path[0] == "credentials", name
        assert spec_field(connection_specification, path) is not None, f"{name}: {path} is not in the spec"
        assert output["path_in_oauth_response"], name
    # The connector refreshes with the refresh token, so it must be a required secret.
    credentials = spec_field(connection_specification, ["credentials"])
    assert credentials is not None and "refresh_token" in credentials["required"]
    assert credentials["properties"]["refresh_token"]["airbyte_secret"] is True

    server_input = oauth["complete_oauth_server_input_specification"]["properties"]
    server_output = oauth["complete_oauth_server_output_specification"]["properties"]
    connector_input = oauth["oauth_connector_input_specification"]
    # The platform looks the app's key and secret up under client_id_key / client_secret_key.
    assert (
        set(server_input)
        == set(server_output)
        == {connector_input["client_id_key"], connector_input["client_secret_key"]}
    )
    assert server_output[connector_input["client_id_key"]]["path_in_connector_config"] == [
        "credentials",
        "client_id",
    ]
    assert server_output[connector_input["client_secret_key"]]["path_in_connector_config"] == [
        "credentials",
        "client_secret",
    ]
    for output in server_output.values():
        assert spec_field(connection_specification, output["path_in_connector_config"]) is not None


# ------------------------------------------------------------------------------------------
# 3. the flow, executed the way the platform executes it
# ------------------------------------------------------------------------------------------


@pytest.fixture
def emulator() -> Iterator[TikTokEmulator]:
    with TikTokEmulator(video_count=25) as instance:
        yield instance


def test_platform_flow_against_the_emulator_yields_a_config_that_passes_check(
    oauth: dict[str, Any], connector_input: dict[str, Any], emulator: TikTokEmulator, tmp_path: Path
) -> None:
    token = run_platform_flow(connector_input, emulator)
    assert "error" not in token, token
    config = config_from_platform_output(oauth, token, emulator)
    assert config["credentials"]["refresh_token"] == emulator.current_refresh_token
    assert config["credentials"]["granted_scopes"] == ",".join(emulator.granted_scopes)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    emulator.reset_counters()
    check = run_entrypoint(["check", "--config", str(path)])
    assert check.connection_status == AirbyteConnectionStatus(status=Status.SUCCEEDED), check.transcript()
    # The check proved the flow's live access token, and kept the refresh token unspent.
    assert emulator.requests_by_endpoint.get("/v2/oauth/token/", 0) == 0
    assert emulator.current_refresh_token == config["credentials"]["refresh_token"]


def test_platform_codechallenge_filter_would_not_do(
    connector_input: dict[str, Any], emulator: TikTokEmulator
) -> None:
    """Why the spec carries a fixed hex challenge instead of `{{ state_value | codechallengeS256 }}`:
    the platform's filter yields base64url(SHA-256), which TikTok (and the emulator) reject."""
    verifier = connector_input["access_token_params"]["code_verifier"]
    base64url = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    token = run_platform_flow(connector_input, emulator, challenge=base64url)
    assert token.get("error") == "invalid_grant", token
