"""The model: its config, seeded initialisation and the forward pass of any cell.

state:  s_t = cell(x_t, s_{t-1}[, c_{t-1}])      rnn: s_t = Φ(x_t Wx + s_{t-1} Ws (+ bs))
output: o_t = s_t Wy (+ by),   y_t = o_t or softmax(o_t)
"""

from dataclasses import dataclass, field

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES, OUTPUTS, REDUCTIONS, loss_scale, output_layer, per_step_loss
from .weights import Array, Weights

RNNParams = Weights  # the lecture's name for the parameters: one type for weights and gradients

CELL_GATES: dict[str, tuple[str, ...]] = {
    "rnn": (),
    "lstm": ("i", "f", "g", "o"),
    "gru": ("r", "z", "n"),
}


@dataclass(frozen=True)
class RNNConfig:
    """Sizes and choices of the model; the weights live in Weights."""

    n_in: int = 1
    n_hidden: int = 3
    n_out: int = 1
    activation: str = "tanh"
    output: str = "linear"
    loss: str = "squared_error"
    bias: bool = False
    cell: str = "rnn"
    reduction: str = "sum"  # E = Σ_{t ∈ L} E_t, or "mean": divided by |L|·n_out (PyTorch's)

    def __post_init__(self) -> None:
        for name in ("n_in", "n_hidden", "n_out"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.cell not in CELL_GATES:
            raise ValueError(f"cell must be one of {', '.join(CELL_GATES)}, got {self.cell!r}")
        if self.cell != "rnn" and self.activation != "tanh":
            raise ValueError(
                f"activation must be 'tanh' for the {self.cell} cell, got {self.activation!r}"
            )
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}")
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be one of {', '.join(OUTPUTS)}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}")
        if self.loss == "cross_entropy" and self.output != "softmax":
            raise ValueError("loss 'cross_entropy' needs output 'softmax'")
        if self.reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}")

    def loss_scale(self, n_loss_steps: int) -> float:
        """What E_t is multiplied by: 1 ("sum"), or 1/(|L|·n_out) or 1/|L| ("mean")."""
        return loss_scale(self.loss, self.reduction, n_loss_steps, self.n_out)

    @property
    def gates(self) -> tuple[str, ...]:
        """The gate blocks of Wx and Ws, in order (none for the plain RNN)."""
        return CELL_GATES[self.cell]

    @property
    def width(self) -> int:
        """G·H, the columns of Wx and Ws: one H-block per gate (G = 1 for the plain RNN)."""
        return max(1, len(self.gates)) * self.n_hidden

    @property
    def state_size(self) -> int:
        """S, the size of the recurrent state: [s] (H), or [s, c] (2H) for the LSTM."""
        return 2 * self.n_hidden if self.cell == "lstm" else self.n_hidden

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every weight array, by name (the order of Weights.as_dict)."""
        H, GH = self.n_hidden, self.width
        shapes: dict[str, tuple[int, ...]] = {
            "Wx": (self.n_in, GH),
            "Ws": (H, GH),
            "Wy": (H, self.n_out),
        }
        if self.bias:
            if self.cell != "rnn":
                shapes["bx"] = (GH,)
            shapes["bs"] = (GH,)
            shapes["by"] = (self.n_out,)
        return shapes


@dataclass(frozen=True)
class Forward:
    """Every intermediate of the forward pass, time on axis 0."""

    x: Array  # (T, n_in)
    z: Array  # (T, G·H)    pre-activations: z_t (rnn); what each gate's σ or tanh was applied to
    s: Array  # (T+1, H)    s[0] is s_0
    o: Array  # (T, n_out)  s_t Wy (+ by)
    y: Array  # (T, n_out)
    cell: str = "rnn"
    gates: dict[str, Array] = field(default_factory=dict)  # (T, H) each, after its nonlinearity
    c: Array | None = None  # (T+1, H) LSTM cell state, c[0] is c_0
    a_s: Array | None = None  # (T, 3H) GRU: s_{t-1} Ws (+ bs), the state's part of the gates

    @property
    def T(self) -> int:
        return int(self.x.shape[0])


def spectral_radius(W: Array) -> float:
    """ρ(W) = max |λ_i(W)|."""
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def init_params(
    config: RNNConfig, seed: int = 0, ws_spectral_radius: float | None = None
) -> Weights:
    """U(−1/√H, 1/√H) for every weight (PyTorch's default): biases zero for the plain RNN,
    uniform too for the gated cells (as torch.nn.LSTM / GRU and a Linear head draw them).

    With ws_spectral_radius, each gate's H×H block of Ws is rescaled so that its spectral
    radius equals it (the plain RNN has one block: Ws itself).
    """
    rng = np.random.default_rng(seed)
    H, GH = config.n_hidden, config.width
    bound = 1.0 / np.sqrt(H)
    Wx = rng.uniform(-bound, bound, size=(config.n_in, GH))  # (n_in, G·H)
    Ws = rng.uniform(-bound, bound, size=(H, GH))  # (H, G·H)
    Wy = rng.uniform(-bound, bound, size=(H, config.n_out))  # (H, n_out)
    if ws_spectral_radius is not None:
        Ws = _rescale_blocks(Ws, H, ws_spectral_radius)
    if not config.bias:
        return Weights(Wx, Ws, Wy)
    if config.cell == "rnn":
        return Weights(Wx, Ws, Wy, np.zeros(H), np.zeros(config.n_out))
    bx = rng.uniform(-bound, bound, size=GH)  # (G·H,)
    bs = rng.uniform(-bound, bound, size=GH)  # (G·H,)
    by = rng.uniform(-bound, bound, size=config.n_out)  # (n_out,)
    return Weights(Wx, Ws, Wy, bs=bs, by=by, bx=bx)


def _rescale_blocks(Ws: Array, H: int, radius: float) -> Array:
    """Each H×H block of Ws scaled to spectral radius `radius` (a zero block stays zero)."""
    if Ws.shape[1] == H:
        rho = spectral_radius(Ws)
        return Ws * (radius / rho) if rho > 0.0 else Ws
    blocks = []
    for j in range(Ws.shape[1] // H):
        block = Ws[:, j * H : (j + 1) * H]  # (H, H)
        rho = spectral_radius(block)
        blocks.append(block * (radius / rho) if rho > 0.0 else block)
    return np.concatenate(blocks, axis=1)  # (H, G·H)


def forward(
    config: RNNConfig,
    params: Weights,
    x: Array,
    s0: Array | None = None,
    c0: Array | None = None,
) -> Forward:
    """Run the cell for t = 1..T from s_0 (and c_0), then y_t from o_t = s_t Wy + by."""
    from .cells import get_cell  # the cells build Forward: import here, not at module level

    x = np.asarray(x, dtype=np.float64)  # (T, n_in)
    return get_cell(config.cell).forward(config, params, x, s0, c0)


def output_of(config: RNNConfig, params: Weights, s: Array) -> tuple[Array, Array]:
    """o_t = s_t Wy (+ by) and y_t for the states s (T, H): the output layer of every cell."""
    o = s @ params.Wy  # (T, n_out)
    if params.by is not None:
        o = o + params.by
    return o, output_layer(config.output, o)


def step_losses(
    config: RNNConfig, y: Array, d: Array, o: Array | None = None, n_loss_steps: int | None = None
) -> Array:
    """E_t for every step t, (T,), scaled by the reduction over n_loss_steps (default T).

    Pass o: cross-entropy from o stays finite when y underflows."""
    d = np.asarray(d, dtype=np.float64)
    if o is None:
        with np.errstate(divide="ignore"):
            o = np.log(y) if config.output == "softmax" else y
    with np.errstate(all="ignore"):
        E = per_step_loss(config.output, config.loss, o, y, d)  # (T,)
        if config.reduction == "sum":
            return E
        return E * config.loss_scale(len(y) if n_loss_steps is None else n_loss_steps)
