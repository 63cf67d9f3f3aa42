"""Definitions of the symbols wherever they appear, in Debian's chromium: hovering, focusing or
tapping a symbol in the equations, the running sums, the step caption and the lab (its
diagnostics, captions and the plots' titles and legends) shows its definition in MathML; the
zero of C^Ws_{t,1} is explained where it is shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(os.environ.get("DEFINITION_SHOTS") or tmp_path_factory.mktemp("definitions"))


def shows(page: Page, symbol: Locator, key: str, words: str) -> None:
    """The definition box shows `key`'s definition (MathML and `words`) beside `symbol`."""
    box = page.locator("#definition")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-def", key)
    expect(box).to_contain_text(words)
    assert box.locator("math").count() >= 1
    assert symbol.get_attribute("aria-describedby") == "definition"


def leave(page: Page) -> None:
    page.mouse.move(2, 2)
    page.keyboard.press("Escape")
    expect(page.locator("#definition")).to_be_hidden()


def test_symbols_of_the_equations_running_sums_and_caption(module_page: Page, shots: Path) -> None:
    page = module_page
    page.goto("/")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    eq = page.locator("#equations-body")
    # hover: δ in the line that says what each Ws term is
    delta = eq.locator(".eq-termdef [data-def='delta']").first
    delta.hover()
    shows(page, delta, "delta", "pre-activation")
    page.screenshot(path=str(shots / "def_equations_delta.png"))
    leave(page)
    # keyboard focus: C of the same line is in the tab order
    c = eq.locator(".eq-termdef [data-def='C']").first
    assert c.get_attribute("tabindex") == "0"
    c.focus()
    shows(page, c, "C", "What step k adds")
    page.keyboard.press("Escape")
    expect(page.locator("#definition")).to_be_hidden()
    # Φ in the forward pass
    phi = eq.locator(".eq-forward [data-def='phi']").first
    phi.hover()
    shows(page, phi, "phi", "nonlinearity")
    leave(page)
    # the zero of C^Ws_{3,1} explained beside the term and under the sum
    zero = eq.locator(".term[data-term='Ws_1'] [data-def='zero_s0']")
    expect(zero).to_have_text("(s₀ = 0)")
    zero.hover()
    shows(page, zero, "zero_s0", "no earlier state")
    leave(page)
    expect(eq.locator(".term[data-term='Wx_1'] [data-def='zero_s0']")).to_have_count(0)
    # hovering the term says it in the panel's line; its matrix (a click) is titled in symbols
    eq.locator(".term[data-term='Ws_1']").hover()
    expect(page.locator("#hover-info")).to_contain_text("Cᵂˢ₃,₁ (t = 3, k = 1)")
    expect(page.locator("#hover-info [data-def='zero_s0']")).to_have_text("s₀ = 0")
    eq.locator(".term[data-term='Ws_1']").press("Enter")
    title = page.locator("#popover .pop-title")
    expect(title).to_have_text("Cᵂˢ₃,₁ = s₀ᵀ δ₃,₁: all zeros, because s₀ = 0")
    assert title.locator("[data-def]").evaluate_all("els => els.map(e => e.dataset.def)") == [
        "C",
        "delta",
        "zero_s0",
    ]
    page.keyboard.press("Escape")
    expect(page.locator("#popover")).to_be_hidden()
    eq.locator(".term[data-term='Wx_2']").press("Enter")
    expect(title).to_have_text("Cᵂˣ₃,₂ = x₂ᵀ δ₃,₂")
    page.keyboard.press("Escape")
    # step to the term k = 1: the caption and the running sum say why it adds nothing
    page.click("#btn-end")
    page.wait_for_selector("body[data-step-kind='term']")
    caption = page.locator("#step-caption")
    expect(caption).to_contain_text("s₀ = 0")
    cz = caption.locator("[data-def='zero_s0']")
    cz.hover()
    shows(page, cz, "zero_s0", "initial state s₀ is all zeros")
    leave(page)
    cc = caption.locator("[data-def='C']").first
    cc.hover()
    shows(page, cc, "C", "What step k adds")
    leave(page)
    az = page.locator("#acc-Ws .acc-term-label [data-def='zero_s0']")
    expect(az).to_contain_text("s₀ = 0")
    expect(page.locator("#acc-Wx .acc-term-label [data-def='zero_s0']")).to_have_count(0)
    head = page.locator("#acc-Ws .acc-head [data-def='C']")
    head.hover()
    shows(page, head, "C", "What step k adds")
    page.screenshot(path=str(shots / "def_running_sum_C.png"))
    leave(page)
    assert page.errors == []  # type: ignore[attr-defined]


