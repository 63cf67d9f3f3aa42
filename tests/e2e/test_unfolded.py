"""The unfolded graph page in Debian's chromium: nodes and edges, stepping, the accumulator,
truncation, the folded view and refused requests."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from playwright.sync_api import Page, expect

from tests.e2e.recorder import LOOPBACK, Recorder

pytestmark = pytest.mark.e2e

ACTIVE_NODE = "svg#unfolded .unfolded-view [data-node][data-active='true']"


def open_page(page: Page, hash_: str = "") -> None:
    page.goto(f"/{hash_}")
    page.wait_for_selector("svg#unfolded[data-ready='true']")


def ids(page: Page, attr: str, scope: str = "svg#unfolded .unfolded-view") -> set[str]:
    return set(
        page.eval_on_selector_all(
            f"{scope} [{attr}]", f"els => els.map(e => e.getAttribute('{attr}'))"
        )
    )


def dropped(page: Page, attr: str, scope: str) -> set[str]:
    sel = f"{scope} [{attr}][data-dropped='true']"
    return set(page.eval_on_selector_all(sel, f"els => els.map(e => e.getAttribute('{attr}'))"))


def expected_graph(T: int) -> tuple[set[str], set[str]]:
    nodes = {"s_0"} | {f"{n}_{t}" for t in range(1, T + 1) for n in ("x", "s", "y", "E")}
    edges = {f"{w}_{t}" for t in range(1, T + 1) for w in ("Wx", "Ws", "Wy")}
    return nodes, edges


def active_node(page: Page) -> str | None:
    found = page.eval_on_selector_all(ACTIVE_NODE, "els => els.map(e => e.dataset.node)")
    assert len(found) <= 1, f"more than one active node: {found}"
    return found[0] if found else None


def step_count(page: Page) -> int:
    return int(page.get_attribute("svg#unfolded", "data-steps") or "0")


def acc_values(page: Page, W: str) -> np.ndarray:
    return np.array(json.loads(page.get_attribute(f"#acc-{W}", "data-values") or "[]"), dtype=float)


def api_bptt(page: Page, body: dict[str, Any]) -> dict[str, Any]:
    response = page.request.post("/api/bptt", data=body)
    assert response.ok, response.text()
    return response.json()


def test_loads_on_loopback_with_every_node_and_edge(page: Page, rec: Recorder) -> None:
    open_page(page)
    nodes, edges = expected_graph(3)
    assert ids(page, "data-node") == nodes
    assert ids(page, "data-edge") == edges
    page.fill("#ctl-T", "6")
    expect(page.locator("svg#unfolded [data-node='s_6']")).to_have_count(1)
    nodes, edges = expected_graph(6)
    assert ids(page, "data-node") == nodes
    assert ids(page, "data-edge") == edges
    assert "T=6" in page.evaluate("location.hash")
    assert rec.errors == []
    assert rec.hosts and set(rec.hosts) <= LOOPBACK, rec.hosts


def test_arrow_keys_walk_the_terms_and_the_sums_end_at_the_api_totals(
    page: Page, rec: Recorder
) -> None:
    T = 4
    open_page(page, f"#T={T}")
    page.locator("h1").click()  # focus on the page, not on a control
    forward = [f"s_{t}" for t in range(1, T + 1)]
    backward = [f"E_{T}", f"y_{T}"] + [f"s_{k}" for k in range(T, 0, -1)]
    n = step_count(page)
    assert n == 1 + len(forward) + len(backward)
    assert active_node(page) is None
    walked = []
    for _ in range(n - 1):
        page.keyboard.press("ArrowRight")
        walked.append(active_node(page))
    assert walked == forward + backward
    assert page.get_attribute("svg#unfolded [data-edge='Ws_1']", "data-active") == "true"
    assert "step=" in page.evaluate("location.hash")

    body = rec.graph[-1]
    expected = api_bptt(page, body)
    entry = next(e for e in expected["terms"] if e["t"] == T)
    assert_allclose(acc_values(page, "Ws"), np.array(entry["dE_dWs"]), rtol=1e-9, atol=1e-15)
    assert_allclose(acc_values(page, "Wx"), np.array(entry["dE_dWx"]), rtol=1e-9, atol=1e-15)
    assert page.locator("#equations-body [data-term='Ws_1'][data-active='true']").count() == 1

    back = []
    for _ in range(n - 1):
        page.keyboard.press("ArrowLeft")
        back.append(active_node(page))
    assert back == list(reversed(walked[:-1])) + [None]
    assert np.all(acc_values(page, "Ws") == 0)
    assert rec.errors == []


def test_all_loss_steps_mode_ends_at_the_total_gradient(page: Page, rec: Recorder) -> None:
    open_page(page, "#T=3&loss=all&mode=all")
    n = step_count(page)
    assert n == 1 + 3 + sum(2 + t for t in (1, 2, 3))
    page.locator("h1").click()
    for _ in range(n - 1):
        page.keyboard.press("ArrowRight")
    expected = api_bptt(page, rec.graph[-1])
    assert_allclose(
        acc_values(page, "Ws"), np.array(expected["grads"]["Ws"]), rtol=1e-9, atol=1e-15
    )
    assert_allclose(
        acc_values(page, "Wx"), np.array(expected["grads"]["Wx"]), rtol=1e-9, atol=1e-15
    )


def test_truncation_marks_exactly_the_dropped_terms(page: Page, rec: Recorder) -> None:
    T, K = 5, 2
    open_page(page, f"#T={T}&K={K}")
    expected = {f"{w}_{k}" for k in range(1, T - K + 1) for w in ("Ws", "Wx")}
    assert dropped(page, "data-term", "#equations-body") == expected
    assert dropped(page, "data-edge", "svg#unfolded .unfolded-view") == expected
    assert dropped(page, "data-term", ".acc-panel") == expected
    assert rec.graph[-1]["truncate"] == K
    # only the kept terms are stepped through: E_T, y_T, s_T, s_{T-1}
    assert step_count(page) == 1 + T + 2 + K

    # the slider keeps its arrow keys (the page does not steal them) and re-queries the API
    page.focus("#ctl-K")
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"K=1"))
    expect(page.locator("#equations-body [data-dropped='true']")).to_have_count(8)
    assert rec.graph[-1]["truncate"] == 1


def test_folded_view_shows_one_cell_with_a_ws_loop(page: Page) -> None:
    open_page(page)
    page.click("#btn-view")
    expect(page.locator("svg#unfolded")).to_have_attribute("data-view", "folded")
    folded = page.locator("svg#unfolded .folded-view")
    expect(folded.locator("[data-node='s']")).to_be_visible()
    expect(folded.locator("[data-edge='Ws_loop']")).to_be_visible()
    page.wait_for_timeout(900)  # after the folding transition
    visible_states = page.locator("svg#unfolded [data-node^='s']").evaluate_all(
        "els => els.filter(e => getComputedStyle(e).visibility === 'visible')"
        ".map(e => e.dataset.node)"
    )
    assert visible_states == ["s"]
    assert "view=folded" in page.evaluate("location.hash")
    page.click("#btn-view")
    page.wait_for_timeout(900)
    expect(page.locator("svg#unfolded [data-node='s_3']")).to_be_visible()
    expect(folded.locator("[data-edge='Ws_loop']")).to_be_hidden()


def test_refused_request_shows_the_message_beside_the_control_and_keeps_the_graph(
    page: Page, rec: Recorder, client_limits
) -> None:
    client_limits(max_n_hidden=1000)  # the page lets 257 through; the server refuses it
    open_page(page)
    before = acc_values(page, "Ws")
    page.fill("#ctl-H", "257")
    error = page.locator("#err-H")
    expect(error).to_be_visible()
    expect(error).to_contain_text("256")
    expect(error).to_contain_text("n_hidden")
    assert rec.graph[-1]["model"]["n_hidden"] == 257
    # the last good graph (H = 3) is still there, and the value the user typed is kept
    assert page.locator("svg#unfolded [data-node='s_1'] .cell").count() == 3
    assert ids(page, "data-node") == expected_graph(3)[0]
    assert page.input_value("#ctl-H") == "257"
    assert page.get_attribute("#ctl-H", "aria-invalid") == "true"
    np.testing.assert_array_equal(acc_values(page, "Ws"), before)
    # a good value clears the message and redraws
    page.fill("#ctl-H", "2")
    expect(error).to_be_hidden()
    expect(page.locator("svg#unfolded [data-node='s_1'] .cell")).to_have_count(2)
    assert [e for e in rec.errors if "422" not in e] == []


def test_values_over_the_limits_are_refused_beside_the_field_before_sending(
    page: Page, rec: Recorder
) -> None:
    open_page(page)
    sent = len(rec.graph)
    page.fill("#ctl-H", "257")
    expect(page.locator("#err-H")).to_contain_text("hidden size must be 1–256, got 257")
    assert page.get_attribute("#ctl-H", "aria-invalid") == "true"
    for typed in ("", "0", "-3"):
        page.fill("#ctl-T", typed)
        expect(page.locator("#err-T")).to_contain_text("T must be")
        expect(page.locator("#err-T")).not_to_contain_text("List should")
    page.wait_for_timeout(500)
    assert len(rec.graph) == sent, "a refused value was sent"
    hash_ = page.evaluate("location.hash")
    assert "T=" not in hash_ and "H=" not in hash_, hash_
    page.fill("#ctl-T", "5")
    expect(page.locator("#err-T")).to_be_hidden()
    expect(page.locator("svg#unfolded [data-node='s_5']")).to_have_count(1)
    assert "T=5" in page.evaluate("location.hash")


def test_hover_and_click_on_a_term_tie_equation_and_graph(page: Page) -> None:
    open_page(page)
    page.hover("#equations-body [data-term='Ws_2']")
    lit = set(
        page.eval_on_selector_all(
            "svg#unfolded [data-edge].hl", "els => els.map(e => e.dataset.edge)"
        )
    )
    assert {"Wy_3", "Ws_3", "Ws_2", "Wx_2"} <= lit
    assert "Ws_1" not in lit
    expect(page.locator("#hover-info")).to_contain_text("k = 2")
    page.click("#equations-body [data-term='Ws_2']")
    expect(page.locator("#popover table.matrix")).to_be_visible()
    assert page.locator("#popover table.matrix td").count() == 9  # 3×3, H = 3
    page.keyboard.press("Escape")
    expect(page.locator("#popover")).to_be_hidden()
    arrow = page.locator("svg#unfolded [data-edge='Wx_1']")
    box = arrow.bounding_box()
    assert box is not None
    arrow.hover(
        position={"x": box["width"] - 1, "y": box["height"] / 2}
    )  # on the shaft, right of the label
    expect(page.locator("#equations-body [data-term='Wx_1']")).to_have_class("term hl")
