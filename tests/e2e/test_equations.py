"""The equations in Debian's chromium: at long T the sums write out the active term and its
neighbours and fit one screen; the text follows the model (softmax and cross-entropy for the
chars task); the strip of terms scrubs the animation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.recorder import Recorder

pytestmark = pytest.mark.e2e

EQ = "#equations-body"


def open_page(page: Page, hash_: str) -> None:
    page.goto(f"/{hash_}")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    page.locator("h1").click()


def shown_terms(page: Page, W: str) -> list[str]:
    sel = f"{EQ} [data-term^='{W}_']"
    return page.eval_on_selector_all(sel, "els => els.map(e => e.dataset.term)")


def test_at_t_100_the_sums_fit_one_screen_and_follow_the_active_term(page: Page) -> None:
    open_page(page, "#T=100")
    height = page.eval_on_selector(EQ, "e => e.getBoundingClientRect().height")
    assert height <= 720, f"the equations are {height:.0f} px tall at T = 100"
    assert shown_terms(page, "Ws") == ["Ws_100", "Ws_99", "Ws_1"]
    page.click("#btn-back")  # E_100
    for _ in range(50):  # y_100, then k = 100 … 52
        page.keyboard.press("ArrowRight")
    active = page.locator(f"{EQ} [data-term='Ws_52'][data-active='true']")
    expect(active).to_have_count(1)
    assert shown_terms(page, "Ws") == ["Ws_100", "Ws_99", "Ws_53", "Ws_52", "Ws_51", "Ws_1"]
    gaps = page.eval_on_selector_all(
        f"{EQ} [data-gap^='Ws_']", "els => els.map(e => e.dataset.gap)"
    )
    assert gaps == ["Ws_98_54", "Ws_50_2"]
    expect(page.locator(f"{EQ} [data-gap='Ws_98_54']")).to_contain_text("45 terms")
    height = page.eval_on_selector(EQ, "e => e.getBoundingClientRect().height")
    assert height <= 720, f"the equations are {height:.0f} px tall while stepping"


def test_the_strip_of_terms_scrubs_to_the_term_under_the_pointer(page: Page) -> None:
    open_page(page, "#T=60")
    strip = page.locator("#acc-Ws .acc-chips")
    expect(strip).to_have_class("acc-chips strip")
    assert strip.locator("[data-term]").count() == 60
    cell = strip.locator("[data-term='Ws_30']")
    box = cell.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    target = strip.locator("[data-term='Ws_20']").bounding_box()
    assert target is not None
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 5, steps=5)
    page.mouse.up()
    expect(page.locator("svg#unfolded [data-node='s_20'][data-active='true']")).to_have_count(1)
    expect(strip.locator("[data-term='Ws_20']")).to_have_attribute("data-active", "true")


def test_the_chars_preset_shows_softmax_and_cross_entropy(page: Page, rec: Recorder) -> None:
    open_page(page, "")
    page.select_option("#ctl-preset", "task-chars")
    expect(page.locator("svg#unfolded [data-node='s_24']")).to_have_count(1)
    assert rec.graph[-1]["model"]["loss"] == "cross_entropy"
    forward = page.locator(f"{EQ} .eq-forward")
    expect(forward).to_contain_text("softmax")
    expect(forward).to_contain_text("cross-entropy")
    expect(forward.locator("[data-loss='cross_entropy']")).to_have_count(1)
    assert "(d" not in forward.inner_text()
    expect(page.locator("#ctl-seq")).to_be_disabled()
    expect(page.locator("#ctl-seq option:checked")).to_contain_text("Characters")
    expect(page.locator("#ctl-loss option:checked")).to_contain_text("every step")
    page.locator("h1").click()
    page.click("#btn-back")
    expect(page.locator("#step-caption")).to_contain_text("cross-entropy")
    # the task's loss steps follow the task: adding trains on the last step only
    page.select_option("#train-task", "adding")
    expect(page.locator("#ctl-loss option:checked")).to_contain_text("last only")
    expect(forward).to_contain_text("(d")
