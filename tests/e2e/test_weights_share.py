"""Trained weights outside the page, in Debian's chromium: a link that carries them (compressed in
the hash) opened in a new page, a JSON file saved and loaded in a fresh page, and what does not
fit (a file for another hidden size, a damaged link, weights too large for a link) refused with
a message naming what is wrong while the last good state stays."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.recorder import Recorder

pytestmark = pytest.mark.e2e

START = "#T=6&H=3&lr=0.05&opt=sgd"


@pytest.fixture
def fresh(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    """A second browser context: no cookies, cache or storage shared with `page`."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 720})
    yield context
    context.close()


def open_page(page: Page, hash_: str) -> None:
    page.goto(f"/{hash_}")
    page.wait_for_selector("svg#unfolded[data-ready='true']")


def train(page: Page, steps: int) -> None:
    for i in range(1, steps + 1):
        page.click("#train-step")
        expect(page.locator("#train-panel")).to_have_attribute("data-step", str(i), timeout=10_000)
    expect(page.locator("#train-step")).to_be_enabled()


def graph_weights(rec: Recorder) -> dict[str, Any] | None:
    weights: dict[str, Any] | None = rec.graph[-1]["model"].get("weights")
    return weights


def settled_weights(page: Page, rec: Recorder) -> dict[str, Any] | None:
    """The weights of the graph's last request once the graph has followed the last chunk
    (it redraws at most once a second while training): no new request for 1.3 s."""
    for _ in range(20):
        n = len(rec.graph)
        page.wait_for_timeout(1300)
        if len(rec.graph) == n and graph_weights(rec) is not None:
            break
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    return graph_weights(rec)


def totals_after_end(page: Page) -> tuple[np.ndarray, np.ndarray]:
    """The running sums after the last animation step: ∂E/∂Ws and ∂E/∂Wx as the page shows them."""
    page.locator("h1").click()
    page.keyboard.press("End")
    expect(page.locator("#acc-done")).to_be_visible()
    return tuple(  # type: ignore[return-value]
        np.array(json.loads(page.get_attribute(f"#acc-{W}", "data-values") or "[]"))
        for W in ("Ws", "Wx")
    )


def wait_graph_with(page: Page, rec: Recorder, weights: dict[str, Any]) -> None:
    for _ in range(100):
        if rec.graph and graph_weights(rec) == weights:
            break
        page.wait_for_timeout(100)
    assert graph_weights(rec) == weights, "the graph was not asked with the weights"
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    page.wait_for_timeout(300)  # the answer drawn


def api_totals(page: Page, body: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    response = page.request.post("/api/bptt", data=body)
    assert response.ok, response.text()
    grads = response.json()["grads"]
    return np.array(grads["Ws"]), np.array(grads["Wx"])


def test_a_link_with_the_trained_weights_opens_the_same_gradients_in_a_new_page(
    page: Page, rec: Recorder, fresh: BrowserContext
) -> None:
    open_page(page, START)
    train(page, 3)
    trained = settled_weights(page, rec)
    assert trained is not None and set(trained) >= {"Wx", "Ws", "Wy"}
    before = totals_after_end(page)

    page.click("#btn-weights-link")
    link = page.locator("#weights-link")
    expect(link).to_be_visible()
    url = link.input_value()
    assert "&w=" in url or "#w=" in url, url
    assert len(url) < 8000
    expect(page.locator("#weights-msg")).to_contain_text("after 3 steps")
    # the page's own URL keeps the weights too (its hash is written at most every 200 ms)
    page.wait_for_function("() => location.hash.includes('w=')", timeout=5000)

    other = fresh.new_page()
    rec2 = Recorder(other)
    other.goto(url)
    wait_graph_with(other, rec2, trained)
    expect(other.locator("#weights-msg")).to_contain_text("from the link")
    expect(other.locator("#train-step-count")).to_have_text("3")
    after = totals_after_end(other)
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1], before[1])
    # and they are the API's totals for those weights
    ws, wx = api_totals(other, rec2.graph[-1])
    np.testing.assert_allclose(after[0], ws, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(after[1], wx, rtol=1e-12, atol=1e-15)
    # a reload of the new page keeps them; one more step leaves the link's weights behind
    other.reload()
    wait_graph_with(other, rec2, trained)
    other.click("#train-step")
    expect(other.locator("#train-panel")).to_have_attribute("data-step", "4")
    expect(other.locator("#train-step")).to_be_enabled()
    assert "w=" not in other.evaluate("location.hash")
    assert [e for e in rec.errors + rec2.errors if "favicon" not in e] == []


def test_saved_weights_load_in_a_fresh_page_and_a_file_for_another_model_is_refused(
    page: Page, rec: Recorder, fresh: BrowserContext, tmp_path: Path
) -> None:
    open_page(page, START)
    train(page, 4)
    trained = settled_weights(page, rec)
    assert trained is not None
    before = totals_after_end(page)
    with page.expect_download() as download:
        page.click("#btn-weights-save")
    saved = tmp_path / "weights.json"
    download.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["kind"] == "bptt-explorer-weights" and data["step"] == 4
    assert data["model"]["n_hidden"] == 3 and data["weights"] == trained

    other = fresh.new_page()
    rec2 = Recorder(other)
    open_page(other, START)
    seeded = totals_after_end(other)
    assert not np.array_equal(seeded[0], before[0]), "training changed nothing to compare"
    other.set_input_files("#weights-file", str(saved))
    wait_graph_with(other, rec2, trained)
    expect(other.locator("#weights-msg")).to_contain_text("loaded from the file")
    after = totals_after_end(other)
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1], before[1])

    # the same file for a model with H = 4: refused, the message names the shapes, nothing changes
    other.fill("#ctl-H", "4")
    expect(other.locator("svg#unfolded [data-node='s_1'] .cell")).to_have_count(4)
    requests = len(rec2.graph)
    drawn = totals_after_end(other)
    other.set_input_files("#weights-file", str(saved))
    message = other.locator("#weights-msg")
    expect(message).to_contain_text("do not fit")
    expect(message).to_contain_text("Ws is 3×3")
    expect(message).to_contain_text("needs 4×4")
    expect(message).to_contain_text("H = 3")
    assert other.get_attribute("#weights-share", "data-weights") == "error"
    other.wait_for_timeout(300)
    assert len(rec2.graph) == requests, "a refused file sent a request"
    np.testing.assert_array_equal(totals_after_end(other)[0], drawn[0])

    # not a weights file at all
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps({"frames": []}))
    other.set_input_files("#weights-file", str(bad))
    expect(message).to_contain_text("Not a weights file")


