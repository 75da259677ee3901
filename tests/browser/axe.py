"""axe-core, run in the page, for WCAG 2.2 AA: the public pages must have no serious or critical
violation. axe.min.js comes from the axe-playwright-python package (no download at test time)."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """The violations axe finds on the page as it is now, at the given impacts."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    return [v for v in result["violations"] if v["impact"] in impacts]


def assert_accessible(page) -> None:
    found = violations(page)
    assert not found, "axe-core (WCAG 2.2 AA) found:\n" + "\n".join(
        f"- {v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}" for v in found)
