"""Live screens hear about every committed change, and nothing that was rolled back."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from demandhub import db
from demandhub.events import service as events
from demandhub.events.live import LiveFeed, watch_commits


def run(coro_fn):
    """asyncio.run on a thread of its own: another test's tool (Playwright) may own this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coro_fn())).result(timeout=30)


def test_committed_events_reach_subscribers_and_rolled_back_ones_do_not(sessions, clock):
    async def scenario():
        feed = LiveFeed(sessions, poll_s=5)  # long poll: delivery must come from the commit nudge
        watch_commits(sessions, feed)
        await feed.start()
        queue = await feed.subscribe()

        def write(kind, fail=False):
            try:
                with db.unit_of_work(sessions) as s:
                    events.publish(s, topic="incidents", kind=kind, payload={"reference": kind}, at=clock())
                    if fail:
                        raise RuntimeError("use case failed after publishing")
            except RuntimeError:
                pass

        await asyncio.to_thread(write, "rolled-back", True)
        await asyncio.to_thread(write, "first")
        await asyncio.to_thread(write, "second")
        got = [await asyncio.wait_for(queue.get(), 2) for _ in range(2)]
        await feed.stop()
        return got

    got = run(scenario)
    assert [e.kind for e in got] == ["first", "second"]
    assert got[0].id < got[1].id


def test_events_written_by_another_process_arrive_by_polling(sessions, clock):
    async def scenario():
        feed = LiveFeed(sessions, poll_s=0.05)
        await feed.start()  # no commit watcher: as if another worker wrote the event
        queue = await feed.subscribe()
        with db.unit_of_work(sessions) as s:
            events.publish(s, topic="incidents", kind="elsewhere", payload={}, at=clock())
        got = await asyncio.wait_for(queue.get(), 2)
        await feed.stop()
        return got

    assert run(scenario).kind == "elsewhere"


@pytest.mark.parametrize("n", [3])
def test_a_slow_subscriber_loses_oldest_events_not_the_feed(sessions, clock, n):
    async def scenario():
        feed = LiveFeed(sessions, poll_s=0.05, queue_size=2)
        await feed.start()
        queue = await feed.subscribe()
        with db.unit_of_work(sessions) as s:
            for i in range(n):
                events.publish(s, topic="incidents", kind=f"e{i}", payload={}, at=clock())
        await asyncio.sleep(0.3)
        kinds = [queue.get_nowait().kind for _ in range(queue.qsize())]
        await feed.stop()
        return kinds

    assert run(scenario) == ["e1", "e2"]
