"""FastAPI dependencies: who is asking, and may they.

The API takes a bearer token; pages carry a signed session cookie. A browser page calling the
API with its cookie must also send the session's CSRF token in X-CSRF-Token for any write.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated, Callable

from fastapi import Depends, HTTPException, Request, status

from demandhub.auth import service
from demandhub.auth.roles import Actor, Permission
from demandhub.http import now as request_time

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class LoginRequired(Exception):
    """Raised for pages: the app answers with a redirect to the login page."""

    def __init__(self, next_url: str):
        self.next_url = next_url


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class ActorCache:
    """Who a token or a page session belongs to, remembered for a few seconds.

    Every request needs its actor; reading the account each time was a tenth of the
    server's work under load. The price: a disabled account or revoked token keeps working
    for at most `ttl_s` seconds on each server process.
    """

    def __init__(self, *, ttl_s: float, max_entries: int = 10_000):
        self._ttl = ttl_s
        self._max = max_entries
        self._entries: dict[object, tuple[Actor, float, float]] = {}

    def get(self, key: object, *, now: float) -> Actor | None:
        hit = self._entries.get(key)
        if hit is None:
            return None
        actor, cached_at, expires_at = hit
        if now - cached_at > self._ttl or now >= expires_at:
            self._entries.pop(key, None)
            return None
        return actor

    def forget(self, key: object) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def put(self, key: object, actor: Actor, *, now: float, expires_at: float = float("inf")) -> None:
        if len(self._entries) >= self._max:
            self._entries.clear()  # crude but bounded; a refill costs one read per active user
        self._entries[key] = (actor, now, expires_at)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, supplied: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not supplied or not secrets.compare_digest(expected, supplied):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token; reload the page")


def _session_actor(request: Request) -> Actor | None:
    uid = request.session.get("uid")
    if uid is None:
        return None
    issued = request.session.get("issued", 0)
    max_age = request.app.state.settings.session_max_age_s
    now = request_time(request).timestamp()
    if now - issued > max_age:
        request.session.clear()
        return None
    cache: ActorCache = request.app.state.actors
    key = ("session", uid, issued)
    if (actor := cache.get(key, now=now)) is not None:
        return actor
    with request.app.state.readers() as session:
        user = service.get_user(session, uid)
        ended = user is not None and user.sessions_valid_from and issued < user.sessions_valid_from.timestamp()
        if user is None or not user.active or ended:
            request.session.clear()
            return None
        actor = service.actor_of(user)
    cache.put(key, actor, now=now)
    return actor


def api_actor(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Authorization must be 'Bearer <token>'",
                                headers={"WWW-Authenticate": "Bearer"})
        return _token_actor(request, token.strip())
    actor = _session_actor(request)
    if actor is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in or send a bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    if request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get("x-csrf-token"))
    return actor


def _token_actor(request: Request, token: str) -> Actor:
    now = request_time(request)
    cache: ActorCache = request.app.state.actors
    key = ("token", service.token_digest(token))
    if (actor := cache.get(key, now=now.timestamp())) is not None:
        return actor
    with request.app.state.readers() as session:
        found = service.user_for_token(session, token=token, now=now)
        if found is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "token unknown, expired or revoked",
                                headers={"WWW-Authenticate": "Bearer"})
        user, expires_at = found
        actor = service.actor_of(user)
    cache.put(key, actor, now=now.timestamp(), expires_at=expires_at.timestamp())
    return actor


def page_actor(request: Request) -> Actor:
    actor = _session_actor(request)
    if actor is None:
        raise LoginRequired(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
    return actor


def _forbid(actor: Actor, permission: Permission) -> None:
    if not actor.can(permission):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"role '{actor.role.value}' may not {permission.value}")


def require(permission: Permission) -> Callable[..., Actor]:
    def dependency(actor: Annotated[Actor, Depends(api_actor)]) -> Actor:
        _forbid(actor, permission)
        return actor

    dependency.permission = permission  # read by the route-permission test
    return dependency


def require_page(permission: Permission) -> Callable[..., Actor]:
    def dependency(actor: Annotated[Actor, Depends(page_actor)]) -> Actor:
        _forbid(actor, permission)
        return actor

    dependency.permission = permission
    return dependency


def token_lifetime(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.token_max_age_s)
