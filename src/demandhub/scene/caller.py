"""The caller's side: the page a share link opens on their phone, and what it posts back.

No login: the link's token opens the page once, and from then on this browser's signed session
cookie carries the claim (see scene/links.py). Every route is public and rate-limited.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse

from demandhub.auth.deps import check_csrf
from demandhub.auth.service import channel_account
from demandhub.evidence.checks import TooLarge
from demandhub.http import now, settings, transaction
from demandhub.incidents import service as incidents
from demandhub.scene import links, sharing
from demandhub.scene.models import ShareLink
from demandhub.web.public import public
from demandhub.web.templating import render

router = APIRouter(include_in_schema=False)

SESSION_KEY = "scene"  # {"link": id, "claim": secret} in the signed session cookie
CHANNEL = "scene"  # the account that authors what callers share ("channel-scene")
# The page holds the token in its address: no caching, no Referer, and it is not for robots.
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}

Csrf = Annotated[str, Form(max_length=200)]


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _private(response):
    response.headers.update(PAGE_HEADERS)
    return response


def _gone(request: Request, message: str, status_code: int):
    return _private(render(request, "scene_gone.html", {"message": message}, status_code=status_code))


def _page(request: Request, link: ShareLink, reference: str, *, notice: str | None = None):
    s = settings(request)
    limits = request.app.state.upload_limits
    return _private(render(request, "scene_share.html", {
        "reference": reference, "sent_at": link.created_at, "until": link.share_until, "notice": notice,
        "max_image_mb": limits.max_image_bytes / 1_048_576, "max_video_mb": limits.max_video_bytes / 1_048_576,
        "max_bytes": max(limits.max_image_bytes, limits.max_video_bytes), "tz": s.timezone}))


def _open(request: Request, token: str, *, claim: bool) -> tuple[links.Opening, str]:
    held = request.session.get(SESSION_KEY)
    held_claim = held.get("claim") if isinstance(held, dict) else None
    with transaction(request) as session:
        actor = channel_account(session, channel=CHANNEL, now=now(request))
        opening = links.open_link(session, token=token, held_claim=held_claim,
                                  share_for=timedelta(minutes=settings(request).scene_share_minutes), actor=actor,
                                  now=now(request), claim=claim)
        reference = opening.incident.reference if opening.incident else ""
    return opening, reference


@router.get("/s/{token}")
def share_page(token: str, request: Request, _: Annotated[None, Depends(public("share"))]):
    """The link from the text message. Looking at it claims nothing (a messaging app's link
    preview fetches it too): the caller presses Start, which claims it for this browser."""
    opening, reference = _open(request, token, claim=False)
    if opening.refusal:
        return _gone(request, opening.refusal, opening.status_code)
    if opening.unopened:
        return _private(render(request, "scene_start.html", {"reference": reference, "token": token,
                                                              "sent_at": opening.link.created_at}))
    return _page(request, opening.link, reference)


@router.post("/s/{token}/start")
def start_sharing(token: str, request: Request, _: Annotated[None, Depends(public("share"))], csrf: Csrf = ""):
    """The caller presses Start: the link is claimed for this browser, once."""
    check_csrf(request, csrf)
    opening, _reference = _open(request, token, claim=True)
    if opening.refusal:
        return _gone(request, opening.refusal, opening.status_code)
    if opening.claim:
        request.session[SESSION_KEY] = {"link": opening.link.id, "claim": opening.claim}
    return _private(RedirectResponse(f"/s/{token}", status_code=303))


def _refused(request: Request, exc: links.LinkGone):
    if _wants_html(request):
        return _gone(request, exc.message, exc.status_code)
    return JSONResponse({"detail": exc.message}, status_code=exc.status_code)


@router.post("/s/position", status_code=201)
def position(request: Request, _: Annotated[None, Depends(public("share"))],
             latitude: Annotated[float, Form(ge=-90, le=90, allow_inf_nan=False)],
             longitude: Annotated[float, Form(ge=-180, le=180, allow_inf_nan=False)],
             accuracy: Annotated[float, Form(ge=0, le=sharing.MAX_ACCURACY_M, allow_inf_nan=False)],
             timestamp: Annotated[float, Form(ge=0, le=1e14, allow_inf_nan=False,
                                              description="when the phone took the fix, ms since 1970")],
             csrf: Csrf = ""):
    """One position from the phone's browser (Geolocation API): degrees, metres, milliseconds."""
    check_csrf(request, csrf)
    try:
        with transaction(request) as session:
            link = links.claimed_link(session, held=request.session.get(SESSION_KEY), now=now(request))
            actor = channel_account(session, channel=CHANNEL, now=now(request))
            row = sharing.receive_position(session, link=link, latitude=latitude, longitude=longitude,
                                           accuracy_m=accuracy, timestamp_ms=timestamp, actor=actor, now=now(request))
            out = {"received": True, "at": row.received_at.isoformat(), "accuracy_m": row.uncertainty_m}
    except links.LinkGone as exc:
        return _refused(request, exc)
    return JSONResponse(out, status_code=201)


