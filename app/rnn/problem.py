"""Problem: everything one BPTT run needs, in one value (bptt-math.md, cells.md).

config and weights, the sequence x (T, n_in) with its targets d (T, n_out), the initial state
s_0 (and c_0 for the LSTM), the loss steps L and the truncation K.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .model import RNNConfig
from .weights import Array, Weights

LossSteps = str | Sequence[int]


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


@dataclass(frozen=True)
class Problem:
    """One sequence through one model: what forward, BPTT and the gradient check act on."""

    config: RNNConfig
    weights: Weights
    x: Array  # (T, n_in)
    d: Array  # (T, n_out) desired outputs (rows off the loss steps are given but unused)
    s0: Array | None = None  # (H,) zeros when None
    c0: Array | None = None  # (H,) LSTM only, zeros when None
    loss_steps: LossSteps = "all"
    truncate: int | None = None  # keep the K most recent terms per loss step; None: full BPTT
    mask: NDArray[np.bool_] = field(init=False, repr=False)  # (T,) the loss steps
    steps: NDArray[np.int64] = field(init=False, repr=False)  # (L,) 1-based, ascending

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", np.asarray(self.x, dtype=np.float64))
        object.__setattr__(self, "d", np.asarray(self.d, dtype=np.float64))
        if self.truncate is not None and self.truncate < 1:
            raise ValueError(f"truncate must be at least 1 or None, got {self.truncate}")
        if self.c0 is not None and self.config.cell != "lstm":
            raise ValueError(f"c0 is the LSTM's cell state; the {self.config.cell} cell has none")
        object.__setattr__(self, "mask", loss_step_mask(self.T, self.loss_steps))
        steps = (np.flatnonzero(self.mask) + 1).astype(np.int64)  # (L,)
        object.__setattr__(self, "steps", steps)

    @property
    def T(self) -> int:
        return int(self.x.shape[0])

    @property
    def full(self) -> bool:
        """True for full BPTT (no truncation, or a window as long as the sequence)."""
        return self.truncate is None or self.truncate >= self.T

    def with_weights(self, weights: Weights) -> Problem:
        """The same problem with other weights (a gradient check's shifted copies)."""
        return Problem(
            self.config, weights, self.x, self.d, self.s0, self.c0, self.loss_steps, self.truncate
        )
