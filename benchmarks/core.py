"""Core benchmark: BPTT totals and every per-(t,k) term, NumPy (app.rnn) against torch autograd.

Same weights, float64, tanh RNN with a linear output and squared error at every step, in one
process. Numbers are checked to agree (assert_allclose) before anything is timed; each figure
is the median of several repeats (time.perf_counter).

    .venv/bin/python benchmarks/core.py [--T 200] [--H 64] [--repeats 7] [--threads 1]
    .venv/bin/python benchmarks/core.py --cell lstm     # or gru: the gated cells' rows

Rows:
  totals            loss_and_grads  vs  torch forward + loss.backward()          target ≤ 0.2×
  terms             bptt(detail="norms") without the Jacobian part  vs  torch: per-step
                    copies of Wx, Ws and one backward per loss step giving δ_{t,k}, σ_{t,k},
                    C^Ws_{t,k}, C^Wx_{t,k} and their norms                        target ≥ 20×
  terms + Jacobian  bptt(detail="norms") as served (adds ‖∂s_t/∂s_k‖₂ for every k ≤ t,
                    which torch's rows do not compute at all)
  jacobian_norms    the Jacobian part alone, and the pre-optimisation SVD version for reference

With --cell lstm or gru (same T, H, linear output, squared error at every step):
  totals            gradients(Problem)  vs  torch.nn.LSTM / nn.GRU + nn.Linear, forward and
                    loss.backward() (one thread)                                  target ≤ 0.2×
  terms + flow      backprop(detail="norms", no Jacobian)  vs  torch with per-step copies of Wx
                    and Ws and one backward per loss step giving every δ_{t,k}, σ_{t,k},
                    κ_{t,k} (LSTM), C^Ws_{t,k}, C^Wx_{t,k} and their norms         target ≥ 20×

torch is optional (pip install torch); without it the torch rows are skipped.
"""

from __future__ import annotations

import argparse
import os
import statistics

from bench_common import interleaved_times, median_time, paired_ratio, pin_threads


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=200)
    ap.add_argument("--H", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--cell", choices=("rnn", "lstm", "gru"), default="rnn")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS and torch threads (1: steadiest on a shared 2-core machine; 0: library default)",
    )
    return ap.parse_args()


ARGS = parse_args()
pin_threads(ARGS.threads)  # before numpy loads OpenBLAS

import numpy as np  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from app.rnn import (  # noqa: E402
    Problem,
    RNNConfig,
    backprop,
    bptt,
    gradients,
    init_params,
    jacobian_norms,
    loss_and_grads,
)
from app.rnn.activations import dphi  # noqa: E402

try:
    import torch
except ImportError:  # the benchmark still runs its NumPy rows
    torch = None


def svd_jacobian_norms(Ws: np.ndarray, dphi_z: np.ndarray) -> np.ndarray:
    """The pre-optimisation method: batched products, one batched SVD per t."""
    T, H = dphi_z.shape
    norms = np.full((T, T), np.nan)
    stack = np.empty((0, H, H))
    for t in range(1, T + 1):
        stack = np.concatenate([stack @ (Ws * dphi_z[t - 1][None, :]), np.eye(H)[None]])
        M = stack[:-1]
        if len(M):
            scale = np.max(np.abs(M), axis=(1, 2))
            norms[t - 1, : t - 1] = (
                np.linalg.svd(M / scale[:, None, None], compute_uv=False)[:, 0] * scale
            )
        norms[t - 1, t - 1] = 1.0
    return norms


# --- torch --------------------------------------------------------------------------------


def torch_totals(Wx, Ws, Wy, x, d):
    """E and ∂E/∂(Wx, Ws, Wy) by autograd, one tanh step at a time."""
    Wx, Ws, Wy = (w.detach().requires_grad_() for w in (Wx, Ws, Wy))
    s = torch.zeros(Ws.shape[0], dtype=torch.float64)
    E = torch.zeros((), dtype=torch.float64)
    for t in range(x.shape[0]):
        s = torch.tanh(x[t] @ Wx + s @ Ws)
        E = E + torch.sum((d[t] - s @ Wy) ** 2)
    E.backward()
    return E.detach(), Wx.grad, Ws.grad, Wy.grad


