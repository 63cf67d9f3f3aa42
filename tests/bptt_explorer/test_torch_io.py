"""from_torch / to_torch: a torch model is the project's model exactly, with the same gradients.

For every cell (RNN tanh and relu, LSTM, GRU), with and without biases, either batch_first:
the imported model's outputs, loss and every ∂E/∂W from bptt equal torch autograd's on the
torch model, and to_torch(from_torch(m)) holds m's numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

torch = pytest.importorskip(
    "torch", reason="torch is not installed: `pip install -e '.[dev,torch]'` to test from_torch"
)

import bptt_explorer as bx  # noqa: E402

F64 = torch.float64
LAYERS = {
    "rnn-tanh": lambda n_in, H, **kw: torch.nn.RNN(n_in, H, nonlinearity="tanh", **kw),
    "rnn-relu": lambda n_in, H, **kw: torch.nn.RNN(n_in, H, nonlinearity="relu", **kw),
    "lstm": torch.nn.LSTM,
    "gru": torch.nn.GRU,
}


def torch_model(kind: str, bias: bool, batch_first: bool, n_in: int = 2, H: int = 3) -> Any:
    torch.manual_seed(7)
    rnn = LAYERS[kind](n_in, H, bias=bias, batch_first=batch_first, dtype=F64)
    head = torch.nn.Linear(H, 2, bias=bias, dtype=F64)
    return rnn, head


def torch_loss(rnn: Any, head: Any, x: np.ndarray, d: np.ndarray) -> tuple[Any, Any]:
    """E = Σ_t Σ_j (d_tj − y_tj)² of one sequence through torch, and y (T, n_out)."""
    xt = torch.as_tensor(x, dtype=F64).unsqueeze(0 if rnn.batch_first else 1)
    out, _ = rnn(xt)
    y = head(out.reshape(len(x), -1))  # (T, n_out)
    return ((torch.as_tensor(d, dtype=F64) - y) ** 2).sum(), y


def torch_grads(kind: str, rnn: Any, head: Any) -> dict[str, np.ndarray]:
    """torch's .grad in the project's layout and names."""

    def g(p: Any) -> np.ndarray:
        return np.asarray(p.grad.detach().numpy())

    grads = {"Wx": g(rnn.weight_ih_l0).T, "Ws": g(rnn.weight_hh_l0).T, "Wy": g(head.weight).T}
    if rnn.bias:
        grads["by"] = g(head.bias)
        if kind.startswith("rnn"):  # bs = bias_ih + bias_hh: both get ∂E/∂bs
            assert_allclose(g(rnn.bias_ih_l0), g(rnn.bias_hh_l0), rtol=1e-12)
            grads["bs"] = g(rnn.bias_hh_l0)
        else:
            grads["bx"], grads["bs"] = g(rnn.bias_ih_l0), g(rnn.bias_hh_l0)
    return grads


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("kind", list(LAYERS))
def test_imported_model_has_torch_outputs_and_gradients(
    kind: str, bias: bool, batch_first: bool, rng: np.random.Generator
) -> None:
    rnn, head = torch_model(kind, bias, batch_first)
    config, params = bx.from_torch(rnn, head)
    assert (config.cell, config.bias, config.n_in, config.n_hidden, config.n_out) == (
        kind.split("-")[0],
        bias,
        2,
        3,
        2,
    )
    x = rng.normal(size=(6, 2))  # (T, n_in)
    d = rng.normal(size=(6, 2))  # (T, n_out)
    E, y = torch_loss(rnn, head, x, d)
    E.backward()
    result = bx.bptt(config, params, x, d)
    assert_allclose(result.fwd.y, y.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert_allclose(result.loss, E.item(), rtol=1e-12)
    expected = torch_grads(kind, rnn, head)
    got = result.grads.as_dict()
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert_allclose(got[name], value, rtol=1e-10, atol=1e-13, err_msg=f"∂E/∂{name}")


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("kind", list(LAYERS))
def test_round_trips_keep_every_number(kind: str, bias: bool, rng: np.random.Generator) -> None:
    rnn, head = torch_model(kind, bias, batch_first=False)
    config, params = bx.from_torch(rnn, head)
    rnn2, head2 = bx.to_torch(config, params, batch_first=True)
    assert type(rnn2) is type(rnn) and rnn2.batch_first and rnn2.bias == bias
    config2, params2 = bx.from_torch(rnn2, head2)
    assert config2 == config
    for name, value in params.as_dict().items():
        assert_allclose(params2.as_dict()[name], value, rtol=0, atol=1e-15, err_msg=name)
    x = rng.normal(size=(5, 2))  # (T, n_in)
    d = rng.normal(size=(5, 2))  # (T, n_out)
    assert_allclose(torch_loss(rnn2, head2, x, d)[0].item(), torch_loss(rnn, head, x, d)[0].item())
    if kind.startswith("rnn"):
        assert rnn2.nonlinearity == rnn.nonlinearity
    else:  # the gated cells' weights are the very same numbers
        for p, p2 in zip(rnn.parameters(), rnn2.parameters(), strict=True):
            assert torch.equal(p, p2)


def test_a_seeded_model_goes_to_torch_and_back() -> None:
    config = bx.RNNConfig(n_in=1, n_hidden=4, n_out=1, bias=True, cell="gru")
    params = bx.init_params(config, seed=3)
    _, back = bx.from_torch(*bx.to_torch(config, params))
    for name, value in params.as_dict().items():
        assert np.array_equal(back.as_dict()[name], value), name


def test_without_a_head_the_output_is_the_state(rng: np.random.Generator) -> None:
    torch.manual_seed(0)
    rnn = torch.nn.LSTM(2, 3, dtype=F64)
    config, params = bx.from_torch(rnn)
    assert config.n_out == 3 and np.array_equal(params.Wy, np.eye(3))
    x = rng.normal(size=(4, 2))  # (T, n_in)
    out, _ = rnn(torch.as_tensor(x).unsqueeze(1))
    assert_allclose(bx.forward(config, params, x).y, out[:, 0].detach().numpy(), rtol=1e-12)


def test_other_model_fields_pass_through() -> None:
    torch.manual_seed(0)
    rnn, head = torch.nn.GRU(3, 4, dtype=F64), torch.nn.Linear(4, 3, dtype=F64)
    config, _ = bx.from_torch(rnn, head, output="softmax", loss="cross_entropy")
    assert (config.output, config.loss) == ("softmax", "cross_entropy")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: torch.nn.RNN(1, 3, num_layers=2), "num_layers=2"),
        (lambda: torch.nn.GRU(1, 3, bidirectional=True), "bidirectional"),
        (lambda: torch.nn.LSTM(1, 3, proj_size=2), "proj_size=2"),
        (lambda: torch.nn.Linear(1, 3), "expected torch.nn.RNN, LSTM or GRU"),
    ],
)
def test_what_cannot_map_is_refused_by_name(make: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        bx.from_torch(make())


def test_dropout_on_one_layer_is_refused() -> None:
    with pytest.warns(UserWarning, match="dropout"):  # torch itself warns that it does nothing
        rnn = torch.nn.GRU(1, 3, dropout=0.2)
    with pytest.raises(ValueError, match="dropout=0.2"):
        bx.from_torch(rnn)


def test_a_head_that_does_not_fit_is_refused() -> None:
    rnn = torch.nn.RNN(1, 3, bias=False)
    with pytest.raises(ValueError, match="in_features must be hidden_size 3, got 4"):
        bx.from_torch(rnn, torch.nn.Linear(4, 1, bias=False))
    with pytest.raises(ValueError, match="the head has a bias"):
        bx.from_torch(rnn, torch.nn.Linear(3, 1))
    with pytest.raises(TypeError, match="head must be a torch.nn.Linear"):
        bx.from_torch(rnn, torch.nn.ReLU())


def test_to_torch_refuses_an_activation_torch_lacks() -> None:
    config = bx.RNNConfig(activation="sigmoid")
    with pytest.raises(ValueError, match="activation 'sigmoid' cannot map"):
        bx.to_torch(config, bx.init_params(config))


def test_a_head_without_bias_on_a_biased_layer_gets_by_zero(rng: np.random.Generator) -> None:
    torch.manual_seed(1)
    rnn, head = torch.nn.GRU(2, 3, dtype=F64), torch.nn.Linear(3, 2, bias=False, dtype=F64)
    config, params = bx.from_torch(rnn, head)
    assert config.bias and params.by is not None and not params.by.any()
    x, d = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))  # (T, n_in), (T, n_out)
    E, _ = torch_loss(rnn, head, x, d)
    assert_allclose(bx.bptt(config, params, x, d).loss, E.item(), rtol=1e-12)
