"""The gated cells on the page in Debian's chromium: the cell selector, the LSTM's cell-state
rail and the GRU's update-gate path, the animation by keys, the running sums against the API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from playwright.sync_api import Page, expect

from tests.e2e.recorder import Recorder
from tests.e2e.test_unfolded import acc_values, api_bptt, ids, open_page, step_count
from tests.e2e.test_weights_share import settled_weights, train

pytestmark = pytest.mark.e2e


def sine(T: int) -> tuple[list[list[float]], list[list[float]]]:
    """The page's default sequence (state.js sineSequence): x_t = sin(0.6 t), d_t = x_{t+1}."""
    xs = [[round(float(np.sin(0.6 * (i + 1))), 3)] for i in range(T)]
    ds = [[round(float(np.sin(0.6 * (i + 2))), 3)] for i in range(T)]
    return xs, ds


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_choosing_a_gated_cell_draws_its_rails_and_sets_the_url(
    page: Page, rec: Recorder, cell: str
) -> None:
    open_page(page, "#T=4")
    page.select_option("#ctl-cell", cell)
    expect(page.locator("body")).to_have_attribute("data-cell", cell)
    T = 4
    if cell == "lstm":
        expect(page.locator("svg#unfolded [data-node='c_4']")).to_have_count(1)
        assert {n for n in ids(page, "data-node") if n.startswith("c_")} == {
            f"c_{t}" for t in range(T + 1)
        }
        assert {e for e in ids(page, "data-edge") if e.startswith("f_")} == {
            f"f_{t}" for t in range(1, T + 1)
        }
    else:
        expect(page.locator("svg#unfolded [data-edge='z_4']")).to_have_count(1)
        assert not any(n.startswith("c_") for n in ids(page, "data-node"))
    assert f"cell={cell}" in page.evaluate("location.hash")
    # the equations follow the cell: its forward pass and the backward recursion
    expect(page.locator("#equations-body .eq-gated")).to_have_attribute("data-cell", cell)
    back = page.locator("#equations-body .eq-gated-back").text_content() or ""
    assert ("κ" in back) == (cell == "lstm"), back
    assert "σ" in back
    # gated cells fix Φ = tanh: the other activations are off, with a note
    expect(page.locator("#ctl-act")).to_have_value("tanh")
    assert page.locator("#ctl-act option[value='relu']").is_disabled()
    expect(page.locator("#act-note")).to_be_visible()
    # reload restores the cell
    page.reload()
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    expect(page.locator("#ctl-cell")).to_have_value(cell)
    assert rec.errors == []


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_keys_walk_both_rails_and_the_sums_end_at_the_api_totals(
    page: Page, rec: Recorder, cell: str
) -> None:
    T = 3
    open_page(page, f"#cell={cell}&T={T}&H=2")
    n = step_count(page)
    assert n == 1 + T + 2 + T  # ready, forward steps, E_t, y_t, one term per k
    page.locator("body").press("End")
    page.keyboard.press("Home")
    for _ in range(n - 1):
        page.keyboard.press("ArrowRight")
    expect(page.locator("body")).to_have_attribute("data-step", str(n - 1))
    if cell == "lstm":
        # the last term k = 1: the error came back along the cell state through every f
        for t in range(2, T + 1):
            lit = page.get_attribute(f"svg#unfolded [data-edge='f_{t}']", "class") or ""
            assert "lit" in lit, (t, lit)
        expect(page.locator("#step-caption")).to_contain_text("κ is multiplied by f")
    else:
        expect(page.locator("#step-caption")).to_contain_text("z ⊙ s")
    xs, ds = sine(T)
    body = {
        "model": {
            "n_in": 1,
            "n_hidden": 2,
            "n_out": 1,
            "activation": "tanh",
            "seed": 0,
            "cell": cell,
        },
        "inputs": xs,
        "targets": ds,
        "loss_steps": "last",
    }
    expected = api_bptt(page, body)["grads"]
    G = 4 if cell == "lstm" else 3
    assert acc_values(page, "Ws").shape == (2, G * 2)
    assert_allclose(acc_values(page, "Ws"), np.array(expected["Ws"]), rtol=1e-9, atol=1e-15)
    assert_allclose(acc_values(page, "Wx"), np.array(expected["Wx"]), rtol=1e-9, atol=1e-15)
    gates = page.locator("#acc-Ws .acc-gates span").all_text_contents()
    assert gates == (["i", "f", "g", "o"] if cell == "lstm" else ["r", "z", "n"])
    assert rec.errors == []


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_training_and_the_gradient_check_work_for_gated_cells(
    page: Page, rec: Recorder, cell: str
) -> None:
    open_page(page, f"#cell={cell}&T=4&H=2")
    train(page, 1)
    # the check is of the graph's model: wait for the answer with the trained weights, since
    # a later answer clears the check ("The model changed")
    assert settled_weights(page, rec) is not None
    page.wait_for_load_state("networkidle")
    page.locator("#btn-gradcheck").click()
    expect(page.locator("#gc-result")).to_have_attribute("data-passed", "true", timeout=15000)
    # the weights heatmap shows the gate blocks: H × G·H
    G = 4 if cell == "lstm" else 3
    expect(page.locator("#w-Ws")).to_have_attribute("data-shape", f"2x{G * 2}")
    assert rec.errors == []


