"""PyAirbyte syncs of every stream into a DuckDB cache, run under .venv-pyairbyte.

One process serves many syncs, because importing PyAirbyte takes longer than a sync of the
emulator: each line read from stdin is a JSON request ``{"executable": <console script>}``, answered
by one line ``RESULT_PREFIX {"records": ..., "streams": [...]}`` once that sync is in the cache.
Each rotated config the connector emits is written back to ``--config`` at once, as a PyAirbyte
user must, or the next sync fails with ``invalid_grant``. It imports nothing from this repository
(PyAirbyte pins its own dependency ranges).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

RESULT_PREFIX = "PYAIRBYTE_SYNC_RESULT"


def main() -> int:
    if not (os.environ.get("AIRBYTE_OFFLINE_MODE") and os.environ.get("DO_NOT_TRACK")):
        # Set before importing airbyte: it reads them at import time.
        sys.exit("set AIRBYTE_OFFLINE_MODE=1 and DO_NOT_TRACK=1: no registry look-up is wanted")
    import airbyte as ab
    from airbyte.caches import DuckDBCache

    parser = argparse.ArgumentParser(prog="python -m tools.report.pyairbyte_sync")
    parser.add_argument("--config", type=Path, required=True, help="connector config, rewritten on rotation")
    parser.add_argument("--db-path", type=Path, required=True, help="the DuckDB file")
    parser.add_argument("--schema", required=True, help="the schema the streams' tables go to")
    args = parser.parse_args()

    def keep_rotated(new_config: dict[str, Any]) -> None:
        args.config.write_text(json.dumps(new_config, indent=2))
        os.chmod(args.config, 0o600)

    cache = DuckDBCache(db_path=args.db_path, schema_name=args.schema)
    for line in sys.stdin:
        request = json.loads(line)
        source = ab.get_source(
            "source-tiktok-organic",
            config=json.loads(args.config.read_text()),
            config_change_callback=keep_rotated,
            local_executable=request["executable"],
            install_if_missing=False,
        )
        source.select_all_streams()
        # Append: the dbt package keeps the newest extraction of each primary key itself.
        result = source.read(cache=cache, write_strategy="append")
        answer = {"records": result.processed_records, "streams": sorted(result.streams)}
        print(RESULT_PREFIX, json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
