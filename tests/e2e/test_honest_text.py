"""Honest text in Debian's chromium: the regime banner follows the measured decay as well as
the bound, an overflow is a warning on the graph (not silent zeros), and the folded view is
animated with a title that says what is shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.recorder import Recorder

pytestmark = pytest.mark.e2e


def open_page(page: Page, hash_: str) -> None:
    page.goto(f"/{hash_}")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    page.locator("h1").click()


def test_the_regime_follows_the_measured_decay_when_the_bound_says_exploding(
    page: Page,
) -> None:
    open_page(page, "#T=30&act=tanh&rho=3")
    regime = page.locator("#flow-regime")
    expect(regime).to_have_attribute("data-bound", "exploding")
    page.wait_for_function("() => document.querySelector('#flow-decay').dataset.slope")
    slope = float(page.get_attribute("#flow-decay", "data-slope") or "nan")
    assert slope < 0, f"expected the measured decay to shrink at tanh, ρ = 3, got slope {slope}"
    expect(regime).to_have_attribute("data-regime", "vanishing")
    expect(regime).to_contain_text("per step back")
    expect(regime).to_contain_text("vanishing")
    expect(regime).to_contain_text("allows growth")


def test_an_overflow_is_a_warning_on_the_graph(page: Page, rec: Recorder) -> None:
    open_page(page, "#T=200&act=identity&rho=100")
    warning = page.locator("#graph-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("overflowed")
    expect(page.locator("svg#unfolded")).to_have_attribute("data-finite", "false")
    page.keyboard.press("End")
    expect(page.locator("#acc-done")).to_be_hidden()  # no "the sums equal the totals" claim
    expect(page.locator("#equations-body [data-term='Wy']")).not_to_contain_text("= 0")
    page.fill("#ctl-T", "5")
    expect(warning).to_be_hidden()
    assert [e for e in rec.errors if "422" not in e] == []


def test_the_folded_view_is_animated_and_titled(page: Page) -> None:
    open_page(page, "#T=4")
    page.click("#btn-view")
    expect(page.locator("#graph-title")).to_contain_text("folded")
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")  # forward step 1
    folded = page.locator("svg#unfolded .folded-view")
    expect(folded.locator("[data-node='s'][data-active='true']")).to_have_count(1)
    expect(folded.locator("[data-edge='Ws_loop'][data-active='true']")).to_have_count(1)
    expect(folded.locator(".fold-step")).to_contain_text("t = 1")
    page.click("#btn-back")  # E_4
    expect(folded.locator("[data-node='E'][data-active='true']")).to_have_count(1)
    expect(folded.locator(".fold-step")).to_contain_text("E₄")
    page.locator("h1").click()
    page.keyboard.press("End")
    expect(folded.locator(".fold-step")).to_contain_text("term k = 1: 3 times back")
    page.click("#btn-view")
    expect(page.locator("#graph-title")).to_have_text("The network unfolded in time")