def torch_terms(Wx, Ws, Wy, x, d):
    """Every δ_{t,k} and flow norm: per-step weight copies, one backward per loss step.

    Returns δ (T, T, H) at [t-1, k-1] and the norms ‖C^Ws‖_F, ‖C^Wx‖_F, ‖σ‖ as (T, T).
    """
    T, H = x.shape[0], Ws.shape[0]
    Wx_k = [Wx.detach().clone().requires_grad_() for _ in range(T)]
    Ws_k = [Ws.detach().clone().requires_grad_() for _ in range(T)]
    s = torch.zeros(H, dtype=torch.float64)
    zs, ss, Es = [], [], []
    for k in range(T):
        ss.append(s)  # s_{k}: input of step k+1
        z = x[k] @ Wx_k[k] + s @ Ws_k[k]
        s = torch.tanh(z)
        zs.append(z)
        Es.append(torch.sum((d[k] - s @ Wy) ** 2))
    ss.append(s)
    delta = torch.zeros((T, T, H), dtype=torch.float64)
    nWs = torch.full((T, T), float("nan"), dtype=torch.float64)
    nWx = torch.full((T, T), float("nan"), dtype=torch.float64)
    nS = torch.full((T, T), float("nan"), dtype=torch.float64)
    for t in range(T):
        ins = zs[: t + 1] + ss[1 : t + 2] + Ws_k[: t + 1] + Wx_k[: t + 1]
        g = torch.autograd.grad(Es[t], ins, retain_graph=True)
        n = t + 1
        delta[t, :n] = torch.stack(g[:n])
        nS[t, :n] = torch.linalg.vector_norm(torch.stack(g[n : 2 * n]), dim=1)
        nWs[t, :n] = torch.linalg.matrix_norm(torch.stack(g[2 * n : 3 * n]))
        nWx[t, :n] = torch.linalg.matrix_norm(torch.stack(g[3 * n :]))
    return delta, nWs, nWx, nS


# --- torch, gated cells ---------------------------------------------------------------------


def torch_cell_totals(cell, w, x, d):
    """E and ∂E/∂W by nn.LSTM / nn.GRU (no biases) + nn.Linear, forward and backward."""
    H = w.Ws.shape[0]
    module = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(
        x.shape[1], H, bias=False, dtype=torch.float64
    )
    head = torch.nn.Linear(H, d.shape[1], bias=False, dtype=torch.float64)
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(w.Wx.T))  # (G·H, n_in) = Wxᵀ
        module.weight_hh_l0.copy_(torch.from_numpy(w.Ws.T))  # (G·H, H) = Wsᵀ
        head.weight.copy_(torch.from_numpy(w.Wy.T))

    def run():
        module.zero_grad()
        head.zero_grad()
        out, _ = module(x[:, None, :])  # (T, 1, H)
        E = torch.sum((d - head(out[:, 0])) ** 2)
        E.backward()
        return E.detach(), module.weight_ih_l0.grad, module.weight_hh_l0.grad, head.weight.grad

    return run


def torch_cell_step(cell, x_k, s, c, Wx, Ws):
    """One step of the cell in row vectors with this step's own weight copies."""
    H = Ws.shape[0]
    if cell == "lstm":
        a = x_k @ Wx + s @ Ws  # (4H,)
        i, f, o = (torch.sigmoid(a[j * H : (j + 1) * H]) for j in (0, 1, 3))
        c = f * c + i * torch.tanh(a[2 * H : 3 * H])
        return a, o * torch.tanh(c), c
    ax, a_s = x_k @ Wx, s @ Ws  # (3H,) each
    r = torch.sigmoid(ax[:H] + a_s[:H])
    z = torch.sigmoid(ax[H : 2 * H] + a_s[H : 2 * H])
    n = torch.tanh(ax[2 * H :] + r * a_s[2 * H :])
    return a_s, (1 - z) * n + z * s, None


def torch_cell_terms(cell, w, x, d):
    """Per-step copies of Wx and Ws, one backward per loss step: every δ_{t,k}, σ_{t,k},
    κ_{t,k} and the norms ‖C^Ws‖_F, ‖C^Wx‖_F, ‖σ‖, ‖κ‖ as (T, T)."""
    T, H = x.shape[0], w.Ws.shape[0]
    Wy = torch.from_numpy(w.Wy)
    Wx_k = [torch.from_numpy(w.Wx).clone().requires_grad_() for _ in range(T)]
    Ws_k = [torch.from_numpy(w.Ws).clone().requires_grad_() for _ in range(T)]
    s = torch.zeros(H, dtype=torch.float64)
    c = torch.zeros(H, dtype=torch.float64) if cell == "lstm" else None
    acts, ss, cs, Es = [], [], [], []
    for k in range(T):
        a, s, c = torch_cell_step(cell, x[k], s, c, Wx_k[k], Ws_k[k])
        acts.append(a)
        ss.append(s)
        cs.append(c)
        Es.append(torch.sum((d[k] - s @ Wy) ** 2))
    GH = w.Ws.shape[1]
    delta = torch.zeros((T, T, GH), dtype=torch.float64)
    norms = {name: torch.full((T, T), float("nan"), dtype=torch.float64) for name in "WXSC"}
    for t in range(T):
        n = t + 1
        ins = acts[:n] + ss[:n] + Ws_k[:n] + Wx_k[:n] + (cs[:n] if cell == "lstm" else [])
        g = torch.autograd.grad(Es[t], ins, retain_graph=True)
        delta[t, :n] = torch.stack(g[:n])
        norms["S"][t, :n] = torch.linalg.vector_norm(torch.stack(g[n : 2 * n]), dim=1)
        norms["W"][t, :n] = torch.linalg.matrix_norm(torch.stack(g[2 * n : 3 * n]))
        norms["X"][t, :n] = torch.linalg.matrix_norm(torch.stack(g[3 * n : 4 * n]))
        if cell == "lstm":
            norms["C"][t, :n] = torch.linalg.vector_norm(torch.stack(g[4 * n :]), dim=1)
    return delta, norms


