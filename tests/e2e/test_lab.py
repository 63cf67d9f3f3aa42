"""The exploration lab in Debian's chromium: presets, the spectral-radius slider, the flow map,
the full-vs-truncated gap, weights, the gradient check, exports, lecture mode and keys, state in
the URL, and an accessibility scan."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe
from numpy.testing import assert_allclose
from playwright.sync_api import Page, expect

from tests.e2e.recorder import Recorder

pytestmark = pytest.mark.e2e

PRESET_T = {"lecture": 3, "vanishing": 20, "exploding": 20}
# one preset per built-in task (registered by the training panel): name → T
TASK_PRESET_T = {
    "task-sine": 20,
    "task-echo": 10,
    "task-adding": 10,
    "task-binary": 9,
    "task-chars": 24,
}


def open_page(page: Page, hash_: str = "") -> None:
    page.goto(f"/{hash_}")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    wait_lab(page)


def wait_lab(page: Page, T: int | None = None) -> None:
    """Until the flow map shows a T×T grid (of the current answer when T is None)."""
    page.wait_for_function(
        """T => {
          const div = document.querySelector('#flow-map');
          const sel = "svg#unfolded .unfolded-view [data-node^='E_']";
          const n = document.querySelectorAll(sel).length;
          return div && div.data && div.data[0].z.length === (T ?? n);
        }""",
        arg=T,
    )


def node_ids(page: Page) -> set[str]:
    return set(
        page.eval_on_selector_all(
            "svg#unfolded .unfolded-view [data-node]", "els => els.map(e => e.dataset.node)"
        )
    )


def plotted(page: Page, div: str) -> list[dict[str, Any]]:
    """The traces plotly drew in a div (x, y or z as plain lists)."""
    result: list[dict[str, Any]] = page.evaluate(
        "sel => document.querySelector(sel).data"
        ".map(t => ({name: t.name, x: t.x, y: t.y, z: t.z}))",
        div,
    )
    return result


def set_rho(page: Page, rho: float) -> None:
    page.eval_on_selector(
        "#ctl-rho",
        "(el, v) => { el.value = String(v);"
        " el.dispatchEvent(new Event('input', {bubbles: true})); }",
        rho,
    )
    page.wait_for_function(
        "v => Math.abs(Number(document.querySelector('#flow-decay').dataset.rho) - v) < 1e-9",
        arg=rho,
    )


def decay_slope(page: Page) -> float:
    """Least-squares slope of log10 ‖∂s_T/∂s_k‖ against T − k, fitted to the plotted data."""
    series = plotted(page, "#flow-decay")[0]
    lag, value = np.array(series["x"], dtype=float), np.array(series["y"], dtype=float)
    keep = lag >= 1
    return float(np.polyfit(lag[keep], np.log10(value[keep]), 1)[0])


# ---------------------------------------------------------------- presets and the flow lab


@pytest.mark.parametrize("name", [*PRESET_T, *TASK_PRESET_T])
def test_each_preset_loads_and_draws(page: Page, rec: Recorder, name: str) -> None:
    open_page(page)
    page.select_option("#ctl-preset", name)
    T = {**PRESET_T, **TASK_PRESET_T}[name]
    wait_lab(page, T)
    assert {f"s_{t}" for t in range(T + 1)} <= node_ids(page)
    assert f"preset={name}" in page.evaluate("location.hash")
    body = rec.graph[-1]
    assert len(body["inputs"]) == T
    expected = api(page, body)
    z = np.array(plotted(page, "#flow-map")[0]["z"], dtype=float)  # log10, NaN for holes
    flow = np.array(expected["flow"][page.input_value("#ctl-flow")], dtype=float)
    with np.errstate(divide="ignore"):
        assert_allclose(z, np.where(flow > 0, np.log10(flow), np.nan), rtol=1e-12)
    eig = plotted(page, "#w-eigen")[-1]
    assert len(eig["x"]) == body["model"]["n_hidden"]
    assert page.locator("#w-Ws rect").count() == body["model"]["n_hidden"] ** 2
    assert rec.errors == []


def test_spectral_radius_slider_turns_the_decay_slope_at_one_over_gamma(
    page: Page, rec: Recorder
) -> None:
    open_page(page, "#T=16&H=4&act=identity")
    assert page.locator("#flow-diag").inner_text().count("1") >= 1
    slopes = {}
    for rho in (0.5, 0.8, 1.25, 1.6):
        set_rho(page, rho)
        slopes[rho] = decay_slope(page)
        # identity: ∂s_T/∂s_k = (Wsᵀ)^(T−k), so the slope tends to log10 ρ(Ws)
        assert slopes[rho] == pytest.approx(np.log10(rho), abs=0.06), slopes
        shown = float(page.get_attribute("#flow-decay", "data-slope") or "nan")
        assert shown == pytest.approx(slopes[rho], rel=1e-6)
    assert slopes[0.5] < slopes[0.8] < 0 < slopes[1.25] < slopes[1.6], slopes
    expect(page.locator("#flow-regime")).to_have_attribute("data-regime", "exploding")
    assert rec.graph[-1]["model"]["ws_spectral_radius"] == 1.6
    assert "rho=1.6" in page.evaluate("location.hash")

    # tanh (γ = 1): below 1/γ the gradients vanish, faster for a smaller radius
    page.select_option("#ctl-act", "tanh")
    set_rho(page, 0.3)
    low = decay_slope(page)
    set_rho(page, 0.7)
    high = decay_slope(page)
    assert low < high < 0, (low, high)
    expect(page.locator("#flow-regime")).to_have_attribute("data-regime", "vanishing")
    assert rec.errors == []


def test_flow_switch_and_the_full_vs_truncated_gap(page: Page, rec: Recorder) -> None:
    open_page(page, "#T=6&loss=all&K=2")  # the lab compares at the page's one K
    page.select_option("#ctl-flow", "state")
    expect(page.locator("#flow-map")).to_have_attribute("data-kind", "state")
    assert "flow=state" in page.evaluate("location.hash")
    body = rec.graph[-1]
    full = api(page, {**body, "detail": "norms", "truncate": None})
    trunc = api(page, {**body, "detail": "norms", "truncate": 2})
    expect(page.locator("#cmp")).to_have_attribute("data-k", "2")
    for name in ("Ws", "Wx"):
        g, gK = np.array(full["grads"][name]), np.array(trunc["grads"][name])
        row = page.locator(f"#cmp-body tr[data-weight='{name}']")
        diff = float(row.locator("td[data-diff]").get_attribute("data-diff") or "nan")
        cosine = float(row.locator("td[data-cosine]").get_attribute("data-cosine") or "nan")
        assert diff == pytest.approx(np.linalg.norm(g - gK), rel=1e-9)
        cos = np.sum(g * gK) / (np.linalg.norm(g) * np.linalg.norm(gK))
        assert cosine == pytest.approx(cos, rel=1e-9)
        assert diff > 0, "truncating 6 steps to 2 must change the gradient"


def test_gradient_check_passes_for_tanh(page: Page) -> None:
    open_page(page, "#T=5&H=3&act=tanh")
    page.click("#btn-gradcheck")
    result = page.locator("#gc-result")
    expect(result).to_have_attribute("data-passed", "true")
    errors = page.eval_on_selector_all(
        "#gc-result td[data-error]", "els => els.map(e => Number(e.dataset.error))"
    )
    assert len(errors) == 3
    assert all(0 <= e < 1e-6 for e in errors), errors
    expect(result).to_contain_text("pass")


def test_bad_hidden_size_shows_the_message_beside_it_and_keeps_everything(
    page: Page, rec: Recorder
) -> None:
    open_page(page, "#T=5&rho=0.9&flow=jacobian")
    z_before = plotted(page, "#flow-map")[0]["z"]
    weights_before = page.locator("#w-Ws rect").count()
    sent = len(rec.bptt)
    page.fill("#ctl-H", "257")
    error = page.locator("#err-H")
    expect(error).to_be_visible()
    expect(error).to_contain_text("hidden size must be 1–256")
    page.wait_for_timeout(500)  # past the typing pause: still nothing sent
    assert len(rec.bptt) == sent, "a value over the limit was sent"
    assert page.input_value("#ctl-H") == "257"
    assert page.input_value("#ctl-rho") == "0.9"
    assert page.input_value("#ctl-flow") == "jacobian"
    assert plotted(page, "#flow-map")[0]["z"] == z_before
    assert page.locator("#w-Ws rect").count() == weights_before
    assert {f"s_{t}" for t in range(6)} <= node_ids(page)
    hash_ = page.evaluate("location.hash")
    assert "H=257" not in hash_ and "rho=0.9" in hash_


# ---------------------------------------------------------------- export


def test_svg_export_is_a_standalone_graph(page: Page) -> None:
    open_page(page, "#preset=lecture&T=3&H=2")
    with page.expect_download() as info:
        page.click("#btn-svg")
    download = info.value
    assert download.suggested_filename.endswith(".svg")
    root = ET.parse(download.path()).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    nodes = {el.get("data-node") for el in root.iter() if el.get("data-node")}
    assert {"s_0", "x_1", "s_3", "y_3", "E_3"} <= nodes
    styled = [el for el in root.iter() if "fill:" in (el.get("style") or "")]
    assert len(styled) > 20, "computed styles must be inlined"


def test_png_export_has_the_graph_size(page: Page) -> None:
    open_page(page, "#T=4")
    with page.expect_download() as info:
        page.click("#btn-png")
    data = Path(info.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    svg = page.locator("svg#unfolded")
    assert (width, height) == (
        round(float(svg.get_attribute("width") or 0)),
        round(float(svg.get_attribute("height") or 0)),
    )
    assert width > 300 and height > 100


# ---------------------------------------------------------------- keys, lecture mode, URL


def test_keys_lecture_mode_and_the_overlay(page: Page) -> None:
    open_page(page)
    page.locator("h1").click()
    page.keyboard.press("l")
    expect(page.locator("html")).to_have_class("lecture")
    expect(page.locator(".lab")).to_be_hidden()
    expect(page.locator("#controls")).to_be_hidden()
    expect(page.locator("svg#unfolded")).to_be_visible()
    expect(page.locator("#equations-body")).to_be_visible()
    assert "lecture=1" in page.evaluate("location.hash")
    page.keyboard.press("?")
    overlay = page.locator("#keys-help")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("full screen")
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()
    page.keyboard.press("l")
    expect(page.locator("html")).not_to_have_class("lecture")
    # keys typed into a field stay there
    page.select_option("#ctl-seq", "custom")
    page.fill("#ctl-xs", "")
    page.focus("#ctl-xs")
    page.keyboard.type("l?")
    assert page.input_value("#ctl-xs") == "l?"
    expect(page.locator("html")).not_to_have_class("lecture")
    expect(overlay).to_be_hidden()


def test_reload_restores_the_state_and_the_animation_step(page: Page) -> None:
    open_page(page)
    page.select_option("#ctl-preset", "exploding")
    wait_lab(page, 20)
    page.select_option("#ctl-flow", "Ws")
    page.locator("h1").click()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("l")
    expect(page.locator("body")).to_have_attribute("data-step", "3")
    hash_ = page.evaluate("location.hash")
    page.reload()
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    assert page.evaluate("location.hash") == hash_
    expect(page.locator("body")).to_have_attribute("data-step", "3")
    expect(page.locator("html")).to_have_class("lecture")
    # the preset set flow = jacobian: switching the map left the preset, its values stay
    assert page.input_value("#ctl-preset") == ""
    assert page.input_value("#ctl-rho") == "1.3"
    assert page.input_value("#ctl-act") == "identity"
    assert page.input_value("#ctl-flow") == "Ws"


def test_back_and_forward_move_between_presets(page: Page) -> None:
    open_page(page)
    page.select_option("#ctl-preset", "lecture")
    wait_lab(page, 3)
    page.select_option("#ctl-preset", "vanishing")
    wait_lab(page, 20)
    page.go_back()
    wait_lab(page, 3)
    assert page.input_value("#ctl-preset") == "lecture"
    assert page.input_value("#ctl-H") == "2"
    page.go_forward()
    wait_lab(page, 20)
    assert page.input_value("#ctl-preset") == "vanishing"
    assert page.input_value("#ctl-rho") == "0.5"


# ---------------------------------------------------------------- accessibility


@pytest.mark.parametrize("hash_", ["", "#lecture=1"])
def test_no_serious_accessibility_violations(page: Page, hash_: str) -> None:
    open_page(page, hash_)
    if not hash_:  # with the gradient check's table drawn (lecture mode hides the panel)
        page.click("#btn-gradcheck")
        expect(page.locator("#gc-result")).to_have_attribute("data-passed", "true")
    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def api(page: Page, body: dict[str, Any]) -> dict[str, Any]:
    response = page.request.post("/api/bptt", data=body)
    assert response.ok, response.text()
    result: dict[str, Any] = response.json()
    return result


# ---------------------------------------------------------------- the three cells' decay


def cells_drawn(page: Page, current: str, H: int) -> list[dict[str, Any]]:
    """The lab's three decay curves once drawn for `current` at hidden size H (scrolled to)."""
    page.locator("#flow-cells").scroll_into_view_if_needed()
    page.wait_for_function(
        """([c, H]) => {
          const div = document.querySelector('#flow-cells');
          return div && div.dataset.current === c && div.dataset.h === String(H)
            && div.data && div.data.length === 3;
        }""",
        arg=[current, H],
        timeout=20000,
    )
    result: list[dict[str, Any]] = page.evaluate(
        "() => document.querySelector('#flow-cells').data"
        ".map(t => ({cell: t.meta, name: t.name, x: t.x, y: t.y, width: t.line.width}))"
    )
    return result


