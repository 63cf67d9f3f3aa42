"""Weights: the parameters of a model, and (same names, same shapes) the gradients ∂E/∂W.

Wx (n_in, G·H), Ws (H, G·H), Wy (H, n_out); biases only with bias: bx (G·H, gated cells only),
bs (G·H), by (n_out). G is the number of gate blocks: 1 for the plain RNN, 4 for the LSTM
(i, f, g, o), 3 for the GRU (r, z, n). A leading axis (L, …) holds one set per loss step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

NAMES = ("Wx", "Ws", "Wy", "bx", "bs", "by")


@dataclass(frozen=True)
class Weights:
    """Wx, Ws, Wy and the optional biases bx, bs, by (None when the model has none)."""

    Wx: Array
    Ws: Array
    Wy: Array
    bs: Array | None = None
    by: Array | None = None
    bx: Array | None = None

    def as_dict(self) -> dict[str, Array]:
        """The arrays by name, in the order Wx, Ws, Wy, bx, bs, by, biases only when present."""
        out = {"Wx": self.Wx, "Ws": self.Ws, "Wy": self.Wy}
        for name in ("bx", "bs", "by"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    @classmethod
    def from_dict(
        cls, shapes: Mapping[str, tuple[int, ...]] | object, arrays: Mapping[str, object]
    ) -> Weights:
        """Arrays (or nested lists) by name, checked against `shapes` (or a config's shapes())."""
        wanted: Mapping[str, tuple[int, ...]] = (
            shapes if isinstance(shapes, Mapping) else shapes.shapes()  # type: ignore[attr-defined]
        )
        checked: dict[str, Array] = {}
        for name, shape in wanted.items():
            if name not in arrays or arrays[name] is None:
                raise ValueError(f"{name} is missing; expected shape {shape}")
            value = np.asarray(arrays[name], dtype=np.float64)
            if value.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {value.shape}")
            checked[name] = value
        return cls(**checked)
