"""The lecture's sample notebook (Simple_RNN.ipynb), reproduced through the Python API, no server.

One recurrent layer of 32 tanh units learns to predict the next value of a sine wave: each
training step draws a 20-step window x_t = sin(θ_t), d_t = sin(θ_{t+1}) over half a period
(the notebook's [0, π]) at a phase chosen by the seed, and Adam (lr 0.01, PyTorch's rule)
follows the full BPTT gradient of E = Σ_t (d_t − y_t)².

    python examples/sine_notebook.py                    # writes examples/sine.html
    python examples/sine_notebook.py /tmp/sine.html --steps 500 --every 50

It prints the loss every `--every` steps and writes a self-contained plotly page (works
offline): input, target and prediction on the notebook's window [0, π], and the loss curve.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from app.rnn import RNNConfig, forward, init_params  # noqa: E402
from app.rnn.optimizers import Optimizer  # noqa: E402
from app.rnn.tasks import get_task  # noqa: E402
from app.rnn.train import TaskData, train  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "sine.html"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; the defaults are the notebook's experiment."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help="HTML file to write")
    parser.add_argument("--steps", type=int, default=300, help="training steps (default 300)")
    parser.add_argument("--hidden", type=int, default=32, help="hidden units (default 32)")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam's learning rate (0.01)")
    parser.add_argument("--T", type=int, default=20, help="steps per window (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and samples")
    parser.add_argument("--bias", action="store_true", help="add bs and by (PyTorch's default)")
    parser.add_argument("--every", type=int, default=25, help="print the loss every n steps")
    return parser.parse_args(argv)


def figure(
    x: np.ndarray, d: np.ndarray, y: np.ndarray, steps: list[int], losses: list[float]
) -> go.Figure:
    """Input, target and prediction over t (left), and the training loss (right, log scale)."""
    t = np.arange(1, len(x) + 1)  # (T,) 1-based steps
    fig = make_subplots(rows=1, cols=2, subplot_titles=("after training", "loss E per step"))
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
    # the lecture's model: tanh state, linear output, squared error, no biases unless --bias
    config = RNNConfig(n_in=1, n_hidden=args.hidden, n_out=1, bias=args.bias)
    params = init_params(config, seed=args.seed)
    data = TaskData("sine", T=args.T, seed=args.seed)
    result = train(config, params, data, Optimizer("adam", lr=args.lr), args.steps)
    for entry in result.history:
        if entry.step == 1 or entry.step % args.every == 0:
            print(f"step {entry.step:5d}   loss {entry.loss:.6f}")
    if result.diverged:
        print(f"diverged at step {result.step + 1}: try a smaller --lr")

    window = get_task("sine").sample(args.T, random_phase=False)  # the notebook's [0, π]
    y = forward(config, result.params, window.inputs).y  # (T, 1)
    steps, losses = [h.step for h in result.history], [h.loss for h in result.history]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure(window.inputs, window.targets, y, steps, losses).write_html(
        args.out, include_plotlyjs=True
    )
    print(f"wrote {args.out}")
    return Path(args.out)


if __name__ == "__main__":
    main()
