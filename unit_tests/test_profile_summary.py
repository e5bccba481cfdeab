"""tools/profile.py's reading of py-spy's raw output: every thread's samples counted, each function
once per stack, whatever line of it the sample was on."""

from __future__ import annotations

from tools.profile import summarize

RAW = """\
<module> (run.py:10);read (entrypoint.py:5);write (print_buffer.py:40) 3
_worker (thread.py:80);extract_records (components.py:1120);page_body (components.py:1060) 5
_worker (thread.py:80);extract_records (components.py:1131) 2
_worker (thread.py:80);recurse (x.py:1);recurse (x.py:2) 4
"""


def test_each_function_counts_once_per_stack_over_every_thread() -> None:
    profile = summarize(RAW.splitlines())

    assert profile.samples == 14
    assert profile.inclusive["_worker (thread.py)"] == 11  # the worker threads' samples
    assert profile.inclusive["extract_records (components.py)"] == 7  # two lines, one function
    assert profile.inclusive["recurse (x.py)"] == 4  # once per stack, not per frame
    assert profile.innermost["page_body (components.py)"] == 5
    assert profile.innermost["extract_records (components.py)"] == 2
    assert "write (print_buffer.py)" in profile.report(top=10, match="print_buffer")
    assert "page_body" not in profile.report(top=10, match="print_buffer")
