"""Database conflicts are answered as conflicts to retry, not as server faults."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError


class _DriverError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate, status", [("40P01", 409), ("40001", 409), ("57P01", 500)])
def test_a_deadlock_or_serialization_failure_is_a_409_and_other_database_errors_are_not_hidden(app, sqlstate, status):
    @app.get("/boom")
    def boom():
        raise OperationalError("UPDATE units ...", {}, _DriverError(sqlstate))

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom")
    assert r.status_code == status
    if status == 409:
        assert "try again" in r.json()["detail"]
