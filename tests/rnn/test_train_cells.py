"""Training the LSTM and GRU: every optimizer, clipping, truncation, chunks that continue
exactly, every built-in task, and learning the sine task."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.rnn import RNNConfig, init_params, loss_and_grads
from app.rnn.optimizers import Optimizer, clip_by_global_norm
from app.rnn.tasks import TASKS, get_task
from app.rnn.train import FixedData, TaskData, train
from tests.rnn.test_train import assert_same_run

GATED = ["lstm", "gru"]
OPTIMIZERS = [
    Optimizer("sgd", lr=0.05),
    Optimizer("momentum", lr=0.02, momentum=0.9),
    Optimizer("adam", lr=0.01),
]


@pytest.mark.parametrize("cell", GATED)
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: o.name)
def test_two_chunks_equal_one_run_with_clipping_and_truncation(cell, optimizer):
    """20 + 20 steps = 40 steps, bit for bit (weights, biases and optimizer buffers)."""
    config = RNNConfig(n_in=1, n_hidden=5, n_out=1, cell=cell, bias=True)
    data = TaskData("sine", T=10, seed=3, params={"freq_jitter": 0.3})
    params = init_params(config, seed=1)
    kwargs = {"clip": 0.5, "truncate": 4}
    whole = train(config, params, data, optimizer, 40, **kwargs)
    first = train(config, params, data, optimizer, 20, **kwargs)
    second = train(
        config,
        first.params,
        data,
        optimizer,
        20,
        state=first.optimizer_state,
        start_step=first.step,
        **kwargs,
    )
    assert_same_run(second, whole)
    assert first.history + second.history == whole.history
    assert set(whole.params.as_dict()) == {"Wx", "Ws", "Wy", "bx", "bs", "by"}


@pytest.mark.parametrize("cell", GATED)
def test_one_clipped_step_is_the_optimizer_on_the_clipped_gradient(cell, rng):
    """SGD's first step: W − lr · clip(∂E/∂W), with ∂E/∂W from BPTT of the gated cell."""
    config = RNNConfig(n_in=2, n_hidden=3, n_out=1, cell=cell, bias=True)
    x, d = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    c0 = rng.normal(size=3) if cell == "lstm" else None
    params = init_params(config, seed=4)
    _, g = loss_and_grads(config, params, x, d, c0=c0)
    clipped = clip_by_global_norm(g.as_dict(), 0.1)
    data = FixedData(x, d, "all", None, c0)
    result = train(config, params, data, Optimizer("sgd", lr=0.1), 1, clip=0.1)
    for k, w in params.as_dict().items():
        assert_allclose(result.params.as_dict()[k], w - 0.1 * clipped[k], rtol=1e-14)


@pytest.mark.parametrize("cell", GATED)
def test_sine_loss_falls_with_adam(cell):
    """The lecture's sine task: Adam brings the loss down by a large factor."""
    config = RNNConfig(n_in=1, n_hidden=8, n_out=1, cell=cell)
    data = TaskData("sine", T=20, seed=0)
    result = train(config, init_params(config, seed=0), data, Optimizer("adam", lr=0.02), 300)
    losses = np.array([h.loss for h in result.history])
    assert not result.diverged
    assert losses[-20:].mean() < 0.1 * losses[:5].mean(), (losses[:5], losses[-20:])


@pytest.mark.parametrize("cell", GATED)
@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_task_trains_every_gated_cell(cell, task):
    """Each built-in task: a model that fits it trains 5 Adam steps to finite weights."""
    t = get_task(task)
    n_in, n_out = t.dims()
    config = RNNConfig(
        n_in=n_in, n_hidden=4, n_out=n_out, output=t.output, loss=t.loss, cell=cell, bias=True
    )
    data = TaskData(task, T=t.default_T, seed=1)
    result = train(config, init_params(config, seed=2), data, Optimizer("adam", lr=0.01), 5)
    assert not result.diverged and result.step == 5
    assert all(np.isfinite(w).all() for w in result.params.as_dict().values())
    assert all(np.isfinite(h.loss) for h in result.history)
