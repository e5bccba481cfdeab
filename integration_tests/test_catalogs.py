"""The committed configured catalogs are what discover offers: a schema changed in the manifest
cannot leave a stale copy behind for the standard tests and the README's read."""

from __future__ import annotations

import json
from pathlib import Path

from testkit.catalogs import generated_catalogs


def test_committed_catalogs_are_what_discover_offers() -> None:
    generated = generated_catalogs()
    assert {path.name for path in generated} == {
        "configured_catalog.json",
        "configured_catalog_business.json",
    }
    stale = [
        path.name for path, catalog in generated.items() if json.loads(Path(path).read_text()) != catalog
    ]
    assert not stale, f"stale catalogs {stale}: run `python -m tools.catalogs` from the repository root"
