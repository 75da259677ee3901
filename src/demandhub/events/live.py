"""Fan committed outbox events out to live screens (server-sent events).

One relay task per process tails the outbox while anyone is subscribed; it wakes at once
when this process commits an event (see `watch_commits`) and otherwise polls, so events
written by other processes or workers still arrive. Slow subscribers lose their oldest events rather than stall the rest;
screens re-read their data on every event, so a dropped one costs nothing lasting.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

from demandhub.events.service import BATCH, PENDING_FLAG, events_after, latest_id


@dataclass(frozen=True)
class LiveEvent:
    id: int
    topic: str
    kind: str
    payload: dict


class LiveFeed:
    def __init__(self, sessions: sessionmaker[Session], *, poll_s: float = 1.0, queue_size: int = 100):
        self._sessions = sessions
        self._poll_s = poll_s
        self._queue_size = queue_size
        self._subscribers: set[asyncio.Queue[LiveEvent]] = set()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._last_id = 0
        self._stopping = False

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="demandhub-live-feed")

    async def stop(self) -> None:
        self._stopping = True  # the loop also checks this, in case a cancellation is swallowed
        if self._task:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)
            self._task = None

    def nudge(self) -> None:
        """Safe from any thread: something was committed, look now."""
        if self._loop and self._wake and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def subscribe(self) -> asyncio.Queue[LiveEvent]:
        """A queue of every event committed from now on. The caller then reads what it shows."""
        if not self._subscribers:
            # Nobody was listening, so the relay stopped reading; start again from the present.
            self._last_id = await asyncio.to_thread(self._read_latest)
        queue: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=self._queue_size)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[LiveEvent]) -> None:
        self._subscribers.discard(queue)

    def _read_latest(self) -> int:
        with self._sessions() as session:
            return latest_id(session)

    def _read_new(self, after: int) -> list[LiveEvent]:
        with self._sessions() as session:
            return [LiveEvent(e.id, e.topic, e.kind, e.payload) for e in events_after(session, after)]

    async def _run(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_s):
                    await self._wake.wait()
            self._wake.clear()
            if not self._subscribers:
                continue  # nobody is watching: reading the outbox would be work for no one
            try:
                batch = await asyncio.to_thread(self._read_new, self._last_id)
            except Exception:  # the database being briefly away must not kill live screens
                await asyncio.sleep(self._poll_s)
                continue
            for item in batch:
                self._last_id = item.id
                for queue in list(self._subscribers):
                    if queue.full():
                        with contextlib.suppress(asyncio.QueueEmpty):
                            queue.get_nowait()
                    queue.put_nowait(item)
            if len(batch) == BATCH:  # a full batch: more may be waiting
                self._wake.set()


def watch_commits(sessions: sessionmaker[Session], feed: LiveFeed) -> None:
    """Nudge the feed after any commit that wrote outbox events."""

    @sa_event.listens_for(sessions, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.info.pop(PENDING_FLAG, False):
            feed.nudge()

    @sa_event.listens_for(sessions, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(PENDING_FLAG, None)
