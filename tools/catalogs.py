"""Write the configured catalogs of ``integration_tests/`` from what discover offers now.

Run from the repository root after a schema or stream changes: ``python -m tools.catalogs``.
``integration_tests/test_catalogs.py`` fails while a committed catalog differs from this output.
"""

from __future__ import annotations

import json

from testkit.catalogs import generated_catalogs


def main() -> None:
    for path, catalog in generated_catalogs().items():
        path.write_text(json.dumps(catalog, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {path.name}: {len(catalog['streams'])} streams")


if __name__ == "__main__":
    main()
