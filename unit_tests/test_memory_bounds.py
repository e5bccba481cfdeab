"""What keeps a sync's peak memory independent of the account's size (benchmark figure (c))."""

from __future__ import annotations

import platform
import queue
import threading
from collections import Counter
from typing import Any

import pytest
from airbyte_cdk.sources.concurrent_source.concurrent_read_processor import ConcurrentReadProcessor

from source_tiktok_organic import source
from source_tiktok_organic.run import tune_malloc
from testkit.catalogs import configured_catalog
from testkit.configs import whole_history_config
from testkit.tiktok_responses import VIDEO_LIST_URL, FakeVideoList, mock_token_ok, posting_history

TIGHT_BOUND = 40
# How long the printer may be held: only a queue that never fills, a failure, ever uses it up.
HANG = 30.0


def test_records_wait_for_the_printing_thread_in_a_bounded_queue(
    run_connector: Any, requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers that outpace the printing thread wait for it instead of piling records up; and a
    bound far tighter than the default loses nothing.

    The printer is held at its first record until the workers have filled the queue (rather than
    slowed by a sleep and hoped to be outpaced): so the bound, not the threads' relative speed on
    this machine, decides that the workers wait.
    """
    monkeypatch.setattr(source, "RECORD_QUEUE_SIZE", TIGHT_BOUND)
    waiting: list[int] = []
    filled = threading.Event()
    held: list[bool] = []
    real_put = queue.Queue.put

    def counting_put(self: queue.Queue[Any], item: Any, *args: Any, **kwargs: Any) -> None:
        real_put(self, item, *args, **kwargs)
        if self.maxsize == TIGHT_BOUND:
            waiting.append(self.qsize())
            if self.full():
                filled.set()

    real_on_record = ConcurrentReadProcessor.on_record

    def held_printer(self: ConcurrentReadProcessor, record: Any) -> Any:
        if not held:
            held.append(filled.wait(timeout=HANG))  # False: never filled; the assertions say so
        return real_on_record(self, record)

    monkeypatch.setattr(queue.Queue, "put", counting_put)
    monkeypatch.setattr(ConcurrentReadProcessor, "on_record", held_printer)
    mock_token_ok(requests_mock)
    videos = posting_history("daily", 2_000)
    requests_mock.post(VIDEO_LIST_URL, json=FakeVideoList(videos))

    records = run_connector("read", whole_history_config(), configured_catalog("videos")).records("videos")

    assert Counter(record["id"] for record in records) == Counter(video["id"] for video in videos)
    assert len(waiting) >= len(videos), "the records went through the bounded queue"
    assert held == [True], "the workers filled the queue while the printer was held"
    assert max(waiting) == TIGHT_BOUND, "and never put more in it: the bound did the limiting"


@pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc",
    reason="tune_malloc sets glibc's malloc options (mallopt); this C library is not glibc (the image's is)",
)
def test_malloc_tuning_takes_effect_on_glibc() -> None:
    """On glibc (the image's C library) every option is accepted."""
    assert tune_malloc() is True
