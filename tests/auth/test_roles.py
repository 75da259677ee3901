"""Each role walks every route: it may do what its role needs and is refused the rest."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from demandhub.auth.roles import GRANTS, Permission, Role
from tests.conftest import PASSWORD

PUBLIC = {"/login", "/logout", "/api/auth/token", "/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"}
ANY_LOGGED_IN = {"/", "/account", "/live", "/api/me", "/api/auth/logout"}


def _marker(route: APIRoute, name: str):
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if getattr(dep.call, name, None):
            return getattr(dep.call, name)
        stack.extend(dep.dependencies)
    return None


def _permission(route: APIRoute) -> Permission | None:
    return _marker(route, "permission")


def _api_routes(routes):
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI >= 0.165 includes routers lazily
        if included is not None:
            yield from _api_routes(included.routes)


def routes(app) -> list[tuple[str, str, Permission | None]]:
    out = [(method, route.path, _permission(route))
           for route in _api_routes(app.routes) for method in route.methods - {"HEAD"}]
    assert len(out) > 20, "the route walk found too few routes to be looking in the right place"
    return sorted(out, key=lambda r: (r[1], r[0]))


def _public_routes(app) -> set[str]:
    """Routes for the public (no login): each depends on web.public.public(bucket), so each is rate-limited."""
    return {route.path for route in _api_routes(app.routes) if _marker(route, "public")}


def test_every_route_is_public_open_to_any_login_or_names_its_permission(app):
    public = _public_routes(app)
    for method, path, permission in routes(app):
        assert permission is not None or path in PUBLIC | ANY_LOGGED_IN | public, f"{method} {path} checks no role"
        assert not (permission and path in public), f"{method} {path} is both public and permissioned"


def _fill(path: str) -> str:
    return (path.replace("{contact_id}", "999999").replace("{incident_id}", "999999").replace("{unit_id}", "999999")
            .replace("{reference}", "INC-00000000-0000"))


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_what_it_needs_and_no_more(client, auth, role):
    allowed, refused = [], []
    for method, path, permission in routes(client.app):
        if permission is None or path == "/live":
            continue
        if path.startswith("/api/"):
            r = client.request(method, _fill(path), headers=auth[role], json={})
        else:  # pages use the session cookie
            client.cookies.clear()
            client.post("/login", data={"username": role.value.replace("_", "-"), "password": PASSWORD,
                                        "csrf": _csrf(client)})
            r = client.request(method, _fill(path), data={"csrf": _csrf(client)}, follow_redirects=False)
        (refused if r.status_code in (401, 403) else allowed).append((method, path, permission))
        expected = permission in GRANTS[role]
        assert (r.status_code not in (401, 403)) == expected, (
            f"{role.value} {method} {path} -> {r.status_code} (needs {permission.value}): {r.text[:200]}")
    assert allowed or not GRANTS[role], f"{role.value} may do nothing at all"
    client.cookies.clear()


def _csrf(client) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def test_the_grants_give_each_role_its_job():
    assert Permission.CONTACT_CREATE in GRANTS[Role.CALL_HANDLER]
    assert Permission.INCIDENT_GRADE not in GRANTS[Role.DISPATCHER]
    assert Permission.INCIDENT_REOPEN in GRANTS[Role.SUPERVISOR]
    assert Permission.INCIDENT_CLOSE in GRANTS[Role.RESOLUTION_OFFICER]
    assert not {Permission.CONTACT_CREATE, Permission.INCIDENT_UPDATE} & GRANTS[Role.QUALITY_REVIEWER]
    assert GRANTS[Role.ANALYST] == {Permission.INCIDENT_READ, Permission.POLICY_READ, Permission.UNIT_READ,
                                    Permission.MEASURES_READ, Permission.FEEDBACK_OWN, Permission.STAFF_OWN}
    assert Permission.DISPATCH in GRANTS[Role.DISPATCHER] and Permission.DISPATCH not in GRANTS[Role.CALL_HANDLER]
    assert Permission.UNIT_MANAGE in GRANTS[Role.SUPERVISOR] and Permission.UNIT_MANAGE not in GRANTS[Role.DISPATCHER]
    # Machines get one job each: a terminal reports its own unit; the feed brings positions (units, callers).
    assert GRANTS[Role.FIELD_UNIT] == {Permission.UNIT_REPORT}
    assert GRANTS[Role.LOCATION_FEED] == {Permission.POSITIONS_FEED, Permission.AML_RECEIVE}
    assert Permission.INCIDENT_READ not in GRANTS[Role.ADMINISTRATOR]
    assert Permission.USERS_MANAGE in GRANTS[Role.ADMINISTRATOR]


def test_no_token_no_entry(client, users):
    assert client.get("/api/incidents").status_code == 401
    assert client.get("/api/incidents", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/incidents", headers={"Authorization": "Basic abc"}).status_code == 401
    r = client.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/queue")


def test_tokens_expire(client, users, clock):
    token = client.post("/api/auth/token", json={"username": "analyst", "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    clock.advance(days=31)
    assert client.get("/api/me", headers=headers).status_code == 401


def test_wrong_password_is_refused(client, users):
    r = client.post("/api/auth/token", json={"username": "analyst", "password": "wrong-password"})
    assert r.status_code == 401
    r = client.post("/api/auth/token", json={"username": "nobody", "password": "wrong-password"})
    assert r.status_code == 401


def test_a_page_session_cannot_write_through_the_api_without_the_csrf_token(client, users):
    client.post("/login", data={"username": "call-handler", "password": PASSWORD, "csrf": _csrf(client)})
    csrf = _csrf(client)  # a login starts a new session with a new token
    body = {"channel": "101", "description": "test"}
    assert client.post("/api/contacts", json=body).status_code == 403
    assert client.post("/api/contacts", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_administrators_add_accounts_through_the_api(client, auth):
    admin = auth[Role.ADMINISTRATOR]
    r = client.post("/api/users", json={"username": "new.handler", "password": "long-enough-pw",
                                        "role": "call_handler", "display_name": "New Handler"}, headers=admin)
    assert r.status_code == 201 and r.json()["role"] == "call_handler"
    assert client.post("/api/users", json={"username": "new.handler", "password": "long-enough-pw",
                                           "role": "call_handler"}, headers=admin).status_code == 409
    r = client.post("/api/users", json={"username": "x2", "password": "long-enough-pw", "role": "wizard"},
                    headers=admin)
    assert r.status_code == 422 and "role" in r.text


def test_a_disabled_account_is_refused_everywhere(client, auth, users):
    r = client.post("/api/users/analyst/disable", headers=auth[Role.ADMINISTRATOR])
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/me", headers=auth[Role.ANALYST]).status_code == 401  # its token is revoked
    r = client.post("/api/auth/token", json={"username": "analyst", "password": PASSWORD})
    assert r.status_code == 401
    assert client.post("/api/users/nobody/disable", headers=auth[Role.ADMINISTRATOR]).status_code == 404
    assert client.post("/api/users/analyst/disable", headers=auth[Role.SUPERVISOR]).status_code == 403


def test_a_token_can_be_revoked_by_its_holder(client, users):
    token = client.post("/api/auth/token", json={"username": "dispatcher", "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401


def test_logging_out_ends_the_page_session_even_for_a_copied_cookie(client, users, clock):
    client.post("/login", data={"username": "supervisor", "password": PASSWORD, "csrf": _csrf(client)})
    stolen = dict(client.cookies)
    assert client.get("/queue", follow_redirects=False).status_code == 200
    clock.advance(seconds=1)
    client.post("/logout", data={"csrf": _csrf(client)})
    client.cookies.clear()
    client.cookies.update(stolen)
    r = client.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_failed_logins_are_audited(client, users, sessions):
    import sqlalchemy as sa

    from demandhub.audit.models import AuditEntry

    client.post("/api/auth/token", json={"username": "analyst", "password": "guess-one"})
    client.post("/login", data={"username": "analyst", "password": "guess-two", "csrf": _csrf(client)})
    with sessions() as s:
        failed = list(s.scalars(sa.select(AuditEntry.details).where(AuditEntry.action == "auth.login_failed")))
    assert failed == [{"via": "api"}, {"via": "page"}]
