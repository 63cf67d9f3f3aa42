"""reduction "mean": E = Σ_{t∈L} E_t / N (N = |L|·n_out, or |L| for cross-entropy), PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.rnn import RNNConfig, bptt, gradcheck, init_params
from app.rnn.optimizers import Optimizer
from app.rnn.train import FixedData, train
from tests.rnn.numeric import assert_close_to_central_differences

CASES = [
    ("rnn", "linear", "squared_error"),
    ("lstm", "linear", "squared_error"),
    ("gru", "softmax", "cross_entropy"),
    ("rnn", "softmax", "squared_error"),
]


def sequence(rng: np.random.Generator, output: str, T: int = 6) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(T, 2))  # (T, n_in)
    if output == "softmax":
        d = np.eye(3)[rng.integers(0, 3, size=T)]  # (T, n_out) one-hot
    else:
        d = rng.normal(size=(T, 3))  # (T, n_out)
    return x, d


@pytest.mark.parametrize(("cell", "output", "loss"), CASES)
@pytest.mark.parametrize("loss_steps", ["all", "last", [2, 5]])
def test_mean_is_the_sum_divided_by_n(cell, output, loss, loss_steps, rng) -> None:
    base = RNNConfig(n_in=2, n_hidden=4, n_out=3, cell=cell, output=output, loss=loss, bias=True)
    mean = RNNConfig(**{**base.__dict__, "reduction": "mean"})
    params = init_params(base, seed=1)
    x, d = sequence(rng, output)
    total = bptt(base, params, x, d, loss_steps=loss_steps)
    avg = bptt(mean, params, x, d, loss_steps=loss_steps)
    L = len(total.steps)
    N = L * 3 if loss == "squared_error" else L
    assert_allclose(avg.loss, total.loss / N, rtol=1e-13)
    assert_allclose(avg.loss, avg.E[avg.mask].sum(), rtol=1e-13)  # the steps' E sum to E
    for name, g in total.grads.as_dict().items():
        assert_allclose(avg.grads.as_dict()[name], g / N, rtol=1e-12, atol=1e-15, err_msg=name)
    assert avg.terms is not None and total.terms is not None
    assert_allclose(avg.terms.Ws, total.terms.Ws / N, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("cell", "output", "loss"), CASES)
def test_mean_gradients_pass_the_gradient_check(cell, output, loss, rng) -> None:
    config = RNNConfig(
        n_in=2, n_hidden=3, n_out=3, cell=cell, output=output, loss=loss, reduction="mean"
    )
    x, d = sequence(rng, output, T=5)
    check = gradcheck(config, init_params(config, seed=2), x, d, loss_steps=[1, 4])
    E = bptt(config, init_params(config, seed=2), x, d, loss_steps=[1, 4]).loss
    assert_close_to_central_differences(check.analytic.as_dict(), check.numeric.as_dict(), E)


def test_mean_training_follows_the_scaled_gradient(rng) -> None:
    config = RNNConfig(n_hidden=3, reduction="mean")
    params = init_params(config, seed=0)
    x, d = rng.normal(size=(8, 1)), rng.normal(size=(8, 1))  # (T, 1) each
    result = train(config, params, FixedData(x, d), Optimizer("sgd", lr=0.1), 1)
    full = bptt(config, params, x, d)
    assert_allclose(result.history[0].loss, full.loss)
    assert_allclose(result.history[0].loss, np.mean((d - full.fwd.y) ** 2), rtol=1e-13)
    assert_allclose(result.params.Ws, params.Ws - 0.1 * full.grads.Ws, rtol=1e-13)


def test_an_unknown_reduction_is_refused() -> None:
    with pytest.raises(ValueError, match="reduction must be one of sum, mean"):
        RNNConfig(reduction="avg")
