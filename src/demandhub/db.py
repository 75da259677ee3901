"""Engine and session factory. SQLite in the data folder by default, PostgreSQL by URL.

Nothing is created at import: callers build an engine with get_engine() and own it.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Big integers on PostgreSQL; SQLite only auto-increments a column declared INTEGER.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC in and out, whatever the database keeps."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: times are UTC and timezone-aware")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def get_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _make_sqlite_transactional(engine)
        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    # Recycle rather than ping: a ping is a round trip on every checkout, on the hot path.
    kwargs.setdefault("pool_recycle", 1800)
    return sa.create_engine(url, **kwargs)


def _make_sqlite_transactional(engine: Engine) -> None:
    # pysqlite's own transaction handling starts transactions late and never for reads; take
    # control so that a write transaction holds the database lock from its first statement
    # (BEGIN IMMEDIATE). Reading the last audit hash and appending the next is then race-free.
    # Readers (engines made by `reader()`) begin deferred and, under WAL, never block writers.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    # Writers in this process queue on a lock of ours instead of in SQLite's busy handler,
    # which polls with sleeps of up to 100 ms and gave second-long tails under load. It is let
    # go just before the COMMIT or ROLLBACK is sent (SQLAlchemy has no event after it), so the
    # next writer may still meet SQLite's lock, for about as long as that statement takes.
    writers = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(_READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        if not writers.acquire(timeout=_SQLITE_WRITE_WAIT_S):
            raise TimeoutError(f"no write access to the SQLite database within {_SQLITE_WRITE_WAIT_S} s")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writers.release()
            raise
        conn.info[_WRITER] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn):
        if conn.info.pop(_WRITER, False):
            writers.release()


_READ_ONLY = "demandhub_read_only"
_WRITER = "demandhub_writer"
_SQLITE_WRITE_WAIT_S = 30  # as long as SQLite's own busy timeout
_AT_COMMIT = "demandhub.at_commit"
_TX_INFO = "demandhub.transaction"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for use cases. Work registered with `at_commit` runs just before the commit."""
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
    event.listen(factory, "before_commit", _run_at_commit)
    event.listen(factory, "after_transaction_end", _forget_at_commit)
    return factory


def reader_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reads only: on SQLite they do not take the write lock."""
    return sessionmaker(bind=engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False)


def transaction_info(session: Session) -> dict:
    """Scratch space that lives exactly as long as the session's current transaction."""
    return session.info.setdefault(_TX_INFO, {})


def queued_for_commit(session: Session, key: str, writer: Callable[[Session, list], None]) -> list:
    """The list of rows that `writer(session, rows)` writes just before this transaction commits.

    Chains (the audit trail, the outbox) append here, so their lock is held only from the
    last moment of the use case to the commit, not through the whole of it. A rollback
    forgets the rows.
    """
    queues = transaction_info(session).setdefault(_AT_COMMIT, {})
    if key not in queues:
        queues[key] = (writer, [])
    return queues[key][1]


def _forget_at_commit(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended (a rollback, if work is left)
        session.info.pop(_TX_INFO, None)


def _run_at_commit(session: Session) -> None:
    queues = transaction_info(session).pop(_AT_COMMIT, None)
    if not queues:
        return
    session.flush()  # everything else first, so a lock taken by a writer is held for its work alone
    for writer, rows in queues.values():
        if rows:
            writer(session, rows)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One use case, one transaction: commit on success, roll back on any error."""
    with factory() as session:
        with session.begin():
            yield session


def dialect_insert(session: Session, table):
    """INSERT with the database's own ON CONFLICT clauses (PostgreSQL and SQLite spell them alike)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
