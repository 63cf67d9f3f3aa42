"""Central differences: ∂E/∂W_ij ≈ (E(W_ij + h) − E(W_ij − h)) / 2h, in float64."""

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .bptt import Grads, gradients
from .model import RNNConfig, forward, step_losses
from .problem import LossSteps, Problem
from .weights import Array, Weights

TOLERANCE = 1e-6


@dataclass(frozen=True)
class GradCheck:
    h: float
    max_rel_error: dict[str, float]
    passed: bool
    analytic: Grads
    numeric: Grads


def total_loss(problem: Problem) -> float:
    """E = Σ_{t ∈ L} E_t."""
    p = problem
    fwd = forward(p.config, p.weights, p.x, p.s0, p.c0)
    return float(np.sum(step_losses(p.config, fwd.y, p.d, fwd.o, len(p.steps))[p.mask]))


def central_differences(
    problem: Problem, h: float = 1e-5, on_step: Callable[[int], None] | None = None
) -> Weights:
    """∂E/∂W by central differences on every entry of every weight.

    on_step(i), when given, is called before the i-th entry's pair of forward passes.
    """
    out: dict[str, Array] = {}
    entry = 0
    weights = problem.weights
    for name, W in weights.as_dict().items():
        g = np.zeros_like(W)  # same shape as W
        for idx in np.ndindex(W.shape):
            if on_step is not None:
                on_step(entry)
            entry += 1
            shifted = {}
            for sign in (+1.0, -1.0):
                Wh = W.copy()
                Wh[idx] += sign * h
                shifted[sign] = total_loss(problem.with_weights(replace(weights, **{name: Wh})))
            g[idx] = (shifted[1.0] - shifted[-1.0]) / (2.0 * h)
        out[name] = g
    return Weights(**out)


def max_relative_error(a: Array, n: Array) -> float:
    """max |a − n| / max(1e-8, |a| + |n|)."""
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))))


def check(
    problem: Problem, h: float = 1e-5, on_step: Callable[[int], None] | None = None
) -> GradCheck:
    """Full-BPTT gradients (truncation ignored) against central differences, per weight."""
    full = replace(problem, truncate=None) if problem.truncate is not None else problem
    _, analytic = gradients(full)
    numeric = central_differences(full, h, on_step)
    a, n = analytic.as_dict(), numeric.as_dict()
    errors = {name: max_relative_error(a[name], n[name]) for name in a}
    passed = all(np.isfinite(e) and e < TOLERANCE for e in errors.values())
    return GradCheck(h=h, max_rel_error=errors, passed=passed, analytic=analytic, numeric=numeric)


# ---------------------------------------------------------------- the documented signatures


def numeric_grads(
    config: RNNConfig,
    params: Weights,
    x: Array,
    d: Array,
    s0: Array | None = None,
    loss_steps: LossSteps = "all",
    h: float = 1e-5,
    on_step: Callable[[int], None] | None = None,
    c0: Array | None = None,
) -> Grads:
    """central_differences(Problem(config, params, x, d, s0, c0, loss_steps), h, on_step)."""
    return central_differences(Problem(config, params, x, d, s0, c0, loss_steps), h, on_step)


def gradcheck(
    config: RNNConfig,
    params: Weights,
    x: Array,
    d: Array,
    s0: Array | None = None,
    loss_steps: LossSteps = "all",
    h: float = 1e-5,
    on_step: Callable[[int], None] | None = None,
    c0: Array | None = None,
) -> GradCheck:
    """check(Problem(config, params, x, d, s0, c0, loss_steps), h, on_step)."""
    return check(Problem(config, params, x, d, s0, c0, loss_steps), h, on_step)
