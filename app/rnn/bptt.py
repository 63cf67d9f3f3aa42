"""Backpropagation through time, term by term, for every cell (bptt-math.md, cells.md).

For a loss step t and an earlier step k ≤ t, with the carry λ_{t,k} = ∂E_t/∂h_k:

    λ_{t,t}    = [ε_t Wyᵀ(, 0)]                    the output layer's error enters at s_t
    δ^s, δ^x, σ, κ, λ_{t,k-1} = cell.back(λ_{t,k})  one step back through the cell
    C^Ws_{t,k} = s_{k-1}ᵀ δ^s_{t,k},  C^Wx_{t,k} = x_kᵀ δ^x_{t,k},  C^bs, C^bx = δ^s, δ^x

All loss steps are carried together (sweep.py); the totals of full BPTT come from the
efficient recursion, with no T² work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .cells import Cell, get_cell
from .diagnostics import Diagnostics, JacobianBudget, diagnose, jacobian_work
from .jacobian import step_jacobian_norms
from .losses import dE_do
from .model import Forward, RNNConfig, step_losses
from .problem import LossSteps, Problem, loss_step_mask
from .sweep import Sweep, term_sweep
from .sweep import total_deltas as _total_deltas
from .weights import Array, Weights

Grads = Weights  # ∂E/∂W has the names and shapes of W

__all__ = [
    "BPTTResult",
    "Diagnostics",
    "Flow",
    "Grads",
    "JacobianBudget",
    "LossSteps",
    "Problem",
    "Terms",
    "backprop",
    "bptt",
    "gradients",
    "jacobian_work",
    "loss_and_grads",
    "loss_step_mask",
    "total_deltas",
]


@dataclass(frozen=True)
class Flow:
    """T×T norms at [t-1, k-1]; NaN where the API sends null."""

    Ws: Array  # ‖C^Ws_{t,k}‖_F = ‖s_{k-1}‖ ‖δ^s_{t,k}‖
    Wx: Array  # ‖C^Wx_{t,k}‖_F = ‖x_k‖ ‖δ^x_{t,k}‖
    state: Array  # ‖∂E_t/∂s_k‖ = ‖σ_{t,k}‖
    jacobian: Array  # ‖∂h_t/∂h_k‖₂ (h = [s] or [s, c]), for every k ≤ t
    cell: Array | None = None  # ‖∂E_t/∂c_k‖ = ‖κ_{t,k}‖ (LSTM)


@dataclass(frozen=True)
class Terms:
    """Every kept term (t, k), loss steps ascending and k ascending within each: N rows."""

    row: NDArray[np.int64]  # (N,) index i of the loss step t = steps[i]
    k: NDArray[np.int64]  # (N,) 1-based k
    ends: NDArray[np.int64]  # (L,) loss step i's terms are [ends[i-1], ends[i])
    Ws: Array  # (N, H, G·H)    C^Ws_{t,k} = s_{k-1}ᵀ δ^s_{t,k}
    Wx: Array  # (N, n_in, G·H) C^Wx_{t,k} = x_kᵀ δ^x_{t,k}
    sigma: Array  # (N, H)       σ_{t,k}
    delta_s: Array  # (N, G·H)   δ^s_{t,k} (the plain RNN's δ_{t,k} = ∂E_t/∂z_k)
    delta_x: Array  # (N, G·H)   δ^x_{t,k} (δ^s but for the GRU)
    kappa: Array | None  # (N, H) κ_{t,k} (LSTM)
    per_step: Weights  # ∂E_t/∂W = Σ_k C^W_{t,k}, leading axis L


@dataclass(frozen=True)
class BPTTResult:
    fwd: Forward
    d: Array  # (T, n_out) desired outputs
    E: Array  # (T,) E_t at every step, loss step or not
    mask: NDArray[np.bool_]  # (T,) loss steps
    loss: float  # E = Σ_{t ∈ L} E_t
    grads: Weights  # ∂E/∂W as kept by truncation
    steps: NDArray[np.int64]  # (L,) 1-based loss steps, ascending
    kept: NDArray[np.bool_]  # (L, T) term (t, k) kept: k ≤ t and not cut by truncation
    flow: Flow
    diagnostics: Diagnostics
    sigma: Array | None = None  # (L, T, H) σ_{t,k} at [i, k-1], zero where not kept
    delta: Array | None = None  # (L, T, G·H) δ^s_{t,k} at [i, k-1], zero where not kept
    per_step: Weights | None = None  # ∂E_t/∂W per loss step, leading axis L
    delta_x: Array | None = None  # (L, T, G·H) δ^x_{t,k} (the same array as delta but GRU)
    kappa: Array | None = None  # (L, T, H) κ_{t,k} (LSTM)
    terms: Terms | None = None  # detail "full": every kept term, flattened
    config: RNNConfig = field(default_factory=RNNConfig)


def _carry_tt(problem: Problem, fwd: Forward, eps: Array, rows: NDArray[np.int64]) -> Array:
    """λ_{t,t} = [ε_t Wyᵀ(, 0)] for the given steps' rows of ε: (n, S)."""
    sigma_tt = eps[rows] @ problem.weights.Wy.T  # (n, H): σ_{t,t} = ε_t Wyᵀ
    S = problem.config.state_size
    if S == sigma_tt.shape[1]:
        return sigma_tt
    return np.concatenate([sigma_tt, np.zeros((len(rows), S - sigma_tt.shape[1]))], axis=1)


