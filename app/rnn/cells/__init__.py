"""Recurrent cells behind one interface: the plain RNN, the LSTM and the GRU (cells.md).

A cell knows four things, each backward rule beside the forward rule it inverts:

- `forward`: the states s_t (and c_t) and gates of every step, then the output layer;
- `local`: the per-step partial derivatives the backward rules need, for all steps at once;
- `back`: one step of BPTT for a batch of loss steps. The carry λ_k = ∂E_t/∂h_k is the
  gradient with respect to the whole state h_k = [s_k] (or [s_k, c_k] for the LSTM, s_k and c_k
  taken as independent variables); from it come δ^s_{t,k} = ∂E_t/∂(s_{k-1} Ws), δ^x_{t,k} =
  ∂E_t/∂(x_k Wx), the rails σ_{t,k} = ∂E_t/∂s_k and κ_{t,k} = ∂E_t/∂c_k (total derivatives),
  and λ_{k-1} = λ_k J_kᵀ;
- `jacobian`: J_k = ∂h_k/∂h_{k-1} of every step, (T, S, S), [a, b] = ∂h_{k,b}/∂h_{k-1,a}.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from ..model import Forward, RNNConfig
from ..weights import Array, Weights


class Back(NamedTuple):
    """One backward step for m loss steps at once."""

    delta_s: Array  # (m, G·H) δ^s_{t,k}: C^Ws_{t,k} = s_{k-1}ᵀ δ^s, C^bs = δ^s
    delta_x: Array  # (m, G·H) δ^x_{t,k}: C^Wx_{t,k} = x_kᵀ δ^x, C^bx = δ^x (δ^s itself but GRU)
    sigma: Array  # (m, H)   σ_{t,k} = ∂E_t/∂s_k
    kappa: Array | None  # (m, H) κ_{t,k} = ∂E_t/∂c_k (LSTM only)
    carry: Array  # (m, S)   λ_{t,k-1} = ∂E_t/∂h_{k-1}


class Cell(Protocol):
    """The forward and backward rules of one recurrent cell."""

    name: str

    def forward(
        self, config: RNNConfig, w: Weights, x: Array, s0: Array | None, c0: Array | None
    ) -> Forward:
        """Every state, gate and output of the forward pass."""
        ...

    def local(self, config: RNNConfig, w: Weights, fwd: Forward) -> object:
        """The per-step partial derivatives of the forward pass, all steps at once."""
        ...

    def back(
        self, w: Weights, local: object, k: int, carry: Array, out: Array | None = None
    ) -> Back:
        """Step k (1-based) of BPTT: from λ_{t,k} (m, S) to the terms and λ_{t,k-1}.

        out, when given, receives δ^s (the efficient recursion writes its rows in place)."""
        ...

    def jacobian(self, w: Weights, local: object) -> Array:
        """J_k = ∂h_k/∂h_{k-1} for k = 1..T: (T, S, S)."""
        ...


_CELLS: dict[str, Cell] = {}  # filled on first use: the cell modules import this one


def get_cell(name: str) -> Cell:
    """The cell called `name`: "rnn", "lstm" or "gru"."""
    if not _CELLS:
        from . import gru, lstm, rnn

        _CELLS.update({"rnn": rnn.CELL, "lstm": lstm.CELL, "gru": gru.CELL})
    if name not in _CELLS:
        raise ValueError(f"cell must be one of {', '.join(_CELLS)}, got {name!r}")
    return _CELLS[name]
