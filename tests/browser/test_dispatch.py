"""A dispatcher sees a new grade 1 on the map and in the queue, opens the recommendation,
assigns the top unit, and the unit's marker and status change on a second open page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from playwright.sync_api import expect

from demandhub import db
from demandhub.auth import service as accounts
from demandhub.auth.models import User
from demandhub.auth.roles import SYSTEM
from demandhub.clock import utcnow
from demandhub.geo import store
from demandhub.geo.areas import parse_areas
from demandhub.geo.roadgraph import RoadGraph
from demandhub.resources import service as units
from demandhub.resources.schemas import PositionIn, UnitCreate
from tests import helpers
from tests.dispatch.network import at, grid, west_bank_urban

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _force(sessions) -> str:
    """The river grid's roads and areas, two units, and a call handler's API token."""
    now = utcnow()
    with db.unit_of_work(sessions) as s:
        store.save_network(s, graph=RoadGraph.build(grid()), name="river-grid", actor="test", now=now)
        store.replace_areas(s, areas=parse_areas(west_bank_urban()), actor="test", now=now)
        for sign, where in (("W1", (1, 0)), ("E1", (4, 3))):
            units.create_unit(s, data=UnitCreate(call_sign=sign, kind="car", skills=["first_aid", "warranted"], station="Westbank",
                                                 status="available"), actor=SYSTEM, now=now)
            lat, lon = at(*where)
            units.record_positions(s, positions=[PositionIn(call_sign=sign, latitude=lat, longitude=lon, at=now)],
                                   source="feed", now=now)
        handler = s.scalar(sa.select(User).where(User.username == "call-handler"))
        return accounts.issue_token(s, user=handler, now=now, lifetime=timedelta(hours=1))


def test_a_dispatcher_assigns_the_top_unit_to_a_new_emergency_and_the_map_follows(login, server, sessions):
    token = _force(sessions)
    SHOTS.mkdir(parents=True, exist_ok=True)
    map_page = login("dispatcher")
    map_page.goto(f"{server}/map")
    expect(map_page.locator(".unit-marker[data-call-sign=W1]")).to_have_attribute("data-status", "available")
    queue = login("dispatcher")
    queue.goto(f"{server}/queue")
    expect(queue.locator("#live-status")).to_have_text("Live")
    expect(map_page.locator("#live-status")).to_have_text("Live")

    lat, lon = at(4, 1)
    call = {"contact": helpers.contact("A man with a knife is threatening people outside the shop.", channel="999",
                                       latitude=lat, longitude=lon),
            "assessment": helpers.assessment("crime.violence_with_injury"),
            "decision": {"decision": "override", "grade": "1", "rationale": "Knife, threats: attend now."}}
    r = httpx.post(f"{server}/api/calls", json=call, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    reference = r.json()["reference"]

    expect(map_page.locator(f".inc-marker.grade-1[data-reference='{reference}']")).to_be_visible()
    row = queue.locator(f"#queue-rows tr[data-reference='{reference}']")
    expect(row).to_be_visible()
    row.get_by_role("link", name=reference).click()
    recommended = queue.locator("table.recommendation tbody tr")
    expect(recommended.first).to_have_attribute("data-call-sign", "W1")  # 4 min by road; E1 is across the river
    expect(recommended.first).to_contain_text("4 min 00 s")
    map_page.screenshot(path=str(SHOTS / "map-before-assign.png"))
    queue.screenshot(path=str(SHOTS / "incident-recommendation.png"), full_page=True)
    queue.get_by_role("button", name="Assign W1").click()

    expect(queue.locator("table.units-on tr[data-call-sign=W1]")).to_contain_text("Assigned")
    expect(map_page.locator(".unit-marker[data-call-sign=W1]")).to_have_attribute("data-status", "assigned")
    expect(map_page.locator(f"#map-incidents li[data-reference='{reference}']")).to_contain_text("W1")
    expect(map_page.locator("#map-units li[data-call-sign=W1]")).to_contain_text("Assigned")
    map_page.screenshot(path=str(SHOTS / "map-after-assign.png"))


def test_a_supervisor_adds_a_unit_and_books_it_on_from_the_units_board(login, server):
    page = login("supervisor")
    page.goto(f"{server}/units")
    page.fill("#u-call-sign", "K9")
    page.select_option("#u-kind", "dog")
    page.fill("#u-station", "Westbank")
    page.fill("#u-skills", "warranted, dog handler, first_aid")
    page.click("text=Add unit (off duty)")
    row = page.locator("#unit-rows tr[data-call-sign=K9]")
    expect(row).to_have_attribute("data-status", "off_duty")
    expect(row).to_contain_text("dog handler, first aid, warranted")
    row.get_by_role("button", name="K9: Available").click()
    expect(page.locator("#unit-rows tr[data-call-sign=K9]")).to_have_attribute("data-status", "available")
    page.fill("#u-call-sign", "bad sign!")
    page.fill("#u-station", "Westbank")
    page.click("text=Add unit (off duty)")
    expect(page.locator("main")).to_contain_text("call_sign")
