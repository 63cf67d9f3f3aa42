"""The run's JSON and the copied calls in Debian's chromium: the export carries the exact request,
and the "Copy as curl" command and the "Copy as Python" script, run for real, give the page's
loss and gradients."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.recorder import Recorder

pytestmark = pytest.mark.e2e

RTOL = 1e-9
VIEWS = {
    "rnn, truncated, every loss step": "#T=5&K=2&loss=all&act=relu&rho=1.3",
    "lstm": "#cell=lstm&T=4&H=2",
    "gru, custom sequence": "#cell=gru&seq=custom&xs=1,0.5,-1&ds=0,0,1&loss=last",
}
TRAINED = "#task=sine&T=20&H=4&lr=0.02"


def open_page(page: Page, hash_: str) -> None:
    page.goto(f"/{hash_}")
    page.wait_for_selector("svg#unfolded[data-ready='true']")


def export_json(page: Page) -> dict[str, Any]:
    with page.expect_download() as info:
        page.click("#btn-json")
    exported: dict[str, Any] = json.loads(Path(info.value.path()).read_text())
    return exported


def api(page: Page, body: dict[str, Any]) -> dict[str, Any]:
    response = page.request.post("/api/bptt", data=body)
    assert response.ok, response.text()
    result: dict[str, Any] = response.json()
    return result


def copied(page: Page, button: str) -> str:
    """Click a copy button; the clipboard's text, which the visible box shows too."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click(button)
    box = page.locator("#copy-call")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-copied", "true")
    text: str = page.evaluate("navigator.clipboard.readText()")
    assert page.locator("#copy-call-text").input_value() == text
    return text


def assert_totals(loss: float, grads: dict[str, Any], answer: dict[str, Any], what: str) -> None:
    """E and every ∂E/∂W equal the page's answer (the names it has, and no others)."""
    np.testing.assert_allclose(loss, answer["loss"], rtol=RTOL, err_msg=f"{what}: E")
    assert set(grads) == set(answer["grads"]), what
    for name, value in answer["grads"].items():
        np.testing.assert_allclose(
            grads[name], value, rtol=RTOL, atol=1e-300, err_msg=f"{what}: dE/d{name}"
        )


def run_python(script: str, folder: Path) -> tuple[float, dict[str, Any]]:
    """Run the copied script with the test environment's python; the E and ∂E/∂W it prints."""
    path = folder / "copied.py"
    path.write_text(script)
    out = subprocess.run(
        [sys.executable, str(path)], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    loss, grads = None, {}
    for line in out.stdout.splitlines():
        key, _, value = line.partition(" = ")
        if key == "E":
            loss = float(value)
        elif key.startswith("dE/d"):
            grads[key[4:]] = ast.literal_eval(value)
    assert loss is not None, out.stdout
    return loss, grads


def run_curl(command: str) -> dict[str, Any]:
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    answer: dict[str, Any] = json.loads(out.stdout)
    return answer


def check_the_view(page: Page, rec: Recorder, tmp_path: Path, base_url: str) -> None:
    """JSON export, Copy as curl and Copy as Python of the view shown, each run and compared."""
    exported = export_json(page)
    request = exported.pop("request")
    assert request == rec.graph[-1], "the export's request is not the body the page sent"
    # the rest is the API's answer, and posting the request back gives it again
    assert exported == api(page, request)

    curl = copied(page, "#btn-copy-curl")
    assert curl.startswith(
        f"curl -s {base_url}/api/bptt -H 'content-type: application/json' -d '"
    ), curl
    answer = run_curl(curl)
    assert_totals(answer["loss"], answer["grads"], exported, "curl")

    script = copied(page, "#btn-copy-python")
    assert "import bptt_explorer as bx" in script
    loss, grads = run_python(script, tmp_path)
    assert_totals(loss, grads, exported, "python")
    # and the running sums the page ends at are those totals
    page.locator("h1").click()
    page.keyboard.press("End")
    expect(page.locator("#acc-done")).to_be_visible()
    ls = request["loss_steps"]
    if ls == "last" or (isinstance(ls, list) and len(ls) == 1):  # one loss step: its sum is E's
        shown = json.loads(page.locator("#acc-Ws").get_attribute("data-values") or "[]")
        np.testing.assert_allclose(shown, grads["Ws"], rtol=RTOL, atol=1e-15)
    assert not rec.errors, rec.errors


@pytest.mark.parametrize("view", VIEWS)
def test_export_and_copied_calls_give_the_pages_numbers(
    page: Page, rec: Recorder, tmp_path: Path, base_url: str, view: str
) -> None:
    open_page(page, VIEWS[view])
    check_the_view(page, rec, tmp_path, base_url)


def test_a_trained_view_is_copied_with_its_weights(
    page: Page, rec: Recorder, tmp_path: Path, base_url: str
) -> None:
    open_page(page, TRAINED)
    page.wait_for_selector("#train-panel[data-plots='ready']", timeout=20_000)
    page.click("#train-step")
    expect(page.locator("#train-panel")).to_have_attribute("data-step", "1")
    # the graph follows the trained weights (at most once a second): their request, then quiet
    for _ in range(50):
        if rec.graph and "weights" in rec.graph[-1]["model"]:
            break
        page.wait_for_timeout(100)
    assert "weights" in rec.graph[-1]["model"], "the graph did not take the trained weights"
    page.wait_for_load_state("networkidle")
    check_the_view(page, rec, tmp_path, base_url)
    script = copied(page, "#btn-copy-python")
    assert "bx.RNNParams.from_dict(config, " in script and "init_params" not in script


def test_without_a_clipboard_the_call_stands_selected_in_the_box(page: Page) -> None:
    open_page(page, "#T=3")
    page.evaluate("Object.defineProperty(navigator, 'clipboard', { value: undefined })")
    page.click("#btn-copy-curl")
    box = page.locator("#copy-call")
    expect(box).to_have_attribute("data-copied", "false")
    expect(page.locator("#copy-call-status")).to_contain_text("Ctrl+C")
    text = page.locator("#copy-call-text")
    assert text.input_value().startswith("curl -s ")
    selected = page.evaluate(
        "(() => { const t = document.querySelector('#copy-call-text');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); })()"
    )
    assert selected == text.input_value()
    page.click("#copy-call-close")
    expect(box).to_be_hidden()


def test_the_open_copy_box_has_no_serious_accessibility_violations(page: Page) -> None:
    open_page(page, "#T=3")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#btn-copy-python")
    expect(page.locator("#copy-call")).to_have_attribute("data-copied", "true")
    results = Axe().run(page, context="#copy-call")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert results.response["passes"], "axe checked nothing in the box"
