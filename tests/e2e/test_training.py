"""The training panel in Debian's chromium: play / pause / step / reset driving /api/train, the
loss falling, the prediction plot, the graph following the weights, divergence and bad values."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from numpy.testing import assert_allclose
from playwright.sync_api import Page, expect

from tests.e2e.recorder import Recorder

pytestmark = pytest.mark.e2e

SINE = "#task=sine&T=20&H=4&lr=0.02"
PANEL = "#train-panel"


def open_page(page: Page, hash_: str = SINE) -> None:
    page.goto(f"/{hash_}")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    page.wait_for_selector(f"{PANEL}[data-plots='ready']", timeout=20_000)


def panel(page: Page) -> dict[str, str]:
    data: dict[str, str] = page.eval_on_selector(PANEL, "e => ({...e.dataset})")
    return data


def losses(page: Page) -> list[float | None]:
    return json.loads(panel(page)["losses"])


def step(page: Page) -> int:
    return int(panel(page)["step"])


def wait_idle(page: Page) -> None:
    """Paused, and the chunk that was in flight has been applied (the step button is back)."""
    expect(page.locator(PANEL)).to_have_attribute("data-running", "false")
    expect(page.locator("#train-step")).to_be_enabled(timeout=10_000)


def plot_points(page: Page, plot: str) -> int:
    return int(page.evaluate(f"document.getElementById('{plot}').data[0].x.length"))


def poll(page: Page, condition: Callable[[], bool], timeout_ms: int = 5000) -> bool:
    """Whether `condition` becomes true within the timeout (page events keep arriving)."""
    for _ in range(timeout_ms // 100):
        if condition():
            return True
        page.wait_for_timeout(100)
    return condition()


def mean(values: list[float | None]) -> float:
    finite = [v for v in values if v is not None]
    assert finite, f"no finite losses in {values}"
    return sum(finite) / len(finite)


def test_play_trains_for_two_seconds_and_the_loss_falls(page: Page, rec: Recorder) -> None:
    open_page(page)
    page.click("#train-play")
    expect(page.locator(PANEL)).to_have_attribute("data-running", "true")
    page.wait_for_timeout(2000)
    page.click("#train-play")
    wait_idle(page)
    history = losses(page)
    assert len(history) >= 50, (
        f"expected at least two chunks of 25 steps in 2 s, got {len(history)}"
    )
    first, last = mean(history[:10]), mean(history[-10:])
    assert last < first / 2, (
        f"the loss did not fall: first steps {first:.4g}, last steps {last:.4g}"
    )
    steps = step(page)
    assert page.inner_text("#train-step-count") == str(steps)
    # every step is logged up to step 1000, every 5th after it (trainrun.logEvery)
    assert len(history) == min(steps, 1000) + max(0, steps - 1000) // 5, (steps, len(history))
    # the curves are redrawn at the next frame after the last chunk
    assert poll(page, lambda: plot_points(page, "plot-loss") == len(history)), (
        plot_points(page, "plot-loss"),
        len(history),
    )
    # chunks continue each other: each sends back what the previous one returned
    assert [b["start_step"] for b in rec.train] == [25 * i for i in range(len(rec.train))]
    assert rec.train[0]["optimizer_state"] is None and "weights" not in rec.train[0]["model"]
    assert all(b["optimizer_state"]["step"] == b["start_step"] for b in rec.train[1:])
    assert rec.errors == []


def test_the_graph_shows_the_task_sample_and_follows_the_weights(page: Page, rec: Recorder) -> None:
    open_page(page)
    sample = page.request.get("/api/tasks/sine?T=20&seed=0").json()
    assert rec.graph, "the page asked for no BPTT"
    first = rec.graph[-1]
    assert first["inputs"] == sample["inputs"] and first["targets"] == sample["targets"]
    assert "weights" not in first["model"]
    page.click("#train-step")
    expect(page.locator(PANEL)).to_have_attribute("data-step", "1")
    assert poll(page, lambda: "weights" in rec.graph[-1]["model"]), "the graph kept its weights"
    trained = rec.graph[-1]
    assert trained["inputs"] == sample["inputs"]
    answer = page.request.post("/api/train", data=rec.train[0]).json()
    assert_allclose(trained["model"]["weights"]["Ws"], answer["weights"]["Ws"], rtol=1e-12)
    assert rec.errors == []


def test_pause_stops_the_requests(page: Page, rec: Recorder) -> None:
    open_page(page)
    page.click("#train-play")
    page.wait_for_function(
        "() => Number(document.querySelector('#train-panel').dataset.step) >= 50"
    )
    page.click("#train-play")
    wait_idle(page)
    sent, at = len(rec.train), step(page)
    page.wait_for_timeout(1000)
    assert len(rec.train) == sent, f"{len(rec.train) - sent} /api/train requests after pause"
    assert step(page) == at
    assert page.get_attribute("#train-play", "aria-pressed") == "false"


def test_single_step_advances_by_one_and_reset_restores_the_initial_weights(
    page: Page, rec: Recorder
) -> None:
    open_page(page)
    for n in (1, 2):
        page.click("#train-step")
        expect(page.locator(PANEL)).to_have_attribute("data-step", str(n))
        assert len(losses(page)) == n
    assert [b["steps"] for b in rec.train] == [1, 1]
    expect(page.locator("#train-loss")).not_to_have_text("–")
    assert poll(page, lambda: plot_points(page, "plot-loss") == 2)
    page.click("#train-reset")
    expect(page.locator(PANEL)).to_have_attribute("data-step", "0")
    assert losses(page) == []
    assert poll(page, lambda: plot_points(page, "plot-loss") == 0)
    assert page.evaluate("document.getElementById('plot-grads').data.every(t => t.x.length === 0)")
    # the graph's refresh is throttled
    assert poll(page, lambda: "weights" not in rec.graph[-1]["model"]), (
        "the graph kept trained weights"
    )
    page.click("#train-step")
    expect(page.locator(PANEL)).to_have_attribute("data-step", "1")
    again = rec.train[-1]
    assert again["start_step"] == 0 and again["optimizer_state"] is None
    assert "weights" not in again["model"], "reset did not go back to the seeded weights"
    assert again["model"] == rec.train[0]["model"]


def test_sine_prediction_plot_shows_input_target_and_prediction(page: Page) -> None:
    open_page(page)
    expect(page.locator(f"{PANEL}[data-pred-traces='3']")).to_have_count(1)
    expect(page.locator("#plot-pred .scatterlayer .trace")).to_have_count(3)
    legend = page.locator("#plot-pred .legendtext").all_text_contents()
    assert legend == ["input x_t", "target d_t", "prediction y_t"]
    sample = page.request.get("/api/tasks/sine?T=20&seed=0").json()
    forward = page.request.post(
        "/api/forward",
        data={"model": {"n_hidden": 4}, "inputs": sample["inputs"], "targets": sample["targets"]},
    ).json()
    drawn = page.evaluate("document.getElementById('plot-pred').data.map(t => t.y)")
    assert_allclose(drawn[0], [x[0] for x in sample["inputs"]])
    assert_allclose(drawn[1], [d[0] for d in sample["targets"]])
    assert_allclose(drawn[2], [s["y"][0] for s in forward["steps"]], rtol=1e-12)


def test_a_bad_learning_rate_shows_a_message_beside_it_and_keeps_the_curves(
    page: Page, rec: Recorder
) -> None:
    open_page(page)
    page.click("#train-step")
    expect(page.locator(PANEL)).to_have_attribute("data-step", "1")
    kept = losses(page)
    page.fill("#train-lr", "fast please")
    error = page.locator("#terr-lr")
    expect(error).to_be_visible()
    expect(error).to_contain_text("learning rate must be a number")
    assert page.get_attribute("#train-lr", "aria-invalid") == "true"
    assert page.input_value("#train-lr") == "fast please", "what was typed is lost"
    assert losses(page) == kept
    assert poll(page, lambda: plot_points(page, "plot-loss") == 1)
    assert "lr=0.02" in page.evaluate("location.hash")
    page.fill("#train-lr", "-0.5")
    expect(error).to_contain_text("greater than 0")
    # training goes on with the last good learning rate
    page.click("#train-step")
    expect(page.locator(PANEL)).to_have_attribute("data-step", "2")
    assert rec.train[-1]["optimizer"]["lr"] == 0.02
    expect(error).to_be_visible()
    page.fill("#train-lr", "0.05")
    expect(error).to_be_hidden()
    assert "lr=0.05" in page.evaluate("location.hash")


def test_a_hidden_size_over_the_limit_shows_the_server_message_and_keeps_the_curves(
    page: Page, client_limits
) -> None:
    client_limits(max_n_hidden=1000)  # the page lets 300 through; the server refuses it
    open_page(page)
    page.click("#train-step")
    expect(page.locator(PANEL)).to_have_attribute("data-step", "1")
    page.fill("#ctl-H", "300")
    expect(page.locator("#err-H")).to_contain_text("300")
    page.click("#train-step")
    expect(page.locator("#err-H")).to_contain_text("n_hidden")
    assert plot_points(page, "plot-loss") == 1, "the curves of the last run were lost"
    assert page.input_value("#ctl-H") == "300"


def test_divergence_is_shown_and_stops_play(page: Page) -> None:
    open_page(page, "#task=sine&T=20&H=4&opt=sgd&lr=1000")
    page.click("#train-play")
    expect(page.locator(PANEL)).to_have_attribute("data-diverged", "true", timeout=15_000)
    wait_idle(page)
    expect(page.locator("#train-diverged")).to_be_visible()
    expect(page.locator("#train-diverged")).to_contain_text("Diverged")
    at = step(page)
    page.wait_for_timeout(600)
    assert step(page) == at, "play went on after the divergence"


def test_training_settings_live_in_the_url(page: Page) -> None:
    open_page(page, "#task=echo&T=10&opt=momentum&lr=0.003&clip=1.5&K=4")
    assert page.input_value("#train-task") == "echo"
    assert page.input_value("#train-opt") == "momentum"
    assert page.input_value("#train-lr") == "0.003"
    assert page.input_value("#train-clip") == "1.5"
    assert page.input_value("#train-tK") == "4"  # training follows the page's one K
    page.select_option("#train-task", "adding")
    expect(page.locator("#ctl-T")).to_have_value("10")
    page.select_option("#train-opt", "sgd")
    hash_ = page.evaluate("location.hash")
    assert "task=adding" in hash_ and "opt=sgd" in hash_
    page.click("#train-step")
    expect(page.locator(PANEL)).to_have_attribute("data-step", "1")
    page.reload()
    page.wait_for_selector(f"{PANEL}[data-plots='ready']")
    assert page.input_value("#train-task") == "adding"
    assert page.input_value("#train-opt") == "sgd"
    # the weights are not in the link: a reload starts again from step 0
    assert step(page) == 0