def test_symbols_of_the_lab_its_plots_and_the_jacobian_map(module_page: Page, shots: Path) -> None:
    page = module_page
    page.goto("/#T=6")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    page.locator("#flowlab").scroll_into_view_if_needed()
    page.wait_for_function("() => Number(document.querySelector('#flowlab').dataset.drawn) >= 1")
    lab = page.locator("#flowlab")
    rho = lab.locator("#flow-diag [data-def='rho']")
    rho.hover()
    shows(page, rho, "rho", "eigenvalue")
    leave(page)
    gamma = lab.locator("#flow-diag [data-def='gamma']").first
    gamma.focus()
    shows(page, gamma, "gamma", "steepest")
    page.keyboard.press("Escape")
    # the decay plot: its legend names ‖∂s_T/∂s_k‖₂ (two definitions at once), its x axis k
    legend = lab.locator("#flow-decay .legendtext.sym").first
    expect(legend).to_have_attribute("data-def", "norm2 jacobian")
    legend.hover(force=True)  # plotly's click target over the entry stands for its text
    box = page.locator("#definition")
    expect(box).to_have_attribute("data-def", "norm2 jacobian")
    expect(box.locator(".def-item")).to_have_count(2)
    expect(box).to_contain_text("spectral norm")
    expect(box).to_contain_text("state-to-state Jacobian")
    page.screenshot(path=str(shots / "def_decay_legend.png"))
    leave(page)
    caption = lab.locator("#flow-decay-caption [data-def='norm2']")
    expect(caption).to_have_count(1)
    # the Ws map's empty column k = 1 is explained in its caption
    expect(lab.locator("#flow-map-caption")).to_contain_text("Column k = 1 is empty")
    expect(lab.locator("#flow-map-caption [data-def='zero_s0']")).to_have_count(1)
    # the flow map's axes: k and t
    xt = lab.locator("#flow-map .g-xtitle text")
    expect(xt).to_have_attribute("data-def", "k")
    xt.hover()
    shows(page, xt, "k", "t − k steps back")
    leave(page)
    # the three cells' decay: ‖∂E_T/∂s_k‖ is the norm of σ, the error at the state
    page.wait_for_function("() => Number(document.querySelector('#flow-cells').dataset.drawn) >= 1")
    expect(lab.locator("#flow-cells .g-ytitle text")).to_have_attribute("data-def", "sigma")
    expect(lab.locator("#flow-cells-caption [data-def='sigma']").first).to_be_attached()
    # the Jacobian map: its axes are states, each with the Jacobian's definition
    page.select_option("#ctl-flow", "jacobian")
    page.wait_for_function("() => document.querySelector('#flow-map').dataset.kind === 'jacobian'")
    yt = lab.locator("#flow-map .g-ytitle text")
    expect(yt).to_have_attribute("data-def", "t jacobian")
    yt.hover()
    expect(box).to_have_attribute("data-def", "t jacobian")
    expect(box).to_contain_text("later state")
    page.screenshot(path=str(shots / "def_jacobian_axis.png"))
    leave(page)
    mc = lab.locator("#flow-map-caption [data-def]")
    assert "norm2" in (mc.first.get_attribute("data-def") or "")
    assert page.errors == []  # type: ignore[attr-defined]


def test_gate_symbols_of_the_lstm(module_page: Page) -> None:
    page = module_page
    page.goto("/#cell=lstm")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    eq = page.locator("#equations-body")
    for key, words in [
        ("f", "forget gate"),
        ("c", "cell state"),
        ("kappa", "cell state cₖ"),
        ("logistic", "Squashes"),
        ("delta", "pre-activation"),
    ]:
        sym = eq.locator(f"[data-def='{key}']").first
        sym.hover()
        shows(page, sym, key, words)
        leave(page)
    # the caption of a forward step names the gates
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("body[data-step-kind='forward']")
    gates = page.eval_on_selector_all(
        "#step-caption [data-def]", "els => els.map(e => e.dataset.def)"
    )
    assert {"i", "f", "g", "o", "c"} <= set(gates)
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_tap_shows_a_definition_on_a_phone(browser: Browser, base_url: str) -> None:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    try:
        page.goto("/")
        page.wait_for_selector("svg#unfolded[data-ready='true']")
        delta = page.locator("#equations-body .eq-termdef [data-def='delta']").first
        delta.scroll_into_view_if_needed()
        delta.tap()
        box = page.locator("#definition")
        expect(box).to_be_visible()
        expect(box).to_have_attribute("data-def", "delta")
        page.locator("#eq-title").tap()  # a tap elsewhere closes it
        expect(box).to_be_hidden()
    finally:
        context.close()
