"""The guided lesson in Debian's chromium: run by keys alone, every quoted number equal to an
/api/bptt answer fetched here, every named element lit in the graph; predictions recorded and
revealed; definitions on hover; a flow-map click moves the animation to that term."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

T = 3  # the page's default model: the lecture example
SETTLED = """() => document.getAnimations().every(
  a => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity)"""


def sine_request(truncate: int | None, cell: str = "rnn") -> dict[str, Any]:
    """The /api/bptt body of the page's default state, built here from the same definition."""
    xs = [round(math.sin(0.6 * (i + 1)), 3) for i in range(T)]
    ds = [round(math.sin(0.6 * (i + 2)), 3) for i in range(T)]
    model: dict[str, Any] = {"n_in": 1, "n_hidden": 3, "n_out": 1, "activation": "tanh", "seed": 0}
    if cell != "rnn":
        model["cell"] = cell
    return {
        "model": model,
        "inputs": [[x] for x in xs],
        "targets": [[d] for d in ds],
        "loss_steps": "last",
        "truncate": truncate,
        "detail": "full",
    }


def frob(m: Any) -> float:
    flat = [v for row in m for v in row] if isinstance(m[0], list) else m
    return math.sqrt(sum(v * v for v in flat))


def scalar(v: list[float]) -> float:
    return v[0] if len(v) == 1 else frob(v)


def expected(answer: dict[str, Any], key: str) -> float:
    """The value of a lesson quantity key, read from an /api/bptt answer."""
    name, *idx = key.split(":")
    ix = [int(i) for i in idx]
    entry = {e["t"]: e for e in answer["terms"]}
    if name == "E":
        return answer["steps"][ix[0] - 1]["E"]
    if name in ("y", "d"):
        return scalar(answer["steps"][ix[0] - 1][name])
    if name == "s":
        return frob(answer["s0"]) if ix[0] == 0 else frob(answer["steps"][ix[0] - 1]["s"])
    if name == "Wy":
        return frob(entry[ix[0]]["dE_dWy"])
    if name in ("gWs", "gWx"):
        return frob(entry[ix[0]][f"dE_dW{name[2]}"])
    if name in ("CWs", "CWx"):
        return answer["flow"][name[1:]][ix[0] - 1][ix[1] - 1]
    if name == "J":
        return answer["flow"]["jacobian"][ix[0] - 1][ix[1] - 1]
    if name == "f":  # the forget gate at step k, its mean over the units
        f = answer["steps"][ix[0] - 1]["gates"]["f"]
        return sum(f) / len(f)
    if name in ("kappa", "dEs"):
        return answer["flow"]["cell" if name == "kappa" else "state"][ix[0] - 1][ix[1] - 1]
    diag = {"rho": "ws_spectral_radius", "gamma": "gamma", "norm2": "ws_spectral_norm"}
    return answer["diagnostics"][diag[name]]


def ready(page: Page, n: int) -> None:
    page.wait_for_selector(f"#lesson[data-step='{n}'][data-ready='true']")
    page.wait_for_selector("svg#unfolded[data-ready='true']")