def _inject(problem: Problem, eps: Array) -> Array:
    """ε_k Wyᵀ [k ∈ L] (zero in the c part), (T, S): what the efficient recursion adds at k."""
    sigma_in = (eps * problem.mask[:, None]) @ problem.weights.Wy.T  # (T, H)
    S = problem.config.state_size
    if S == sigma_in.shape[1]:
        return sigma_in
    return np.concatenate([sigma_in, np.zeros((problem.T, S - sigma_in.shape[1]))], axis=1)


def _grads_from_deltas(problem: Problem, fwd: Forward, ds: Array, dx: Array, eps: Array) -> Weights:
    """Totals from Σ-over-loss-steps deltas: ∂E/∂Ws = Σ_k s_{k-1}ᵀ δ^s_k, ∂E/∂Wy = Σ_t s_tᵀ ε_t."""
    eps_L = eps * problem.mask[:, None]  # (T, n_out), zero off the loss steps
    Wx = fwd.x.T @ dx  # (n_in, G·H)
    Ws = fwd.s[:-1].T @ ds  # (H, G·H)
    Wy = fwd.s[1:].T @ eps_L  # (H, n_out)
    if not problem.config.bias:
        return Weights(Wx, Ws, Wy)
    bx = dx.sum(axis=0) if problem.config.cell != "rnn" else None
    return Weights(Wx, Ws, Wy, ds.sum(axis=0), eps_L.sum(axis=0), bx)


def _start(problem: Problem) -> tuple[Cell, Forward, object, Array, Array]:
    """The cell, the forward pass, its local derivatives, E_t and ε_t."""
    cell = get_cell(problem.config.cell)
    fwd = cell.forward(problem.config, problem.weights, problem.x, problem.s0, problem.c0)
    local = cell.local(problem.config, problem.weights, fwd)
    L = len(problem.steps)
    E = step_losses(problem.config, fwd.y, problem.d, fwd.o, L)  # (T,)
    eps = dE_do(problem.config.output, problem.config.loss, fwd.y, problem.d)  # (T, n_out)
    if problem.config.reduction != "sum":
        eps = eps * problem.config.loss_scale(L)  # back through E = Σ E_t / N
    return cell, fwd, local, E, eps


def gradients(problem: Problem) -> tuple[float, Weights]:
    """E and ∂E/∂W (truncated when asked) with no per-term bookkeeping: for training."""
    loss, grads, _ = gradients_and_forward(problem)
    return loss, grads


def gradients_and_forward(problem: Problem) -> tuple[float, Weights, Forward]:
    """gradients(problem) and the forward pass they came from (training carries its state)."""
    with np.errstate(all="ignore"):  # an exploding run overflows; callers report it
        return _gradients_and_forward(problem)


def _gradients_and_forward(problem: Problem) -> tuple[float, Weights, Forward]:
    """gradients_and_forward's work; the helpers below run under their caller's error state."""
    cell, fwd, local, E, eps = _start(problem)
    if problem.full:
        ds, dx = _total_deltas(cell, problem.weights, local, _inject(problem, eps))
    else:
        steps = problem.steps
        carry_tt = _carry_tt(problem, fwd, eps, steps - 1)
        sweep = term_sweep(
            cell, problem.weights, local, carry_tt, steps, problem.T, problem.truncate, False
        )
        ds, dx = sweep.delta_s_sum, sweep.delta_x_sum
    loss = float(np.sum(E[problem.mask]))
    return loss, _grads_from_deltas(problem, fwd, ds, dx, eps), fwd


