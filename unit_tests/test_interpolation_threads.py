"""The CDK's templates rendered from several threads at once, as its worker threads render them.

CPython 3.11's ``ast`` race (gh-106905) failed a sync's stream with ``SystemError: AST constructor
recursion depth mismatch``; ``components.take_turns_at_literal_eval`` is the guard. Without it this
test fails within a second on CPython 3.11.7 (seen: every run, most threads failing).
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator

import pytest
from airbyte_cdk.sources.declarative.interpolation.jinja import JinjaInterpolation

from source_tiktok_organic import components

THREADS = 4
RENDERS_PER_THREAD = 1500


class _Finalised:
    """Cyclic garbage whose finaliser runs Python code: a collection inside the ``ast`` constructor
    then hands the interpreter to another thread, which is how the race shows in a sync."""

    def __init__(self) -> None:
        self.cycle = self

    def __del__(self) -> None:
        sum(range(20))


@pytest.fixture
def threads_switch_often() -> Iterator[None]:
    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    sys.setswitchinterval(1e-6)
    gc.set_threshold(50, 5, 5)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("threads_switch_often")
def test_templates_rendered_in_threads_at_once_all_evaluate() -> None:
    assert getattr(JinjaInterpolation._literal_eval, "takes_turns", False) or sys.version_info >= (3, 12), (
        f"{components.__name__} did not guard the CDK's literal_eval"
    )
    interpolation = JinjaInterpolation()
    failures: list[BaseException] = []
    wrong: list[object] = []

    def render() -> None:
        for n in range(RENDERS_PER_THREAD):
            _Finalised()
            try:
                value = interpolation.eval("{{ [config['n'], {'fields': ['id', 'title']}] }}", {"n": n})
            except SystemError as failure:
                failures.append(failure)
                return
            if value != [n, {"fields": ["id", "title"]}]:
                wrong.append(value)

    workers = [threading.Thread(target=render) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == [], failures[:1]
    assert wrong == [], wrong[:1]
