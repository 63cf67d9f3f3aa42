"""bptt_explorer.show() in a real JupyterLab and a real Jupyter Notebook 7 in Chromium: for the
plain RNN, the LSTM and the GRU the widget draws the page's unfolded graph, running sums (gate
blocks side by side) and flow map, a key press steps it term by term, and the running sums end
at the API's totals."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect

pytest.importorskip("anywidget", reason="anywidget is not installed (dev extra)")
pytest.importorskip("jupyterlab", reason="jupyterlab is not installed (dev extra)")
pytest.importorskip("notebook", reason="notebook (Jupyter Notebook 7) is not installed (dev extra)")

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
# screenshots go to a temporary folder; WIDGET_SHOTS=docs/screenshots refreshes the documented ones
SCREENSHOTS = Path(os.environ["WIDGET_SHOTS"]) if os.environ.get("WIDGET_SHOTS") else None
# the front ends: the command that serves it, the URL of a notebook, the screenshots' name
FRONTENDS = {
    # a workspace of its own per notebook: JupyterLab reopens no tab of an earlier test
    "lab": ("lab", "lab/workspaces/{stem}/tree/{stem}.ipynb", "jupyterlab"),
    "notebook7": ("notebook", "notebooks/{stem}.ipynb", "notebook7"),
}
CELL = """\
import bptt_explorer as bx
config = bx.RNNConfig(n_in=1, n_hidden=3, n_out=1, cell="{cell}")
params = bx.init_params(config, seed=0, ws_spectral_radius=0.9)
sample = bx.get_task("sine").sample(4, seed=1)
widget = bx.show(config, params, sample.inputs, sample.targets)
widget"""
CHECK = "print('kernel step', widget.step)"
CELLS = ("rnn", "lstm", "gru")
# every cell in JupyterLab; Notebook 7 (the same notebook, keys and kernel under another shell)
# with the LSTM, the cell with the most to draw
RUNS = [*(("lab", cell) for cell in CELLS), ("notebook7", "lstm")]
GATES = {"rnn": "", "lstm": "ifgo", "gru": "rzn"}  # the running sums' column blocks


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _notebook(sources: list[str]) -> dict[str, object]:
    cells = [
        {"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
        for s in sources
    ]
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture(scope="module")
def jupyter(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """JupyterLab or Notebook 7 (request.param) on a loopback port with no token, its folder
    holding a notebook per cell; the front end's name and its base URL."""
    frontend = request.param
    root = tmp_path_factory.mktemp(frontend)
    for cell in CELLS:
        notebook = _notebook([CELL.replace("{cell}", cell), CHECK])
        (root / f"widget-{cell}.ipynb").write_text(json.dumps(notebook))
    home = tmp_path_factory.mktemp("jupyter-home")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "PYTHONPATH": str(ROOT),
    }
    news = (
        home
        / "settings"
        / "@jupyterlab"
        / "apputils-extension"
        / "notification.jupyterlab-settings"
    )
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false"}))  # no "get notified about news?" toast
    # the notebook's own kernel starts without a "Select Kernel" dialog (which a slow start of
    # the kernel list can bring up)
    tracker = (
        home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    )
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"autoStartDefaultKernel": True}))
    port = _free_port()
    app = "LabApp" if frontend == "lab" else "JupyterNotebookApp"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            FRONTENDS[frontend][0],
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={root}",
            f"--{app}.news_url=",
            f"--{app}.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--LabApp.extension_manager=readonly"] if frontend == "lab" else []),
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"jupyter {FRONTENDS[frontend][0]} did not start:\n{out}")
            try:
                urllib.request.urlopen(f"{base}/api/status", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter {FRONTENDS[frontend][0]} did not answer within 60 s")
                time.sleep(0.25)
        yield frontend, base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def api_totals(live_server: str, cell: str, sample: object) -> dict[str, object]:
    """The API's ∂E/∂W of the widget's model and sequence (seeded as the notebook cell is)."""
    body = {
        "model": {
            "n_in": 1,
            "n_hidden": 3,
            "n_out": 1,
            "cell": cell,
            "seed": 0,
            "ws_spectral_radius": 0.9,
        },
        "inputs": sample.inputs.tolist(),  # type: ignore[attr-defined]
        "targets": sample.targets.tolist(),  # type: ignore[attr-defined]
        "loss_steps": "last",
        "detail": "norms",
    }
    req = urllib.request.Request(
        f"{live_server}/api/bptt", json.dumps(body).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as response:
        grads: dict[str, object] = json.loads(response.read())["grads"]
    return grads


def run_cell(cell: Locator, page: Page) -> None:
    """Shift+Enter in the cell until the kernel takes it (its prompt turns [*] or [n]).

    A run sent while the page is still connecting to the kernel is dropped, and the prompt
    stays [ ]: a person presses Shift+Enter again, and so does the test."""
    prompt = cell.locator(".jp-InputPrompt")
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    for _ in range(6):
        if dialog.is_visible():  # asked for the kernel all the same: the notebook's, as offered
            dialog.locator(".jp-mod-accept").click()
        cell.locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
        try:
            # the prompt turns [*] as soon as the page sends the cell: 5 s is ample
            expect(prompt).not_to_have_text(re.compile(r"^\[ \]:$"), timeout=5_000)
            return
        except AssertionError:
            continue
    pytest.fail("the kernel did not take the cell after six Shift+Enter")


@pytest.mark.parametrize(("jupyter", "cell"), RUNS, indirect=["jupyter"])
def test_the_widget_steps_term_by_term_on_a_key_press(
    page: Page, jupyter: tuple[str, str], live_server: str, cell: str, tmp_path: Path
) -> None:
    frontend, base = jupyter
    slow = 60_000  # Jupyter on a busy 2-core machine can take a while to open a notebook
    page.set_default_timeout(slow)
    page.goto(f"{base}/{FRONTENDS[frontend][1].format(stem=f'widget-{cell}')}")
    notebook = page.locator(".jp-NotebookPanel")
    first = notebook.locator(".jp-Notebook .jp-Cell").first
    expect(first).to_be_visible(timeout=slow)
    # a cell run before the kernel is connected is dropped: wait for it, as a person would
    idle = notebook.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    expect(idle).to_be_attached(timeout=slow)
    run_cell(first, page)
    widget = notebook.locator(".bx-widget[data-ready='true']")
    expect(widget).to_be_visible(timeout=slow)
    # the page's renderers drew it: the unfolded graph's nodes, both running sums, the flow map
    expect(widget.locator("#unfolded [data-node='s_4']")).to_have_count(1)
    G = max(1, len(GATES[cell]))
    expect(widget.locator("#acc-Ws svg.acc-sum rect")).to_have_count(3 * 3 * G)
    expect(widget.locator("#acc-Wx svg.acc-sum rect")).to_have_count(3 * G)
    # gated cells: the sums' gate blocks are labelled, and the LSTM has its cell-state rail
    labels = widget.locator("#acc-Ws .acc-gates span")
    expect(labels).to_have_text(list(GATES[cell]))
    expect(widget.locator("#unfolded [data-node='c_4']")).to_have_count(1 if cell == "lstm" else 0)
    expect(widget.locator(".bx-flowmap rect")).to_have_count(16)
    expect(widget).to_have_attribute("data-step", "0")

    widget.click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowRight")
    expect(widget).to_have_attribute("data-step", "1")
    expect(widget).to_have_attribute("data-step-kind", "forward")
    for _ in range(6):  # forward 2..4, the loss, the output, then the first term (k = 4)
        page.keyboard.press("ArrowRight")
    expect(widget).to_have_attribute("data-step", "7")
    expect(widget).to_have_attribute("data-step-kind", "term")
    expect(widget.locator("#acc-Ws .acc-chips [data-active='true']")).to_have_text("k=4")
    page.keyboard.press("ArrowRight")  # k = 3: the error has crossed step 4's gates
    expect(widget.locator("#acc-Ws .acc-chips [data-active='true']")).to_have_text("k=3")
    rail = {"lstm": ("f_4", "cell-state rail"), "gru": ("z_4", "direct path z ⊙ s")}
    if cell in rail:  # the error's gated path is lit, its arrow as wide as its norm, and named
        edge, words = rail[cell]
        lit = widget.locator(f"#unfolded .unfolded-view [data-edge='{edge}']")
        expect(lit.first).to_have_class(re.compile(r"\blit\b"))
        expect(lit.first).to_have_class(re.compile(r"\bflowed\b"))
        expect(widget.locator(".bx-caption")).to_contain_text(words, ignore_case=True)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(widget).to_have_attribute("data-step-kind", "output")
    page.keyboard.press("End")
    expect(widget.locator(".acc-done")).to_be_visible()
    expect(widget.locator(".bx-count")).to_have_text("11 / 11")
    # every term is in: the running sums are the API's totals ∂E/∂Ws, ∂E/∂Wx (∂E_4/∂W)
    import bptt_explorer as bx

    grads = api_totals(live_server, cell, bx.get_task("sine").sample(4, seed=1))
    for W in ("Ws", "Wx"):
        shown = json.loads(widget.locator(f"#acc-{W}").get_attribute("data-values") or "[]")
        np.testing.assert_allclose(shown, grads[W], rtol=1e-12, atol=1e-15, err_msg=W)
    shots = SCREENSHOTS or tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    widget.locator(".acc-panel").scroll_into_view_if_needed()  # the sums, under the graph
    page.screenshot(path=str(shots / f"widget-{FRONTENDS[frontend][2]}-{cell}-1280x720.png"))

    # the step travelled back to the kernel: the next cell prints it
    run_cell(notebook.locator(".jp-Notebook .jp-Cell").nth(1), page)
    expect(notebook.locator(".jp-OutputArea-output", has_text="kernel step 10")).to_be_visible(
        timeout=slow
    )
