"""The connector with its UTC clock set to ``TIKTOK_ORGANIC_CLOCK`` (ISO 8601), run under .venv.

Why: the snapshot streams date their rows by the connector's clock, so two syncs "a day apart" against
the emulator need a connector that believes the day has changed. PyAirbyte starts this through a
shell script (``warehouse.clocked_executable``) as if it were the console script.
"""

from __future__ import annotations

import os
from datetime import datetime

CLOCK_VARIABLE = "TIKTOK_ORGANIC_CLOCK"


def main() -> None:
    # Imported here: warehouse imports CLOCK_VARIABLE and has no use for the connector itself.
    from source_tiktok_organic.run import run
    from testkit.clock import utc_clock

    with utc_clock(datetime.fromisoformat(os.environ[CLOCK_VARIABLE])):
        run()


if __name__ == "__main__":
    main()
