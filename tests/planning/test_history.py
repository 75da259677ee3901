"""Reading the history from the database: counts per local half hour, handling time, patience;
the San Diego calls imported and counted back; the page and the command."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from demandhub import db
from demandhub.auth import service as accounts
from demandhub.auth.roles import SYSTEM, Role
from demandhub.contacts.models import Contact
from demandhub.planning.history import read_history
from demandhub.planning.plan import make_plan
from demandhub.planning.standards import load_standards
from tests.conftest import PASSWORD
from tests.imports.support import SAN_DIEGO, run

LONDON = "Europe/London"


def _add(sessions, rows):
    """rows: (channel, presented, answered, ended, abandoned) with UTC datetimes."""
    with db.unit_of_work(sessions) as session:
        user = accounts.add_user(session, username="loader", password="correct horse battery", role=Role.ANALYST,
                                 display_name="Loader", actor=SYSTEM, now=datetime(2026, 1, 1, tzinfo=UTC))
        session.add_all([Contact(channel=c, description="x", presented_at=p, answered_at=a, ended_at=e,
                                 abandoned=ab, created_at=p, created_by=user.id) for c, p, a, e, ab in rows])


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_contacts_are_counted_in_their_local_half_hour_across_the_clock_change(sessions):
    s = timedelta(seconds=1)
    _add(sessions, [
        # Sunday 25 October 2026, Europe/London: 00:59:59 UTC is 01:59:59 BST (the first 01:30),
        # 01:00 UTC is 01:00 GMT (the second 01:00).
        ("999", utc(2026, 10, 25, 0, 59, 59), None, None, False),
        ("999", utc(2026, 10, 25, 1, 0, 0), None, None, False),
        ("999", utc(2026, 10, 25, 1, 0, 0) + s, None, None, False),
        ("101", utc(2026, 10, 24, 23, 0), None, None, False),  # 00:00 BST on the 25th
        ("callback", utc(2026, 10, 25, 1, 10), None, None, False),  # the force's own call: not demand
        ("999", utc(2026, 10, 25, 23, 59), None, None, False),  # 23:59 GMT: the last half hour of the 25th
        ("999", utc(2026, 10, 26, 0, 0), None, None, False),  # the 26th: outside the span
    ])
    with sessions() as session:
        h = read_history(session, first=date(2026, 10, 25), last=date(2026, 10, 25), timezone=LONDON,
                         default_aht_s=300, channels=["999"])
    assert len(h.slots) == 50 and h.channels == ("999", "101")
    labels = [h.slots.label(i) for i in range(50)]
    got = {labels[i]: int(v) for i, v in enumerate(h.of("999")) if v}
    assert got == {"01:30": 1, "01:00 (2nd)": 2, "23:30": 1}
    assert {labels[i]: int(v) for i, v in enumerate(h.of("101")) if v} == {"00:00": 1}
    assert h.counts.sum() == 5


def test_handling_time_is_the_mean_from_answered_to_ended_with_the_default_where_there_are_too_few(sessions):
    t = utc(2026, 11, 2, 12, 0)
    sec = lambda n: timedelta(seconds=n)  # noqa: E731
    rows = [("101", t, t + sec(30), t + sec(30 + 200 + 10 * k), False) for k in range(20)]  # 200..390 s: mean 295
    rows += [("999", t, t + sec(3), t + sec(123), False)]  # one handled 999 call: too few to trust
    rows += [("101", t, None, t + sec(2), True)]  # a short abandon: no handling time, not patience
    _add(sessions, rows)
    with sessions() as session:
        h = read_history(session, first=date(2026, 11, 2), last=date(2026, 11, 2), timezone=LONDON,
                         default_aht_s=300, min_handled=20)
    assert h.times["101"].aht_s == pytest.approx(295) and h.times["101"].aht_from == 20
    assert (h.times["999"].aht_s, h.times["999"].aht_from) == (300, 0)


def test_patience_is_all_the_waiting_divided_by_the_callers_who_gave_up(sessions):
    t = utc(2026, 11, 2, 12, 0)
    sec = lambda n: timedelta(seconds=n)  # noqa: E731
    _add(sessions, [
        ("101", t, t + sec(40), t + sec(300), False),  # answered after waiting 40 s
        ("101", t, t + sec(100), t + sec(400), False),  # answered after 100 s
        ("101", t, None, t + sec(60), True),  # gave up after 60 s
        ("101", t, None, t + sec(200), True),  # gave up after 200 s
        ("101", t, None, t + sec(3), True),  # under 5 s: a misdial, left out
        ("101", t, None, None, True),  # no end time: no wait to count
    ])
    with sessions() as session:
        h = read_history(session, first=date(2026, 11, 2), last=date(2026, 11, 2), timezone=LONDON,
                         default_aht_s=300)
    # (40 + 100 + 60 + 200) s of waiting / 2 counted abandons = 200 s.
    assert h.times["101"].patience_s == pytest.approx(200) and h.times["101"].abandons == 2


def test_the_san_diego_calls_imported_are_counted_per_local_half_hour_as_the_csv_says(sessions):
    run(sessions, SAN_DIEGO)
    expected = Counter()
    with open(SAN_DIEGO, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["priority"] in {"0", "1", "2", "3", "4"}:  # what the import keeps (tests/imports)
                t = row["date_time"]
                expected[(t[:10], int(t[11:13]) * 2 + int(t[14:16]) // 30)] += 1
    with sessions() as session:
        h = read_history(session, first=date(2023, 1, 1), last=date(2023, 1, 20), timezone="America/Los_Angeles",
                         default_aht_s=300)
        got = Counter()
        for i, channel in enumerate(h.channels):
            for k in range(len(h.slots)):
                if h.counts[i, k]:
                    got[(h.slots.dates()[k].isoformat(), int(h.slots.half_hour[k]))] += int(h.counts[i, k])
        assert got == expected
        in_history = h.slots.day < date(2023, 1, 15).toordinal()
        history_999 = int(h.of("999")[in_history].sum())
        plan = make_plan(session, first=date(2023, 1, 15), days=6, weeks_history=2, timezone="America/Los_Angeles",
                         standards=load_standards(None), channels=["999"])
    [c] = plan.channels
    assert (c.aht_from, c.aht_s, c.model) == (0, 300, "erlang_c")  # no answer times in this data: the default
    assert "no abandons" in c.note and c.history_contacts == history_999 > 0  # the 2 weeks before the plan
    assert all(r.on_phones >= 1 and r.rostered > r.on_phones for r in plan.rows)


def test_a_week_planned_from_four_weeks_of_mondays_gives_plain_rows(sessions):
    t = utc(2026, 10, 5, 18, 0)
    _add(sessions, [("999", t + timedelta(days=7 * w, minutes=m), None, None, False) for w in range(4) for m in range(0, 30, 3)])
    with sessions() as session:
        plan = make_plan(session, first=date(2026, 11, 2), days=7, weeks_history=4, timezone=LONDON,
                         standards=load_standards(None), channels=["999"])
    rows = [r.as_dict() for r in plan.rows]
    assert len(rows) == 7 * 48 and {r["channel"] for r in rows} == {"999"}
    monday_1900 = next(r for r in rows if r["date"] == "2026-11-02" and r["time"] == "18:00")
    assert monday_1900["forecast"] > 0 and monday_1900["on_phones"] >= 1 and monday_1900["model"] == "erlang_c"
    quiet = next(r for r in rows if r["date"] == "2026-11-04" and r["time"] == "04:00")
    assert (quiet["forecast"], quiet["on_phones"], quiet["rostered"]) == (0, 0, 0)


# --- the page

def login(client, username: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text


def test_the_plan_page_shows_the_day_half_hour_by_half_hour(client, users, sessions):
    # A few 999 calls on October Sundays: something to forecast, so the day is drawn.
    _add(sessions, [("999", utc(2026, 10, d, 9 + h, m), None, None, False)
                    for d in (4, 11, 18) for h in (0, 1) for m in (0, 30)] +
         [("999", utc(2026, 10, 25, 10, m), None, None, False) for m in (0, 30)])
    login(client, "analyst")
    r = client.get("/planning?start=2026-10-25&days=2&weeks=4&channel=999")
    assert r.status_code == 200, r.text
    assert "Staffing plan" in r.text and "01:00 (2nd)" in r.text and "50 half hours" in r.text
    assert "90% within 10 s" in r.text
    # The day drawn on the server too: forecast and handlers rostered, each with its text alternative.
    assert r.text.count('<svg role="img"') == 2
    assert "<title" in r.text and "Contacts forecast per half hour, Sun 25 October 2026" in r.text
    assert "Handlers rostered per half hour, Sun 25 October 2026" in r.text


def test_the_plan_page_is_for_those_who_read_measures(client, users):
    login(client, "call-handler")
    assert client.get("/planning").status_code == 403
    login(client, "supervisor")
    r = client.get("/planning")
    assert r.status_code == 200 and 'href="/planning" aria-current="page"' in r.text


@pytest.mark.parametrize("query", ["days=0", "days=29", "weeks=0", "weeks=53", "channel=pigeon", "channel=callback",
                                   "start=1999-01-01", "start=2026-12-01&day=2026-12-25", "start=yesterday"])
def test_bad_plan_requests_are_refused_clearly(client, users, query):
    login(client, "analyst")
    r = client.get(f"/planning?{query}")
    assert r.status_code == 422, (query, r.status_code)


def test_a_broken_standards_file_is_a_clear_refusal_not_a_server_error(client, users, settings, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    settings.planning_file = bad
    login(client, "analyst")
    r = client.get("/planning")
    assert r.status_code == 422 and "bad.yaml" in r.text


# --- the command

def test_demandhub_plan_prints_the_plan_and_writes_the_csv(tmp_path, monkeypatch):
    from demandhub.cli import app

    monkeypatch.setenv("DEMANDHUB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DEMANDHUB_DATABASE_URL", raising=False)
    out = tmp_path / "plan.csv"
    result = CliRunner().invoke(app, ["plan", "--weeks-history", "2", "--days", "1", "--start", "2026-10-25",
                                      "--channel", "999", "--csv", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "999 voice" in result.output and "01:00 (2nd)" in result.output
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 50 and rows[0]["on_phones"] == "0" and rows[0]["model"] == "none"
    bad = CliRunner().invoke(app, ["plan", "--days", "0"])
    assert bad.exit_code == 2 and "days" in bad.output
    for args, words in ((["--start", "0001-01-01"], "between 2000 and a year from now"),
                        (["--csv", str(tmp_path / "no-such-folder" / "plan.csv")], "Cannot write the CSV file"),
                        (["--csv", str(tmp_path)], "Cannot write the CSV file")):
        refused = CliRunner().invoke(app, ["plan", "--days", "1", *args], env={"COLUMNS": "200"})
        assert refused.exit_code == 2 and words in refused.output, (args, refused.output)
