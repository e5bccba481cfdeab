"""The suite's units of work under pytest-xdist (``testkit/xdist_scopes.py``)."""

from __future__ import annotations

import re
from pathlib import Path

from testkit.xdist_scopes import LONGEST_FIRST, WAREHOUSE_FILES, WAREHOUSE_UNIT, unit_of

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_every_file_reading_the_warehouses_is_in_the_warehouse_unit() -> None:
    readers = sorted(
        path.relative_to(REPO_ROOT).as_posix()
        for path in (REPO_ROOT / "integration_tests").glob("test_*.py")
        if re.search(r"\bbuilt_warehouse\(", path.read_text())
    )
    assert readers == sorted(WAREHOUSE_FILES)
    assert {unit_of(f"{path}::test_x[display]") for path in readers} == {WAREHOUSE_UNIT}


def test_other_files_are_units_of_their_own_and_the_longest_exist() -> None:
    assert (
        unit_of("integration_tests/test_end_to_end.py::test_a[503]") == "integration_tests/test_end_to_end.py"
    )
    assert unit_of("unit_tests/test_spec.py::test_b") == "unit_tests/test_spec.py"
    for unit in LONGEST_FIRST[1:]:
        assert (REPO_ROOT / unit).is_file(), unit
