"""Backpropagation through time, term by term (bptt-math.md).

For a loss step t and an earlier step k ≤ t:

    σ_{t,t}   = ε_t Wy^T                 ∂E_t/∂s_t
    δ_{t,k}   = σ_{t,k} ⊙ Φ'(z_k)        ∂E_t/∂z_k
    σ_{t,k-1} = δ_{t,k} Ws^T             ∂E_t/∂s_{k-1}
    C^Ws_{t,k} = s_{k-1}^T δ_{t,k},  C^Wx_{t,k} = x_k^T δ_{t,k},  C^bs_{t,k} = δ_{t,k}

All loss steps are carried together: one (L, H) matrix of σ's per step k.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .activations import GAMMA, dphi
from .jacobian import jacobian_norms, spectral_norms
from .losses import dE_do
from .model import Array, Forward, RNNConfig, RNNParams, forward, step_losses

LossSteps = str | Sequence[int]


@dataclass(frozen=True)
class Grads:
    """∂E/∂W for every weight; a leading axis (L, …) when given per loss step."""

    Wx: Array
    Ws: Array
    Wy: Array
    bs: Array | None = None
    by: Array | None = None

    def as_dict(self) -> dict[str, Array]:
        out = {"Wx": self.Wx, "Ws": self.Ws, "Wy": self.Wy}
        if self.bs is not None:
            out["bs"] = self.bs
        if self.by is not None:
            out["by"] = self.by
        return out


@dataclass(frozen=True)
class Flow:
    """T×T norms at [t-1, k-1]; NaN where the API sends null."""

    Ws: Array  # ‖C^Ws_{t,k}‖_F = ‖s_{k-1}‖ ‖δ_{t,k}‖
    Wx: Array  # ‖C^Wx_{t,k}‖_F = ‖x_k‖ ‖δ_{t,k}‖
    state: Array  # ‖∂E_t/∂s_k‖ = ‖σ_{t,k}‖
    jacobian: Array  # ‖∂s_t/∂s_k‖₂, for every k ≤ t


@dataclass(frozen=True)
class Diagnostics:
    finite: bool
    ws_spectral_radius: float  # ρ(Ws) = |λ_1|
    ws_spectral_norm: float  # ‖Ws‖₂
    gamma: float  # max |Φ'|
    warnings: list[str] = field(default_factory=list)
    ws_eigenvalues: NDArray[np.complex128] | None = None  # (H,) λ of Ws, largest |λ| first


@dataclass(frozen=True)
class BPTTResult:
    fwd: Forward
    d: Array  # (T, n_out) desired outputs
    E: Array  # (T,) E_t at every step, loss step or not
    mask: NDArray[np.bool_]  # (T,) loss steps
    loss: float  # E = Σ_{t ∈ L} E_t
    grads: Grads  # ∂E/∂W as kept by truncation
    steps: NDArray[np.int64]  # (L,) 1-based loss steps, ascending
    kept: NDArray[np.bool_]  # (L, T) term (t, k) kept: k ≤ t and not cut by truncation
    flow: Flow
    diagnostics: Diagnostics
    sigma: Array | None = None  # (L, T, H) σ_{t,k} at [i, k-1], zero where not kept
    delta: Array | None = None  # (L, T, H) δ_{t,k} at [i, k-1], zero where not kept
    per_step: Grads | None = None  # ∂E_t/∂W per loss step, leading axis L


def loss_step_mask(T: int, loss_steps: LossSteps = "all") -> NDArray[np.bool_]:
    """(T,) True at the loss steps: "all", "last" or a list of 1-based steps."""
    mask = np.zeros(T, dtype=bool)  # (T,)
    if isinstance(loss_steps, str):
        if loss_steps == "all":
            mask[:] = True
        elif loss_steps == "last":
            mask[-1] = True
        else:
            raise ValueError(
                f"loss_steps must be 'all', 'last' or a list of steps, got {loss_steps!r}"
            )
        return mask
    steps = list(loss_steps)
    if not steps:
        raise ValueError("loss_steps must name at least one step")
    for t in steps:
        if not 1 <= int(t) <= T:
            raise ValueError(f"loss step {t} is out of range; steps are 1..{T}")
        mask[int(t) - 1] = True
    return mask


def _check_truncate(truncate: int | None) -> None:
    if truncate is not None and truncate < 1:
        raise ValueError(f"truncate must be at least 1 or None, got {truncate}")


def _window(steps: NDArray[np.int64], k: int, truncate: int | None) -> tuple[int, int]:
    """Rows i of the (ascending) loss steps whose term k is kept: k ≤ t_i (< k + K)."""
    lo = int(np.searchsorted(steps, k, side="left"))
    if truncate is None:
        return lo, len(steps)
    return lo, int(np.searchsorted(steps, k + truncate - 1, side="right"))


def total_deltas(
    config: RNNConfig, params: RNNParams, fwd: Forward, eps: Array, mask: NDArray[np.bool_]
) -> Array:
    """δ_k = Σ_{t ≥ k, t ∈ L} δ_{t,k} = (ε_k Wy^T [k ∈ L] + δ_{k+1} Ws^T) ⊙ Φ'(z_k): (T, H).

    The efficient recursion of full BPTT: one backward sweep, no T² work.
    """
    T, H = fwd.z.shape
    dphi_z = dphi(config.activation, fwd.z)  # (T, H)
    delta = np.zeros((T + 1, H))  # (T+1, H), delta[T] = 0 closes the recursion
    with np.errstate(all="ignore"):
        sigma_in = (eps * mask[:, None]) @ params.Wy.T  # (T, H): ε_k Wy^T at loss steps
        for k in range(T - 1, -1, -1):
            delta[k] = (sigma_in[k] + delta[k + 1] @ params.Ws.T) * dphi_z[k]  # back through Ws, Φ
    return delta[:T]


def _grads_from_deltas(
    config: RNNConfig, fwd: Forward, delta: Array, eps: Array, mask: NDArray[np.bool_]
) -> Grads:
    """Totals from Σ-over-loss-steps deltas: ∂E/∂Ws = Σ_k s_{k-1}^T δ_k, ∂E/∂Wy = Σ_t s_t^T ε_t."""
    eps_L = eps * mask[:, None]  # (T, n_out), zero off the loss steps
    with np.errstate(all="ignore"):
        Wx = fwd.x.T @ delta  # (n_in, H)
        Ws = fwd.s[:-1].T @ delta  # (H, H)
        Wy = fwd.s[1:].T @ eps_L  # (H, n_out)
        if not config.bias:
            return Grads(Wx, Ws, Wy)
        return Grads(Wx, Ws, Wy, delta.sum(axis=0), eps_L.sum(axis=0))


def _truncated_deltas(
    params: RNNParams, sigma_tt: Array, dphi_z: Array, steps: NDArray[np.int64], truncate: int
) -> Array:
    """Σ over loss steps of the kept δ_{t,k} only, (T, H): the totals of truncated BPTT."""
    T, H = dphi_z.shape
    total = np.zeros((T, H))  # (T, H)
    cur = np.zeros_like(sigma_tt)  # (L, H): σ_{t,k} of every loss step
    with np.errstate(all="ignore"):
        for k in range(T, 0, -1):
            lo, hi = _window(steps, k, truncate)
            starts = steps[lo:hi] == k
            cur[lo:hi][starts] = sigma_tt[lo:hi][starts]
            delta_k = cur[lo:hi] * dphi_z[k - 1]  # back through Φ
            total[k - 1] = delta_k.sum(axis=0)
            cur[lo:hi] = delta_k @ params.Ws.T  # back through Ws
    return total


def loss_and_grads(
    config: RNNConfig,
    params: RNNParams,
    x: Array,
    d: Array,
    s0: Array | None = None,
    loss_steps: LossSteps = "all",
    truncate: int | None = None,
) -> tuple[float, Grads]:
    """E and ∂E/∂W (truncated when asked) with no per-term bookkeeping: for training."""
    _check_truncate(truncate)
    d = np.asarray(d, dtype=np.float64)  # (T, n_out)
    fwd = forward(config, params, x, s0)
    mask = loss_step_mask(fwd.T, loss_steps)
    E = step_losses(config, fwd.y, d, fwd.o)
    with np.errstate(all="ignore"):
        eps = dE_do(config.output, config.loss, fwd.y, d)  # (T, n_out)
    if truncate is None or truncate >= fwd.T:
        delta = total_deltas(config, params, fwd, eps, mask)
    else:
        steps = np.flatnonzero(mask) + 1
        with np.errstate(all="ignore"):
            sigma_tt = eps[steps - 1] @ params.Wy.T  # (L, H)
        delta = _truncated_deltas(params, sigma_tt, dphi(config.activation, fwd.z), steps, truncate)
    return float(np.sum(E[mask])), _grads_from_deltas(config, fwd, delta, eps, mask)


def _diagnostics(config: RNNConfig, params: RNNParams, finite: bool) -> Diagnostics:
    gamma = GAMMA[config.activation]
    Ws = params.Ws
    if np.isfinite(Ws).all():
        lam = np.linalg.eigvals(Ws).astype(np.complex128)  # (H,)
        lam = lam[np.argsort(-np.abs(lam), kind="stable")]  # largest |λ| first
        radius = float(np.abs(lam[0]))
        norm = float(spectral_norms(Ws[None])[0])
    else:
        lam = np.full(len(Ws), np.nan, dtype=np.complex128)
        radius = norm = float("nan")
    warnings: list[str] = []
    if not finite:
        warnings.append(
            "non-finite values: the run overflowed (exploding gradients); "
            "they are sent as null. Lower ws_spectral_radius, the weights or T."
        )
    if config.activation in ("tanh", "sigmoid") and norm * gamma < 1.0:
        warnings.append(
            f"‖Ws‖₂·γ = {norm * gamma:.3g} < 1: gradients through Ws must vanish geometrically "
            "in t − k (Pascanu, Mikolov & Bengio 2013)."
        )
    return Diagnostics(finite, radius, norm, gamma, warnings, lam)


def bptt(
    config: RNNConfig,
    params: RNNParams,
    x: Array,
    d: Array,
    s0: Array | None = None,
    loss_steps: LossSteps = "all",
    truncate: int | None = None,
    detail: str = "full",
    jacobian: bool = True,
    on_step: Callable[[int], None] | None = None,
) -> BPTTResult:
    """Forward pass, every kept term σ_{t,k}, δ_{t,k}, the flow norms and the totals.

    jacobian=False leaves flow.jacobian NaN: its T²/2 spectral norms cost O(T²·H³), the rest
    of the flow O(T²·H²), so a caller may skip them for a long sequence or a wide layer.
    on_step(t), when given, is called between the Jacobian sweep's steps (a caller's hook).
    """
    _check_truncate(truncate)
    if detail not in ("full", "norms"):
        raise ValueError(f"detail must be 'full' or 'norms', got {detail!r}")
    d = np.asarray(d, dtype=np.float64)  # (T, n_out)
    fwd = forward(config, params, x, s0)
    T, H = fwd.z.shape
    mask = loss_step_mask(T, loss_steps)
    steps = np.flatnonzero(mask) + 1  # (L,) 1-based, ascending
    L = len(steps)
    E = step_losses(config, fwd.y, d, fwd.o)  # (T,)
    dphi_z = dphi(config.activation, fwd.z)  # (T, H)
    full = detail == "full"

    with np.errstate(all="ignore"):
        eps = dE_do(config.output, config.loss, fwd.y, d)  # (T, n_out)
        sigma_tt = eps[steps - 1] @ params.Wy.T  # (L, H): σ_{t,t} = ε_t Wy^T

    kept = np.zeros((L, T), dtype=bool)  # (L, T)
    sigma = np.zeros((L, T, H)) if full else None  # (L, T, H)
    delta = np.zeros((L, T, H)) if full else None  # (L, T, H)
    state_n = np.full((T, T), np.nan)  # (T, T) ‖σ_{t,k}‖
    delta_n = np.full((T, T), np.nan)  # (T, T) ‖δ_{t,k}‖
    delta_sum = np.zeros((T, H))  # (T, H) Σ_t kept δ_{t,k}
    cur = np.zeros((L, H))  # (L, H) σ_{t,k} of every loss step, walked back in k

    with np.errstate(all="ignore"):
        for k in range(T, 0, -1):
            lo, hi = _window(steps, k, truncate)
            if lo == hi:
                continue
            rows = steps[lo:hi] - 1  # t - 1 of the rows whose term k is kept
            starts = rows == k - 1
            cur[lo:hi][starts] = sigma_tt[lo:hi][starts]
            delta_k = cur[lo:hi] * dphi_z[k - 1]  # (m, H) back through Φ
            kept[lo:hi, k - 1] = True
            state_n[rows, k - 1] = np.linalg.norm(cur[lo:hi], axis=1)
            delta_n[rows, k - 1] = np.linalg.norm(delta_k, axis=1)
            delta_sum[k - 1] = delta_k.sum(axis=0)
            if sigma is not None and delta is not None:
                sigma[lo:hi, k - 1] = cur[lo:hi]
                delta[lo:hi, k - 1] = delta_k
            cur[lo:hi] = delta_k @ params.Ws.T  # back through Ws: σ_{t,k-1}

        s_norm = np.linalg.norm(fwd.s[:-1], axis=1)  # (T,) ‖s_{k-1}‖
        x_norm = np.linalg.norm(fwd.x, axis=1)  # (T,) ‖x_k‖
        flow = Flow(
            Ws=delta_n * s_norm[None, :],
            Wx=delta_n * x_norm[None, :],
            state=state_n,
            jacobian=(
                jacobian_norms(params.Ws, dphi_z, on_step) if jacobian else np.full((T, T), np.nan)
            ),
        )

    if truncate is None:
        delta_sum = total_deltas(config, params, fwd, eps, mask)  # same sum, one sweep
    grads = _grads_from_deltas(config, fwd, delta_sum, eps, mask)
    per_step = _per_step_grads(config, fwd, delta, eps, steps) if delta is not None else None
    loss = float(np.sum(E[mask]))

    finite = bool(
        np.isfinite(loss)
        and np.isfinite(fwd.y).all()
        and all(np.isfinite(g).all() for g in grads.as_dict().values())
        and np.isfinite(flow.state[~np.isnan(state_n)]).all()
    )
    return BPTTResult(
        fwd=fwd,
        d=d,
        E=E,
        mask=mask,
        loss=loss,
        grads=grads,
        steps=steps.astype(np.int64),
        kept=kept,
        flow=flow,
        diagnostics=_diagnostics(config, params, finite),
        sigma=sigma,
        delta=delta,
        per_step=per_step,
    )


def _per_step_grads(
    config: RNNConfig, fwd: Forward, delta: Array, eps: Array, steps: NDArray[np.int64]
) -> Grads:
    """∂E_t/∂W for each loss step t, summing its kept terms: leading axis L."""
    with np.errstate(all="ignore"):
        Ws = np.einsum("ka,lkb->lab", fwd.s[:-1], delta)  # (L, H, H)   Σ_k s_{k-1}^T δ_{t,k}
        Wx = np.einsum("ka,lkb->lab", fwd.x, delta)  # (L, n_in, H)  Σ_k x_k^T δ_{t,k}
        eps_t = eps[steps - 1]  # (L, n_out)
        Wy = np.einsum("la,lb->lab", fwd.s[steps], eps_t)  # (L, H, n_out) s_t^T ε_t
        if not config.bias:
            return Grads(Wx, Ws, Wy)
        return Grads(Wx, Ws, Wy, delta.sum(axis=1), eps_t)
