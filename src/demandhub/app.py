"""create_app(): the web application factory. Nothing is built until it is called."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import xstatic.pkg.leaflet as leaflet
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from demandhub import db
from demandhub.assessment import api as assessment_api
from demandhub.assessment.loader import load_default_policy, load_policy
from demandhub.assessment.policy import GradingPolicy
from demandhub.auth import api as auth_api
from demandhub.auth.deps import ActorCache, LoginRequired
from demandhub.clock import Clock, utcnow
from demandhub.config import Settings, get_settings
from demandhub.contacts import api as contacts_api
from demandhub.conversations import api as conversations_api
from demandhub.conversations import chat as conversations_chat
from demandhub.conversations import views as conversations_views
from demandhub.conversations.adapters import GenericWebhookAdapter
from demandhub.dispatch import api as dispatch_api
from demandhub.dispatch import views as dispatch_views
from demandhub.dispatch.rules import DispatchRules, load_rules
from demandhub.errors import DomainError
from demandhub.evidence import api as evidence_api
from demandhub.evidence.checks import Limits
from demandhub.evidence.store import EvidenceStore
from demandhub.events.live import LiveFeed, watch_commits
from demandhub.geo.postcodes import PostcodeTable
from demandhub.geo.store import GeoCache
from demandhub.geo.w3w import What3Words
from demandhub.sms import gateway_from_settings
from demandhub.incidents import api as incidents_api
from demandhub.incidents import views as incident_views
from demandhub.measures import exchange_api as measures_exchange_api
from demandhub.online import api as online_api
from demandhub.online import views as online_views
from demandhub.planning import views as planning_views
from demandhub.quality import api as quality_api
from demandhub.quality import views as quality_views
from demandhub.quality.checklist import Checklist, load_checklist
from demandhub.reports import board_views as reports_board
from demandhub.reports import compare as reports_compare
from demandhub.reports import dashboard_views as reports_dashboard
from demandhub.resolution import api as resolution_api
from demandhub.resolution import views as resolution_views
from demandhub.resources import api as resources_api
from demandhub.scene import api as scene_api
from demandhub.scene import views as scene_views
from demandhub.staff import api as staff_api
from demandhub.staff import views as staff_views
from demandhub.staff.trauma import TraumaRules
from demandhub.staff.trauma import load_rules as load_trauma_rules
from demandhub.vulnerability import api as vulnerability_api
from demandhub.vulnerability import views as vulnerability_views
from demandhub.web import pages
from demandhub.web.limits import RequestGuard
from demandhub.web.public import Bucket, RateLimiter, buckets_from
from demandhub.web.templating import render

RETRYABLE_SQLSTATES = {"40P01", "40001"}  # PostgreSQL: deadlock detected, serialization failure
MAX_BODY_BYTES = 256 * 1024  # no contact needs more; uploads have their own routes and limits
UPLOAD_SUFFIX = "/upload"  # routes ending so take multipart files up to the largest upload allowed


def load_configured_policy(settings: Settings) -> GradingPolicy:
    return load_policy(settings.policy_file) if settings.policy_file else load_default_policy()


def load_configured_rules(settings: Settings, policy: GradingPolicy) -> DispatchRules:
    rules = load_rules(settings.dispatch_file)
    rules.check_grades(policy.grade_codes)
    return rules


class ConfigurationRefused(ValueError):
    """A force's configuration file is wrong: names which file and the problem."""


@dataclass(frozen=True)
class Configuration:
    policy: GradingPolicy
    dispatch_rules: DispatchRules
    checklist: Checklist
    trauma_rules: TraumaRules
    postcodes: PostcodeTable
    rate_limits: dict[str, Bucket]


def load_configuration(settings: Settings, policy: GradingPolicy | None = None) -> Configuration:
    """Every file a force may supply, read strictly, so a mistake stops the start, not a 3 a.m. call."""
    def refused(what: str, load):
        try:
            return load()
        except (ValueError, OSError) as exc:  # each loader's error names the file and the problem
            raise ConfigurationRefused(f"{what} refused: {exc}") from exc

    policy = policy or refused("Grading policy", lambda: load_configured_policy(settings))
    return Configuration(
        policy=policy,
        dispatch_rules=refused("Dispatch rules", lambda: load_configured_rules(settings, policy)),
        checklist=refused("Quality checklist", lambda: load_checklist(settings.quality_checklist_file)),
        trauma_rules=refused("Trauma exposure rules", lambda: load_trauma_rules(settings.trauma_file)),
        postcodes=refused("Postcode table", lambda: _postcodes(settings)),
        rate_limits=refused("Rate limits (DEMANDHUB_RATE_LIMITS)", lambda: buckets_from(settings.rate_limits)))


def _postcodes(settings: Settings) -> PostcodeTable:
    if settings.postcode_file is None:
        return PostcodeTable.demo()
    table, problems = PostcodeTable.from_csv(settings.postcode_file)
    if problems:  # a force's table with bad rows is refused whole: a wrong position is worse than none
        shown = "; ".join(str(p) for p in problems[:5])
        raise ValueError(f"{settings.postcode_file}: {len(problems)} bad rows, e.g. {shown}")
    return table


