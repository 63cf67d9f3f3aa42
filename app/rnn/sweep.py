"""The backward sweeps shared by every cell, batched over the loss steps.

`term_sweep` walks k = T..1 once, carrying λ_{t,k} for every loss step t whose term k is kept
(one (m, S) matrix per k, never a loop per (t, k) pair): the per-(t,k) terms, their norms and
the sums over t of the kept δ's. `total_deltas` is the efficient recursion of full BPTT:
δ_k = Σ_{t ∈ L} δ_{t,k} from one carry, injecting ε_k Wyᵀ at every loss step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .cells import Cell
from .weights import Array, Weights


@dataclass(frozen=True)
class Sweep:
    """What the term sweep found; per-term arrays at [i, k-1] (zero where not kept)."""

    delta_s_sum: Array  # (T, G·H) Σ_t kept δ^s_{t,k}
    delta_x_sum: Array  # (T, G·H) Σ_t kept δ^x_{t,k}
    kept: NDArray[np.bool_]  # (L, T)
    sigma_norm: Array | None = None  # (T, T) ‖σ_{t,k}‖ at [t-1, k-1], NaN where not kept
    kappa_norm: Array | None = None  # (T, T) ‖κ_{t,k}‖ (LSTM)
    delta_s_norm: Array | None = None  # (T, T) ‖δ^s_{t,k}‖
    delta_x_norm: Array | None = None  # (T, T) ‖δ^x_{t,k}‖
    sigma: Array | None = None  # (L, T, H)
    kappa: Array | None = None  # (L, T, H) (LSTM)
    delta_s: Array | None = None  # (L, T, G·H)
    delta_x: Array | None = None  # (L, T, G·H)


def window(steps: NDArray[np.int64], k: int, truncate: int | None) -> tuple[int, int]:
    """Rows i of the (ascending) loss steps whose term k is kept: k ≤ t_i (< k + K)."""
    lo = int(np.searchsorted(steps, k, side="left"))
    if truncate is None:
        return lo, len(steps)
    return lo, int(np.searchsorted(steps, k + truncate - 1, side="right"))


def term_sweep(
    cell: Cell,
    w: Weights,
    local: object,
    carry_tt: Array,
    steps: NDArray[np.int64],
    T: int,
    truncate: int | None,
    norms: bool = True,
    record: bool = False,
) -> Sweep:
    """Every kept term of every loss step: carry_tt (L, S) is λ_{t,t} = [ε_t Wyᵀ(, 0)]."""
    L, S = carry_tt.shape
    GH = w.Ws.shape[1]
    H = w.Ws.shape[0]
    lstm = S != H
    kept = np.zeros((L, T), dtype=bool)  # (L, T)
    ds_sum = np.zeros((T, GH))  # (T, G·H)
    dx_sum = ds_sum  # the same array until a cell's δ^x differs from δ^s
    if norms:
        sig_n = np.full((T, T), np.nan)  # (T, T)
        kap_n = np.full((T, T), np.nan) if lstm else None  # (T, T)
        ds_n = np.full((T, T), np.nan)  # (T, T)
        dx_n = ds_n
    sigma = np.zeros((L, T, H)) if record else None  # (L, T, H)
    kappa = np.zeros((L, T, H)) if record and lstm else None  # (L, T, H)
    delta_s = np.zeros((L, T, GH)) if record else None  # (L, T, G·H)
    delta_x = delta_s
    cur = np.zeros((L, S))  # (L, S) λ_{t,k} of every loss step, walked back in k
    with np.errstate(all="ignore"):
        for k in range(T, 0, -1):
            lo, hi = window(steps, k, truncate)
            if lo == hi:
                continue
            rows = steps[lo:hi] - 1  # t - 1 of the rows whose term k is kept
            starts = rows == k - 1
            cur[lo:hi][starts] = carry_tt[lo:hi][starts]
            back = cell.back(w, local, k, cur[lo:hi])
            split = back.delta_x is not back.delta_s
            if split and dx_sum is ds_sum:
                dx_sum = np.zeros((T, GH))  # (T, G·H)
                if norms:
                    dx_n = np.full((T, T), np.nan)  # (T, T)
                if record:
                    delta_x = np.zeros((L, T, GH))  # (L, T, G·H)
            kept[lo:hi, k - 1] = True
            if norms:
                sig_n[rows, k - 1] = np.linalg.norm(back.sigma, axis=1)
                ds_n[rows, k - 1] = np.linalg.norm(back.delta_s, axis=1)
                if split:
                    dx_n[rows, k - 1] = np.linalg.norm(back.delta_x, axis=1)
                if kap_n is not None and back.kappa is not None:
                    kap_n[rows, k - 1] = np.linalg.norm(back.kappa, axis=1)
            ds_sum[k - 1] = back.delta_s.sum(axis=0)
            if split:
                dx_sum[k - 1] = back.delta_x.sum(axis=0)
            if sigma is not None and delta_s is not None and delta_x is not None:
                sigma[lo:hi, k - 1] = back.sigma
                delta_s[lo:hi, k - 1] = back.delta_s
                if split:
                    delta_x[lo:hi, k - 1] = back.delta_x
                if kappa is not None and back.kappa is not None:
                    kappa[lo:hi, k - 1] = back.kappa
            cur[lo:hi] = back.carry  # λ_{t,k-1}
    if not norms:
        return Sweep(ds_sum, dx_sum, kept)
    return Sweep(ds_sum, dx_sum, kept, sig_n, kap_n, ds_n, dx_n, sigma, kappa, delta_s, delta_x)


def total_deltas(cell: Cell, w: Weights, local: object, inject: Array) -> tuple[Array, Array]:
    """δ^s_k, δ^x_k summed over all loss steps t ≥ k, (T, G·H) each, in one backward sweep.

    inject (T, S) is ε_k Wyᵀ [k ∈ L] (zero in the c part): λ_k = inject_k + λ_{k+1} J_{k+1}ᵀ.
    """
    T, S = inject.shape
    GH = w.Ws.shape[1]
    ds = np.zeros((T, GH))  # (T, G·H)
    dx = ds
    carry = np.zeros(S)  # (S,) λ_{T+1} = 0 closes the recursion
    with np.errstate(all="ignore"):
        for k in range(T, 0, -1):
            carry += inject[k - 1]  # λ_k: a fresh array from the step before, safe to add into
            back = cell.back(w, local, k, carry, ds[k - 1])  # δ^s into ds
            if back.delta_x is not back.delta_s:
                if dx is ds:
                    dx = np.zeros((T, GH))  # (T, G·H)
                dx[k - 1] = back.delta_x
            carry = back.carry
    return ds, dx
