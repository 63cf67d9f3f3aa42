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
def test_gated_cells_are_refused_with_a_reason(cell: str) -> None:
    config = bx.RNNConfig(cell=cell)
    with pytest.raises(ValueError, match="plain RNN"):
        bx.show(config, bx.init_params(config), np.zeros((3, 1)), np.zeros((3, 1)))
