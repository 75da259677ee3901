"""The board report: its content from real records (tests/reports/story.py, worked by hand),
the commentary file, the HTML and the PDF, and the `demandhub report` command."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from demandhub import cli, db
from demandhub.cli import app as cli_app
from demandhub.measures.definitions import DEFINITIONS_VERSION, Standards
from demandhub.reports import board, board_html, board_pdf
from demandhub.reports.board_commentary import SLOTS, CommentaryError, load
from tests.conftest import PASSWORD
from tests.reports import story

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("roads")


def _assemble(app, sessions, clock, commentary=None, start=story.FROM, end=story.TO):
    standards = Standards.from_rules(app.state.dispatch_rules, callback_target_h=24, timezone="Europe/London")
    with db.unit_of_work(sessions) as session:
        return board.assemble(session, start=start, end=end, now=clock(), force="Demoshire Police",
                              grades=app.state.policy.grade_codes, standards=standards,
                              checklist=app.state.quality_checklist, commentary=commentary)


@pytest.fixture
def fortnight(client, auth, handler, clock, make_unit, sessions):
    return story.build(client, auth, handler, clock, make_unit, sessions)


@pytest.fixture
def paper(app, sessions, clock, fortnight):
    return _assemble(app, sessions, clock)


def _h(paper, key):
    return paper.headline(key)


def test_the_headline_measures_against_their_standards(paper):
    h = _h(paper, "answer_999.within_10s_share[all]")
    assert (h.value, h.text, h.basis, h.status) == (0.5, "50.0%", "1 of 2", board.NOT_MET)
    assert h.standard == "90% (national standard)" and (h.previous, h.previous_text) == (0.0, "0.0%")
    bands = [_h(paper, f"answer_999.band_share[band={b}]").value for b in
             ("under_10s", "10s_to_under_60s", "60s_or_more")]
    assert bands == [0.5, 0.5, 0.0]
    assert _h(paper, "answer_999.median_s[all]").text == "11.5 s"
    assert _h(paper, "answer_999.presented[all]").text == "2"
    assert _h(paper, "call_101.mean_wait_s[all]").text == "1 min"
    a101 = _h(paper, "call_101.abandoned_share[all]")
    assert a101.text == "50.0%" and "5 s or more" in a101.standard and a101.status == board.NO_TARGET
    assert _h(paper, "digital.first_response.median_s[all]").text == "2 min"
    g1 = _h(paper, "attendance.within_target_share[grade=1]")
    assert (g1.text, g1.status, g1.standard) == ("50.0%", board.NOT_MET,
                                                 "90% within 15 min urban, 20 min rural (force aim)")
    assert _h(paper, "attendance.within_target_share[grade=1/area=urban]").status == board.MET
    assert _h(paper, "attendance.within_target_share[grade=1/area=rural]").status == board.NOT_MET
    assert _h(paper, "attendance.median_s[grade=1/area=urban]").text == "7 min"
    assert _h(paper, "attendance.median_s[grade=1/area=rural]").text == "25 min"
    assert _h(paper, "attendance.within_target_share[grade=2]").status == board.NO_DATA
    assert _h(paper, "appointments.kept_share[all]").text == "no data"
    assert _h(paper, "resolution.rwd_share[all]").text == "100.0%"
    assert _h(paper, "resolution.callback_within_target_share[all]").basis == "1 of 1"
    assert _h(paper, "resolution.callback_median_s[all]").text == "1 h"
    assert [_h(paper, f"contacts.{m}[all]").text for m in
            ("risk_assessed_share", "vulnerability_identified_share", "safeguarding_share", "grade_override_share",
             "repeat_share")] == ["75.0%", "33.3%", "100.0%", "66.7%", "50.0%"]
    contacts = _h(paper, "demand.contacts[all]")
    assert (contacts.text, contacts.previous_text) == ("5", "1")


def test_the_title_facts_and_the_previous_period(paper, clock):
    assert paper.period_text == "28 Nov 2026 to 11 Dec 2026"
    assert (paper.previous_start, paper.previous_end) == (date(2026, 11, 14), date(2026, 11, 28))
    assert paper.definitions_version == DEFINITIONS_VERSION and paper.generated == clock()
    assert paper.granularity == "week" and paper.basename == "board-report-2026-11-28-2026-12-12"


def test_trends_by_week_beside_the_previous_fortnight(paper):
    t = next(t for t in paper.part("999").trends if t.key == "answer_999.within_10s_share[all]")
    assert [(p.label, p.text) for p in t.current] == [("w/c 28 Nov", "100.0%"), ("w/c 05 Dec", "0.0%")]
    assert [(p.label, p.text) for p in t.previous] == [("w/c 14 Nov", "0.0%"), ("w/c 21 Nov", "no data")]
    assert (t.current_total.text, t.previous_total.text, t.target) == ("50.0%", "0.0%", 0.9)
    kept = next(t for t in paper.part("attendance").trends if t.key == "appointments.kept_share[all]")
    assert not kept.has_data


def test_demand_by_channel_hour_and_day(paper):
    channel, hour, day = paper.demand
    assert dict(zip(channel.labels, channel.current)) == {"999": 2, "101": 2, "Webchat": 1}
    assert dict(zip(channel.labels, channel.previous)) == {"999": 1, "101": 0, "Webchat": 0}
    assert hour.current[10] == pytest.approx(3 / 14)  # B, C and E in hour 10 over 14 days
    assert dict(zip(day.labels, day.current))["Sat"] == 2.5  # 5 contacts over two Saturdays
    assert dict(zip(day.labels, day.previous))["Fri"] == 0.5  # P over two Fridays


def test_the_quality_review_results_with_kappa_in_words(paper):
    q = paper.quality
    assert (q.done, q.open, q.pairs) == (6, 0, 3)
    items = {i.label: i for i in q.items}
    thrive, grade = items["THRIVE+ applied"], items["Grade right"]
    assert (thrive.yes_text, thrive.kappa_text, thrive.interpretation) == ("66.7%", "1.00", "almost perfect")
    assert (grade.yes_text, grade.kappa_text, grade.interpretation) == ("50.0%", "0.40", "fair")
    treated = items["Caller treated well"]
    assert treated.kappa is None and "cannot be computed" in treated.interpretation
    assert (q.overall.kappa_text, q.overall.interpretation, q.overall.pairs) == ("0.76", "substantial", 15)


@pytest.mark.parametrize("start,end,unit,labels", [
    (date(2026, 7, 1), date(2026, 10, 1), "month", ["Jul 2026", "Aug 2026", "Sep 2026"]),
    (date(2026, 7, 15), date(2026, 10, 1), "month", ["15 Jul–31 Jul", "Aug 2026", "Sep 2026"]),
    (date(2023, 1, 1), date(2023, 1, 21), "week", ["w/c 01 Jan", "w/c 08 Jan", "w/c 15 Jan"]),
    (date(2026, 3, 28), date(2026, 3, 31), "day", ["Sat 28 Mar", "Sun 29 Mar", "Mon 30 Mar"]),
])
def test_periods_are_cut_into_months_weeks_or_days(start, end, unit, labels):
    assert board.granularity(start, end) == unit
    cut = board.spans(start, end, unit)
    assert [s.label for s in cut] == labels and cut[0].start == start and cut[-1].end == end


def test_the_previous_period_is_the_previous_quarter_or_the_same_number_of_days():
    assert board.previous_period(date(2026, 7, 1), date(2026, 10, 1)) == (date(2026, 4, 1), date(2026, 7, 1))
    assert board.previous_period(date(2026, 1, 1), date(2026, 4, 1)) == (date(2025, 10, 1), date(2026, 1, 1))
    assert board.previous_period(date(2023, 1, 1), date(2023, 1, 21)) == (date(2022, 12, 12), date(2023, 1, 1))


@pytest.mark.parametrize("start,end,words", [
    (date(2026, 7, 1), date(2026, 7, 1), "'to' must be after 'from'"),
    (date(2026, 7, 1), date(2026, 6, 1), "'to' must be after 'from'"),
    (date(2025, 1, 1), date(2026, 7, 1), "at most 366 days"),
    (date(1999, 1, 1), date(1999, 2, 1), "between the years 2000 and 2200"),
])
def test_bad_periods_are_refused_in_words(start, end, words):
    with pytest.raises(board.Invalid, match=words):
        board.check_period(start, end)


def test_other_forces_side_by_side_when_their_figures_are_imported(app, sessions, clock, fortnight):
    from datetime import UTC, datetime

    from demandhub.measures import exchange, exchange_store

    theirs = exchange.ExchangeRow(
        force="Otherton Police", period_start=story.FROM, period_end=story.TO, measure="answer_999.within_10s_share",
        segment="all", value=0.95, numerator=95, denominator=100, unit="share", target=0.9, met=True,
        definitions_version=DEFINITIONS_VERSION, generated_at=datetime(2026, 12, 13, tzinfo=UTC))
    with db.unit_of_work(sessions) as session:
        exchange_store.import_file(session, data=exchange.to_csv([theirs]), name="otherton.csv",
                                   our_force="Demoshire Police", actor="test", now=clock())
    standards = Standards.from_rules(app.state.dispatch_rules, callback_target_h=24, timezone="Europe/London")
    with db.unit_of_work(sessions) as session:
        paper = board.assemble(session, start=story.FROM, end=story.TO, now=clock(), force="Demoshire Police",
                               grades=app.state.policy.grade_codes, standards=standards,
                               checklist=app.state.quality_checklist, compare=True)
    c = paper.comparison
    assert c.forces == ["Demoshire Police", "Otherton Police"]
    row = next(r for r in c.rows if r.label == "999 calls answered in under 10 seconds")
    assert row.values == ["50.0%, not met", "95.0%, met"]
    assert any(v == "not sent" for r in c.rows for v in r.values)  # they sent one measure only
    html = board_html.render(paper)
    assert 'id="comparison"' in html and "95.0%, met" in html
    assert "Otherton Police" in _pdf_text(board_pdf.render(paper))[1]


def test_without_imported_figures_the_comparison_says_so(app, sessions, clock):
    standards = Standards.from_rules(app.state.dispatch_rules, callback_target_h=24, timezone="Europe/London")
    with db.unit_of_work(sessions) as session:
        paper = board.assemble(session, start=story.FROM, end=story.TO, now=clock(), force="Demoshire Police",
                               grades=app.state.policy.grade_codes, standards=standards,
                               checklist=app.state.quality_checklist, compare=True)
    assert paper.comparison.rows == [] and "No other force's figures" in paper.comparison.intro
    assert _assemble(app, sessions, clock).comparison is None  # not asked for: no section


# ------------------------------------------------------------------ the commentary file

def test_a_yaml_commentary_fills_its_slots_and_leaves_the_rest_marked(tmp_path):
    path = tmp_path / "notes.yaml"
    path.write_text("summary: |\n  A steady quarter.\n\n  - 999 held up\n  - 101 waits fell\n"
                    "999: Two telephony outages in August.\nDemand: ''\n")
    c = load(path)
    assert [(b.kind, b.lines) for b in c.get("summary")] == [("p", ("A steady quarter.",)),
                                                              ("ul", ("999 held up", "101 waits fell"))]
    assert c.get("999")[0].lines == ("Two telephony outages in August.",)  # YAML's 999 is a number: same slot
    assert c.missing == [s for s in SLOTS if s not in ("summary", "999")] and c.source == "notes.yaml"


def test_a_markdown_commentary_has_one_heading_per_slot(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Q3 commentary\n\n## Summary\nA steady\nquarter.\n\n## 101\n* Waits fell.\n## quality ##\n"
                    "Reviews caught up.\n")
    c = load(path)
    assert c.get("summary")[0].lines == ("A steady quarter.",)
    assert c.get("101")[0].kind == "ul" and c.get("quality")[0].lines == ("Reviews caught up.",)


@pytest.mark.parametrize("name,text,words", [
    ("c.yaml", "summary: ok\nsumary: typo\n", "unknown commentary slot 'sumary'"),
    ("c.md", "## summary\nok\n## attendence\nx\n", "unknown commentary slot 'attendence'"),
    ("c.yaml", "summary: [unclosed\n", "not valid YAML at line"),
    ("c.yaml", "- a list\n", "expected a mapping"),
    ("c.yaml", "summary:\n  nested: map\n", "must be text"),
    ("c.md", "Some words before any slot.\n## summary\nok\n", "line 1 is outside any slot"),
    ("c.md", "## summary\na\n## Summary\nb\n", "'summary' appears twice"),
    ("c.txt", "summary: ok\n", ".yaml, .yml or .md"),
])
def test_a_bad_commentary_file_is_refused_naming_the_problem(tmp_path, name, text, words):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CommentaryError, match=words):
        load(path)


# ------------------------------------------------------------------ the outputs

def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_html_is_self_contained_and_shows_figures_charts_and_commentary(paper, tmp_path):
    path = tmp_path / "c.md"
    path.write_text("## 999\nTwo <b>outages</b> in August.\n")
    html = board_html.render(board.BoardReport(**{**paper.__dict__, "commentary": load(path)}))
    assert "<script" not in html and "<link" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "").replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    assert html.count('<svg role="img"') >= 10  # trends with data, demand by channel, hour and day
    assert "Two &lt;b&gt;outages&lt;/b&gt; in August." in html  # the author's text is text, never markup
    assert html.count("Commentary to be written") == len(SLOTS) - 1
    row = html.split('data-key="answer_999.within_10s_share[all]"')[1].split("</tr>")[0]
    assert "50.0%" in row and "Not met" in row and "90% (national standard)" in row
    assert "almost perfect" in html and "0.76" in html and "w/c 05 Dec" in html


def test_the_pdf_opens_and_says_the_headline_figures(paper):
    data = board_pdf.render(paper)
    assert data.startswith(b"%PDF-")
    pages, text = _pdf_text(data)
    assert 6 <= pages <= 25
    for words in ("Demoshire Police", "28 Nov 2026 to 11 Dec 2026", f"version {DEFINITIONS_VERSION}",
                  "999 calls answered in under 10", "50.0%", "Not met", "66.7%", "75.0%", "almost perfect",
                  "Commentary to be written", "w/c 05 Dec", "Contacts by channel"):
        assert words in text, words


# ------------------------------------------------------------------ the command

def test_a_newcomer_writes_the_paper_for_an_empty_quarter(tmp_path, monkeypatch):
    monkeypatch.delenv("DEMANDHUB_DATABASE_URL", raising=False)
    env = {"DEMANDHUB_DATA_DIR": str(tmp_path / "data")}
    assert runner.invoke(cli_app, ["migrate"], env=env).exit_code == 0
    notes = tmp_path / "notes.yaml"
    notes.write_text("summary: The first quarter on Demand Hub.\n")
    r = runner.invoke(cli_app, ["report", "--from", "2026-07-01", "--to", "2026-10-01", "--out",
                                str(tmp_path / "out"), "--commentary", str(notes), "--force-name", "Newshire Police",
                                "--compare"],
                      env=env)
    assert r.exit_code == 0, r.output
    html, pdf = (tmp_path / "out" / f"board-report-2026-07-01-2026-10-01.{x}" for x in ("html", "pdf"))
    assert f"Wrote {html}" in r.output and f"Wrote {pdf}" in r.output
    assert "Commentary still to be written: 999, 101" in r.output.replace("\n", " ")
    page = html.read_text()
    assert "Newshire Police" in page and "The first quarter on Demand Hub." in page and "Jul 2026" in page
    assert "No other force&#39;s figures have been imported" in page
    pages, text = _pdf_text(pdf.read_bytes())
    assert 4 <= pages <= 20 and "Newshire Police" in text and "No data" in text and "1 Apr 2026 to 30 Jun 2026" in text
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([html.name, pdf.name])  # nothing partial
    # Somewhere it cannot write: said plainly, exit 1, no half a report.
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    r = runner.invoke(cli_app, ["report", "--from", "2026-07-01", "--to", "2026-10-01", "--out", str(blocked)], env=env)
    assert r.exit_code == 1 and "Cannot write the report" in r.output


def test_the_command_writes_the_fortnight(tmp_path, engine, clock, fortnight, monkeypatch):
    monkeypatch.setattr(cli, "utcnow", clock)  # the records are read as at the fake clock
    env = {"DEMANDHUB_DATA_DIR": str(tmp_path), "DEMANDHUB_DATABASE_URL": engine.url.render_as_string(False)}
    r = runner.invoke(cli_app, ["report", "--from", "2026-11-28", "--to", "2026-12-12", "--out", str(tmp_path)],
                      env=env)
    assert r.exit_code == 0, r.output
    _, text = _pdf_text((tmp_path / "board-report-2026-11-28-2026-12-12.pdf").read_bytes())
    assert "50.0%" in text and "Demoshire Police" in text


@pytest.mark.parametrize("args,words", [
    (["--from", "2026-07-01", "--to", "2026-13-01"], "YYYY-MM-DD"),
    (["--from", "2026-10-01", "--to", "2026-07-01"], "'to' must be after 'from'"),
    (["--from", "2026-07-01", "--to", "2026-10-01", "--commentary", "{bad_yaml}"], "not valid YAML"),
    (["--from", "2026-07-01", "--to", "2026-10-01", "--commentary", "{unknown}"], "unknown commentary slot 'risk'"),
    (["--from", "2026-07-01", "--to", "2026-10-01", "--commentary", "{missing}"], "cannot be read"),
])
def test_the_command_refuses_bad_input_with_exit_code_2_and_writes_nothing(tmp_path, monkeypatch, args, words):
    monkeypatch.delenv("DEMANDHUB_DATABASE_URL", raising=False)
    (tmp_path / "bad.yaml").write_text("summary: [\n")
    (tmp_path / "unknown.yaml").write_text("risk: words\n")
    files = {"bad_yaml": tmp_path / "bad.yaml", "unknown": tmp_path / "unknown.yaml", "missing": tmp_path / "no.md"}
    args = [str(files[a[1:-1]]) if a.startswith("{") else a for a in args]
    r = runner.invoke(cli_app, ["report", *args, "--out", str(tmp_path / "out")],
                      env={"DEMANDHUB_DATA_DIR": str(tmp_path / "data")})
    assert r.exit_code == 2, r.output
    assert words in " ".join(r.output.split())
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ the page

def _login(client, username: str) -> None:
    client.cookies.clear()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text


def test_the_page_shows_the_same_paper_with_a_pdf_link(client, fortnight):
    _login(client, "analyst")
    r = client.get("/reports/board", params={"from": "2026-11-28", "to": "2026-12-12"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    row = r.text.split('data-key="answer_999.within_10s_share[all]"')[1].split("</tr>")[0]
    assert "50.0%" in row and "Not met" in row
    assert 'href="/reports/board.pdf?from=2026-11-28&amp;to=2026-12-12"' in r.text
    pdf = client.get("/reports/board.pdf", params={"from": "2026-11-28", "to": "2026-12-12"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="board-report-2026-11-28-2026-12-12.pdf"' in pdf.headers["content-disposition"]
    assert "50.0%" in _pdf_text(pdf.content)[1]


def test_the_page_defaults_to_the_last_whole_quarter(client, users):
    _login(client, "supervisor")
    r = client.get("/reports/board")  # the clock says 28 November 2026
    assert r.status_code == 200 and "1 Jul 2026 to 30 Sep 2026" in r.text


@pytest.mark.parametrize("params,field", [({"from": "2026-10-01", "to": "2026-07-01"}, "to"),
                                          ({"from": "2026-07-01", "to": "not-a-date"}, "to"),
                                          ({"from": "1999-07-01", "to": "1999-08-01"}, "from"),
                                          ({"from": "2024-01-01", "to": "2026-01-01"}, "to"),
                                          ({"from": "2026-10-01"}, "to"), ({"to": "2026-10-01"}, "from")])
def test_bad_dates_on_the_page_are_a_clear_422(client, users, params, field):
    _login(client, "analyst")
    r = client.get("/reports/board", params=params)
    assert r.status_code == 422 and r.json()["problems"][0]["field"].endswith(field)


def test_only_those_who_read_the_measures_see_the_paper(client, users):
    _login(client, "call-handler")
    assert client.get("/reports/board").status_code == 403
    assert client.get("/reports/board.pdf").status_code == 403
    client.cookies.clear()
    assert client.get("/reports/board", follow_redirects=False).status_code in (302, 303)
