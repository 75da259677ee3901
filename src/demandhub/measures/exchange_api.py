"""The exchange over HTTP: our measures as a file to download (CSV, Parquet or JSON), and
another force's file uploaded to be compared. Reading needs MEASURES_READ (supervisors, analysts);
importing, which changes what every reader sees, MEASURES_IMPORT (supervisors)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from demandhub.auth.deps import require
from demandhub.auth.roles import Actor, Permission
from demandhub.errors import Invalid
from demandhub.http import now, reading, settings, transaction
from demandhub.measures import exchange, exchange_store
from demandhub.measures.definitions import DEFINITIONS_VERSION, Standards

router = APIRouter(prefix="/api/measures", tags=["measures"])
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


def standards(request: Request) -> Standards:
    """The force's standards: its dispatch rules' attendance targets, callback target, time zone."""
    return Standards.for_force(request.app.state.dispatch_rules, settings(request))


def file_stem(force: str, start: date, end: date, period: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", force.lower()).strip("-") or "force"
    return f"measures-{slug}-{start.isoformat()}-{end.isoformat()}-{period}"


def _export(request: Request, start: date, end: date, period: str) -> list[exchange.ExchangeRow]:
    chosen = exchange_store.periods(start, end, period)
    with reading(request) as session:
        return exchange_store.export_rows(session, periods=chosen, force=settings(request).force_name,
                                          standards=standards(request), grades=request.app.state.policy.grade_codes,
                                          as_of=now(request))


@router.get("/export")
def export(request: Request, _: Annotated[Actor, Depends(require(Permission.MEASURES_READ))],
           start: Annotated[date, Query(alias="from", description="First local date (included), YYYY-MM-DD")],
           end: Annotated[date, Query(alias="to", description="Last local date (excluded), YYYY-MM-DD")],
           period: Literal["day", "week", "month", "quarter"] = "month",
           format: Literal["csv", "parquet", "json"] = "csv"):
    """Our measures pack, one row per period and measure segment (docs/measures.md, "Exchange format")."""
    rows = _export(request, start, end, period)
    if format == "json":
        return {"definitions_version": DEFINITIONS_VERSION, "columns": list(exchange.COLUMNS),
                "rows": exchange.to_json(rows)}
    body = exchange.to_csv(rows) if format == "csv" else exchange.to_parquet(rows)
    name = f"{file_stem(settings(request).force_name, start, end, period)}.{format}"
    return Response(body, media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _import(request: Request, data: bytes, name: str, actor: Actor) -> dict:
    with transaction(request) as session:
        summary = exchange_store.import_file(session, data=data, name=name, our_force=settings(request).force_name,
                                             actor=actor.username, now=now(request))
    return summary.as_dict()


@router.post("/imports/upload", status_code=201)
async def import_upload(request: Request, actor: Annotated[Actor, Depends(require(Permission.MEASURES_IMPORT))],
                        file: Annotated[UploadFile, File(description="another force's export: CSV or Parquet")]):
    """Another force's export, checked strictly and kept whole or not at all. The same force,
    period, measure and segment imported again replaces the figure (the summary says how many)."""
    limit = exchange_store.MAX_FILE_BYTES
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise Invalid(f"the file is over {limit // 1_048_576} MB, the largest accepted",
                      problems=[{"field": "file", "message": "too large"}])
    return JSONResponse(await run_in_threadpool(_import, request, data, file.filename or "upload", actor),
                        status_code=201)
