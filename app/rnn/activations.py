"""State-layer activations Φ and their derivatives Φ', side by side."""

from typing import Literal

import numpy as np
from numpy.typing import NDArray

Activation = Literal["tanh", "sigmoid", "relu", "identity"]
ACTIVATIONS: tuple[Activation, ...] = ("tanh", "sigmoid", "relu", "identity")

# γ = max |Φ'|: the bound of Pascanu, Mikolov & Bengio (2013) on how fast gradients may shrink.
GAMMA: dict[str, float] = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "identity": 1.0}


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    # 1/(1+e^-z) written through tanh: no overflow warning for large |z|.
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def phi(kind: str, z: NDArray[np.float64]) -> NDArray[np.float64]:
    """s = Φ(z)."""
    if kind == "tanh":
        return np.tanh(z)
    if kind == "sigmoid":
        return _sigmoid(z)
    if kind == "relu":
        return np.maximum(z, 0.0)
    if kind == "identity":
        return np.array(z, dtype=np.float64, copy=True)
    raise ValueError(f"unknown activation {kind!r}; expected one of {', '.join(ACTIVATIONS)}")


def dphi(kind: str, z: NDArray[np.float64]) -> NDArray[np.float64]:
    """Φ'(z), the diagonal of ∂s/∂z."""
    if kind == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if kind == "sigmoid":
        sig = _sigmoid(z)
        return sig * (1.0 - sig)
    if kind == "relu":
        return (z > 0.0).astype(np.float64)  # Φ'(0) taken as 0, as autodiff libraries do
    if kind == "identity":
        return np.ones_like(z, dtype=np.float64)
    raise ValueError(f"unknown activation {kind!r}; expected one of {', '.join(ACTIVATIONS)}")