def backprop(
    problem: Problem,
    detail: str = "full",
    jacobian: bool | JacobianBudget = True,
    on_step: Callable[[int], None] | None = None,
) -> BPTTResult:
    """Forward pass, every kept term, the flow norms, the totals and the diagnostics.

    jacobian: True computes flow.jacobian, False leaves it NaN, a JacobianBudget computes it
    when its T²·(S³ + 4·10⁴) cost fits the budget (and says so in a warning when it does not):
    its T²/2 spectral norms cost O(T²·S³), the rest of the flow O(T²·H²).
    on_step(t), when given, is called between the Jacobian sweep's steps (a caller's hook).
    """
    if detail not in ("full", "norms"):
        raise ValueError(f"detail must be 'full' or 'norms', got {detail!r}")
    with np.errstate(all="ignore"):  # one state for every helper below: entering one costs ~1 µs
        return _backprop(problem, detail, jacobian, on_step)


def _backprop(
    problem: Problem,
    detail: str,
    jacobian: bool | JacobianBudget,
    on_step: Callable[[int], None] | None,
) -> BPTTResult:
    """backprop's work, under its error state (so are the helpers it calls)."""
    config, w = problem.config, problem.weights
    cell, fwd, local, E, eps = _start(problem)
    T = problem.T
    steps = problem.steps
    full = detail == "full"
    carry_tt = _carry_tt(problem, fwd, eps, steps - 1)  # (L, S)
    sums = problem.truncate is not None  # full BPTT: the efficient recursion's totals below
    sweep = term_sweep(cell, w, local, carry_tt, steps, T, problem.truncate, True, full, sums)
    if isinstance(jacobian, JacobianBudget):
        with_jacobian = jacobian_work(T, config.state_size) <= jacobian.limit
    else:
        with_jacobian = jacobian
    flow = _flow(fwd, sweep, cell, w, local, with_jacobian, on_step)
    if problem.truncate is None:
        ds, dx = _total_deltas(cell, w, local, _inject(problem, eps))  # same sums, one sweep
    else:
        ds, dx = sweep.delta_s_sum, sweep.delta_x_sum
    grads = _grads_from_deltas(problem, fwd, ds, dx, eps)
    terms = _terms(problem, fwd, sweep, eps) if full else None
    loss = float(np.sum(E[problem.mask]))
    budget = jacobian if isinstance(jacobian, JacobianBudget) and not with_jacobian else None
    diagnostics = diagnose(
        config,
        w,
        fwd,
        E,
        problem.mask,
        loss,
        grads,
        flow,
        sweep.kept,
        steps,
        terms,
        with_jacobian,
        budget,
    )
    return BPTTResult(
        fwd=fwd,
        d=problem.d,
        E=E,
        mask=problem.mask,
        loss=loss,
        grads=grads,
        steps=steps,
        kept=sweep.kept,
        flow=flow,
        diagnostics=diagnostics,
        sigma=sweep.sigma,
        delta=sweep.delta_s,
        per_step=terms.per_step if terms is not None else None,
        delta_x=sweep.delta_x,
        kappa=sweep.kappa,
        terms=terms,
        config=config,
    )


def _flow(
    fwd: Forward,
    sweep: Sweep,
    cell: Cell,
    w: Weights,
    local: object,
    with_jacobian: bool,
    on_step: Callable[[int], None] | None,
) -> Flow:
    """The T×T norms; ‖C_{t,k}‖_F is a product of two vector norms (outer products)."""
    assert sweep.delta_s_norm is not None and sweep.delta_x_norm is not None
    assert sweep.sigma_norm is not None
    T = fwd.T
    s_norm = np.linalg.norm(fwd.s[:-1], axis=1)  # (T,) ‖s_{k-1}‖
    x_norm = np.linalg.norm(fwd.x, axis=1)  # (T,) ‖x_k‖
    if with_jacobian:
        jac = step_jacobian_norms(cell.jacobian(w, local), on_step)  # (T, T)
    else:
        jac = np.full((T, T), np.nan)  # (T, T)
    return Flow(
        Ws=sweep.delta_s_norm * s_norm[None, :],
        Wx=sweep.delta_x_norm * x_norm[None, :],
        state=sweep.sigma_norm,
        jacobian=jac,
        cell=sweep.kappa_norm,
    )


