"""The spec the Airbyte UI renders: shape, secrets, hidden fields written by the connector."""

from __future__ import annotations

from typing import Any

import pytest

from testkit.configs import credentials_option, make_config


@pytest.fixture
def spec(run_connector: Any) -> dict[str, Any]:
    return run_connector("spec", make_config()).spec.connectionSpecification


def test_credentials_shape_and_secrets(spec: dict[str, Any]) -> None:
    credentials = credentials_option(spec, "oauth2.0")
    assert spec["required"] == ["credentials"]
    assert credentials["required"] == ["auth_type", "client_id", "client_secret", "refresh_token"]
    assert credentials["properties"]["auth_type"]["const"] == "oauth2.0"
    for secret in ("client_secret", "refresh_token", "access_token"):
        assert credentials["properties"][secret]["airbyte_secret"] is True, secret
    assert credentials["properties"]["client_id"]["title"] == "Client Key"


def test_business_credentials_shape_and_secrets(spec: dict[str, Any]) -> None:
    credentials = credentials_option(spec, "business_oauth2.0")
    assert credentials["required"] == ["auth_type", "app_id", "app_secret", "refresh_token"]
    for secret in ("app_secret", "refresh_token", "access_token"):
        assert credentials["properties"][secret]["airbyte_secret"] is True, secret
    assert not credentials["properties"]["app_id"]["airbyte_secret"]
    assert spec["properties"]["business_api_base_url"]["default"] == "https://business-api.tiktok.com"


@pytest.mark.parametrize(
    "auth_type, visible",
    [
        ("oauth2.0", ("client_id", "client_secret", "refresh_token")),
        ("business_oauth2.0", ("app_id", "app_secret", "refresh_token")),
    ],
)
def test_fields_written_by_the_connector_are_hidden(
    spec: dict[str, Any], auth_type: str, visible: tuple[str, ...]
) -> None:
    properties = credentials_option(spec, auth_type)["properties"]
    written = {"granted_scopes"} | (
        {"access_token", "token_expiry_date"} if auth_type == "oauth2.0" else set()
    )
    for name in written:
        assert properties[name]["airbyte_hidden"] is True, name
    for name in visible:
        assert not properties[name].get("airbyte_hidden"), name


@pytest.mark.parametrize("auth_type", ["oauth2.0", "business_oauth2.0"])
def test_what_tiktok_organic_auth_wrote_can_be_pasted_into_the_form(
    spec: dict[str, Any], auth_type: str
) -> None:
    """With no OAuth button (API for Business, and every added account), the Airbyte UI's user
    pastes the live access token and its expiry too, so that the setup check proves the
    credentials without spending the refresh token; the business account also needs its open_id."""
    credentials = credentials_option(spec, auth_type)["properties"]
    items = credentials["accounts"]["items"]["properties"]
    pasted = [items["access_token"], items["token_expiry_date"]]
    if auth_type == "business_oauth2.0":
        pasted += [credentials["access_token"], credentials["token_expiry_date"], credentials["open_id"]]
    for field in pasted:
        assert not field.get("airbyte_hidden") and "order" in field, field["title"]
    assert items["access_token"]["airbyte_secret"] is True
    assert "access_token" not in (credentials.get("required") or [])


def test_optional_options_have_defaults_examples_and_order(spec: dict[str, Any]) -> None:
    properties = spec["properties"]
    assert properties["api_base_url"]["default"] == "https://open.tiktokapis.com"
    assert properties["start_date"]["format"] == "date-time"
    orders = [properties[name]["order"] for name in ("credentials", "start_date", "api_base_url")]
    assert orders == sorted(orders)
    for name in ("start_date", "api_base_url"):
        assert properties[name]["examples"], name
    options = list(properties.items())
    for credentials in properties["credentials"]["oneOf"]:
        options += list(credentials["properties"].items())
    for name, option in options:
        if name != "auth_type":
            assert option.get("title") and option.get("description"), name
