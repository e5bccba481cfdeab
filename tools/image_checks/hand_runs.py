"""``docker run`` by hand: ``check``, ``read``, ``check`` on one config file in a mounted folder, which
the connector must keep holding the live refresh token."""

from __future__ import annotations

import json
import stat

from airbyte_cdk.models import (
    AirbyteCatalog,
)

from testkit.catalogs import catalog_json
from tiktok_emulator import TikTokEmulator
from tools.image_checks.harness import ImageRun, expect, section


class HandRuns(ImageRun):
    """The image run by hand on a mounted config file, with nobody saving CONNECTOR_CONFIG."""

    def hand_runs(self, emulator: TikTokEmulator, catalog: AirbyteCatalog) -> None:
        """``docker run -v <folder>:/secrets ... --config /secrets/config.json`` by hand, three times:
        nobody saves the CONNECTOR_CONFIG message, so the connector must write the rotated config
        back to the mounted file (its folder writable by the image's user, uid 1000)."""
        section("check, read, check by hand on one config file in a mounted folder")
        folder = self.workdir / "hand"
        folder.mkdir()
        folder.chmod(0o777)  # writable by the image's user, whoever owns it here
        config_file = folder / "config.json"
        config_file.write_text(json.dumps(emulator.connector_config(), indent=2))
        config_file.chmod(0o666)
        catalog_path = self.write_json("hand_catalog.json", catalog_json(self.configured_catalog(catalog)[0]))
        mount = f"{folder}:/secrets"
        for command in (["check"], ["read", "--catalog", catalog_path], ["check"]):
            before = json.loads(config_file.read_text())["credentials"]["refresh_token"]
            emulator.invalidate_access_tokens()  # two hours later: the access token in the file is dead
            run = self.container([*command, "--config", "/secrets/config.json"], mounts=[mount])
            expect(
                run.returncode == 0 and not run.errors,
                f"{command[0]} by hand exits 0 without error traces",
                run.transcript(),
            )
            saved = json.loads(config_file.read_text())["credentials"]["refresh_token"]
            # Only a read spends the refresh token; a check leaves it as it was.
            rotated = command[0] == "read"
            expect(
                saved == emulator.current_refresh_token and (saved != before) == rotated,
                f"after {command[0]}, the mounted file holds the refresh token TikTok accepts"
                f" ({'rotated by the read' if rotated else 'unspent by the check'})",
                run.transcript(),
            )
            mode = stat.S_IMODE(config_file.stat().st_mode)
            expect(mode == 0o666, f"the mounted file keeps its mode ({mode:o})")
