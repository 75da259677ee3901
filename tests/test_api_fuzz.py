"""Schemathesis against our own OpenAPI document: whatever a client sends, never a 5xx.

Each operation gets Hypothesis-generated requests (valid and invalid per the schema). The
operations are walked here rather than through schemathesis' pytest plugin, whose fixture
mode does not run under pytest 9.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from demandhub.auth.roles import Role


def test_no_request_makes_the_server_fail(app, auth, client):
    # Real records behind small ids, so generated requests reach the use cases, not just a 404.
    from tests.helpers import assessment, contact, take_call

    handler = auth[Role.CALL_HANDLER]
    take_call(client, handler)
    take_call(client, handler, contact_body=contact("My daughter told me her uncle touched her"),
              assessment_body=assessment("crime.sexual_offence", "medium"))
    client.post("/api/contacts", json=contact("A further call, not yet assessed"), headers=handler)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 15
    for operation in operations:
        role = Role.ADMINISTRATOR if operation.path.startswith("/api/users") else Role.SUPERVISOR

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            response = case.call(headers=auth[role])
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}")

        no_server_error()
