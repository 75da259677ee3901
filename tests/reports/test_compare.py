"""Compare forces: our figures, computed live, beside another force's imported export.

Ours for Saturday 28 November 2026 (London = UTC): two 999 calls answered in 8 s and 15 s
(one of two within 10 s: 50%, not met), one 101 call answered in 60 s (mean wait 60 s).
Otherford's file for the same day: 999 within 10 s 85% (not met against 90%), 101 mean wait
95.5 s, attendance grade 1 urban 92% (met), digital median 300 s.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest

from demandhub import db
from demandhub.auth.roles import Role
from demandhub.measures import exchange_store
from demandhub.measures.definitions import DEFINITIONS_VERSION, Standards
from demandhub.measures.exchange import COLUMNS
from demandhub.reports import compare
from tests import helpers
from tests.conftest import PASSWORD

DAY = exchange_store.Period(date(2026, 11, 28), date(2026, 11, 29))
OTHER = "Otherford Constabulary"


def _iso(h: int, m: int, s: int = 0) -> str:
    return datetime(2026, 11, 28, h, m, s, tzinfo=UTC).isoformat()


def _row(measure, segment, value, unit, target="", met="", version=DEFINITIONS_VERSION) -> dict:
    return {"force": OTHER, "period_start": "2026-11-28", "period_end": "2026-11-29", "measure": measure,
            "segment": segment, "value": value, "numerator": "", "denominator": "", "unit": unit, "target": target,
            "met": met, "definitions_version": version, "generated_at": "2026-11-29T06:00:00Z"}


def otherford(version: str = DEFINITIONS_VERSION) -> bytes:
    rows = [_row("answer_999.within_10s_share", "all", "0.85", "share", "0.9", "false", version),
            _row("call_101.mean_wait_s", "all", "95.5", "seconds", version=version),
            _row("attendance.within_target_share", "grade=1/area=urban", "0.92", "share", "0.9", "true", version),
            _row("digital.first_response.median_s", "all", "300", "seconds", version=version)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def ours(client, handler, clock):
    clock.advance(minutes=15)  # 10:15: the calls below have all been presented and answered
    for presented, answered in (((9, 59, 52), (10, 0)), ((10, 9, 45), (10, 10))):
        helpers.take_call(client, handler, contact_body=helpers.contact(
            "Fight in the street.", channel="999", presented_at=_iso(*presented), answered_at=_iso(*answered)))
    helpers.take_call(client, handler, contact_body=helpers.contact(
        "Bike stolen.", channel="101", presented_at=_iso(9, 50), answered_at=_iso(9, 51)))


def _upload(client, auth, data: bytes):
    r = client.post("/api/measures/imports/upload", headers=auth[Role.SUPERVISOR], files={"file": ("otherford.csv", data)})
    assert r.status_code == 201, r.text
    return r.json()


def _login(client, username: str) -> None:
    client.cookies.clear()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf})
    assert r.status_code in (200, 303), r.text


def _cell(page: str, measure: str, segment: str, force: str) -> str:
    row = re.search(rf'<tr data-measure="{re.escape(measure)}" data-segment="{re.escape(segment)}">(.*?)</tr>',
                    page, flags=re.S).group(1)
    cell = re.search(rf'<td class="cmp-num" data-force="{re.escape(force)}">(.*?)</td>', row, flags=re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


@pytest.mark.usefixtures("ours")
def test_the_page_sets_our_figures_beside_the_imported_force(client, auth):
    _upload(client, auth, otherford())
    _login(client, "supervisor")
    r = client.get("/measures/compare?from=2026-11-28&to=2026-11-29")
    assert r.status_code == 200, r.text
    page = r.text
    assert '<th scope="col" class="cmp-num">Demoshire Police (us)</th>' in page
    assert f'<th scope="col" class="cmp-num">{OTHER}</th>' in page
    assert _cell(page, "answer_999.within_10s_share", "all", "Demoshire Police") == "50.0% not met"
    assert _cell(page, "answer_999.within_10s_share", "all", OTHER) == "85.0% not met"
    assert _cell(page, "call_101.mean_wait_s", "all", "Demoshire Police") == "60 s"
    assert _cell(page, "call_101.mean_wait_s", "all", OTHER) == "96 s"
    assert _cell(page, "attendance.within_target_share", "grade=1/area=urban", OTHER) == "92.0% met"
    assert _cell(page, "attendance.within_target_share", "grade=1/area=urban", "Demoshire Police") == "no data"
    assert _cell(page, "resolution.rwd_share", "all", OTHER) == "not sent"
    assert "90.0%" in page and "90% (national standard)" in page  # the standard beside the 999 row
    assert page.count('<svg role="img"') == page.count("<tr data-measure=")  # a chart per row shown
    assert "Otherford Constabulary: 85%" in page  # the chart's text alternative names each bar
    assert 'id="cmp-versions"' not in page  # the same definitions: nothing to warn of
    assert 'href="/measures/compare"' in page and "Compare forces" in page  # in the menu


@pytest.mark.usefixtures("ours")
def test_figures_under_other_definitions_are_marked_wherever_they_are_shown(client, auth):
    summary = _upload(client, auth, otherford("2025.1"))
    assert summary["same_version"] is False and "2025.1 is not ours" in summary["message"]
    _login(client, "analyst")
    page = client.get("/measures/compare?from=2026-11-28&to=2026-11-29").text
    assert 'id="cmp-versions"' in page and f"{OTHER} sent figures under definitions 2025.1" in page
    assert _cell(page, "answer_999.within_10s_share", "all", OTHER) == (
        "85.0% not met definitions 2025.1: not the same measure as ours")
    assert "999 calls answered in under 10 seconds (not all on the same definitions)" in page  # chart title
    assert f"{OTHER} [definitions 2025.1]" in page  # the chart's bar names the version


def test_without_dates_the_page_shows_the_latest_period_held(client, auth):
    _upload(client, auth, otherford())
    _login(client, "analyst")
    page = client.get("/measures/compare").text
    assert "28 Nov 2026 to 29 Nov 2026" in page and OTHER in page


def test_the_page_is_for_measures_readers_and_refuses_bad_input_plainly(client, users):
    _login(client, "call-handler")
    assert client.get("/measures/compare").status_code == 403
    _login(client, "analyst")
    assert client.get("/measures/compare").status_code == 200  # nothing imported: last month, ours alone
    for query in ("from=2026-11-29&to=2026-11-28", "from=2026-11-28", "measure=nope", "from=1800-01-01&to=1800-02-01",
                  "from=2020-01-01&to=2026-01-01", "from=28/11/2026&to=2026-11-29"):
        r = client.get(f"/measures/compare?{query}")
        assert r.status_code == 422, (query, r.status_code, r.text[:300])
    page = client.get("/measures/compare?measure=contacts.repeat_share&measure=demand.by_day").text
    assert 'data-measure="contacts.repeat_share"' in page and page.count('data-measure="demand.by_day"') == 7
    assert 'data-measure="answer_999.within_10s_share"' not in page


@pytest.mark.usefixtures("ours")
def test_the_table_for_the_board_report(app, client, auth, sessions, clock):
    _upload(client, auth, otherford())
    standards = Standards.from_rules(app.state.dispatch_rules, timezone="Europe/London")
    with db.unit_of_work(sessions) as session:
        pack = exchange_store.our_pack(session, period=DAY, standards=standards, grades=app.state.policy.grade_codes,
                                       as_of=clock())
        rows = compare.table(session, period=DAY, ours=pack, force_name="Demoshire Police")
    by_key = {(r.measure, r.segment): r for r in rows}
    assert [r.measure for r in rows][:4] == list(compare.HEADLINE[:4])
    within = by_key[("answer_999.within_10s_share", "all")]
    assert [c.force for c in within.cells] == ["Demoshire Police", OTHER]
    assert [(c.value, c.target, c.met) for c in within.cells] == [(0.5, 0.9, False), (0.85, 0.9, False)]
    assert within.target == 0.9 and within.unit == "share" and not within.mixed_versions
    attendance = [s for m, s in by_key if m == "attendance.within_target_share"]
    assert attendance == ["grade=1/area=urban", "grade=1/area=rural", "grade=2/area=urban", "grade=2/area=rural"]
    rwd = by_key[("resolution.rwd_share", "all")]
    assert rwd.cells[1].held is False and rwd.cells[0].held is True
    assert by_key[("call_101.mean_wait_s", "all")].cells[0].value == 60.0
