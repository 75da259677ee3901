from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.errors import Forbidden
from demandhub.evidence import service
from demandhub.http import PathId, now, transaction

router = APIRouter(prefix="/api", tags=["evidence"])


@router.get("/evidence/{evidence_id}", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}, "video/mp4": {}}}})
def evidence_file(evidence_id: PathId, request: Request,
                  actor: Annotated[Actor, Depends(require(Permission.CONTACT_READ))]):
    """The bytes of a photo or clip from the public, as received (hash in the ETag)."""
    with transaction(request) as session:  # a view of a restricted item is audited
        item = service.get(session, evidence_id)
        allowed = service.may_view(session, item=item, actor=actor, now=now(request))
        sha256, media_type = item.sha256, item.media_type
    if not allowed:
        raise Forbidden(f"evidence {evidence_id} belongs to a restricted record; role '{actor.role.value}' "
                        "may not see it")
    data = request.app.state.evidence.read(sha256)
    # Bytes from the public are never run as a page: no sniffing, sandboxed, not cached on shared machines.
    return Response(data, media_type=media_type, headers={
        "ETag": f'"{sha256}"', "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
        "Cache-Control": "private, max-age=3600", "Content-Disposition": "inline"})
