"""Airbyte's standard connector tests, driven by acceptance-test-config.yml.

The emulator_*.json scenarios run against the loopback TikTok emulator; secrets/config.json
scenarios against the real API, and only where that file exists. The image tests of the suite
are skipped (integration_tests/conftest.py says why): scripts/image_test.sh covers the image.
"""

from __future__ import annotations

import pytest
from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase

from source_tiktok_organic.source import SourceTikTokOrganic

# One worker runs this file (--dist loadfile): the acceptance configs name the emulator's one port.
pytestmark = pytest.mark.usefixtures("acceptance_emulator")


class TestSourceTikTokOrganic(SourceTestSuiteBase):
    @classmethod
    def create_connector(cls, scenario: ConnectorTestScenario | None) -> SourceTikTokOrganic:
        config = (
            scenario.get_config_dict(connector_root=cls.get_connector_root_dir(), empty_if_missing=True)
            if scenario
            else {}
        )
        return SourceTikTokOrganic(config=config)
