"""Shared fixtures. The suite runs on SQLite by default; set DEMANDHUB_TEST_POSTGRES to a
PostgreSQL server URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and the
same tests run against a database they create and drop themselves."""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from demandhub import db
from demandhub.auth import service as accounts
from demandhub.auth.roles import SYSTEM, Role
from demandhub.config import Settings
from demandhub.migrations import upgrade

pytest_plugins = ["tests.dispatch.fixtures"]  # roads, make_unit, incident_at: also for the API fuzz

PASSWORD = "correct horse battery"


class FakeClock:
    """Time stands still unless a test moves it."""

    def __init__(self, start: datetime = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Production argon2 settings cost ~100 ms a hash by design; tests hash hundreds of times."""
    from argon2 import PasswordHasher

    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    original = accounts._hasher
    accounts._hasher = lambda: fast
    accounts._dummy_hash.cache_clear()
    yield
    accounts._hasher = original
    accounts._dummy_hash.cache_clear()


def _postgres_server_url() -> str | None:
    return os.environ.get("DEMANDHUB_TEST_POSTGRES")


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """A migrated, empty database for the session: (kind, url-or-template-path)."""
    server = _postgres_server_url()
    if server:
        name = f"demandhub_test_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
        engine = db.get_engine(url)
        upgrade(engine)
        engine.dispose()
        yield ("postgresql", url)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        template = tmp_path_factory.mktemp("template") / "template.sqlite3"
        engine = db.get_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        yield ("sqlite", template)


@pytest.fixture
def engine(database, tmp_path):
    kind, where = database
    if kind == "sqlite":
        path = tmp_path / "demandhub.sqlite3"
        shutil.copy(where, path)
        eng = db.get_engine(f"sqlite:///{path}")
    else:
        eng = db.get_engine(where, pool_size=5)
        with eng.begin() as conn:
            tables = [t for t in conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'")).scalars()]
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine):
    return db.session_factory(engine)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, secret_key="test-secret", outbox_poll_s=0.2)


@pytest.fixture
def app(settings, engine, clock):
    from demandhub.app import create_app

    return create_app(settings, engine=engine, clock=clock)


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def users(sessions, clock):
    """One account per role, named after the role."""
    made = {}
    with db.unit_of_work(sessions) as session:
        for role in Role:
            user = accounts.add_user(session, username=role.value.replace("_", "-"), password=PASSWORD, role=role,
                                     display_name=role.label, actor=SYSTEM, now=clock())
            made[role] = accounts.actor_of(user)
    return made


@pytest.fixture
def auth(sessions, users, clock):
    """Bearer headers per role: auth[Role.CALL_HANDLER]. (Logging in through the API is tested
    in tests/auth; here tokens are issued directly so fixtures need no running client.)"""
    headers = {}
    with db.unit_of_work(sessions) as session:
        for role, actor in users.items():
            user = accounts.get_user(session, actor.id)
            token = accounts.issue_token(session, user=user, now=clock(), lifetime=timedelta(days=30))
            headers[role] = {"Authorization": f"Bearer {token}"}
    return headers


@pytest.fixture
def handler(auth):
    return auth[Role.CALL_HANDLER]
