"""The accessibility check itself catches what it should (so a clean result means something)."""

from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible, violations


def test_axe_finds_an_unlabelled_field_and_passes_the_login_page(chromium, server):
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><input type="text"></main></body></html>')
    assert any(v["id"] == "label" for v in violations(page, impacts=("serious", "critical")))
    with pytest.raises(AssertionError):
        assert_accessible(page)
    page.goto(f"{server}/login")
    assert_accessible(page)
    context.close()