def test_a_damaged_link_says_so_and_large_weights_go_to_a_file(page: Page) -> None:
    open_page(page, f"{START}&w=AAAA-broken")
    expect(page.locator("#weights-msg")).to_contain_text("damaged")
    assert "w=" not in page.evaluate("location.hash")
    assert page.locator("svg#unfolded [data-node='s_1'] .cell").count() == 3  # the seeded graph

    open_page(page, "#T=4&H=40&lr=0.01&opt=sgd")
    page.click("#btn-weights-link")
    expect(page.locator("#weights-msg")).to_contain_text("train a few steps first")
    train(page, 1)
    page.click("#btn-weights-link")
    message = page.locator("#weights-msg")
    expect(message).to_contain_text("Save weights")
    expect(message).to_contain_text("kB")
    expect(page.locator("#weights-link")).to_be_hidden()
    assert "w=" not in page.evaluate("location.hash")


def api_train(page: Page, body: dict[str, Any]) -> dict[str, Any]:
    response = page.request.post("/api/train", data=body)
    assert response.ok, response.text()
    answer: dict[str, Any] = response.json()
    return answer


def assert_weights_close(got: dict[str, Any], want: dict[str, Any]) -> None:
    for name in ("Wx", "Ws", "Wy"):
        np.testing.assert_allclose(np.array(got[name]), np.array(want[name]), rtol=1e-9, atol=0)


def test_a_link_or_a_file_continues_adam_exactly(
    page: Page, rec: Recorder, fresh: BrowserContext, tmp_path: Path
) -> None:
    # Adam: its moments and step count go with the weights, so 3 steps here and 2 more in
    # another page are the 5 steps of one run, to the last digits the API gives
    n, more = 3, 2
    open_page(page, "#T=6&H=3&lr=0.05&opt=adam")
    train(page, n)
    page.click("#btn-weights-link")
    expect(page.locator("#weights-link")).to_be_visible()
    url = page.locator("#weights-link").input_value()
    assert len(url) < 8000
    with page.expect_download() as download:
        page.click("#btn-weights-save")
    saved = tmp_path / "weights.json"
    download.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["optimizer_state"]["name"] == "adam" and data["optimizer_state"]["step"] == n
    assert set(data["optimizer_state"]["m"]) >= {"Wx", "Ws", "Wy"}

    # the reference: the page's first chunk asked for all n + more steps in one request
    first = rec.train[0]
    assert first["optimizer_state"] is None and first["start_step"] == 0
    whole = api_train(page, {**first, "steps": n + more})
    # without the moments the same weights train elsewhere: the check below can tell
    restart = api_train(
        page, {**first, "model": {**first["model"], "weights": data["weights"]}, "steps": more}
    )
    assert not np.allclose(restart["weights"]["Ws"], whole["weights"]["Ws"], rtol=1e-9, atol=0)

    for how in ("link", "file"):
        other = fresh.new_page()
        rec2 = Recorder(other)
        if how == "link":
            other.goto(url)
            expect(other.locator("#weights-msg")).to_contain_text("from the link")
        else:
            open_page(other, "#T=6&H=3&lr=0.05&opt=adam")
            other.set_input_files("#weights-file", str(saved))
            expect(other.locator("#weights-msg")).to_contain_text("loaded from the file")
        other.wait_for_selector("svg#unfolded[data-ready='true']")
        expect(other.locator("#train-step-count")).to_have_text(str(n))
        for i in range(n + 1, n + more + 1):
            other.click("#train-step")
            expect(other.locator("#train-panel")).to_have_attribute("data-step", str(i))
        expect(other.locator("#train-step")).to_be_enabled()
        sent = rec2.train[0]
        assert sent["optimizer_state"]["name"] == "adam", how
        assert sent["optimizer_state"]["step"] == n and sent["start_step"] == n, how
        # the page's weights after its last chunk: the API's answer to its last request
        last = api_train(other, rec2.train[-1])
        assert_weights_close(last["weights"], whole["weights"])
        assert [e for e in rec2.errors if "favicon" not in e] == [], how
        other.close()


def test_weights_that_fit_a_link_without_adams_moments_get_one_that_says_so(page: Page) -> None:
    open_page(page, "#T=4&H=16&lr=0.01&opt=adam")
    train(page, 1)
    page.click("#btn-weights-link")
    expect(page.locator("#weights-link")).to_be_visible()
    message = page.locator("#weights-msg")
    expect(message).to_contain_text("after 1 steps")
    expect(message).to_contain_text("optimizer's state did not fit")
    assert len(page.locator("#weights-link").input_value()) < 8000
