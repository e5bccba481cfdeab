"""The suite's units of work under pytest-xdist (``testkit/xdist_scopes.py``)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from testkit.xdist_scopes import (
    ACCOUNT_WAREHOUSE_UNIT,
    LONGEST_FIRST,
    WAREHOUSE_FILES,
    WAREHOUSE_UNIT,
    check_warehouse_units,
    unit_of,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_every_file_reading_the_warehouses_is_in_the_warehouse_unit() -> None:
    readers = sorted(
        path.relative_to(REPO_ROOT).as_posix()
        for path in (REPO_ROOT / "integration_tests").glob("test_*.py")
        if re.search(r"\bbuilt_warehouse\(", path.read_text())
    )
    assert readers == sorted(WAREHOUSE_FILES)
    assert {unit_of(f"{path}::test_x[display]") for path in readers} == {WAREHOUSE_UNIT}
    assert {unit_of(f"{path}::test_x[accounts]") for path in readers} == {ACCOUNT_WAREHOUSE_UNIT}


def test_other_files_are_units_of_their_own_and_the_longest_exist() -> None:
    assert (
        unit_of("integration_tests/test_end_to_end.py::test_a[503]") == "integration_tests/test_end_to_end.py"
    )
    assert unit_of("unit_tests/test_spec.py::test_b") == "unit_tests/test_spec.py"
    for unit in set(LONGEST_FIRST) - {WAREHOUSE_UNIT, ACCOUNT_WAREHOUSE_UNIT}:
        assert (REPO_ROOT / unit).is_file(), unit


class _Item:
    """What check_warehouse_units reads of a collected test."""

    def __init__(self, test: str, fixtures: tuple[str, ...], **params: str) -> None:
        self.nodeid = f"{WAREHOUSE_FILES[0]}::{test}"
        self.fixturenames = ("tmp_path", *fixtures)
        self.callspec = SimpleNamespace(params=params) if params else None


def test_a_test_of_the_several_accounts_warehouses_gets_their_unit_only_when_its_id_says_so() -> None:
    fitting = [
        _Item("test_marts_have_each_accounts_rows", ("accounts",)),
        _Item("test_charts[accounts]", ("rendered",), rendered="accounts"),
        _Item("test_union", ("display", "business")),
        _Item("test_charts[display]", ("rendered",), rendered="display"),
        _Item("test_sql_is_portable", ()),
    ]
    check_warehouse_units(fitting)  # type: ignore[arg-type]
    assert [unit_of(item.nodeid) for item in fitting] == [ACCOUNT_WAREHOUSE_UNIT] * 2 + [WAREHOUSE_UNIT] * 3

    for misplaced in (
        _Item("test_marts_have_each_brands_rows", ("display_accounts",)),
        _Item("test_accounts_union", ("display", "accounts")),
    ):
        with pytest.raises(pytest.UsageError, match="belongs to the unit"):
            check_warehouse_units([misplaced])  # type: ignore[list-item]
