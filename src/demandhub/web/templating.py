"""One Jinja environment for every page, with templates from each area's own folder."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from demandhub.auth.deps import csrf_token

AREAS_WITH_PAGES = ("demandhub.web", "demandhub.incidents", "demandhub.dispatch", "demandhub.vulnerability",
                    "demandhub.resolution", "demandhub.quality", "demandhub.staff", "demandhub.scene", "demandhub.online",
                    "demandhub.conversations", "demandhub.reports", "demandhub.planning")


@cache
def templates() -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader([PackageLoader(area, "templates") for area in AREAS_WITH_PAGES]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = _local
    return Jinja2Templates(env=env)


def _local(value: datetime | None, tz: str = "Europe/London", fmt: str = "%d %b %H:%M:%S") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


def render(request: Request, name: str, context: dict | None = None, *, actor=None, status_code: int = 200):
    settings = request.app.state.settings
    ctx = {"actor": actor, "csrf": csrf_token(request), "tz": settings.timezone, "force_name": settings.force_name}
    ctx.update(context or {})
    return templates().TemplateResponse(request, name, ctx, status_code=status_code)