def cells_main(cell: str) -> None:
    """The gated cell's rows: totals against nn.LSTM/nn.GRU, terms against per-step copies."""
    T, H, R = ARGS.T, ARGS.H, ARGS.repeats
    config = RNNConfig(n_in=1, n_hidden=H, n_out=1, cell=cell)
    w = init_params(config, seed=0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, 1))  # (T, n_in)
    d = rng.normal(size=(T, 1))  # (T, n_out)
    problem = Problem(config, w, x, d)
    load = os.getloadavg()
    print(f"cell={cell} T={T} H={H} repeats={R} threads={ARGS.threads or 'default'}")
    E, grads = gradients(problem)
    norms = backprop(problem, "norms", jacobian=False)
    tt_totals = tt_terms = None
    if torch is None:
        print("torch is not installed: torch rows skipped (pip install torch)")
    else:
        if ARGS.threads > 0:
            torch.set_num_threads(ARGS.threads)
        print(f"torch={torch.__version__} threads={torch.get_num_threads()}")
        tx, td = torch.from_numpy(x), torch.from_numpy(d)
        run = torch_cell_totals(cell, w, tx, td)
        tE, gWx, gWs, gWy = run()
        assert_allclose(E, tE.item(), rtol=1e-12)
        for ours, theirs in ((grads.Wx, gWx.T), (grads.Ws, gWs.T), (grads.Wy, gWy.T)):
            assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-12)
        full = backprop(problem, "full", jacobian=False)
        delta, tn = torch_cell_terms(cell, w, tx, td)
        assert full.delta is not None
        assert_allclose(full.delta, delta.numpy(), rtol=1e-9, atol=1e-14)
        flows = [(norms.flow.Ws, "W"), (norms.flow.Wx, "X"), (norms.flow.state, "S")]
        if cell == "lstm":
            flows.append((norms.flow.cell, "C"))
        for ours, key in flows:
            assert_allclose(ours, tn[key].numpy(), rtol=1e-9, atol=1e-14, equal_nan=True)
        print(
            f"agreement: E, grads match nn.{cell.upper()}; every δ_{{t,k}} and flow norm "
            "matches torch's per-step copies (assert_allclose)"
        )
        tt_terms = median_time(lambda: torch_cell_terms(cell, w, tx, td), max(1, R // 3))
    ours_terms = median_time(lambda: backprop(problem, "norms", jacobian=False), R)
    totals_rounds = 3 * R  # cheap: more rounds, ours and torch's taking turns
    if torch is None:
        ours_totals = median_time(lambda: gradients(problem), totals_rounds)
        paired = None
    else:
        ours_t, torch_t = interleaved_times([lambda: gradients(problem), run], totals_rounds)
        ours_totals, tt_totals = statistics.median(ours_t), statistics.median(torch_t)
        paired = paired_ratio(ours_t, torch_t)
    print(f"\n{'row':<30}{'ours ms':>12}{'torch ms':>12}   {'ratio':<32}target")
    row("totals", ours_totals, tt_totals, f"≤ 0.2× nn.{cell.upper()}")
    if paired is not None:
        ratios = sorted(a / b for a, b in zip(ours_t, torch_t, strict=True))
        print(
            f"{'  totals, round by round':<30}{'':>24}   {paired:9.3f}×  median of {len(ratios)} "
            f"back-to-back pairs (their quartiles {ratios[len(ratios) // 4]:.3f}–"
            f"{ratios[3 * len(ratios) // 4]:.3f}×)"
        )
    row("terms + flow norms", ours_terms, tt_terms, "≥ 20× faster")
    end = os.getloadavg()[0]
    print(
        f"\nload average (1 min): {load[0]:.2f} at start, {end:.2f} at end; {os.cpu_count()} cores"
    )


# --- main ---------------------------------------------------------------------------------


def row(name: str, ours: float, theirs: float | None, target: str) -> None:
    ratio = "" if theirs is None else f"{ours / theirs:9.3f}×  ({theirs / ours:7.1f}× faster)"
    other = "   (skipped)" if theirs is None else f"{theirs * 1e3:12.1f}"
    print(f"{name:<30}{ours * 1e3:12.1f}{other}   {ratio:<32}{target}")


def main() -> None:
    T, H, R = ARGS.T, ARGS.H, ARGS.repeats
    config = RNNConfig(n_in=1, n_hidden=H, n_out=1)
    params = init_params(config, seed=0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, 1))  # (T, n_in)
    d = rng.normal(size=(T, 1))  # (T, n_out)
    load = os.getloadavg()
    print(f"T={T} H={H} repeats={R} threads={ARGS.threads or 'default'} numpy={np.__version__}")
    if torch is None:
        print("torch is not installed: torch rows skipped (pip install torch==2.13.0)")
    else:
        if ARGS.threads > 0:
            torch.set_num_threads(ARGS.threads)
        print(f"torch={torch.__version__} threads={torch.get_num_threads()}")

    E, grads = loss_and_grads(config, params, x, d)
    res = bptt(config, params, x, d, detail="norms")
    full = bptt(config, params, x, d, detail="full")
    dphi_z = dphi("tanh", res.fwd.z)
    tt_totals = tt_terms = None
    if torch is not None:
        tW = [torch.from_numpy(w) for w in (params.Wx, params.Ws, params.Wy)]
        tx, td = torch.from_numpy(x), torch.from_numpy(d)
        tE, gWx, gWs, gWy = torch_totals(*tW, tx, td)
        assert_allclose(E, tE.item(), rtol=1e-12)
        for ours, theirs in ((grads.Wx, gWx), (grads.Ws, gWs), (grads.Wy, gWy)):
            assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-12)
        delta, nWs, nWx, nS = torch_terms(*tW, tx, td)
        assert full.delta is not None
        assert_allclose(full.delta, delta.numpy(), rtol=1e-9, atol=1e-14)
        assert_allclose(res.flow.Ws, nWs.numpy(), rtol=1e-9, atol=1e-14, equal_nan=True)
        assert_allclose(res.flow.Wx, nWx.numpy(), rtol=1e-9, atol=1e-14, equal_nan=True)
        assert_allclose(res.flow.state, nS.numpy(), rtol=1e-9, atol=1e-14, equal_nan=True)
        print("agreement: E, grads, every δ_{t,k} and flow norm match torch (assert_allclose)")
        tt_totals = median_time(lambda: torch_totals(*tW, tx, td), R)
        tt_terms = median_time(lambda: torch_terms(*tW, tx, td), max(3, R // 2))
    assert_allclose(
        jacobian_norms(params.Ws, dphi_z),
        svd_jacobian_norms(params.Ws, dphi_z),
        rtol=1e-10,
        equal_nan=True,
    )
    print("agreement: jacobian_norms equals the SVD of every product (rtol 1e-10)")

    ours_totals = median_time(lambda: loss_and_grads(config, params, x, d), R)
    ours_norms = median_time(lambda: bptt(config, params, x, d, detail="norms"), R)
    ours_terms = median_time(lambda: bptt(config, params, x, d, detail="norms", jacobian=False), R)
    ours_jac = median_time(lambda: jacobian_norms(params.Ws, dphi_z), R)
    svd_jac = median_time(lambda: svd_jacobian_norms(params.Ws, dphi_z), 1)

    print(f"\n{'row':<30}{'ours ms':>12}{'torch ms':>12}   {'ratio':<32}target")
    row("totals", ours_totals, tt_totals, "≤ 0.2× torch")
    row("terms (no Jacobian)", ours_terms, tt_terms, "≥ 20× faster")
    row("terms + Jacobian (as served)", ours_norms, tt_terms, "≥ 20× faster")
    print(f"{'jacobian_norms (certified)':<30}{ours_jac * 1e3:12.1f}")
    print(
        f"{'jacobian_norms (SVD, before)':<30}{svd_jac * 1e3:12.1f}   "
        f"{svd_jac / ours_jac:.1f}× slower than now"
    )
    end = os.getloadavg()[0]
    print(
        f"\nload average (1 min): {load[0]:.2f} at start, {end:.2f} at end; {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    if ARGS.cell == "rnn":
        main()
    else:
        cells_main(ARGS.cell)