def create_app(settings: Settings | None = None, *, engine: Engine | None = None, clock: Clock = utcnow,
               policy: GradingPolicy | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or db.get_engine(settings.resolved_database_url())
    config = load_configuration(settings, policy)  # a malformed file stops the start here
    policy = config.policy
    sessions = db.session_factory(engine)
    readers = db.reader_factory(engine)
    feed = LiveFeed(readers, poll_s=settings.outbox_poll_s)
    watch_commits(sessions, feed)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await feed.start()
        try:
            yield
        finally:
            await feed.stop()

    app = FastAPI(title="Demand Hub", version="0.1.0", lifespan=lifespan,
                  description="Contact management and command and control for police control rooms.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.readers = readers
    app.state.actors = ActorCache(ttl_s=settings.auth_cache_s)
    app.state.clock = clock
    app.state.policy = policy
    app.state.feed = feed
    app.state.dispatch_rules = config.dispatch_rules
    app.state.quality_checklist = config.checklist
    app.state.trauma_rules = config.trauma_rules
    app.state.geo = GeoCache()
    app.state.w3w = What3Words.from_settings(settings.w3w_api_key, settings.w3w_base_url)
    app.state.postcodes = config.postcodes
    app.state.rate_limiter = RateLimiter(config.rate_limits)
    app.state.evidence = EvidenceStore(settings.resolved_evidence_dir())
    app.state.sms = gateway_from_settings(settings, clock)  # logging (demo) or Twilio
    app.state.social = GenericWebhookAdapter(secret=settings.social_webhook_secret,  # social media messages
                                             outbound_url=settings.social_outbound_url, timeout_s=settings.social_timeout_s)
    app.state.upload_limits = Limits(max_image_bytes=settings.max_image_bytes, max_video_bytes=settings.max_video_bytes)

    app.add_middleware(SessionMiddleware, secret_key=settings.resolved_secret_key(), session_cookie="dh_session",
                       max_age=settings.session_max_age_s, same_site="strict", https_only=False)
    app.add_middleware(RequestGuard, max_bytes=MAX_BODY_BYTES, upload_suffix=UPLOAD_SUFFIX,
                       max_upload_bytes=max(settings.max_image_bytes, settings.max_video_bytes) + 64 * 1024)
    app.mount("/static/leaflet", StaticFiles(directory=leaflet.BASE_DIR), name="leaflet")
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "web" / "static"), name="static")
    for router in (auth_api.router, evidence_api.router, contacts_api.router, assessment_api.router, incidents_api.router,
                   resources_api.router, dispatch_api.router, vulnerability_api.router, resolution_api.router,
                   quality_api.router, staff_api.router, pages.router, incident_views.router, dispatch_views.router,
                   vulnerability_views.router, resolution_views.router, quality_views.router, staff_views.router,
                   scene_api.router, scene_views.router, online_api.router, online_views.router,
                   conversations_api.router, conversations_chat.router, conversations_views.router,
                   measures_exchange_api.router, reports_compare.router,
                   reports_dashboard.router, reports_dashboard.api_router, planning_views.router, reports_board.router):
        app.include_router(router)
    _install_error_handlers(app)
    return app


_TITLES = {403: "Not allowed", 404: "Not found", 409: "That could not be done", 422: "Check what was entered"}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/live")) and "text/html" in request.headers.get("accept", "")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):
        if _wants_html(request):
            return render(request, "error.html", {"title": _TITLES.get(exc.status_code, "That could not be done"),
                                                  "message": exc.message}, status_code=exc.status_code)
        return JSONResponse({"detail": exc.message, "problems": exc.problems}, status_code=exc.status_code)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if _wants_html(request) and exc.status_code in (403, 404):
            return render(request, "error.html", {"title": _TITLES[exc.status_code], "message": exc.detail},
                          status_code=exc.status_code)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(IntegrityError)
    async def conflict(request: Request, exc: IntegrityError):
        # Use cases check before they write; a unique key can still catch two requests racing
        # past the same check. The loser's transaction was rolled back whole: say so, not 500.
        return JSONResponse({"detail": "a concurrent change conflicted with this one; nothing was saved, "
                                       "reload and try again"}, status_code=409)

    @app.exception_handler(OperationalError)
    async def deadlock(request: Request, exc: OperationalError):
        # Two use cases that lock the same rows in opposite orders (two dispatchers diverting
        # units between the same two jobs at once) can deadlock; PostgreSQL then aborts one
        # whole. That one is a conflict to retry, not a server fault. Anything else is.
        if getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
            return JSONResponse({"detail": "a concurrent change conflicted with this one; nothing was saved, "
                                           "try again"}, status_code=409)
        raise exc

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        problems = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
                    for e in exc.errors()]
        detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        if _wants_html(request):
            return render(request, "error.html", {"title": _TITLES[422], "message": detail}, status_code=422)
        return JSONResponse({"detail": detail, "problems": problems}, status_code=422)
