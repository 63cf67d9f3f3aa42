""""Why gates" in Debian's chromium: play trains the three cells in lockstep, the summary shows
a number for every cell, the presets pick the comparison's task."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.recorder import Recorder
from tests.e2e.test_unfolded import open_page

pytestmark = pytest.mark.e2e

EVERY_LOSS = """() => [...document.querySelectorAll('#compare-summary tr[data-cell] [data-loss]')]
    .every(td => Number.isFinite(Number.parseFloat(td.dataset.value)))"""


def test_play_fills_the_summary_for_every_cell(page: Page, rec: Recorder) -> None:
    open_page(page)
    page.locator("#compare-play").click()
    page.wait_for_function(EVERY_LOSS, timeout=15000)
    for cell in ("rnn", "lstm", "gru"):
        row = page.locator(f"#compare-summary tr[data-cell='{cell}']")
        assert int(row.locator("[data-steps]").text_content() or "0") > 0
        assert float(row.locator("[data-loss]").get_attribute("data-value") or "nan") > 0
    page.locator("#compare-play").click()  # pause
    expect(page.locator("#compare-play")).to_have_attribute("aria-pressed", "false")
    # the decay plot has a curve per cell
    page.wait_for_function(
        "() => document.querySelector('#compare-decay').data?.length === 3", timeout=15000
    )
    assert rec.errors == []


def test_the_presets_choose_the_comparisons_task(page: Page, rec: Recorder) -> None:
    open_page(page)
    page.select_option("#ctl-preset", "gates-alike")
    expect(page.locator("#compare-task")).to_have_value("short")
    assert "cmp=short" in page.evaluate("location.hash")
    page.select_option("#ctl-preset", "gates")
    expect(page.locator("#compare-task")).to_have_value("long")
    expect(page.locator("#ctl-cell")).to_have_value("lstm")
    assert rec.errors == []
