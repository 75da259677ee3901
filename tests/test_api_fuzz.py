"""Schemathesis against our own OpenAPI document: whatever a client sends, never a 5xx.

Each operation gets Hypothesis-generated requests (valid and invalid per the schema). The
operations are walked here rather than through schemathesis' pytest plugin, whose fixture
mode does not run under pytest 9.
"""

from __future__ import annotations

import importlib
import os
import pkgutil

import schemathesis
from hypothesis import HealthCheck, given, settings

from demandhub.auth.roles import Role


def _import_schemathesis_now() -> None:
    """Import every schemathesis module while the tests are collected, not during a test.

    schemathesis is a pytest plugin, so pytest rewrites (ast.parse) each of its modules as it
    is first imported, and schemathesis imports most of them lazily. Twice in full runs (never
    alone) that late ast.parse failed with CPython 3.11's "SystemError: AST constructor
    recursion depth mismatch", a fault in the interpreter's recursion bookkeeping that earlier
    tests (Hypothesis moves the recursion limit) can leave behind. Importing them here,
    before any test has run, means nothing is parsed that late.
    """
    for module in pkgutil.walk_packages(schemathesis.__path__, "schemathesis."):
        try:
            importlib.import_module(module.name)
        except ImportError:  # optional extras (another web framework's transport) not installed
            pass


_import_schemathesis_now()


ROLE_FOR_PATH = {"/api/users": Role.ADMINISTRATOR, "/api/units/positions": Role.LOCATION_FEED,
                 "/api/terminal": Role.FIELD_UNIT}


def test_no_request_makes_the_server_fail(app, auth, client, roads, make_unit, incident_at):
    # Real records behind small ids, so generated requests reach the use cases, not just a 404.
    from tests.helpers import assessment, contact, take_call

    handler = auth[Role.CALL_HANDLER]
    take_call(client, handler)
    take_call(client, handler, contact_body=contact("My daughter told me her uncle touched her"),
              assessment_body=assessment("crime.sexual_offence", "medium"))
    client.post("/api/contacts", json=contact("A further call, not yet assessed"), headers=handler)
    # A road network, units (one of them the field_unit's own) and placed incidents, so the
    # dispatch operations run their searches rather than stop at a 404.
    make_unit("W1", (1, 0), terminal_username="field-unit")
    make_unit("E1", (4, 3))
    busy = make_unit("J1", (3, 1))
    low = incident_at((2, 0), grade="3", incident_type="crime.theft")
    client.post(f"/api/incidents/{low['id']}/assignments", headers=auth[Role.DISPATCHER], json={"unit_id": busy["id"]})
    incident_at((4, 1), grade="1")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 15
    for operation in operations:
        role = next((r for prefix, r in ROLE_FOR_PATH.items() if operation.path.startswith(prefix)), Role.SUPERVISOR)

        @given(case=operation.as_strategy())
        @settings(max_examples=int(os.environ.get("DEMANDHUB_FUZZ_EXAMPLES", "25")), deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            response = case.call(headers=auth[role])
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}")

        no_server_error()