def _terms(problem: Problem, fwd: Forward, sweep: Sweep, eps: Array) -> Terms:
    """The kept terms flattened, their outer products C^Ws, C^Wx, and ∂E_t/∂W per loss step."""
    assert sweep.sigma is not None and sweep.delta_s is not None and sweep.delta_x is not None
    rows, ks = np.nonzero(sweep.kept)  # (N,), (N,): loss-step row, k - 1; k ascends per row
    delta_s = sweep.delta_s[rows, ks]  # (N, G·H)
    delta_x = delta_s if sweep.delta_x is sweep.delta_s else sweep.delta_x[rows, ks]
    C_Ws = fwd.s[ks][:, :, None] * delta_s[:, None, :]  # (N, H, G·H)   s_{k-1}ᵀ δ^s
    C_Wx = fwd.x[ks][:, :, None] * delta_x[:, None, :]  # (N, n_in, G·H) x_kᵀ δ^x
    C_Ws += 0.0  # −0.0 → 0.0, as a sum of products writes a zero (every other value kept)
    C_Wx += 0.0
    return Terms(
        row=rows.astype(np.int64),
        k=(ks + 1).astype(np.int64),
        ends=np.cumsum(sweep.kept.sum(axis=1)).astype(np.int64),
        Ws=C_Ws,
        Wx=C_Wx,
        sigma=sweep.sigma[rows, ks],
        delta_s=delta_s,
        delta_x=delta_x,
        kappa=sweep.kappa[rows, ks] if sweep.kappa is not None else None,
        per_step=_per_step_grads(problem, fwd, sweep, eps),
    )


def _per_step_grads(problem: Problem, fwd: Forward, sweep: Sweep, eps: Array) -> Weights:
    """∂E_t/∂W for each loss step t, summing its kept terms: leading axis L."""
    assert sweep.delta_s is not None and sweep.delta_x is not None
    steps = problem.steps
    ds, dx = sweep.delta_s, sweep.delta_x
    Ws = np.einsum("ka,lkb->lab", fwd.s[:-1], ds)  # (L, H, G·H)   Σ_k s_{k-1}ᵀ δ^s_{t,k}
    Wx = np.einsum("ka,lkb->lab", fwd.x, dx)  # (L, n_in, G·H)  Σ_k x_kᵀ δ^x_{t,k}
    eps_t = eps[steps - 1]  # (L, n_out)
    Wy = np.einsum("la,lb->lab", fwd.s[steps], eps_t)  # (L, H, n_out) s_tᵀ ε_t
    if not problem.config.bias:
        return Weights(Wx, Ws, Wy)
    bx = dx.sum(axis=1) if problem.config.cell != "rnn" else None
    return Weights(Wx, Ws, Wy, ds.sum(axis=1), eps_t, bx)


# ---------------------------------------------------------------- the documented signatures


def bptt(
    config: RNNConfig,
    params: Weights,
    x: Array,
    d: Array,
    s0: Array | None = None,
    loss_steps: LossSteps = "all",
    truncate: int | None = None,
    detail: str = "full",
    jacobian: bool | JacobianBudget = True,
    on_step: Callable[[int], None] | None = None,
    c0: Array | None = None,
) -> BPTTResult:
    """backprop(Problem(config, params, x, d, s0, c0, loss_steps, truncate), detail, …)."""
    problem = Problem(config, params, x, d, s0, c0, loss_steps, truncate)
    return backprop(problem, detail, jacobian, on_step)


def loss_and_grads(
    config: RNNConfig,
    params: Weights,
    x: Array,
    d: Array,
    s0: Array | None = None,
    loss_steps: LossSteps = "all",
    truncate: int | None = None,
    c0: Array | None = None,
) -> tuple[float, Weights]:
    """E and ∂E/∂W (truncated when asked) with no per-term bookkeeping: for training."""
    return gradients(Problem(config, params, x, d, s0, c0, loss_steps, truncate))


def total_deltas(
    config: RNNConfig, params: Weights, fwd: Forward, eps: Array, mask: NDArray[np.bool_]
) -> Array:
    """δ_k = Σ_{t ≥ k, t ∈ L} δ_{t,k} = (ε_k Wyᵀ [k ∈ L] + δ_{k+1} Wsᵀ) ⊙ Φ'(z_k): (T, H).

    The plain RNN's efficient recursion of full BPTT: one backward sweep, no T² work
    (δ^s for a gated cell).
    """
    cell = get_cell(config.cell)
    local = cell.local(config, params, fwd)
    with np.errstate(all="ignore"):
        sigma_in = (eps * mask[:, None]) @ params.Wy.T  # (T, H): ε_k Wyᵀ at loss steps
    if config.state_size != sigma_in.shape[1]:
        sigma_in = np.concatenate([sigma_in, np.zeros_like(sigma_in)], axis=1)  # (T, 2H)
    return _total_deltas(cell, params, local, sigma_in)[0]
