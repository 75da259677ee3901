"""Refuse, before anything reads them, request bodies that are too large (413) or that carry a
NUL character in any form (422): PostgreSQL cannot store one in text, and no field needs one.

Upload routes (paths ending in `upload_suffix`) take multipart bodies up to `max_upload_bytes`;
their files are binary, so the NUL check is theirs to make on the text fields they read."""

from __future__ import annotations

import json

# A NUL as raw bytes or JSON-escaped; in forms and query strings also URL-encoded.
_NUL = (b"\x00", b"\\u0000")
_NUL_URLENCODED = _NUL + (b"%00",)


def _has_nul(data: bytes, *, urlencoded: bool = True) -> bool:
    return any(form in data for form in (_NUL_URLENCODED if urlencoded else _NUL))


class RequestGuard:
    def __init__(self, app, *, max_bytes: int, upload_suffix: str | None = None, max_upload_bytes: int = 0):
        self.app = app
        self.max_bytes = max_bytes
        self.upload_suffix = upload_suffix
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if _has_nul(scope.get("query_string", b"")) or "\x00" in scope.get("path", ""):
            return await _refuse(send, 422, "the request contains a NUL character, which no field accepts")
        headers = dict(scope.get("headers") or [])
        upload = bool(self.upload_suffix) and scope.get("path", "").endswith(self.upload_suffix)
        limit = self.max_upload_bytes if upload else self.max_bytes
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _refuse(send, 413, f"request body larger than {limit} bytes")
        # Bodies are small (the limit is a few hundred KiB): read all of it, check it, then hand
        # it on. Raising from inside the app's own read would be caught as a parse error.
        body, more = bytearray(), True  # appended in place: linear in the body's size, however it is chunked
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                return await _refuse(send, 413, f"request body larger than {limit} bytes")
        if not upload and _has_nul(body, urlencoded=headers.get(b"content-type", b"").startswith(b"application/x-www-form")):
            return await _refuse(send, 422, "the request contains a NUL character, which no field accepts")
        body = bytes(body)
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