def sine(T: int) -> tuple[list[list[float]], list[list[float]]]:
    """The page's default sequence (state.js sineSequence): x_t = sin(0.6 t), d_t = x_{t+1}."""
    xs = [[round(float(np.sin(0.6 * (i + 1))), 3)] for i in range(T)]
    ds = [[round(float(np.sin(0.6 * (i + 2))), 3)] for i in range(T)]
    return xs, ds


def check_against_the_api(page: Page, traces: list[dict[str, Any]], T: int, H: int) -> None:
    """Each curve is ‖∂E_T/∂s_k‖ of its cell on the page's sequence, as /api/bptt answers it."""
    xs, ds = sine(T)
    for trace in traces:
        model: dict[str, Any] = {
            "n_in": 1, "n_hidden": H, "n_out": 1, "activation": "tanh", "seed": 0
        }
        if trace["cell"] != "rnn":
            model["cell"] = trace["cell"]
        body = {"model": model, "inputs": xs, "targets": ds, "loss_steps": "last",
                "detail": "norms"}
        row = page.request.post("/api/bptt", data=body).json()["flow"]["state"][T - 1]
        assert trace["x"] == list(range(T)), trace
        assert_allclose(trace["y"], [row[T - 1 - lag] for lag in trace["x"]], rtol=1e-12)


