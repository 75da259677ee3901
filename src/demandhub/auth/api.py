from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status

from demandhub.audit import service as audit
from demandhub.auth import service
from demandhub.auth.deps import api_actor, bearer_token, require, token_lifetime
from demandhub.auth.roles import GRANTS, Actor, Permission
from demandhub.auth.schemas import TokenRead, TokenRequest, UserCreate, UserRead
from demandhub.http import now, reading, transaction

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/token", response_model=TokenRead)
def get_token(body: TokenRequest, request: Request):
    """Exchange a username and password for a bearer token."""
    with reading(request) as session:  # the deliberately slow hash runs outside any write lock
        user = service.authenticate(session, username=body.username, password=body.password)
    with transaction(request) as session:
        if user is None:
            service.record_failed_login(session, username=body.username, now=now(request), via="api")
        else:
            lifetime = token_lifetime(request)
            token = service.issue_token(session, user=user, now=now(request), lifetime=lifetime)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    return TokenRead(token=token, expires_at=now(request) + lifetime, user=UserRead.model_validate(user))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def revoke(request: Request, actor: Annotated[Actor, Depends(api_actor)]) -> None:
    """Revoke the bearer token this request carries (a page session logs out at /logout)."""
    token = bearer_token(request)
    if token is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "send the bearer token to revoke")
    with transaction(request) as session:
        service.revoke_token(session, token=token, actor=actor, now=now(request))
    request.app.state.actors.forget(("token", service.token_digest(token)))


@router.get("/me")
def me(actor: Annotated[Actor, Depends(api_actor)]) -> dict:
    """Who the caller is and what their role may do."""
    return {"id": actor.id, "username": actor.username, "display_name": actor.display_name,
            "role": actor.role.value, "permissions": sorted(p.value for p in GRANTS[actor.role])}


@router.get("/users", response_model=list[UserRead])
def list_users(request: Request, actor: Annotated[Actor, Depends(require(Permission.USERS_MANAGE))]):
    with reading(request) as session:
        return [UserRead.model_validate(u) for u in service.list_users(session)]


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def add_user(body: UserCreate, request: Request,
             actor: Annotated[Actor, Depends(require(Permission.USERS_MANAGE))]):
    with transaction(request) as session:
        user = service.add_user(session, username=body.username, password=body.password, role=body.role,
                                display_name=body.display_name, actor=actor, now=now(request))
        return UserRead.model_validate(user)


@router.post("/users/{username}/disable", response_model=UserRead)
def disable_user(username: Annotated[str, Path(min_length=2, max_length=60)], request: Request,
                 actor: Annotated[Actor, Depends(require(Permission.USERS_MANAGE))]):
    """Disable an account: no more logins, tokens revoked, page sessions ended (within the auth cache time)."""
    with transaction(request) as session:
        user = UserRead.model_validate(service.disable_user(session, username=username, actor=actor, now=now(request)))
    request.app.state.actors.clear()  # this process at once; others within DEMANDHUB_AUTH_CACHE_S
    return user


@router.get("/audit/verify")
def verify_audit(request: Request, actor: Annotated[Actor, Depends(require(Permission.AUDIT_READ))]) -> dict:
    """Walk the audit chain and say whether it is intact, and if not, where it breaks."""
    with reading(request) as session:
        result = audit.verify(session)
    return {"ok": result.ok, "entries": result.entries, "first_bad_seq": result.first_bad_seq,
            "problem": result.problem, "last_hash": result.last_hash}
