"""The lecture's sample notebook (Simple_RNN.ipynb), step for step, through the Python API.

One recurrent layer of 32 tanh units with biases and a linear head learns to predict the next
value of a sine wave, exactly as the notebook trains it in PyTorch:

- step n (0-based) trains on the 20-step window over [nπ, (n+1)π]: x_t = sin(θ_t),
  d_t = sin(θ_{t+1}) (the sine task with random_phase false and windows "consecutive");
- the hidden state carries from one window to the next with no gradient across windows
  (the notebook's ``hidden = hidden.data``: carry_state);
- the loss is PyTorch's MSELoss, the mean of (d_t − y_t)² over the window (reduction "mean");
- Adam with lr 0.01 updates every weight; nn.RNN's two bias vectors bias_ih + bias_hh make the
  model's bs, and split_bias trains bs as those two vectors (each gets ∂E/∂bs);
- 75 steps, the loss printed every 15.

    python examples/sine_notebook.py                    # writes examples/sine.html
    python examples/sine_notebook.py /tmp/sine.html --steps 300 --every 50

The weights start from the project's seeded initialisation (give a torch model's weights with
``bptt_explorer.from_torch`` to follow a torch run to the last digit: tests/reference/
test_sine_notebook.py does). It writes a self-contained plotly page (works offline): input,
target and prediction on the first window [0, π], and the loss curve.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from bptt_explorer import (  # noqa: E402
    Optimizer,
    RNNConfig,
    TaskData,
    TrainResult,
    Weights,
    forward,
    get_task,
    init_params,
    train,
)

DEFAULT_OUT = Path(__file__).resolve().parent / "sine.html"
SEQ_LENGTH = 20  # the notebook's seq_length: each window covers half a period
WINDOWS = {"random_phase": False, "windows": "consecutive"}  # [nπ, (n+1)π] for step n


def notebook_config(hidden: int = 32) -> RNNConfig:
    """The notebook's model: nn.RNN(1, hidden) (tanh, biases) and nn.Linear(hidden, 1), MSE."""
    return RNNConfig(n_in=1, n_hidden=hidden, n_out=1, bias=True, reduction="mean")


def notebook_train(
    config: RNNConfig,
    params: Weights,
    steps: int,
    lr: float = 0.01,
    start: TrainResult | None = None,
) -> TrainResult:
    """The notebook's training loop for `steps` steps; `start` continues an earlier chunk."""
    return train(
        config,
        params if start is None else start.params,
        TaskData("sine", T=SEQ_LENGTH, params=WINDOWS, s0=None if start is None else start.s_last),
        Optimizer("adam", lr=lr),
        steps,
        state=None if start is None else start.optimizer_state,
        start_step=0 if start is None else start.step,
        carry_state=True,
        split_bias=True,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; the defaults are the notebook's experiment."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help="HTML file to write")
    parser.add_argument("--steps", type=int, default=75, help="training steps (default 75)")
    parser.add_argument("--hidden", type=int, default=32, help="hidden units (default 32)")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam's learning rate (0.01)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    parser.add_argument("--every", type=int, default=15, help="print the loss every n steps")
    return parser.parse_args(argv)


def figure(
    x: np.ndarray, d: np.ndarray, y: np.ndarray, steps: list[int], losses: list[float]
) -> go.Figure:
    """Input, target and prediction over t (left), and the training loss (right, log scale)."""
    t = np.arange(1, len(x) + 1)  # (T,) 1-based steps
    fig = make_subplots(rows=1, cols=2, subplot_titles=("after training", "MSE loss per step"))
    fig.add_trace(go.Scatter(x=t, y=x[:, 0], name="input x_t", mode="lines+markers"), 1, 1)
    fig.add_trace(go.Scatter(x=t, y=d[:, 0], name="target d_t", mode="markers"), 1, 1)
    fig.add_trace(go.Scatter(x=t, y=y[:, 0], name="prediction y_t", mode="lines+markers"), 1, 1)
    fig.add_trace(go.Scatter(x=steps, y=losses, name="E", mode="lines"), 1, 2)
    fig.update_xaxes(title_text="t", row=1, col=1)
    fig.update_xaxes(title_text="training step", row=1, col=2)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_layout(title="Simple RNN: next value of a sine wave (Adam, full BPTT)")
    return fig


def main(argv: list[str] | None = None) -> Path:
    """Train, print the loss, write the figure; returns the path written."""
    args = parse_args(argv)
    config = notebook_config(args.hidden)
    result = notebook_train(config, init_params(config, seed=args.seed), args.steps, args.lr)
    for entry in result.history:
        if (entry.step - 1) % args.every == 0:  # the notebook prints at batch_i % print_every
            print(f"step {entry.step:5d}   loss {entry.loss:.6f}")
    if result.diverged:
        print(f"diverged at step {result.step + 1}: try a smaller --lr")

    window = get_task("sine").sample(SEQ_LENGTH, random_phase=False)  # [0, π]
    y = forward(config, result.params, window.inputs).y  # (T, 1), from s_0 = 0
    steps, losses = [h.step for h in result.history], [h.loss for h in result.history]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure(window.inputs, window.targets, y, steps, losses).write_html(
        args.out, include_plotlyjs=True
    )
    print(f"wrote {args.out}")
    return Path(args.out)


if __name__ == "__main__":
    main()
