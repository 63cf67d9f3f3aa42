"""The lecture's RNN: parameters, seeded initialisation and the forward pass.

z_t = x_t Wx + s_{t-1} Ws (+ bs)
s_t = Φ(z_t)
o_t = s_t Wy (+ by),   y_t = o_t or softmax(o_t)
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .activations import ACTIVATIONS, phi
from .losses import LOSSES, OUTPUTS, output_layer, per_step_loss

Array = NDArray[np.float64]


@dataclass(frozen=True)
class RNNConfig:
    """Sizes and choices of the model; the weights live in RNNParams."""

    n_in: int = 1
    n_hidden: int = 3
    n_out: int = 1
    activation: str = "tanh"
    output: str = "linear"
    loss: str = "squared_error"
    bias: bool = False

    def __post_init__(self) -> None:
        for name in ("n_in", "n_hidden", "n_out"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}")
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be one of {', '.join(OUTPUTS)}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}")
        if self.loss == "cross_entropy" and self.output != "softmax":
            raise ValueError("loss 'cross_entropy' needs output 'softmax'")

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every weight array, by name."""
        H = self.n_hidden
        shapes: dict[str, tuple[int, ...]] = {
            "Wx": (self.n_in, H),
            "Ws": (H, H),
            "Wy": (H, self.n_out),
        }
        if self.bias:
            shapes["bs"] = (H,)
            shapes["by"] = (self.n_out,)
        return shapes


@dataclass(frozen=True)
class RNNParams:
    """Wx (n_in, H), Ws (H, H), Wy (H, n_out); bs (H,) and by (n_out,) only with bias."""

    Wx: Array
    Ws: Array
    Wy: Array
    bs: Array | None = None
    by: Array | None = None

    def as_dict(self) -> dict[str, Array]:
        """The arrays by name, biases only when present."""
        out = {"Wx": self.Wx, "Ws": self.Ws, "Wy": self.Wy}
        if self.bs is not None:
            out["bs"] = self.bs
        if self.by is not None:
            out["by"] = self.by
        return out

    @classmethod
    def from_dict(cls, config: RNNConfig, arrays: Mapping[str, object]) -> "RNNParams":
        """Arrays (or nested lists) by name, checked against the config's shapes."""
        checked: dict[str, Array] = {}
        for name, shape in config.shapes().items():
            if name not in arrays or arrays[name] is None:
                raise ValueError(f"{name} is missing; expected shape {shape}")
            value = np.asarray(arrays[name], dtype=np.float64)
            if value.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {value.shape}")
            checked[name] = value
        return cls(**checked)


@dataclass(frozen=True)
class Forward:
    """Every intermediate of the forward pass, time on axis 0."""

    x: Array  # (T, n_in)
    z: Array  # (T, H)      pre-activations z_1..z_T
    s: Array  # (T+1, H)    s[0] is s_0
    o: Array  # (T, n_out)  s_t Wy (+ by)
    y: Array  # (T, n_out)

    @property
    def T(self) -> int:
        return int(self.x.shape[0])


def spectral_radius(W: Array) -> float:
    """ρ(W) = max |λ_i(W)|."""
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def init_params(
    config: RNNConfig, seed: int = 0, ws_spectral_radius: float | None = None
) -> RNNParams:
    """U(−1/√H, 1/√H) for every weight (PyTorch's RNN default), zero biases.

    With ws_spectral_radius, Ws is rescaled afterwards so that ρ(Ws) equals it.
    """
    rng = np.random.default_rng(seed)
    H = config.n_hidden
    bound = 1.0 / np.sqrt(H)
    Wx = rng.uniform(-bound, bound, size=(config.n_in, H))  # (n_in, H)
    Ws = rng.uniform(-bound, bound, size=(H, H))  # (H, H)
    Wy = rng.uniform(-bound, bound, size=(H, config.n_out))  # (H, n_out)
    if ws_spectral_radius is not None:
        rho = spectral_radius(Ws)
        if rho > 0.0:
            Ws = Ws * (ws_spectral_radius / rho)
    if config.bias:
        return RNNParams(Wx, Ws, Wy, np.zeros(H), np.zeros(config.n_out))
    return RNNParams(Wx, Ws, Wy)


def forward(config: RNNConfig, params: RNNParams, x: Array, s0: Array | None = None) -> Forward:
    """Run s_t = Φ(x_t Wx + s_{t-1} Ws + bs) for t = 1..T, then y_t from s_t Wy + by."""
    x = np.asarray(x, dtype=np.float64)  # (T, n_in)
    T, H = x.shape[0], config.n_hidden
    s = np.zeros((T + 1, H))  # (T+1, H), s[0] is s_0
    if s0 is not None:
        s[0] = s0
    z = np.empty((T, H))  # (T, H)
    xWx = x @ params.Wx  # (T, H): the input part needs no loop
    if params.bs is not None:
        xWx = xWx + params.bs
    with np.errstate(all="ignore"):  # an exploding run overflows; callers report it
        for t in range(T):
            z[t] = xWx[t] + s[t] @ params.Ws
            s[t + 1] = phi(config.activation, z[t])
        o = s[1:] @ params.Wy  # (T, n_out)
        if params.by is not None:
            o = o + params.by
        y = output_layer(config.output, o)  # (T, n_out)
    return Forward(x=x, z=z, s=s, o=o, y=y)


def step_losses(config: RNNConfig, y: Array, d: Array, o: Array | None = None) -> Array:
    """E_t for every step t, (T,). Pass o: cross-entropy from o stays finite when y underflows."""
    d = np.asarray(d, dtype=np.float64)
    if o is None:
        with np.errstate(divide="ignore"):
            o = np.log(y) if config.output == "softmax" else y
    with np.errstate(all="ignore"):
        return per_step_loss(config.output, config.loss, o, y, d)