def _keep(request: Request, data: bytes, name: str | None, live: bool) -> dict:
    with transaction(request) as session:
        link = links.claimed_link(session, held=request.session.get(SESSION_KEY), now=now(request))
        actor = channel_account(session, channel=CHANNEL, now=now(request))
        item = sharing.receive_upload(session, link=link, store=request.app.state.evidence,
                                      limits=request.app.state.upload_limits, data=data, original_name=name,
                                      live=live, actor=actor, now=now(request))
        reference = incidents.get_incident(session, link.incident_id).reference or ""
        return {"link": link, "reference": reference, "sha256": item.sha256, "media_type": item.media_type,
                "bytes": item.size_bytes, "at": item.received_at.isoformat()}


async def _upload(request: Request, file: UploadFile, csrf: str, *, live: bool):
    check_csrf(request, csrf)
    limits = request.app.state.upload_limits
    limit = max(limits.max_image_bytes, limits.max_video_bytes)
    data = await file.read(limit + 1)  # never more than one byte past the largest allowed
    if len(data) > limit:
        raise TooLarge(f"the file is over {limit / 1_048_576:.0f} MB, the largest accepted",
                       problems=[{"field": "file", "message": "too large"}])
    try:
        kept = await run_in_threadpool(_keep, request, data, file.filename, live)
    except links.LinkGone as exc:
        return _refused(request, exc)
    if _wants_html(request) and not live:  # the form without JavaScript: show the page again, saying so
        what = "photo" if kept["media_type"].startswith("image/") else "video"
        return _page(request, kept["link"], kept["reference"], notice=f"Your {what} was sent. Thank you.")
    return JSONResponse({"received": True, "sha256": kept["sha256"], "media_type": kept["media_type"],
                         "bytes": kept["bytes"], "at": kept["at"]}, status_code=201)


@router.post("/s/upload", status_code=201)
async def upload(request: Request, _: Annotated[None, Depends(public("upload"))],
                 file: Annotated[UploadFile, File(description="a photo (JPEG, PNG, WebP) or a video clip")],
                 csrf: Csrf = ""):
    """A photo or a clip the caller chose or took, kept as evidence of the incident."""
    return await _upload(request, file, csrf, live=False)


@router.post("/s/live/upload", status_code=201)
async def live_upload(request: Request, _: Annotated[None, Depends(public("share"))],
                      file: Annotated[UploadFile, File(description="one segment (a few seconds) of WebM or MP4")],
                      csrf: Csrf = ""):
    """One segment of the live camera. Its own route and bucket: a stream sends a segment every
    few seconds, which the photo limit (30 in ten minutes) would stop within two minutes."""
    return await _upload(request, file, csrf, live=True)
