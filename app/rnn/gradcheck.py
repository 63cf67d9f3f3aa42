"""Central differences: ∂E/∂W_ij ≈ (E(W_ij + h) − E(W_ij − h)) / 2h, in float64."""

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .bptt import Grads, LossSteps, loss_and_grads, loss_step_mask
from .model import Array, RNNConfig, RNNParams, forward, step_losses

TOLERANCE = 1e-6


@dataclass(frozen=True)
class GradCheck:
    h: float
    max_rel_error: dict[str, float]
    passed: bool
    analytic: Grads
    numeric: Grads


def total_loss(
    config: RNNConfig,
    params: RNNParams,
    x: Array,
    d: Array,
    s0: Array | None,
    mask: np.ndarray,
    c0: Array | None = None,
) -> float:
    """E = Σ_{t ∈ L} E_t."""
    fwd = forward(config, params, x, s0, c0)
    return float(np.sum(step_losses(config, fwd.y, d, fwd.o)[mask]))


def numeric_grads(
    config: RNNConfig,
    params: RNNParams,
    x: Array,
    d: Array,
    s0: Array | None = None,
    loss_steps: LossSteps = "all",
    h: float = 1e-5,
    on_step: Callable[[int], None] | None = None,
    c0: Array | None = None,
) -> Grads:
    """∂E/∂W by central differences on every entry of every weight.

    on_step(i), when given, is called before the i-th entry's pair of forward passes.
    """
    d = np.asarray(d, dtype=np.float64)
    mask = loss_step_mask(np.asarray(x).shape[0], loss_steps)
    out: dict[str, Array] = {}
    entry = 0
    for name, W in params.as_dict().items():
        g = np.zeros_like(W)  # same shape as W
        for idx in np.ndindex(W.shape):
            if on_step is not None:
                on_step(entry)
            entry += 1
            shifted = {}
            for sign in (+1.0, -1.0):
                Wh = W.copy()
                Wh[idx] += sign * h
                shifted[sign] = total_loss(
                    config, replace(params, **{name: Wh}), x, d, s0, mask, c0
                )
            g[idx] = (shifted[1.0] - shifted[-1.0]) / (2.0 * h)
        out[name] = g
    return Grads(**out)


def max_relative_error(a: Array, n: Array) -> float:
    """max |a − n| / max(1e-8, |a| + |n|)."""
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))))


def gradcheck(
    config: RNNConfig,
    params: RNNParams,
    x: Array,
    d: Array,
    s0: Array | None = None,
    loss_steps: LossSteps = "all",
    h: float = 1e-5,
    on_step: Callable[[int], None] | None = None,
    c0: Array | None = None,
) -> GradCheck:
    """Full-BPTT gradients against central differences, per weight matrix."""
    _, analytic = loss_and_grads(config, params, x, d, s0, loss_steps, c0=c0)
    numeric = numeric_grads(config, params, x, d, s0, loss_steps, h, on_step, c0)
    a, n = analytic.as_dict(), numeric.as_dict()
    errors = {name: max_relative_error(a[name], n[name]) for name in a}
    passed = all(np.isfinite(e) and e < TOLERANCE for e in errors.values())
    return GradCheck(h=h, max_rel_error=errors, passed=passed, analytic=analytic, numeric=numeric)
