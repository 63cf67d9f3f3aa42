"""examples/torch_model.ipynb runs headless from top to bottom (nbclient, a real ipykernel):
it trains a torch nn.RNN, imports it with from_torch, finds torch autograd's gradients and
displays show()'s widget (drawn in a real JupyterLab by tests/e2e/test_widget.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="torch is not installed: the notebook trains a torch model")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (dev extra)")
nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (dev extra)")

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "torch_model.ipynb"


def test_the_committed_notebook_has_no_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, "the notebook has no code cells"
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_the_notebook_runs_and_its_gradients_are_torchs(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    text = "\n".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.get("output_type") == "stream"
    )
    errors = [float(v) for v in re.findall(r"max \|project − torch\| = (\S+)", text)]
    assert len(errors) == 5, text  # Wx, Ws, Wy, bs, by
    assert max(errors) < 1e-10, text
    assert "central differences agree: True" in text
    widgets = [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
    ]
    assert len(widgets) == 1, "show() displayed no widget"
    losses = [float(v) for v in re.findall(r"MSE (\S+)", text)]
    assert losses[-1] < losses[0] / 10, f"the torch model did not learn: {losses}"