def test_the_decay_plot_overlays_the_three_cells_on_the_graphs_data(
    page: Page, rec: Recorder
) -> None:
    open_page(page, "#cell=lstm&T=8&H=3")
    page.wait_for_timeout(500)
    # the other cells cost two requests: not asked for while their plot is off screen
    assert all(b["model"].get("cell") == "lstm" for b in rec.bptt), rec.bptt
    traces = cells_drawn(page, "lstm", 3)
    assert sorted(t["cell"] for t in traces) == ["gru", "lstm", "rnn"]
    assert traces[-1]["cell"] == "lstm"  # drawn last: on top
    width = {t["cell"]: t["width"] for t in traces}
    assert width["lstm"] > width["rnn"] and width["lstm"] > width["gru"]
    assert traces[-1]["name"] == "LSTM (this graph)"
    check_against_the_api(page, traces, 8, 3)
    caption = page.locator("#flow-cells-caption")
    expect(caption).to_contain_text("the thick line is the graph's LSTM")
    expect(caption).to_contain_text("At T − k = 7:")
    # the other cells were asked for through the page's one request path, with norms only
    others = [b for b in rec.bptt if b["model"].get("cell", "rnn") != "lstm"]
    assert {b["model"].get("cell", "rnn") for b in others} == {"rnn", "gru"}
    assert all(b["detail"] == "norms" and len(b["inputs"]) == 8 for b in others)
    # the model changes: the curves follow, the GRU now emphasised
    page.select_option("#ctl-cell", "gru")
    traces = cells_drawn(page, "gru", 3)
    assert traces[-1]["cell"] == "gru" and traces[-1]["name"] == "GRU (this graph)"
    check_against_the_api(page, traces, 8, 3)
    page.fill("#ctl-H", "2")
    traces = cells_drawn(page, "gru", 2)
    check_against_the_api(page, traces, 8, 2)
    assert rec.errors == []
