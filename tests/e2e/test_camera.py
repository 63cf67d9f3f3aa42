"""The camera in Debian's chromium: at long T the animated element stays in the visible area
after End, Home and stepping (also in lecture mode at 1280×720 and on a phone), the page never
overflows sideways, and Follow / Fit width / the play speed do what they say."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

ACTIVE = "svg#unfolded .unfolded-view [data-node][data-active='true']"

# Is the active node inside the graph's scroll box and inside the window?
IN_VIEW = """() => {
  const el = document.querySelector("svg#unfolded .unfolded-view [data-node][data-active='true']");
  if (!el) return false;
  const r = el.getBoundingClientRect();
  const box = document.querySelector("#graph-scroll").getBoundingClientRect();
  const inside = r.left >= box.left - 1 && r.right <= box.right + 1;
  return inside && r.top >= 0 && r.bottom <= innerHeight;
}"""


def open_page(page: Page, hash_: str) -> None:
    page.goto(f"/{hash_}")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    page.locator("h1").click()  # the keys go to the page, not to a control


def active(page: Page) -> str:
    return str(page.get_attribute(ACTIVE, "data-node"))


def assert_in_view(page: Page, what: str) -> None:
    # the pan is smooth: give it the time a person sees it glide
    page.wait_for_function(IN_VIEW, timeout=3000)
    assert page.evaluate(IN_VIEW), f"{what}: {active(page)} is outside the visible area"


def no_sideways_overflow(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide in a {width[1]} px window"


@pytest.mark.parametrize(
    "hash_", ["#T=30", "#T=200", "#T=30&lecture=1", "#T=200&lecture=1", "#T=200&H=16"]
)
def test_the_active_element_stays_in_view_after_end_home_and_stepping(
    page: Page, hash_: str
) -> None:
    open_page(page, hash_)
    T = int(hash_.split("T=")[1].split("&")[0])
    no_sideways_overflow(page)
    page.keyboard.press("End")
    expect(page.locator(ACTIVE)).to_have_attribute("data-node", "s_1")
    assert page.evaluate("scrollY") == 0, "End scrolled the page"
    assert_in_view(page, "after End")
    page.keyboard.press("Home")
    expect(page.locator("body")).to_have_attribute("data-step", "0")
    page.click("#btn-back")  # the backward pass starts at E_T, the far right
    expect(page.locator(ACTIVE)).to_have_attribute("data-node", f"E_{T}")
    assert_in_view(page, "at E_T")
    page.locator("h1").click()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(page.locator(ACTIVE)).to_have_attribute("data-node", f"s_{T - 2}")
    assert_in_view(page, "after stepping")
    no_sideways_overflow(page)


def test_on_a_phone_the_graph_follows_and_the_page_does_not_overflow(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, "#T=30")
    page.click("#btn-back")
    expect(page.locator(ACTIVE)).to_have_attribute("data-node", "E_30")
    assert_in_view(page, "phone, at E_T")
    page.click("#btn-end")
    expect(page.locator(ACTIVE)).to_have_attribute("data-node", "s_1")
    assert_in_view(page, "phone, after the last step")
    no_sideways_overflow(page)


def test_follow_off_keeps_the_view_and_fit_width_shows_every_column(page: Page) -> None:
    open_page(page, "#T=60")
    page.click("#btn-follow")
    expect(page.locator("#btn-follow")).to_have_attribute("aria-pressed", "false")
    assert "follow=0" in page.evaluate("location.hash")
    page.click("#btn-back")
    expect(page.locator(ACTIVE)).to_have_attribute("data-node", "E_60")
    page.wait_for_timeout(600)
    assert page.eval_on_selector("#graph-scroll", "e => e.scrollLeft") == 0
    page.click("#btn-fit")
    expect(page.locator("#btn-fit")).to_have_attribute("aria-pressed", "true")
    box = page.locator("#graph-scroll")
    expect(page.locator("svg#unfolded [data-node='s_60']")).to_be_visible()
    sizes = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] <= sizes[1], f"fitted graph still scrolls: {sizes}"
    assert page.evaluate(IN_VIEW)


def test_play_at_t_100_walks_the_whole_timeline_in_seconds_at_speed_16(page: Page) -> None:
    open_page(page, "#T=100")
    page.select_option("#ctl-speed", "16")
    assert "speed=16" in page.evaluate("location.hash")
    n = int(page.get_attribute("svg#unfolded", "data-steps") or "0")
    assert n == 1 + 100 + 2 + 100
    page.click("#btn-play")
    # at ×16 a 203-step play takes about 30 s / 16 ≈ 2 s
    expect(page.locator("body")).to_have_attribute("data-step", str(n - 1), timeout=15_000)
    expect(page.locator("#btn-play")).to_have_attribute("aria-pressed", "false")
    assert_in_view(page, "after play")


def test_at_long_t_the_middle_folds_away_and_a_click_on_the_gap_shows_every_step(
    page: Page,
) -> None:
    open_page(page, "#T=200")
    collapsed = "svg#unfolded .col.collapsed"
    assert page.locator(collapsed).count() > 150
    # every node keeps its hook, folded or not
    assert page.locator("svg#unfolded [data-node='s_100']").count() == 1
    expect(page.locator("#zoom-note")).to_be_visible()
    page.click("#btn-back")  # E_200: the window moves to the right end
    expect(page.locator("svg#unfolded .col[data-col='200']")).not_to_have_class("col collapsed")
    assert_in_view(page, "at E_200 with the middle folded")
    gap = page.locator("svg#unfolded [data-gap]").first
    gap.scroll_into_view_if_needed()
    gap.click()
    assert "zoom=0" in page.evaluate("location.hash")
    expect(page.locator(collapsed)).to_have_count(0)
    assert_in_view(page, "every step shown")


def test_large_h_draws_norm_bars_and_says_so_in_the_legend(page: Page) -> None:
    open_page(page, "#T=10&H=64")
    expect(page.locator("#bar-note")).to_be_visible()
    assert page.locator("svg#unfolded [data-node='s_3'] .bar").count() == 1
    size = page.eval_on_selector("#acc-Wx svg.acc-sum", "e => [e.clientWidth, e.clientHeight]")
    assert size[0] >= 128 and size[1] >= 10, f"the Wx sum is a speck: {size}"
    open_page(page, "#T=10&H=3")
    expect(page.locator("#bar-note")).to_be_hidden()


def test_a_reload_right_after_steps_keeps_the_step_shown(page: Page) -> None:
    # the URL is written at most every 200 ms: a reload at once must still come back there
    open_page(page, "#T=30")
    for shown in (2, 5):
        while int(page.get_attribute("body", "data-step") or "0") < shown:
            page.keyboard.press("ArrowRight")
        expect(page.locator("body")).to_have_attribute("data-step", str(shown))
        page.reload()
        page.wait_for_selector("svg#unfolded[data-ready='true']")
        expect(page.locator("body")).to_have_attribute("data-step", str(shown))
        page.wait_for_function(f"() => location.hash.includes('step={shown}')", timeout=3000)
        page.locator("h1").click()
    # a link opened afresh is not a reload: it shows its own step
    page.goto("/#T=30&step=1")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    expect(page.locator("body")).to_have_attribute("data-step", "1")