def test_the_lstms_c0_field_is_checked_sent_drawn_and_kept_in_the_link(
    page: Page, rec: Recorder
) -> None:
    T, H = 3, 2
    open_page(page, f"#cell=lstm&T={T}&H={H}")
    field = page.locator("#ctl-c0")
    expect(field).to_be_visible()
    expect(field).to_have_attribute("placeholder", "zeros")
    assert "c0" not in rec.graph[-1]  # zeros: nothing sent
    # one number fills every unit: sent, in the URL, on the c_0 node and in the equations
    field.fill("0.5")
    c0_line = page.locator("#equations-body math[data-c0]")
    expect(c0_line).to_have_attribute("data-c0", "[0.5,0.5]", timeout=15000)  # a loaded server
    assert "c0=0.5" in page.evaluate("location.hash")
    assert rec.graph[-1]["c0"] == [0.5, 0.5]
    page.locator("svg#unfolded [data-node='c_0'] rect.cell").first.hover()
    expect(page.locator("svg#unfolded [data-node='c_0'] rect.cell title").first).to_have_text(
        re.compile(r"^c0\[1\] = 0\.5")
    )
    # bad values: a message beside the field, nothing sent, the URL keeps the last good value
    sent = len(rec.bptt)
    for typed, message in [
        ("0.1, 2, 3", "c₀ takes 1 number or H = 2, got 3"),
        ("abc", "numbers separated by commas"),
    ]:
        field.fill(typed)
        expect(page.locator("#err-c0")).to_contain_text(message)
        expect(field).to_have_attribute("aria-invalid", "true")
    page.wait_for_timeout(500)  # past the typing pause
    assert len(rec.bptt) == sent
    assert "c0=0.5" in page.evaluate("location.hash")
    # H numbers: the running sums end at the API's totals for that c_0
    field.fill("0.3, -0.7")
    expect(page.locator("#err-c0")).to_be_hidden()
    expect(c0_line).to_have_attribute("data-c0", "[0.3,-0.7]", timeout=15000)
    page.locator("h1").click()
    page.keyboard.press("End")
    expect(page.locator("body")).to_have_attribute("data-step", str(step_count(page) - 1))
    xs, ds = sine(T)
    model = {"n_in": 1, "n_hidden": H, "n_out": 1, "activation": "tanh", "seed": 0, "cell": "lstm"}
    answer = api_bptt(
        page, {"model": model, "inputs": xs, "targets": ds, "loss_steps": "last", "c0": [0.3, -0.7]}
    )
    assert answer["c0"] == [0.3, -0.7]
    assert_allclose(acc_values(page, "Ws"), np.array(answer["grads"]["Ws"]), rtol=1e-9, atol=1e-15)
    # the link restores it; a GRU has no c_0: the field is hidden and nothing is sent
    page.reload()
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    expect(field).to_have_value("0.3, -0.7")
    page.select_option("#ctl-cell", "gru")
    expect(page.locator("svg#unfolded [data-edge='z_3']")).to_have_count(1)
    expect(field).to_be_hidden()
    assert "c0" not in rec.graph[-1]
    assert rec.errors == []


def test_c0_of_another_size_than_h_gets_the_servers_message_beside_it(
    page: Page, rec: Recorder
) -> None:
    open_page(page, "#cell=lstm&T=3&H=2&c0=0.1,0.2")
    page.fill("#ctl-H", "3")
    expect(page.locator("#err-c0")).to_contain_text("c0 must have 3 entries (n_hidden), got 2")
    # the last good graph stays
    expect(page.locator("svg#unfolded [data-node='s_1'] rect.cell")).to_have_count(2)


