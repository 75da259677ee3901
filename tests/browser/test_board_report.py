"""The board report's HTML in Chromium: the file the command writes, opened from disk, passes
axe-core (WCAG 2.2 AA), and prints without the parts meant for the screen."""

from __future__ import annotations

import pytest

from demandhub.reports import board_html
from demandhub.reports.board_commentary import load
from tests.browser.axe import assert_accessible
from tests.reports import story
from tests.reports.test_board import _assemble

pytestmark = pytest.mark.usefixtures("roads")


@pytest.fixture
def written(app, client, auth, handler, clock, make_unit, sessions, tmp_path):
    story.build(client, auth, handler, clock, make_unit, sessions)
    notes = tmp_path / "notes.md"
    notes.write_text("## summary\nA steady fortnight.\n\n- 999 held up\n- 101 waits fell\n")
    paper = _assemble(app, sessions, clock, commentary=load(notes))
    path = tmp_path / f"{paper.basename}.html"
    path.write_text(board_html.render(paper, pdf_href=f"{paper.basename}.pdf"), encoding="utf-8")
    return path


def test_the_written_report_is_accessible_and_prints(chromium, written):
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"file://{written}")
        assert page.title().startswith("Demoshire Police: performance report to the board")
        assert page.locator("svg[role=img]").count() >= 10
        assert page.locator(".commentary.empty").count() == 7  # every slot but the summary
        assert_accessible(page)
        page.screenshot(path=str(written.with_suffix(".png")), full_page=True)
        page.emulate_media(media="print")
        assert not page.locator(".pdf-link").is_visible()  # a printed paper has no link to click
        assert page.locator("#headlines").is_visible()
    finally:
        context.close()


def test_the_report_reads_on_a_phone(chromium, written):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"file://{written}")
        assert_accessible(page)
        width = page.evaluate("document.querySelector('svg.chart').getBoundingClientRect().width")
        assert width <= 390  # charts scale down with the page
    finally:
        context.close()
