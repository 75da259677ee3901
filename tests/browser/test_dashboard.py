"""A supervisor keeps the dashboard open; a call handler takes a grade 1 call on another
screen; the dashboard's queue panel shows it without a reload, and the page passes axe."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from demandhub import db
from demandhub.auth.roles import SYSTEM
from demandhub.clock import utcnow
from demandhub.geo import store
from demandhub.geo.areas import parse_areas
from demandhub.geo.roadgraph import RoadGraph
from demandhub.resources import service as units
from demandhub.resources.schemas import UnitCreate
from tests import helpers
from tests.browser.axe import assert_accessible
from tests.dispatch.network import at, grid, west_bank_urban

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _force(sessions) -> None:
    now = utcnow()
    with db.unit_of_work(sessions) as s:
        store.save_network(s, graph=RoadGraph.build(grid()), name="river-grid", actor="test", now=now)
        store.replace_areas(s, areas=parse_areas(west_bank_urban()), actor="test", now=now)
        for sign, kind, status in (("W1", "car", "available"), ("W2", "car", "committed"), ("V1", "van", "available"),
                                   ("D1", "dog", "off_duty")):
            units.create_unit(s, data=UnitCreate(call_sign=sign, kind=kind, skills=["warranted"], station="Westbank",
                                                 status=status), actor=SYSTEM, now=now)


def _take_call(page, server: str, *, grade: str, channel: str = "999", where=(4, 1)) -> str:
    """Through the API with the handler's own page session (cookie and CSRF token), as the
    call-taking screen does."""
    lat, lon = at(*where)
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    r = page.request.post(f"{server}/api/calls", headers={"X-CSRF-Token": csrf}, data={
        "contact": helpers.contact("A man with a knife is threatening people outside the shop.", channel=channel,
                                   latitude=lat, longitude=lon),
        "assessment": helpers.assessment("crime.violence_with_injury"),
        "decision": {"decision": "override", "grade": grade, "rationale": "Knife, threats: attend now."}})
    assert r.status == 201, r.text()
    return r.json()["reference"]


def test_the_dashboard_shows_a_new_emergency_without_a_reload(login, server, sessions):
    _force(sessions)
    SHOTS.mkdir(parents=True, exist_ok=True)
    handler = login("call-handler")
    earlier = _take_call(handler, server, grade="2", channel="101")

    board = login("supervisor")
    board.set_viewport_size({"width": 1400, "height": 900})
    board.goto(f"{server}/dashboard")
    expect(board.locator("#live-status")).to_have_text("Live")
    grade1 = board.locator("#panel-incidents tr[data-grade='1']")
    expect(grade1.locator("td").first).to_have_text("0")
    expect(board.locator(f"#panel-incidents tr[data-reference='{earlier}']")).to_be_visible()
    expect(board.locator("#panel-units tr[data-kind='all'] td").first).to_have_text("2")
    board.evaluate("window.loadedOnce = true")  # gone if the page were reloaded

    reference = _take_call(handler, server, grade="1")
    expect(grade1.locator("td").first).to_have_text("1")
    expect(board.locator(f"#panel-incidents tr[data-reference='{reference}']")).to_contain_text("Within target")
    expect(board.locator("#panel-measures li[data-measure='answer_999.within_10s_share']")).to_contain_text(
        "No data yet")  # a 999 call with no answer time recorded is presented, not timed
    assert board.evaluate("window.loadedOnce") is True

    assert_accessible(board)
    board.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    board.screenshot(path=str(SHOTS / "dashboard-1400x900.png"))
