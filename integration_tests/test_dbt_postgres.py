"""dbt_tiktok_organic on PostgreSQL, and every compiled model parsed for BigQuery and Snowflake.

The Display API and API for Business warehouses of ``report_warehouses`` (two PyAirbyte syncs a day
apart, mentions included) are copied, typed, into a throwaway PostgreSQL server (Debian's, on
127.0.0.1, started once for this module: ``testkit.postgres``); ``dbt build`` with dbt-postgres runs
every model, schema test and data test there, and the marts must equal DuckDB's row for row. The
deduplication of the staging models (nulls last, ``_airbyte_raw_id`` breaking ties) is checked on
both engines over crafted extractions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from integration_tests.report_warehouses import (
    DATA_TESTS,
    Warehouse,
    built_warehouse,
    require_report_environments,
    run_report_module,
)
from testkit.postgres import PostgresServer, server_bin
from tools.report.dbt_build import MARTS_SCHEMA, dbt_build
from tools.report.warehouse import RAW_SCHEMA

pytestmark = pytest.mark.side_environments

MARTS = (
    "tiktok_organic__account_daily",
    "tiktok_organic__video_daily",
    "tiktok_organic__video_report",
    "tiktok_organic__audience",
    "tiktok_organic__posts",
    "tiktok_organic__mentions_daily",
)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    require_report_environments()
    if server_bin() is None:
        pytest.fail("Debian's postgresql is not installed: scripts/report_env.sh installs it (as root)")
    with PostgresServer() as server:
        yield server


class PostgresBuild:
    """One warehouse's raw tables copied into PostgreSQL database ``mode`` and built there."""

    def __init__(self, warehouse: Warehouse, server: PostgresServer) -> None:
        self.warehouse = warehouse
        self.dsn = server.create_database(warehouse.mode)
        run_report_module(
            "postgres_load", "--db-path", str(warehouse.db_path), "--dsn", self.dsn, "--schema", RAW_SCHEMA
        )
        self.workdir = warehouse.workdir / "postgres"
        self.dbt_output = dbt_build(self.dsn, self.workdir)

    def query(self, *sql: str) -> list[list[list[Any]]]:
        results: list[list[list[Any]]] = run_report_module("query", "--dsn", self.dsn, *sql)
        return results


_BUILDS: dict[str, PostgresBuild] = {}


@pytest.fixture(scope="module", params=["display", "business"])
def on_postgres(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer
) -> PostgresBuild:
    mode: str = request.param
    if mode not in _BUILDS:
        _BUILDS[mode] = PostgresBuild(built_warehouse(mode, tmp_path_factory), postgres)
    return _BUILDS[mode]


def test_dbt_build_passes_on_postgres_with_every_data_test(on_postgres: PostgresBuild) -> None:
    output = on_postgres.dbt_output
    assert "Completed successfully" in output and "ERROR=0" in output, output[-3000:]
    for data_test in DATA_TESTS:
        assert f"PASS {data_test} " in output


def _comparable(value: Any) -> Any:
    """One engine's value as the other gives it: numbers as floats to 9 significant digits (sums
    of doubles differ in their last bits; PostgreSQL's numeric arrives as text), the rest as text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)) or (isinstance(value, str) and _NUMBER.match(value)):
        return float(f"{float(value):.9g}")
    return str(value)


def _rows(result: list[list[Any]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(_comparable(v) for v in row) for row in result), key=repr)


@pytest.mark.parametrize("mart", MARTS)
def test_each_mart_equals_duckdbs_row_for_row(on_postgres: PostgresBuild, mart: str) -> None:
    warehouse = on_postgres.warehouse
    [duckdb_columns] = warehouse.query(
        f"select column_name from information_schema.columns where table_schema = '{MARTS_SCHEMA}' "
        f"and table_name = '{mart}' order by ordinal_position"
    )
    columns = ", ".join(name for [name] in duckdb_columns)
    [on_duckdb] = warehouse.query(f"select {columns} from {MARTS_SCHEMA}.{mart}")
    [on_pg] = on_postgres.query(f"select {columns} from {MARTS_SCHEMA}.{mart}")
    assert len(on_pg) == len(on_duckdb)
    if mart == "tiktok_organic__mentions_daily" and warehouse.mode == "business":
        assert on_duckdb, "the business warehouse reads mentions"
    assert _rows(on_pg) == _rows(on_duckdb)


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_every_compiled_model_parses_in_bigquery_snowflake_postgres_and_duckdb(
    on_postgres: PostgresBuild, engine: str
) -> None:
    build_dir = on_postgres.warehouse.workdir if engine == "duckdb" else on_postgres.workdir
    checked = run_report_module(
        "sql_dialects", "--compiled", str(build_dir / "dbt" / "target" / "compiled"), "--engine", engine
    )
    assert len(checked["models"]) >= 25 and "tiktok_organic__account_daily" in checked["models"]
    assert checked["failures"] == [], "\n".join(f"{m} in {d}: {e}" for m, d, e in checked["failures"])


# Three extractions of one video: two at the same moment (the greater _airbyte_raw_id must win on
# every engine) and one without an extraction time (it must lose, where PostgreSQL sorts nulls first).
DEDUPE_SCHEMA = "dedupe_raw"
DEDUPE_ROWS = (
    ("raw-a", "2025-11-20 12:00:00+00", 10),
    ("raw-b", "2025-11-20 12:00:00+00", 20),
    ("raw-c", None, 30),
)


def _dedupe_warehouse(workdir: Path) -> Path:
    db_path = workdir / "dedupe.duckdb"
    values = ", ".join(
        f"('v1', 'acct', {views}, '{raw_id}', "
        + (f"timestamptz '{at}'" if at else "cast(null as timestamptz)")
        + ")"
        for raw_id, at, views in DEDUPE_ROWS
    )
    run_report_module(
        "query", "--db-path", str(db_path), "--write",
        f"create schema {DEDUPE_SCHEMA}",
        f"create table {DEDUPE_SCHEMA}.business_videos (item_id varchar, business_id varchar, "
        "video_views bigint, _airbyte_raw_id varchar, _airbyte_extracted_at timestamptz)",
        f"insert into {DEDUPE_SCHEMA}.business_videos values {values}",
    )  # fmt: skip
    return db_path


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_staging_keeps_the_newest_extraction_nulls_last_ties_to_the_greater_raw_id(
    tmp_path: Path, postgres: PostgresServer, engine: str
) -> None:
    db_path = _dedupe_warehouse(tmp_path)
    model = "stg_tiktok_organic__business_videos"
    dbt_vars = {"tiktok_organic_schema": DEDUPE_SCHEMA}
    sql = f"select video_id, views, airbyte_raw_id from {MARTS_SCHEMA}.{model}"
    if engine == "postgres":
        dsn = postgres.create_database("dedupe")
        run_report_module("postgres_load", "--db-path", str(db_path), "--dsn", dsn, "--schema", DEDUPE_SCHEMA)
        dbt_build(dsn, tmp_path, dbt_vars, select=model)
        [rows] = run_report_module("query", "--dsn", dsn, sql)
    else:
        dbt_build(db_path, tmp_path, dbt_vars, select=model)
        [rows] = run_report_module("query", "--db-path", str(db_path), sql)
    assert rows == [["v1", 20, "raw-b"]], json.dumps(rows)
