"""Output layers and losses, each with the derivative that inverts it.

y_t = o_t  or  softmax(o_t)
E_t = Σ_j (d_tj − y_tj)²        squared_error
E_t = −Σ_j d_tj log y_tj        cross_entropy (softmax only)
E   = Σ_{t ∈ L} E_t             reduction "sum" (the lecture's)
E   = Σ_{t ∈ L} E_t / N         reduction "mean" (PyTorch's MSELoss / CrossEntropyLoss):
                                N = |L|·n_out for squared error, |L| for cross-entropy
"""

from typing import Literal

import numpy as np
from numpy.typing import NDArray

Output = Literal["linear", "softmax"]
Loss = Literal["squared_error", "cross_entropy"]
OUTPUTS: tuple[Output, ...] = ("linear", "softmax")
LOSSES: tuple[Loss, ...] = ("squared_error", "cross_entropy")
REDUCTIONS = ("sum", "mean")

Array = NDArray[np.float64]


def log_softmax(o: Array) -> Array:
    """log softmax(o) along the last axis, shifted by the max so exp never overflows."""
    shifted: Array = o - np.max(o, axis=-1, keepdims=True)
    log_norm: Array = np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return shifted - log_norm


def output_layer(output: str, o: Array) -> Array:
    """y = o (linear) or y = softmax(o)."""
    if output == "linear":
        return np.array(o, dtype=np.float64, copy=True)
    if output == "softmax":
        return np.exp(log_softmax(o))
    raise ValueError(f"unknown output {output!r}; expected one of {', '.join(OUTPUTS)}")


def per_step_loss(output: str, loss: str, o: Array, y: Array, d: Array) -> Array:
    """E_t for every step: (T, n_out) → (T,)."""
    if loss == "squared_error":
        sq: Array = np.sum((d - y) ** 2, axis=-1)
        return sq
    if loss == "cross_entropy":
        if output != "softmax":
            raise ValueError("loss 'cross_entropy' needs output 'softmax'")
        ce: Array = -np.sum(d * log_softmax(o), axis=-1)  # log y from o: finite when y underflows
        return ce
    raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(LOSSES)}")


def loss_scale(loss: str, reduction: str, n_loss_steps: int, n_out: int) -> float:
    """1 for "sum"; 1/N for "mean" (N = |L|·n_out for squared error, |L| for cross-entropy):
    E_t and ε_t are scaled by it, so every term still sums to the total."""
    if reduction == "sum":
        return 1.0
    if reduction != "mean":
        raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
    return 1.0 / (n_loss_steps * n_out if loss == "squared_error" else n_loss_steps)


def dE_do(output: str, loss: str, y: Array, d: Array) -> Array:
    """ε_t = ∂E_t/∂o_t for every step: (T, n_out)."""
    if loss == "squared_error":
        g: Array = -2.0 * (d - y)  # ∂E/∂y, back through the square
        if output == "linear":
            return g
        # back through softmax: ∂y_i/∂o_j = y_i (δ_ij − y_j)
        gy: Array = np.sum(g * y, axis=-1, keepdims=True)
        return (g - gy) * y
    if loss == "cross_entropy" and output == "softmax":
        # −Σ d log softmax(o) → y Σd − d; equals y − d when d is a distribution
        mass: Array = np.sum(d, axis=-1, keepdims=True)
        return y * mass - d
    raise ValueError(f"no derivative for output {output!r} with loss {loss!r}")