def test_a_link_with_a_bad_c0_draws_zeros_and_says_why(page: Page) -> None:
    open_page(page, "#cell=lstm&T=3&H=2&c0=1,2,3")
    expect(page.locator("#err-c0")).to_contain_text("c₀ takes 1 number or H = 2, got 3")
    expect(page.locator("#equations-body math[data-c0]")).to_have_attribute("data-c0", "[0,0]")
    assert "c0=" not in page.evaluate("location.hash")
    expect(page.locator("#ctl-c0")).to_have_value("1,2,3")


def gate_panel(page: Page, t: int) -> dict[str, list[float]]:
    """The gate values a step's panel draws in the graph: {gate: [value per unit]}."""
    result: dict[str, list[float]] = page.eval_on_selector(
        f"svg#unfolded .gates-view[data-gates-step='{t}']",
        """g => Object.fromEntries([...g.querySelectorAll('.gate-row')].map(r => [
            r.dataset.gate,
            [...r.querySelectorAll('.gate-cell')].map(c => Number(c.dataset.value)),
        ]))""",
    )
    return result


def test_a_click_or_enter_on_a_state_expands_its_gates_beside_it(page: Page, rec: Recorder) -> None:
    T, H = 3, 2
    open_page(page, f"#cell=lstm&T={T}&H={H}")
    panels = page.locator("svg#unfolded .gates-view")
    expect(panels).to_have_count(0)
    page.locator("svg#unfolded [data-node='s_2'] rect.box").click()
    expect(page.locator("svg#unfolded .gates-view[data-gates-step='2']")).to_have_count(1)
    assert "gx=2" in page.evaluate("location.hash")
    xs, ds = sine(T)
    model = {"n_in": 1, "n_hidden": H, "n_out": 1, "activation": "tanh", "seed": 0, "cell": "lstm"}
    steps = api_bptt(page, {"model": model, "inputs": xs, "targets": ds})["steps"]
    drawn = gate_panel(page, 2)
    assert list(drawn) == ["i", "f", "g", "o"]
    for name, values in drawn.items():
        assert_allclose(values, steps[1]["gates"][name], rtol=1e-12)
    # the value on hover, the table on click
    cell = page.locator("svg#unfolded .gates-view [data-gate='f'] .gate-cell").first
    cell.hover()
    expect(cell.locator("title")).to_have_text(re.compile(r"^f₂\[1\] = "))
    cell.click()
    expect(page.locator("#popover")).to_be_visible()
    expect(page.locator("#popover .pop-title")).to_have_text("gates of step 2: rows i, f, g, o")
    expect(page.locator("#popover table.matrix tr")).to_have_count(4)
    page.keyboard.press("Escape")
    # the panel sits right of s_2, inside the graph, clear of s_2's box
    box = page.locator("svg#unfolded [data-node='s_2'] rect.box").bounding_box()
    bg = page.locator("svg#unfolded .gates-view .gates-bg").bounding_box()
    assert box and bg and bg["x"] >= box["x"] + box["width"], (box, bg)
    # Enter on the focused state closes it again; the link keeps an expanded step
    page.locator("svg#unfolded [data-node='s_2'] rect.box").click()
    expect(panels).to_have_count(0)
    page.locator("svg#unfolded [data-node='c_3'] rect.box").click()
    expect(page.locator("svg#unfolded .gates-view[data-gates-step='3']")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(panels).to_have_count(0)
    page.keyboard.press("Enter")
    expect(page.locator("svg#unfolded .gates-view[data-gates-step='3']")).to_have_count(1)
    page.wait_for_function("() => location.hash.includes('gx=3')")  # the URL follows (throttled)
    page.reload()
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    expect(page.locator("svg#unfolded .gates-view[data-gates-step='3']")).to_have_count(1)
    assert rec.errors == []


def test_the_gates_toggle_follows_the_animation(page: Page, rec: Recorder) -> None:
    T, H = 4, 3
    open_page(page, f"#cell=gru&T={T}&H={H}")
    toggle = page.locator("#btn-gates")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.locator("h1").click()
    page.keyboard.press("End")  # the last term: k = 1
    svg = page.locator("svg#unfolded")
    expect(svg).to_have_attribute("data-gates", "1")
    page.keyboard.press("ArrowLeft")
    expect(svg).to_have_attribute("data-gates", "2")
    xs, ds = sine(T)
    model = {"n_in": 1, "n_hidden": H, "n_out": 1, "activation": "tanh", "seed": 0, "cell": "gru"}
    steps = api_bptt(page, {"model": model, "inputs": xs, "targets": ds})["steps"]
    drawn = gate_panel(page, 2)
    assert list(drawn) == ["r", "z", "n"]
    for name, values in drawn.items():
        assert_allclose(values, steps[1]["gates"][name], rtol=1e-12)
    # folded: no panels; the plain RNN has no gates and no toggle
    page.locator("#btn-view").click()
    expect(page.locator("svg#unfolded .gates-layer")).to_be_hidden()
    page.locator("#btn-view").click()
    page.select_option("#ctl-cell", "rnn")
    expect(toggle).to_be_hidden()
    expect(page.locator("svg#unfolded .gates-view")).to_have_count(0)
    assert rec.errors == []


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_json_export_of_a_gated_view_is_the_api_answer_with_gates_and_totals(
    page: Page, rec: Recorder, cell: str
) -> None:
    T, H = 4, 2
    c0 = "&c0=0.25,-0.5" if cell == "lstm" else ""
    open_page(page, f"#cell={cell}&T={T}&H={H}&K=3&loss=all{c0}")
    page.locator("h1").click()
    page.locator("#ctl-mode").check()  # all loss steps: the sums end at ∂E/∂W
    page.locator("h1").click()
    page.keyboard.press("End")
    expect(page.locator("body")).to_have_attribute("data-step", str(step_count(page) - 1))
    with page.expect_download() as info:
        page.click("#btn-json")
    assert info.value.suggested_filename == f"bptt-T{T}-H{H}-{cell}-K3.json"
    exported = json.loads(Path(info.value.path()).read_text())
    body = exported.pop("request")  # the exact request beside the answer
    assert body == rec.graph[-1]
    assert body["model"]["cell"] == cell and body["truncate"] == 3
    answer = api_bptt(page, body)
    assert exported == answer
    names = ["i", "f", "g", "o"] if cell == "lstm" else ["r", "z", "n"]
    for step in exported["steps"]:
        assert list(step["gates"]) == names
        assert all(len(v) == H for v in step["gates"].values())
        assert (len(step["c"]) == H) if cell == "lstm" else ("c" not in step or step["c"] is None)
    if cell == "lstm":
        assert exported["c0"] == [0.25, -0.5]
    # the totals the page's running sums end at are the exported ones
    for W in ("Ws", "Wx"):
        assert_allclose(acc_values(page, W), np.array(exported["grads"][W]), rtol=1e-9, atol=1e-15)
    assert rec.errors == []


LABEL_AND_SHAFT = """id => {
  const g = document.querySelector(`svg#unfolded [data-edge='${id}']`);
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return [r.left, r.right, r.top, r.bottom];
  };
  return {label: box(g.querySelector('.elabel')), shaft: box(g.querySelector('.shaft'))};
}"""


def test_the_lstms_o_and_wy_labels_sit_beside_their_arrows(page: Page, rec: Recorder) -> None:
    open_page(page, "#cell=lstm&T=4&H=3")
    for t in range(1, 5):
        o = page.evaluate(LABEL_AND_SHAFT, f"o_{t}")
        assert o["label"][1] <= o["shaft"][0] + 0.5, (t, o)  # left of the slanted o_t arrow
        wy = page.evaluate(LABEL_AND_SHAFT, f"Wy_{t}")
        assert wy["label"][0] >= wy["shaft"][1] - 0.5, (t, wy)  # right of the slanted Wy arrow
    assert rec.errors == []


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_lecture_mode_captions_take_two_lines_at_1280x720(
    page: Page, rec: Recorder, cell: str
) -> None:
    T = 200
    open_page(page, f"#cell={cell}&T={T}&H=16")
    page.locator("h1").click()
    page.keyboard.press("l")
    expect(page.locator("html")).to_have_class(re.compile(r"\blecture\b"))
    page.keyboard.press("End")
    for _ in range(100):  # back to the term k = 101 of loss step 200: three-digit indices
        page.keyboard.press("ArrowLeft")
    caption = page.locator("#step-caption")
    expect(caption).to_contain_text("κ is multiplied by f₁₀₂" if cell == "lstm" else "z₁₀₂")
    lines = page.evaluate(
        """() => {
          const c = document.querySelector('#step-caption');
          const range = document.createRange();
          range.selectNodeContents(c);
          const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
          return tops.size;
        }"""
    )
    assert lines <= 2, lines
    assert rec.errors == []
