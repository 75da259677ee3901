"""Local accounts: argon2 password hashes, API tokens, the actor behind a request."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from demandhub.audit import service as audit
from demandhub.auth.models import ApiToken, User
from demandhub.auth.roles import Actor, Role
from demandhub.db import dialect_insert
from demandhub.errors import Conflict, Invalid, NotFound

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
MIN_PASSWORD = 8


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


# A fixed hash to verify against when the user does not exist, so a wrong username takes
# as long as a wrong password and usernames cannot be discovered by timing.
@cache
def _dummy_hash() -> str:
    return _hasher().hash("not-a-real-password")


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, display_name=user.display_name, role=Role(user.role))


def add_user(session: Session, *, username: str, password: str, role: Role | str, display_name: str,
             actor: Actor, now: datetime) -> User:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise Invalid("username must be 2-60 characters: lower-case letters, digits, '.', '_' or '-'")
    try:
        role = Role(role)
    except ValueError:
        raise Invalid(f"unknown role {role!r}; roles are: {', '.join(r.value for r in Role)}") from None
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"password must be at least {MIN_PASSWORD} characters")
    if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(username=username, display_name=display_name.strip() or username, role=role.value,
                password_hash=_hasher().hash(password), active=True, created_at=now)
    session.add(user)
    session.flush()
    audit.append(session, actor=actor.username, action="user.added", entity_type="user",
                 entity_id=user.id, at=now, details={"username": username, "role": role.value})
    return user


def channel_account(session: Session, *, channel: str, now: datetime) -> Actor:
    """The account that authors what the public send on a channel ("channel-online"). It has no
    permissions and cannot log in (inactive, with a password nobody knows); made on first use."""
    username = f"channel-{channel}".replace("_", "-")
    user = session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        # Two first reports at once: the unique username lets one insert win; the other reads it.
        session.execute(dialect_insert(session, User.__table__).values(
            username=username, display_name=f"Public ({channel.replace('_', ' ')})", role=Role.PUBLIC.value,
            password_hash=_hasher().hash(secrets.token_urlsafe(32)), active=False, created_at=now,
        ).on_conflict_do_nothing(index_elements=["username"]))
        user = session.scalar(sa.select(User).where(User.username == username))
    return actor_of(user)


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        try:
            _hasher().verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return None
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def record_failed_login(session: Session, *, username: str, now: datetime, via: str) -> None:
    """Failed logins are evidence too (password guessing shows in the trail)."""
    audit.append(session, actor=username[:60] or "?", action="auth.login_failed", entity_type="user",
                 entity_id=username[:60] or "?", at=now, details={"via": via})


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, *, user: User, now: datetime, lifetime: timedelta) -> str:
    token = "dh_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), created_at=now, expires_at=now + lifetime))
    audit.append(session, actor=user.username, action="auth.token_issued", entity_type="user",
                 entity_id=user.id, at=now)
    return token


def user_for_token(session: Session, *, token: str, now: datetime) -> tuple[User, datetime] | None:
    """The active user a live token belongs to, and when the token expires."""
    row = session.execute(
        sa.select(User, ApiToken.expires_at, ApiToken.revoked)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(token))
    ).first()
    if row is None:
        return None
    user, expires_at, revoked = row
    if revoked or expires_at <= now or not user.active:
        return None
    return user, expires_at


def disable_user(session: Session, *, username: str, actor: Actor, now: datetime) -> User:
    """Stop an account: no more logins, its tokens revoked, its page sessions ended."""
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()).with_for_update())
    if user is None:
        raise NotFound(f"no user {username!r}")
    user.active = False
    user.sessions_valid_from = now
    session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id).values(revoked=True))
    audit.append(session, actor=actor.username, action="user.disabled", entity_type="user", entity_id=user.id,
                 at=now, details={"username": user.username})
    return user


def revoke_token(session: Session, *, token: str, actor: Actor, now: datetime) -> None:
    session.execute(sa.update(ApiToken).where(ApiToken.token_hash == token_digest(token)).values(revoked=True))
    audit.append(session, actor=actor.username, action="auth.token_revoked", entity_type="user",
                 entity_id=actor.id, at=now)


def end_page_sessions(session: Session, *, actor: Actor, now: datetime) -> None:
    """Log out: every page session of this user issued until now stops working."""
    session.execute(sa.update(User).where(User.id == actor.id).values(sessions_valid_from=now))
    audit.append(session, actor=actor.username, action="auth.logout", entity_type="user", entity_id=actor.id, at=now)


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(sa.select(User).order_by(User.username)))
