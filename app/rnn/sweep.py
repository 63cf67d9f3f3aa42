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


def windows(steps: NDArray[np.int64], T: int, truncate: int | None) -> tuple[list[int], list[int]]:
    """For every k = 1..T, the rows lo ≤ i < hi of the (ascending) loss steps whose term k is
    kept: k ≤ t_i (< k + K). The lists lo, hi."""
    ks = np.arange(1, T + 1)  # (T,)
    lo = np.searchsorted(steps, ks, side="left")  # (T,)
    if truncate is None:
        return lo.tolist(), [len(steps)] * T
    return lo.tolist(), np.searchsorted(steps, ks + truncate - 1, side="right").tolist()


def row_norms(a: Array) -> Array:
    """‖a[..., :]‖ over the last axis: the same sums, in the same order, as np.linalg.norm."""
    norms: Array = np.sqrt(np.add.reduce(a * a, axis=-1))
    return norms


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
    sums: bool = True,
) -> Sweep:
    """Every kept term of every loss step: carry_tt (L, S) is λ_{t,t} = [ε_t Wyᵀ(, 0)].

    With record, each step's δ is written straight into the recorded (L, T, G·H) array and
    the norms are taken once from the recorded terms after the walk; without, step by step.
    Without sums, delta_s_sum and delta_x_sum stay zero (full BPTT takes its totals from the
    efficient recursion).
    """
    L, S = carry_tt.shape
    GH = w.Ws.shape[1]
    H = w.Ws.shape[0]
    lstm = S != H
    los, his = windows(steps, T, truncate)
    rows_L = np.arange(L)[:, None]  # (L, 1)
    kept = (rows_L >= np.array(los)) & (rows_L < np.array(his))  # (L, T) lo_k ≤ i < hi_k
    ds_sum = np.zeros((T, GH))  # (T, G·H)
    dx_sum = ds_sum  # the same array until a cell's δ^x differs from δ^s
    step_norms = norms and not record
    if step_norms:
        sig_n = np.full((T, T), np.nan)  # (T, T)
        kap_n = np.full((T, T), np.nan) if lstm else None  # (T, T)
        ds_n = np.full((T, T), np.nan)  # (T, T)
        dx_n = ds_n
    sigma = np.zeros((L, T, H)) if record else None  # (L, T, H)
    kappa = np.zeros((L, T, H)) if record and lstm else None  # (L, T, H)
    delta_s = np.zeros((L, T, GH)) if record else None  # (L, T, G·H)
    delta_x = delta_s
    first_step = steps.tolist()
    own = getattr(cell, "record_terms", None) if record else None
    if own is not None:  # a cell's own loop of the same rules, if it has one (the plain RNN)
        assert sigma is not None and delta_s is not None
        own(w, local, carry_tt, first_step, los, his, sigma, delta_s, ds_sum if sums else None)
    else:
        cur = np.zeros((L, S))  # (L, S) λ_{t,k} of every loss step, walked back in k
        with np.errstate(all="ignore"):
            for k in range(T, 0, -1):
                lo, hi = los[k - 1], his[k - 1]
                if lo == hi:
                    continue
                if first_step[lo] == k:  # steps ascend: only row lo can have t = k, and it starts
                    cur[lo] = carry_tt[lo]
                out = delta_s[lo:hi, k - 1] if delta_s is not None else None
                back = cell.back(w, local, k, cur[lo:hi], out)
                split = back.delta_x is not back.delta_s
                if split and dx_sum is ds_sum:
                    dx_sum = np.zeros((T, GH))  # (T, G·H)
                    if step_norms:
                        dx_n = np.full((T, T), np.nan)  # (T, T)
                    if record:
                        delta_x = np.zeros((L, T, GH))  # (L, T, G·H)
                if step_norms:
                    rows = steps[lo:hi] - 1  # t - 1 of the rows whose term k is kept
                    sig_n[rows, k - 1] = row_norms(back.sigma)
                    ds_n[rows, k - 1] = row_norms(back.delta_s)
                    if split:
                        dx_n[rows, k - 1] = row_norms(back.delta_x)
                    if kap_n is not None and back.kappa is not None:
                        kap_n[rows, k - 1] = row_norms(back.kappa)
                if sums:
                    np.add.reduce(back.delta_s, axis=0, out=ds_sum[k - 1])
                    if split:
                        np.add.reduce(back.delta_x, axis=0, out=dx_sum[k - 1])
                if sigma is not None and delta_s is not None and delta_x is not None:
                    sigma[lo:hi, k - 1] = back.sigma
                    if back.delta_s is not out:
                        delta_s[lo:hi, k - 1] = back.delta_s
                    if split:
                        delta_x[lo:hi, k - 1] = back.delta_x
                    if kappa is not None and back.kappa is not None:
                        kappa[lo:hi, k - 1] = back.kappa
                cur[lo:hi] = back.carry  # λ_{t,k-1}
    if not norms:
        return Sweep(ds_sum, dx_sum, kept)
    if not step_norms:
        assert sigma is not None and delta_s is not None and delta_x is not None
        sig_n = _kept_norms(sigma, kept, steps, T)
        ds_n = _kept_norms(delta_s, kept, steps, T)
        dx_n = ds_n if delta_x is delta_s else _kept_norms(delta_x, kept, steps, T)
        kap_n = None if kappa is None else _kept_norms(kappa, kept, steps, T)
    return Sweep(ds_sum, dx_sum, kept, sig_n, kap_n, ds_n, dx_n, sigma, kappa, delta_s, delta_x)


def _kept_norms(terms: Array, kept: NDArray[np.bool_], steps: NDArray[np.int64], T: int) -> Array:
    """(T, T) ‖terms[i, k-1]‖ at [t_i - 1, k - 1] where kept, NaN elsewhere."""
    norms = np.full((T, T), np.nan)  # (T, T)
    with np.errstate(all="ignore"):
        norms[steps - 1] = np.where(kept, row_norms(terms), np.nan)
    return norms


def total_deltas(cell: Cell, w: Weights, local: object, inject: Array) -> tuple[Array, Array]:
    """δ^s_k, δ^x_k summed over all loss steps t ≥ k, (T, G·H) each, in one backward sweep.

    inject (T, S) is ε_k Wyᵀ [k ∈ L] (zero in the c part): λ_k = inject_k + λ_{k+1} J_{k+1}ᵀ.
    """
    totals = getattr(cell, "totals", None)  # a cell's own loop of the same rules, if it has one
    if totals is not None:
        result: tuple[Array, Array] = totals(w, local, inject)
        return result
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
