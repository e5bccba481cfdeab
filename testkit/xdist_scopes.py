"""How the suite is shared among pytest-xdist workers (a pytest plugin: ``-p testkit.xdist_scopes``).

Each test file is one unit of work, run whole by one worker, so a file's module fixtures are built
once (xdist's ``loadfile``), with two changes:

- the files that read the dbt warehouses (``integration_tests/report_warehouses.py``: two PyAirbyte
  syncs and a ``dbt build`` each, about a minute apiece, built once per worker process) are one unit,
  so each warehouse is built once per run rather than once per worker that reads it;
- units start longest first (``LONGEST_FIRST``, measured with ``--durations``), so the last unit to
  finish is a short one; the rest follow in collection order.
"""

from __future__ import annotations

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling

WAREHOUSE_UNIT = "dbt warehouses"
#: Every test file that calls ``report_warehouses.built_warehouse`` (a unit test checks the list).
WAREHOUSE_FILES = (
    "integration_tests/test_dbt_package.py",
    "integration_tests/test_dbt_postgres.py",
    "integration_tests/test_report.py",
)
#: The units that take longest on one worker (seconds, from ``--durations=0`` on the 2-core machine):
#: the warehouses about 400, the end-to-end files 225 (three of its tests wait out TikTok's minute of
#: rate limiting), the platform's sequences 120, PyAirbyte 86, the manifest-only runtime 82.
LONGEST_FIRST = (
    WAREHOUSE_UNIT,
    "integration_tests/test_end_to_end.py",
    "integration_tests/test_airbyte_platform.py",
    "integration_tests/test_pyairbyte.py",
    "integration_tests/test_manifest_only_runtime.py",
    "integration_tests/test_business_end_to_end.py",
)


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to."""
    path = nodeid.split("::", 1)[0]
    return WAREHOUSE_UNIT if path in WAREHOUSE_FILES else path


class WarehouseFileScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
    """xdist's scope scheduling over ``unit_of``'s units, in collection order (which
    ``pytest_collection_modifyitems`` puts longest first), not xdist's most-tests-first."""

    def __init__(self, config: pytest.Config, log: Producer | None = None) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {unit: index for index, unit in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(unit_of(item.nodeid), len(rank)))  # stable: file order kept


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> WarehouseFileScheduling | None:
    if config.getoption("dist") != "loadfile":
        return None  # a distribution asked for by name (--dist load, the quick loop): xdist builds it
    return WarehouseFileScheduling(config, log)
