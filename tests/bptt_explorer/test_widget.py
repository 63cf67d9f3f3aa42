"""show()'s Python side: the page's modules it sends, the answer it draws, what it refuses.

The widget itself is drawn in a real JupyterLab by tests/e2e/test_widget.py."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose

pytest.importorskip("anywidget", reason="anywidget is not installed: `pip install '.[widget]'`")

import bptt_explorer as bx  # noqa: E402
from app.config import STATIC_DIR  # noqa: E402
from bptt_explorer.widget import page_modules  # noqa: E402


def test_the_widget_gets_the_pages_modules_and_everything_they_import() -> None:
    sources = page_modules()
    assert {"unfolded.js", "accumulator.js", "viewmodel.js", "timeline.js", "layout.js"} <= set(
        sources
    )
    for name, code in sources.items():
        assert code == (STATIC_DIR / "js" / name).read_text(), name  # the page's, unchanged
        for dep in re.findall(r'from\s+"\./([\w.-]+\.js)"', code):
            assert dep in sources, f"{name} imports {dep}, which is not sent"


def test_the_widget_draws_the_bptt_answer_of_its_arguments() -> None:
    config = bx.RNNConfig(n_hidden=3, bias=True)
    params = bx.init_params(config, seed=2)
    sample = bx.get_task("sine").sample(5, seed=1)
    widget = bx.show(config, params, sample.inputs, sample.targets, truncate=2)
    data = json.loads(widget.data)
    expected = bx.bptt(config, params, sample.inputs, sample.targets, truncate=2)
    assert data["T"] == 5 and widget.truncate == 2 and widget.step == 0
    assert_allclose(np.array(data["grads"]["Ws"]), expected.grads.Ws, rtol=1e-15)
    assert ":host" in widget.css and ":root" not in widget.css


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cells_send_their_gate_blocks_and_cell(cell: str) -> None:
    config = bx.RNNConfig(n_hidden=2, cell=cell)
    params = bx.init_params(config, seed=3)
    sample = bx.get_task("sine").sample(4, seed=1)
    c0 = np.array([0.5, -0.25]) if cell == "lstm" else None
    widget = bx.show(config, params, sample.inputs, sample.targets, c0=c0, loss_steps="last")
    data = json.loads(widget.data)
    expected = bx.bptt(config, params, sample.inputs, sample.targets, loss_steps="last", c0=c0)
    G = len(bx.CELL_GATES[cell])
    assert np.shape(data["grads"]["Ws"]) == (2, G * 2)
    assert_allclose(np.array(data["grads"]["Ws"]), expected.grads.Ws, rtol=1e-15)
    assert json.loads(widget.model_spec)["cell"] == cell  # the view-model draws the cell's graph
    if cell == "lstm":
        assert_allclose(data["steps"][0]["c"], expected.fwd.c[1], rtol=1e-15)
