"""Training benchmark: Adam steps per second, app.rnn.train against torch (nn.RNN/LSTM/GRU).

The lecture's sample: one sine wave, 20 steps over [0, π], predict the next value; hidden 32,
Adam lr 0.01, float64, no biases (so both sides are the same model and the same updates), the
same starting weights and the same sequence at every step. The loss curves are checked to
agree before anything is timed; each rate is the median of several repeats.

    .venv/bin/python benchmarks/train.py [--T 20] [--H 32] [--steps 500] [--repeats 5] [--threads 1]
    .venv/bin/python benchmarks/train.py --cell lstm      # or gru: against nn.LSTM / nn.GRU

Target: at least 1.0× torch's steps per second (for every cell).
torch is optional (pip install torch); without it the torch row is skipped.
"""

from __future__ import annotations

import argparse
import os

from bench_common import median_time, pin_threads


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=20)
    ap.add_argument("--H", type=int, default=32)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (0: default)")
    ap.add_argument("--cell", choices=("rnn", "lstm", "gru"), default="rnn")
    return ap.parse_args()


ARGS = parse_args()
pin_threads(ARGS.threads)  # before numpy loads OpenBLAS

import numpy as np  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from app.rnn import FixedData, Optimizer, RNNConfig, init_params, train  # noqa: E402

try:
    import torch
except ImportError:  # the benchmark still runs its NumPy row
    torch = None


def sine_sequence(T: int) -> tuple[np.ndarray, np.ndarray]:
    """The sample notebook's data: x_t = sin(θ_t), d_t = sin(θ_{t+1}), θ over [0, π]."""
    theta = np.linspace(0.0, np.pi, T + 1)  # (T+1,)
    wave = np.sin(theta)
    return wave[:-1, None], wave[1:, None]  # (T, 1) each


def torch_run(params, x, d, lr: float, steps: int, cell: str = "rnn") -> list[float]:
    """nn.RNN / nn.LSTM / nn.GRU + nn.Linear (no biases) with torch.optim.Adam: the loss
    before every step."""
    H = params.Ws.shape[0]
    kind = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    rnn = kind(1, H, bias=False, batch_first=True, dtype=torch.float64)
    lin = torch.nn.Linear(H, 1, bias=False, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(params.Wx.T))  # (G·H, n_in) = Wxᵀ
        rnn.weight_hh_l0.copy_(torch.from_numpy(params.Ws.T))  # (G·H, H) = Wsᵀ
        lin.weight.copy_(torch.from_numpy(params.Wy.T))  # (n_out, H) = Wyᵀ
    opt = torch.optim.Adam([*rnn.parameters(), *lin.parameters()], lr=lr)
    tx, td = torch.from_numpy(x)[None], torch.from_numpy(d)[None]  # (1, T, 1)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        out, _ = rnn(tx)
        loss = torch.sum((td - lin(out)) ** 2)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def main() -> None:
    T, H, steps, R = ARGS.T, ARGS.H, ARGS.steps, ARGS.repeats
    config = RNNConfig(n_in=1, n_hidden=H, n_out=1, cell=ARGS.cell)
    params = init_params(config, seed=0)
    x, d = sine_sequence(T)
    data = FixedData(x, d)
    adam = Optimizer("adam", lr=0.01)
    load = os.getloadavg()[0]
    threads = ARGS.threads or "default"
    print(f"cell={ARGS.cell} T={T} H={H} steps={steps} repeats={R} threads={threads}")

    def ours() -> list[float]:
        return [h.loss for h in train(config, params, data, adam, steps).history]

    t_theirs = None
    if torch is None:
        print("torch is not installed: torch row skipped (pip install torch==2.13.0)")
    else:
        if ARGS.threads > 0:
            torch.set_num_threads(ARGS.threads)
        mine, theirs = ours(), torch_run(params, x, d, 0.01, steps, ARGS.cell)
        assert_allclose(mine, theirs, rtol=1e-6)
        print(f"agreement: {steps} losses match torch (rtol 1e-6); last {mine[-1]:.3e}")
        t_theirs = median_time(lambda: torch_run(params, x, d, 0.01, steps, ARGS.cell), R)
    t_ours = median_time(ours, R)
    rate, other = steps / t_ours, None if t_theirs is None else steps / t_theirs
    print(f"\n{'':<12}{'steps/s':>10}")
    print(f"{'app.rnn':<12}{rate:10.0f}")
    if other is not None:
        print(f"{'torch':<12}{other:10.0f}")
        print(f"ratio: {rate / other:.2f}× torch's rate (target ≥ 1.0×)")
    end = os.getloadavg()[0]
    print(f"load average (1 min): {load:.2f} at start, {end:.2f} at end; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
