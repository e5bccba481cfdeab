"""The spec the Airbyte UI renders: shape, secrets, hidden fields written by the connector."""

from __future__ import annotations

from typing import Any

import pytest

from testkit.configs import make_config


@pytest.fixture
def spec(run_connector: Any) -> dict[str, Any]:
    return run_connector("spec", make_config()).spec.connectionSpecification


def test_credentials_shape_and_secrets(spec: dict[str, Any]) -> None:
    credentials = spec["properties"]["credentials"]
    assert spec["required"] == ["credentials"]
    assert credentials["required"] == ["auth_type", "client_id", "client_secret", "refresh_token"]
    assert credentials["properties"]["auth_type"]["const"] == "oauth2.0"
    for secret in ("client_secret", "refresh_token", "access_token"):
        assert credentials["properties"][secret]["airbyte_secret"] is True, secret
    assert credentials["properties"]["client_id"]["title"] == "Client Key"


def test_fields_written_by_the_connector_are_hidden(spec: dict[str, Any]) -> None:
    properties = spec["properties"]["credentials"]["properties"]
    assert properties["access_token"]["airbyte_hidden"] is True
    assert properties["token_expiry_date"]["airbyte_hidden"] is True
    for visible in ("client_id", "client_secret", "refresh_token"):
        assert not properties[visible].get("airbyte_hidden"), visible


def test_optional_options_have_defaults_examples_and_order(spec: dict[str, Any]) -> None:
    properties = spec["properties"]
    assert properties["api_base_url"]["default"] == "https://open.tiktokapis.com"
    assert properties["start_date"]["format"] == "date-time"
    orders = [properties[name]["order"] for name in ("credentials", "start_date", "api_base_url")]
    assert orders == sorted(orders)
    for name in ("start_date", "api_base_url"):
        assert properties[name]["examples"], name
    for name, option in list(properties.items()) + list(properties["credentials"]["properties"].items()):
        if name != "auth_type":
            assert option.get("title") and option.get("description"), name
