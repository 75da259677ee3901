"""Migrations run from empty, down to nothing and up again, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from demandhub import db
from demandhub.migrations import downgrade, upgrade
from demandhub.models import import_all


def _fresh_engine(tmp_path):
    server = os.environ.get("DEMANDHUB_TEST_POSTGRES")
    if not server:
        return db.get_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}"), None
    name = f"demandhub_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return db.get_engine(sa.engine.make_url(server).set(database=name).render_as_string(False)), (admin, name)


@pytest.fixture
def empty_engine(tmp_path):
    engine, pg = _fresh_engine(tmp_path)
    yield engine
    engine.dispose()
    if pg:
        admin, name = pg
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_creates_every_table_then_downgrade_removes_them(empty_engine):
    import_all()
    upgrade(empty_engine)
    tables = set(sa.inspect(empty_engine).get_table_names())
    assert set(db.Base.metadata.tables) <= tables
    downgrade(empty_engine, "base")
    assert set(sa.inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_engine)
    assert set(db.Base.metadata.tables) <= set(sa.inspect(empty_engine).get_table_names())


def test_the_models_and_the_migrations_agree(empty_engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import_all()
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.Base.metadata)
    assert diff == [], "models changed without a migration: run alembic revision --autogenerate"