def test_lesson_runs_by_keys_alone_with_the_apis_numbers(
    module_page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    page = module_page
    shots = Path(os.environ.get("LESSON_SHOTS") or tmp_path_factory.mktemp("lesson"))
    page.goto("/?lesson=1")
    ready(page, 1)
    api = page.request
    full = api.post("/api/bptt", data=sine_request(None)).json()
    count = int(page.inner_text("#lesson .lesson-count").split("/")[1])
    assert count >= 10
    seen = []
    for n in range(1, count + 1):
        ready(page, n)
        if page.get_attribute("#lesson", "data-waiting") == "true":
            expect(page.locator("#lesson .lesson-text:not(.help)")).to_be_hidden()
            page.keyboard.press("ArrowRight")  # → reveals before it moves on
            page.wait_for_selector("#lesson[data-waiting='false']")
        step_id = page.get_attribute("#lesson", "data-step-id")
        seen.append(step_id)
        params = page.evaluate(
            "() => Object.fromEntries(new URLSearchParams(location.hash.slice(1)))"
        )
        K, cell = params.get("K"), params.get("cell", "rnn")
        answer = (
            full
            if K is None and cell == "rnn"
            else api.post("/api/bptt", data=sine_request(int(K) if K else None, cell)).json()
        )
        quantities = page.eval_on_selector_all(
            "#lesson .lq",
            "els => els.map(e => [e.dataset.q, e.dataset.value, e.dataset.hl, e.dataset.src])",
        )
        assert quantities, f"step {step_id} quotes no number"
        for key, value, hl, src in quantities:  # src: None, "full" or "rnn" (the plain RNN's, full)
            truth = expected(full if src in ("full", "rnn") else answer, key)
            assert value != "", f"step {step_id}: {key} shows no value (expected {truth})"
            assert math.isclose(float(value), truth, rel_tol=1e-9, abs_tol=1e-15), (
                f"step {step_id}: {key} = {value}, API {truth}"
            )
            for el_id in hl.split():
                sel = ", ".join(
                    f'svg#unfolded [data-{kind}="{el_id}"][data-lesson-hl]'
                    for kind in ("node", "edge")
                )
                assert page.locator(sel).count() >= 1, (
                    f"step {step_id}: {el_id} is not lit in the graph"
                )
        if step_id == "general":
            # the sentence's own symbols carry their definitions too (Cₜ,ₖ, ∂sₜ/∂sₖ)
            defs = page.eval_on_selector_all(
                "#lesson .lesson-text [data-def]", "els => els.map(e => e.dataset.def)"
            )
            assert {"C", "jacobian", "norm2"} <= set(defs), defs
            page.hover("#lesson .lesson-text [data-def='jacobian']")
            expect(page.locator("#definition")).to_have_attribute("data-def", "jacobian")
            page.mouse.move(2, 2)
        if step_id == "gates":
            # why gates: an LSTM on the same sequence and seed, its forget gate in words
            assert cell == "lstm"
            f = expected(answer, f"f:{T}")
            expect(page.locator("#lesson .lesson-text")).to_contain_text(
                f"{round(100 * f)} % of the error on that rail survives step {T}"
            )
            expect(page.locator("#ctl-cell")).to_have_value("lstm")
            expect(page.locator("#ctl-cell")).to_have_attribute("data-lesson-hl", "true")
            assert [q[0] for q in quantities][:1] == [f"f:{T}"]
            assert page.locator("#lesson .lq[data-src='rnn']").count() == 1
        elif seen[-2:-1] == ["gates"]:
            expect(page.locator("#ctl-cell")).to_have_value("rnn")  # the learner's cell again
            expect(page.locator("#ctl-cell")).not_to_have_attribute("data-lesson-hl", "true")
        page.wait_for_function(SETTLED)  # the fold ⇄ unfold transition over, for the picture
        page.screenshot(path=str(shots / f"lesson_{n:02d}_{step_id}.png"))
        page.keyboard.press("n" if n % 2 else "ArrowRight")
    assert seen[:5] == ["folded", "unfold", "forward", "loss", "wy"]
    assert seen[seen.index("vanish") + 1] == "gates" and "truncate" in seen
    assert "cell=" not in page.url  # the steps after why gates are the plain RNN's again
    page.keyboard.press("p")
    ready(page, count - 1)
    page.keyboard.press("Escape")
    expect(page.locator("#lesson")).to_be_hidden()
    assert "lesson=" not in page.url
    assert page.errors == []  # type: ignore[attr-defined]


def test_why_gates_goes_back_to_the_learners_cell(module_page: Page) -> None:
    page = module_page
    page.goto("/#cell=gru")
    page.reload()  # a fresh page: no plain-RNN answer seen yet
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    page.click("#btn-lesson")
    ready(page, 1)
    while page.get_attribute("#lesson", "data-step-id") != "gates":
        if page.get_attribute("#lesson", "data-waiting") == "true":
            page.keyboard.press("ArrowRight")  # reveal
        page.keyboard.press("ArrowRight")
        page.wait_for_selector("#lesson[data-ready='true']")
    expect(page.locator("#ctl-cell")).to_have_value("lstm")
    lit = "svg#unfolded [data-edge='f_3'][data-lesson-hl]"
    page.wait_for_selector(lit)
    page.keyboard.press("ArrowLeft")  # back: the learner's GRU
    page.wait_for_selector("#lesson[data-step-id='vanish'][data-ready='true']")
    expect(page.locator("#ctl-cell")).to_have_value("gru")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#lesson[data-step-id='gates'][data-ready='true']")
    # no plain-RNN answer at hand (the learner's cell is the GRU): the comparison is left out
    assert page.locator("#lesson .lq[data-src='rnn']").count() == 0
    page.focus("#lesson .sym[data-def='kappa']")  # a definition open when the lesson ends
    expect(page.locator("#definition")).to_be_visible()
    page.keyboard.press("Escape")  # the end: the learner's cell, and the definition closed
    expect(page.locator("#definition")).to_be_hidden()
    expect(page.locator("#lesson")).to_be_hidden()
    expect(page.locator("#ctl-cell")).to_have_value("gru")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_prediction_records_the_guess_and_reveals_the_truth(module_page: Page) -> None:
    page = module_page
    page.goto("/")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    page.click("#btn-lesson")
    ready(page, 1)
    for n in range(2, 7):
        page.keyboard.press("ArrowRight")
        ready(page, n)
    assert page.get_attribute("#lesson", "data-step-id") == "ws"
    assert page.get_attribute("#lesson", "data-waiting") == "true"
    page.check("#lesson-opt-C-3-3")
    page.check("#lesson-opt-C-3-2")
    page.check("#lesson-opt-Wy")
    page.click("#lesson-next")  # Reveal
    result = page.locator("#lesson .lesson-result")
    expect(result).to_have_attribute("data-error", "2")  # C₃,₁ missed, ∂E₃/∂Wy added
    expect(result).to_contain_text("missed 1 and added 1")
    expect(page.locator("#lesson label[data-truth='true']")).to_have_count(3)
    expect(page.locator("#lesson .lesson-text:not(.help)")).to_be_visible()
    # the zero explained where it appears
    expect(page.locator("#lesson .lesson-note")).to_contain_text("s₀ = 0")
    # a definition on hover, in MathML
    page.hover("#lesson .sym[data-def='delta']")
    box = page.locator("#definition")
    expect(box).to_be_visible()
    assert box.locator("math").count() == 1
    expect(box).to_contain_text("pre-activation")
    # the norm guess: a slider, then the truth and the error in decades
    while page.get_attribute("#lesson", "data-step-id") != "vanish":
        page.keyboard.press("ArrowRight")
        page.wait_for_selector("#lesson[data-ready='true']")
    page.eval_on_selector(
        "#lesson-guess", "el => { el.value = '-1'; el.dispatchEvent(new Event('input')); }"
    )
    expect(page.locator("#lesson-guess-out")).to_have_text("10^-1 = 0.1")
    page.keyboard.press("ArrowRight")  # reveal
    truth = float(page.get_attribute("#lesson .lq[data-q='J:3:1']", "data-value") or "nan")
    err = abs(-1 - math.log10(truth))
    result = page.locator("#lesson .lesson-result")
    assert math.isclose(float(result.get_attribute("data-error") or "nan"), err, rel_tol=1e-9)
    expect(result).to_contain_text("You guessed 10^-1")
    page.keyboard.press("Escape")
    expect(page.locator("#lesson")).to_be_hidden()


def test_a_flow_map_click_moves_the_animation_to_that_term(module_page: Page) -> None:
    page = module_page
    page.goto("/#loss=all&T=4")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    page.locator("#flowlab").scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const d = document.querySelector('#flow-map');"
        " return d && d.data && d.data[0].z.length === 4; }"
    )
    t, k = 3, 2
    x, y = page.evaluate(
        """([t, k]) => {
          const d = document.querySelector('#flow-map');
          const L = d._fullLayout;
          const r = d.getBoundingClientRect();
          return [r.left + L.xaxis._offset + L.xaxis.l2p(k),
                  r.top + L.yaxis._offset + L.yaxis.l2p(t)];
        }""",
        [t, k],
    )
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_function("() => new URLSearchParams(location.hash.slice(1)).get('t') === '3'")
    # the step that adds C_{3,2}: ready, 4 forward steps, E_3, y_3, then k = 3, 2
    page.wait_for_selector("body[data-step='8'][data-step-kind='term']")
    expect(
        page.locator("svg#unfolded .unfolded-view [data-edge='Ws_2'][data-active='true']")
    ).to_have_count(1)
    assert page.errors == []  # type: ignore[attr-defined]
    # the timeline is scrubbable: dragging the slider to step 5 shows E_3's step
    page.eval_on_selector(
        "#ctl-scrub", "el => { el.value = '5'; el.dispatchEvent(new Event('input')); }"
    )
    page.wait_for_selector("body[data-step='5'][data-step-kind='loss']")
    # the Jacobian map's axes name states, not loss steps
    page.select_option("#ctl-flow", "jacobian")
    page.wait_for_function("() => document.querySelector('#flow-map').dataset.kind === 'jacobian'")
    titles = page.evaluate(
        "() => { const L = document.querySelector('#flow-map').layout;"
        " return [L.xaxis.title.text, L.yaxis.title.text]; }"
    )
    assert titles == ["k (the earlier state s_k)", "t (the later state s_t)"]
    assert page.errors == []  # type: ignore[attr-defined]
