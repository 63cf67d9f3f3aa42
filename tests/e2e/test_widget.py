"""bptt_explorer.show() in a real JupyterLab in Chromium: the widget draws the page's unfolded
graph, running sums and flow map, and a key press steps it term by term."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

pytest.importorskip("anywidget", reason="anywidget is not installed (dev extra)")
pytest.importorskip("jupyterlab", reason="jupyterlab is not installed (dev extra)")

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshots" / "widget-jupyterlab-rnn-1280x720.png"
CELL = """\
import bptt_explorer as bx
config = bx.RNNConfig(n_in=1, n_hidden=3, n_out=1, cell="{cell}")
params = bx.init_params(config, seed=0, ws_spectral_radius=0.9)
sample = bx.get_task("sine").sample(4, seed=1)
widget = bx.show(config, params, sample.inputs, sample.targets)
widget"""
CHECK = "print('kernel step', widget.step)"
CELLS = ("rnn",)  # show() refuses the gated cells for now (tests/bptt_explorer/test_widget.py)


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
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab on a loopback port with no token, its folder holding widget.ipynb."""
    root = tmp_path_factory.mktemp("lab")
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
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
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
                pytest.fail(f"jupyter lab did not start:\n{out}")
            try:
                urllib.request.urlopen(f"{base}/api/status", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("jupyter lab did not answer within 60 s")
                time.sleep(0.25)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.parametrize("cell", CELLS)
def test_the_widget_steps_term_by_term_on_a_key_press(page: Page, lab: str, cell: str) -> None:
    page.set_default_timeout(120_000)  # JupyterLab on a busy 2-core machine can take a while
    page.goto(f"{lab}/lab/tree/widget-{cell}.ipynb")
    first = page.locator(".jp-Notebook .jp-Cell").first
    expect(first).to_be_visible()
    # a cell run before the kernel is connected is dropped: wait for it, as a person would
    expect(page.locator(".jp-StatusBar-Widget", has_text="| Idle").first).to_be_visible()
    first.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")  # runs the show() cell, moves to the next
    widget = page.locator(".bx-widget[data-ready='true']")
    expect(widget).to_be_visible()
    # the page's renderers drew it: the unfolded graph's nodes, both running sums, the flow map
    expect(widget.locator("#unfolded [data-node='s_4']")).to_have_count(1)
    gates = 4 if cell == "lstm" else 1
    expect(widget.locator("#acc-Ws svg.acc-sum rect")).to_have_count(3 * 3 * gates)
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
    page.keyboard.press("ArrowLeft")
    expect(widget).to_have_attribute("data-step-kind", "output")
    page.keyboard.press("End")
    expect(widget.locator(".acc-done")).to_be_visible()
    expect(widget.locator(".bx-count")).to_have_text("11 / 11")
    # every term is in: the running sums are the totals ∂E/∂Ws, ∂E/∂Wx of the engine
    import bptt_explorer as bx

    config = bx.RNNConfig(n_in=1, n_hidden=3, n_out=1, cell=cell)
    params = bx.init_params(config, seed=0, ws_spectral_radius=0.9)
    sample = bx.get_task("sine").sample(4, seed=1)
    grads = bx.bptt(config, params, sample.inputs, sample.targets, loss_steps="last").grads
    for W in ("Ws", "Wx"):
        shown = json.loads(widget.locator(f"#acc-{W}").get_attribute("data-values") or "[]")
        np.testing.assert_allclose(shown, getattr(grads, W), rtol=1e-12, atol=1e-15, err_msg=W)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT.with_name(f"widget-jupyterlab-{cell}-1280x720.png")))

    # the step travelled back to the kernel: the next cell prints it
    page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    expect(page.locator(".jp-OutputArea-output", has_text="kernel step 10")).to_be_visible()
