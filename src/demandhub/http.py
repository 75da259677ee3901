"""What every route needs from the running application, without importing the application."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Iterator

from fastapi import Path, Request
from sqlalchemy.orm import Session

from demandhub.db import unit_of_work


@contextmanager
def transaction(request: Request) -> Iterator[Session]:
    """The route's use case runs in one transaction: all of it commits or none of it."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


@contextmanager
def reading(request: Request) -> Iterator[Session]:
    """A read-only session (on SQLite it does not take the write lock)."""
    with request.app.state.readers() as session:
        yield session


def now(request: Request) -> datetime:
    return request.app.state.clock()


def settings(request: Request):
    return request.app.state.settings


# Ids are 64-bit in the database; anything larger is a 422 naming the id, not a driver error.
MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
