"""The public chat's live stream, on a real server: it carries this chat's messages and state,
and nothing of any other chat."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time

import httpx
import pytest
import uvicorn

from demandhub.auth.roles import Role
from tests.conversations.helpers import csrf_of


@pytest.fixture
def live_server(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _person(base: str, about: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=10)
    token = csrf_of(c.get("/chat").text)
    assert c.post("/chat/start", data={"about": about, "csrf": token}).status_code == 303
    c.csrf = token
    return c


def _listen(c: httpx.Client, events: queue.Queue, raw: list[str], stop: threading.Event) -> None:
    with httpx.Client(base_url=str(c.base_url), cookies=c.cookies, timeout=httpx.Timeout(10, read=30)) as s:
        with s.stream("GET", "/chat/stream") as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            event = {}
            for line in r.iter_lines():
                raw.append(line)
                if stop.is_set():
                    return
                if line.startswith("data: "):
                    event["data"] = json.loads(line[6:])
                elif line == "" and event:
                    events.put(event)
                    event = {}


def _next(events: queue.Queue, want, timeout=10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=max(0.05, deadline - time.monotonic()))
        except queue.Empty:
            break
        if want(event["data"]):
            return event["data"]
    raise AssertionError("the expected event did not arrive")


def test_the_stream_carries_only_its_own_conversation(live_server, auth, users):
    handler = auth[Role.CALL_HANDLER]
    mine = _person(live_server, "Someone keeps parking across my drive.")
    other = _person(live_server, "A different chat about a lost wallet.")
    staff = httpx.Client(base_url=live_server, headers=handler, timeout=10)
    rows = staff.get("/api/conversations/queue").json()["rows"]
    my_id, other_id = rows[0]["contact_id"], rows[1]["contact_id"]

    events, raw, stop = queue.Queue(), [], threading.Event()
    listener = threading.Thread(target=_listen, args=(mine, events, raw, stop), daemon=True)
    listener.start()
    first = _next(events, lambda d: True)
    assert first["status"] == "waiting" and first["position"] == 1
    assert [m["body"] for m in first["messages"]] == ["Someone keeps parking across my drive."]

    # The other chat is busy: its messages and replies never reach this stream.
    assert other.post("/chat/send", data={"body": "SECRET of the other chat", "csrf": other.csrf}).status_code == 303
    assert staff.post(f"/api/conversations/{other_id}/messages", json={"body": "REPLY to the other"}).status_code == 201
    # This chat: the handler takes it and replies; both arrive, read from the database.
    assert staff.post(f"/api/conversations/{my_id}/take").status_code == 200
    taken = _next(events, lambda d: d["status"] == "answered")
    assert taken["handler"] == "Call handler"
    assert staff.post(f"/api/conversations/{my_id}/messages", json={"body": "Hello, how can I help?"}).status_code == 201
    reply = _next(events, lambda d: any(m["body"] == "Hello, how can I help?" for m in d["messages"]))
    assert [m["mine"] for m in reply["messages"]] == [False]
    assert mine.post("/chat/send", data={"body": "Thank you", "csrf": mine.csrf}).status_code == 303
    _next(events, lambda d: any(m["body"] == "Thank you" for m in d["messages"]))
    assert staff.post(f"/api/conversations/{my_id}/end").status_code == 200
    _next(events, lambda d: d["status"] == "ended")
    stop.set()
    listener.join(5)
    stream = "\n".join(raw)
    assert "SECRET of the other chat" not in stream and "REPLY to the other" not in stream
    assert "A different chat" not in stream


def test_the_stream_needs_a_chat(live_server):
    r = httpx.get(f"{live_server}/chat/stream", timeout=5)
    assert r.status_code == 404


def test_a_quiet_stream_sends_keep_alives(live_server, monkeypatch):
    from demandhub.conversations import chat

    monkeypatch.setattr(chat, "KEEP_ALIVE_S", 0.2)
    person = _person(live_server, "Quiet chat")
    with httpx.Client(base_url=live_server, cookies=person.cookies, timeout=httpx.Timeout(5, read=5)) as s:
        with s.stream("GET", "/chat/stream") as r:
            seen = []
            for line in r.iter_lines():
                seen.append(line)
                if line == ": keep-alive":
                    break
    assert ": keep-alive" in seen
