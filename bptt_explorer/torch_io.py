"""A PyTorch model as the project's model and back, exactly (cells.md gives the layout).

    Wx = weight_ih_l0ᵀ,  Ws = weight_hh_l0ᵀ,  bx = bias_ih_l0,  bs = bias_hh_l0   (LSTM, GRU)
    bs = bias_ih_l0 + bias_hh_l0                                                  (plain RNN)
    Wy = head.weightᵀ,   by = head.bias                                           (nn.Linear)

Without a head the output is the state itself: Wy = I (n_out = H), by = 0. torch stays
optional: it is imported inside the functions that need it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.rnn import RNNConfig, Weights
from app.rnn.weights import Array

CELLS = {"RNN": "rnn", "LSTM": "lstm", "GRU": "gru"}


def _array(tensor: Any) -> Array:
    """A torch tensor's values as a float64 NumPy array (a copy, off the autograd graph)."""
    return np.array(tensor.detach().cpu().double().numpy(), dtype=np.float64)


def _cell_of(rnn: Any) -> str:
    """ "rnn", "lstm" or "gru" for a one-layer, one-direction torch recurrent layer."""
    import torch

    kind = next((CELLS[c.__name__] for c in type(rnn).__mro__ if c.__name__ in CELLS), None)
    if not isinstance(rnn, torch.nn.RNNBase) or kind is None:
        raise TypeError(f"expected torch.nn.RNN, LSTM or GRU, got {type(rnn).__name__}")
    if rnn.num_layers != 1:
        raise ValueError(
            f"the model has one recurrent layer; this {type(rnn).__name__} has "
            f"num_layers={rnn.num_layers} (import each layer separately)"
        )
    if rnn.bidirectional:
        raise ValueError("the model runs forward in time only; bidirectional=True cannot map")
    if getattr(rnn, "proj_size", 0):
        raise ValueError(f"the LSTM's state is its output; proj_size={rnn.proj_size} cannot map")
    if rnn.dropout:
        raise ValueError(f"the model has no dropout; dropout={rnn.dropout} cannot map (set 0)")
    return kind


def from_torch(rnn: Any, head: Any = None, **model: Any) -> tuple[RNNConfig, Weights]:
    """(config, params) of a torch.nn.RNN (tanh or relu), LSTM or GRU with an optional
    torch.nn.Linear head; `model` sets the other RNNConfig fields (output, loss, reduction)."""
    import torch

    cell = _cell_of(rnn)
    H = int(rnn.hidden_size)
    Wx = _array(rnn.weight_ih_l0).T  # (n_in, G·H)
    Ws = _array(rnn.weight_hh_l0).T  # (H, G·H)
    if head is None:
        Wy, by = np.eye(H), np.zeros(H)  # (H, H), (H,): y_t = s_t, torch's output
        head_bias = False
    else:
        if not isinstance(head, torch.nn.Linear):
            raise TypeError(f"head must be a torch.nn.Linear, got {type(head).__name__}")
        if head.in_features != H:
            raise ValueError(f"head.in_features must be hidden_size {H}, got {head.in_features}")
        Wy = _array(head.weight).T  # (H, n_out)
        head_bias = head.bias is not None
        by = _array(head.bias) if head_bias else np.zeros(Wy.shape[1])  # (n_out,)
    if head_bias and not rnn.bias:
        raise ValueError(
            "the model has biases on both layers or on neither: the head has a bias, "
            f"the {type(rnn).__name__} has bias=False"
        )
    activation = rnn.nonlinearity if cell == "rnn" else "tanh"
    config = RNNConfig(
        n_in=int(rnn.input_size),
        n_hidden=H,
        n_out=int(Wy.shape[1]),
        activation=activation,
        bias=bool(rnn.bias),
        cell=cell,
        **model,
    )
    if not rnn.bias:
        return config, Weights(Wx, Ws, Wy)
    b_ih, b_hh = _array(rnn.bias_ih_l0), _array(rnn.bias_hh_l0)  # (G·H,) each
    if cell == "rnn":
        return config, Weights(Wx, Ws, Wy, bs=b_ih + b_hh, by=by)
    return config, Weights(Wx, Ws, Wy, bs=b_hh, by=by, bx=b_ih)


def to_torch(config: RNNConfig, params: Weights, batch_first: bool = False) -> tuple[Any, Any]:
    """(torch.nn.RNN / LSTM / GRU, torch.nn.Linear) in float64 holding exactly these weights;
    the plain RNN's bs goes to bias_ih_l0 (bias_hh_l0 = 0: only their sum matters)."""
    import torch

    layers = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    options: dict[str, Any] = {"bias": config.bias, "batch_first": batch_first}
    if config.cell == "rnn":
        if config.activation not in ("tanh", "relu"):
            raise ValueError(
                f"torch.nn.RNN has tanh or relu; activation {config.activation!r} cannot map"
            )
        options["nonlinearity"] = config.activation
    rnn = layers[config.cell](config.n_in, config.n_hidden, dtype=torch.float64, **options)
    head = torch.nn.Linear(config.n_hidden, config.n_out, bias=config.bias, dtype=torch.float64)

    def tensor(a: Array) -> Any:
        return torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float64)

    with torch.no_grad():
        rnn.weight_ih_l0.copy_(tensor(params.Wx.T))
        rnn.weight_hh_l0.copy_(tensor(params.Ws.T))
        head.weight.copy_(tensor(params.Wy.T))
        if config.bias:
            assert params.bs is not None and params.by is not None
            head.bias.copy_(tensor(params.by))
            if config.cell == "rnn":
                rnn.bias_ih_l0.copy_(tensor(params.bs))
                rnn.bias_hh_l0.zero_()
            else:
                assert params.bx is not None
                rnn.bias_ih_l0.copy_(tensor(params.bx))
                rnn.bias_hh_l0.copy_(tensor(params.bs))
    return rnn, head
