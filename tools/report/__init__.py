"""The report of issue 24: sync with PyAirbyte into DuckDB, build dbt_tiktok_organic, render HTML.

Three environments take part, each running the modules made for it:

- ``.venv`` (the connector's): ``__main__`` orchestrates, ``warehouse`` plays the days on the
  loopback emulator, ``clocked_connector`` runs the connector with its clock set to a played day,
  ``dbt_build`` runs .venv-report's dbt over the warehouse;
- ``.venv-pyairbyte``: ``pyairbyte_sync`` reads the connector into PyAirbyte's DuckDB cache;
- ``.venv-report`` (``scripts/report_env.sh``, the ``report`` extra): ``render`` (the marts into one
  offline HTML page), ``browser_check`` (headless Chromium) and ``query`` (marts as JSON for tests).

Modules of the latter two import only their own environment's packages, never this repository's.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
