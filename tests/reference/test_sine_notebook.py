"""examples/sine_notebook.py follows the lecture's Simple_RNN notebook run in PyTorch step for step.

The reference is the notebook's own loop (nn.RNN(1, 32) with biases, nn.Linear head, MSELoss,
Adam lr 0.01, window [nπ, (n+1)π] at step n, ``hidden = hidden.data``), in float64; the
project's run starts from the same weights (from_torch) and must give the same loss at every
step and the same final weights to rtol 1e-6: in one call, in two chunks, and over /api/train.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from numpy.testing import assert_allclose

torch = pytest.importorskip(
    "torch", reason="torch is not installed: `pip install -e '.[dev,torch]'` for the reference"
)

import bptt_explorer as bx  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
STEPS, HIDDEN, SEQ_LENGTH = 75, 32, 20
RTOL = 1e-6


def load_example() -> ModuleType:
    """examples/sine_notebook.py as a module (examples/ is not a package)."""
    path = ROOT / "examples" / "sine_notebook.py"
    spec = importlib.util.spec_from_file_location("sine_notebook", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = load_example()


def torch_model(seed: int = 0) -> tuple[Any, Any]:
    torch.manual_seed(seed)
    rnn = torch.nn.RNN(1, HIDDEN, 1, batch_first=True, dtype=torch.float64)
    fc = torch.nn.Linear(HIDDEN, 1, dtype=torch.float64)
    return rnn, fc


def notebook_loop(rnn: Any, fc: Any, n_steps: int) -> tuple[list[float], Any]:
    """The notebook's train(rnn, n_steps, print_every), in float64: losses and the last hidden."""
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.Adam([*rnn.parameters(), *fc.parameters()], lr=0.01)
    hidden, losses = None, []
    for step in range(n_steps):
        time_steps = np.linspace(step * np.pi, (step + 1) * np.pi, SEQ_LENGTH + 1)
        data = np.sin(time_steps)[:, None]  # (seq_length + 1, input_size)
        x_tensor = torch.tensor(data[:-1]).unsqueeze(0)  # (1, seq_length, 1)
        y_tensor = torch.tensor(data[1:])
        r_out, hidden = rnn(x_tensor, hidden)
        hidden = hidden.data
        prediction = fc(r_out.view(-1, HIDDEN))
        loss = criterion(prediction, y_tensor)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, hidden


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    """The notebook's run: its initial weights, losses, final weights and last hidden state."""
    rnn, fc = torch_model()
    config, initial = bx.from_torch(rnn, fc, reduction="mean")
    losses, hidden = notebook_loop(rnn, fc, STEPS)
    _, final = bx.from_torch(rnn, fc)
    return {
        "config": config,
        "initial": initial,
        "losses": np.array(losses),
        "final": final,
        "hidden": hidden.numpy().ravel(),
    }


def assert_like_the_notebook(losses: np.ndarray, final: bx.Weights, ref: dict[str, Any]) -> None:
    assert_allclose(losses, ref["losses"], rtol=RTOL, err_msg="the loss at each step")
    for name, value in ref["final"].as_dict().items():
        assert_allclose(final.as_dict()[name], value, rtol=RTOL, atol=1e-12, err_msg=name)


def test_the_example_config_is_the_notebook_model(reference: dict[str, Any]) -> None:
    assert example.notebook_config(HIDDEN) == reference["config"]


def test_one_call_follows_the_notebook(reference: dict[str, Any]) -> None:
    result = example.notebook_train(reference["config"], reference["initial"], STEPS)
    assert not result.diverged and result.step == STEPS
    assert_like_the_notebook(np.array([h.loss for h in result.history]), result.params, reference)
    assert_allclose(result.s_last, reference["hidden"], rtol=RTOL, atol=1e-12)


def test_two_chunks_continue_exactly(reference: dict[str, Any]) -> None:
    config, initial = reference["config"], reference["initial"]
    first = example.notebook_train(config, initial, 40)
    second = example.notebook_train(config, initial, STEPS - 40, start=first)
    losses = np.array([h.loss for h in first.history + second.history])
    assert_like_the_notebook(losses, second.params, reference)
    whole = example.notebook_train(config, initial, STEPS)
    for name, value in whole.params.as_dict().items():
        assert np.array_equal(second.params.as_dict()[name], value), f"{name}: chunks differ"


def test_without_split_bias_the_run_departs_from_torch(reference: dict[str, Any]) -> None:
    """Why split_bias: one bs trained once per step is not torch's two trained vectors."""
    data = bx.TaskData("sine", SEQ_LENGTH, params=example.WINDOWS)
    result = bx.train(
        reference["config"],
        reference["initial"],
        data,
        bx.Optimizer("adam", 0.01),
        STEPS,
        carry_state=True,
    )
    losses = np.array([h.loss for h in result.history])
    assert np.max(np.abs(losses - reference["losses"]) / reference["losses"]) > 1e-3


def test_the_rest_api_in_two_chunks_follows_the_notebook(
    client: TestClient, reference: dict[str, Any]
) -> None:
    config, initial = reference["config"], reference["initial"]
    model = {
        "n_in": 1,
        "n_hidden": HIDDEN,
        "n_out": 1,
        "bias": True,
        "reduction": "mean",
        "weights": {k: v.tolist() for k, v in initial.as_dict().items()},
    }
    body: dict[str, Any] = {
        "model": model,
        "data": {"task": {"name": "sine", "T": SEQ_LENGTH, **example.WINDOWS}},
        "optimizer": {"name": "adam", "lr": 0.01},
        "steps": 40,
        "carry_state": True,
        "split_bias": True,
    }
    first = client.post("/api/train", json=body)
    assert first.status_code == 200, first.text
    a = first.json()
    body2 = {
        **body,
        "model": {**model, "weights": a["weights"]},
        "data": {**body["data"], "s0": a["s_last"]},
        "optimizer_state": a["optimizer_state"],
        "start_step": a["step"],
        "steps": STEPS - 40,
    }
    second = client.post("/api/train", json=body2)
    assert second.status_code == 200, second.text
    b = second.json()
    losses = np.array([h["loss"] for h in a["history"] + b["history"]])
    final = bx.Weights.from_dict(config, b["weights"])
    assert_like_the_notebook(losses, final, reference)
    assert_allclose(b["s_last"], reference["hidden"], rtol=RTOL, atol=1e-12)
