"""How the suite is shared among pytest-xdist workers (a pytest plugin: ``-p testkit.xdist_scopes``).

Each test file is one unit of work, run whole by one worker, so a file's module fixtures are built
once (xdist's ``loadfile``), with two changes:

- the tests of the files that read the dbt warehouses (``integration_tests/report_warehouses.py``:
  two PyAirbyte syncs and a ``dbt build`` each, about a minute apiece, built once per worker process)
  make two units, so each warehouse is built once per run rather than once per worker that reads it:
  the tests of the several-accounts warehouses (``ACCOUNT_WAREHOUSES``), and the others. The
  scheduler sees only test ids, so the first are those whose id says ``accounts``; each worker
  checks that rule against the warehouses each test's fixtures build, and stops the run if they
  disagree;
- the longest units start first (``LONGEST_FIRST``, measured with ``--durations``), so the last unit
  to finish is a short one, with the warehouses just behind two that need no side environment;
  the rest follow in collection order.
"""

from __future__ import annotations

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling

WAREHOUSE_UNIT = "dbt warehouses"
ACCOUNT_WAREHOUSE_UNIT = "dbt warehouses of several accounts"
#: Of report_warehouses.MODES (the warehouses, by the name of the fixture or parameter building one).
ACCOUNT_WAREHOUSES = frozenset({"accounts", "display_accounts"})
#: Every test file that calls ``report_warehouses.built_warehouse`` (a unit test checks the list).
WAREHOUSE_FILES = (
    "integration_tests/test_dbt_package.py",
    "integration_tests/test_dbt_postgres.py",
    "integration_tests/test_report.py",
)
#: The units that start first, in this order (seconds on one worker, from ``--durations`` on the
#: 2-core machine): the display and business warehouses about 300, the end-to-end file 225 (three of
#: its tests wait out TikTok's minute of rate limiting), the several-accounts warehouses 150, the
#: platform's sequences 120, PyAirbyte 100, the manifest-only runtime 80, the report command 60 (one
#: test; dealt in collection order, it started last and ran 35 s alone, one core idle). xdist deals
#: each worker one unit at the start, and the next in line when its unit has two tests left. The
#: warehouses need the side environments, still being prepared when pytest starts
#: (testkit/side_environments.py), so the first three units need none: two end-to-end files of about
#: 85 and 50 s, whose workers then take the warehouses, and the end-to-end file. The rest follow in
#: collection order.
LONGEST_FIRST = (
    "integration_tests/test_business_end_to_end.py",
    "integration_tests/test_several_accounts_end_to_end.py",
    "integration_tests/test_end_to_end.py",
    WAREHOUSE_UNIT,
    ACCOUNT_WAREHOUSE_UNIT,
    "integration_tests/test_airbyte_platform.py",
    "integration_tests/test_pyairbyte.py",
    "integration_tests/test_manifest_only_runtime.py",
    "integration_tests/test_report_command.py",
)


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to."""
    path, _, test = nodeid.partition("::")
    if path not in WAREHOUSE_FILES:
        return path
    return ACCOUNT_WAREHOUSE_UNIT if "accounts" in test else WAREHOUSE_UNIT


def warehouses_built_for(item: pytest.Item, modes: tuple[str, ...]) -> set[str]:
    """The warehouses (of ``modes``) a test's fixtures build: fixtures named after one, or
    parametrised by one."""
    callspec = getattr(item, "callspec", None)
    params = callspec.params.values() if callspec else ()
    return {name for name in getattr(item, "fixturenames", ()) if name in modes} | {
        value for value in params if isinstance(value, str) and value in modes
    }


def check_warehouse_units(items: list[pytest.Item]) -> None:
    readers = [item for item in items if item.nodeid.split("::", 1)[0] in WAREHOUSE_FILES]
    if not readers:
        return  # the unit tests alone, say: nothing to import
    from integration_tests.report_warehouses import MODES

    for item in readers:
        built = warehouses_built_for(item, MODES)
        wanted = ACCOUNT_WAREHOUSE_UNIT if built and built <= ACCOUNT_WAREHOUSES else WAREHOUSE_UNIT
        if unit_of(item.nodeid) != wanted:
            raise pytest.UsageError(
                f"{item.nodeid} builds the warehouses {sorted(built)}, so it belongs to the unit "
                f"{wanted!r}, but its id puts it in {unit_of(item.nodeid)!r}: a test of only the "
                "several-accounts warehouses says 'accounts' in its name or parameter, no other test "
                "does (testkit/xdist_scopes.py)"
            )


class WarehouseFileScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
    """xdist's scope scheduling over ``unit_of``'s units, in collection order (which
    ``pytest_collection_modifyitems`` puts longest first), not xdist's most-tests-first."""

    def __init__(self, config: pytest.Config, log: Producer | None = None) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    check_warehouse_units(items)
    rank = {unit: index for index, unit in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(unit_of(item.nodeid), len(rank)))  # stable: file order kept


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> WarehouseFileScheduling | None:
    if config.getoption("dist") != "loadfile":
        return None  # a distribution asked for by name (--dist load, the quick loop): xdist builds it
    return WarehouseFileScheduling(config, log)
