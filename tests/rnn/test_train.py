"""Training: chunked = unchunked bit for bit, the logged loss, clipping, divergence, learning."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from app.rnn import RNNConfig, forward, init_params, loss_and_grads
from app.rnn.optimizers import Optimizer, clip_by_global_norm
from app.rnn.tasks import get_task
from app.rnn.train import FixedData, TaskData, TrainResult, task_mismatch, train

SINE = RNNConfig(n_in=1, n_hidden=8, n_out=1)
OPTIMIZERS = [
    Optimizer("sgd", lr=0.05),
    Optimizer("momentum", lr=0.02, momentum=0.9),
    Optimizer("adam", lr=0.01),
]


def assert_same_run(a: TrainResult, b: TrainResult) -> None:
    """Identical weights and optimizer state, bit for bit."""
    for k, w in a.params.as_dict().items():
        assert_array_equal(w, b.params.as_dict()[k], err_msg=f"weights {k} differ")
    assert a.optimizer_state.step == b.optimizer_state.step
    for buf, arrays in a.optimizer_state.buffers.items():
        for k, v in arrays.items():
            assert_array_equal(v, b.optimizer_state.buffers[buf][k], err_msg=f"{buf}.{k} differs")


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: o.name)
def test_two_chunks_of_40_equal_one_run_of_80(optimizer):
    data = TaskData("sine", T=12, seed=3, params={"freq_jitter": 0.3})
    params = init_params(SINE, seed=1)
    whole = train(SINE, params, data, optimizer, 80, clip=1.0)
    first = train(SINE, params, data, optimizer, 40, clip=1.0)
    second = train(
        SINE,
        first.params,
        data,
        optimizer,
        40,
        clip=1.0,
        state=first.optimizer_state,
        start_step=first.step,
    )
    assert (first.step, second.step, whole.step) == (40, 80, 80)
    assert_same_run(second, whole)
    assert first.history + second.history == whole.history
    assert not any(
        np.array_equal(w, params.as_dict()[k]) for k, w in whole.params.as_dict().items()
    )


def test_chunks_also_agree_with_fixed_data_and_truncation(rng):
    config = RNNConfig(n_in=2, n_hidden=5, n_out=1, bias=True)
    data = FixedData(rng.normal(size=(9, 2)), rng.normal(size=(9, 1)), [3, 9], rng.normal(size=5))
    params = init_params(config, seed=2)
    opt = Optimizer("adam", lr=0.05)
    whole = train(config, params, data, opt, 30, truncate=3, log_every=5)
    first = train(config, params, data, opt, 10, truncate=3, log_every=5)
    second = train(
        config,
        first.params,
        data,
        opt,
        20,
        truncate=3,
        log_every=5,
        state=first.optimizer_state,
        start_step=10,
    )
    assert_same_run(second, whole)
    assert [h.step for h in whole.history] == [1, 5, 10, 15, 20, 25, 30]


def test_logged_loss_is_E_before_the_update_on_that_steps_sample():
    data = TaskData("echo", T=8, seed=4, params={"delay": 2})
    params = init_params(SINE, seed=0)
    result = train(SINE, params, data, Optimizer("sgd", lr=0.1), 3)
    sample = get_task("echo").sample(8, seed=(4, 1), delay=2)
    E, grads = loss_and_grads(SINE, params, sample.inputs, sample.targets, None, sample.loss_steps)
    first = result.history[0]
    assert first.step == 1
    assert first.loss == E
    assert first.grad_norm == {k: float(np.linalg.norm(g)) for k, g in grads.as_dict().items()}
    assert [h.step for h in result.history] == [1, 2, 3]


def test_one_clipped_step_is_the_optimizer_on_the_clipped_gradient(rng):
    data = FixedData(rng.normal(size=(6, 1)), 5.0 * rng.normal(size=(6, 1)))
    params = init_params(SINE, seed=0)
    E, grads = loss_and_grads(SINE, params, data.x, data.d)
    g = grads.as_dict()
    assert np.sqrt(sum(np.sum(v * v) for v in g.values())) > 0.5  # so clipping bites
    result = train(SINE, params, data, Optimizer("sgd", lr=0.1), 1, clip=0.5)
    clipped = clip_by_global_norm(g, 0.5)
    for k, w in params.as_dict().items():
        assert_allclose(result.params.as_dict()[k], w - 0.1 * clipped[k], rtol=1e-14)
    assert result.history[0].grad_norm["Ws"] == pytest.approx(np.linalg.norm(g["Ws"]))  # unclipped


def test_a_huge_learning_rate_diverges_and_returns_finite_weights():
    data = TaskData("sine", T=20, seed=0)
    result = train(SINE, init_params(SINE, seed=0), data, Optimizer("sgd", lr=1e6), 200)
    assert result.diverged
    assert result.step < 200
    for w in result.params.as_dict().values():
        assert np.isfinite(w).all()
    last = result.history[-1]
    assert last.step == result.step + 1  # the step that failed is logged
    assert result.optimizer_state.step == result.step  # the state of the returned weights


def test_diverged_run_returns_the_state_of_its_weights():
    """Continuing from a diverged run's weights and state repeats the failing step."""
    data = TaskData("sine", T=20, seed=0)
    opt = Optimizer("momentum", lr=1e4)
    result = train(SINE, init_params(SINE, seed=0), data, opt, 100)
    assert result.diverged and result.optimizer_state.step == result.step
    again = train(
        SINE, result.params, data, opt, 5, state=result.optimizer_state, start_step=result.step
    )
    assert again.diverged and again.step == result.step


@pytest.mark.parametrize("hidden", [16, 32])
def test_sine_loss_falls_tenfold_with_adam(hidden):
    """The lecture's notebook: Adam, lr 0.01; mean of the first 10 vs the last 10 losses."""
    config = RNNConfig(n_in=1, n_hidden=hidden, n_out=1)
    result = train(
        config,
        init_params(config, seed=0),
        TaskData("sine", 20, seed=0),
        Optimizer("adam", lr=0.01),
        300,
    )
    losses = np.array([h.loss for h in result.history])
    assert len(losses) == 300 and not result.diverged
    ratio = losses[:10].mean() / losses[-10:].mean()
    assert ratio >= 10, (
        f"loss fell only {ratio:.1f}× ({losses[:10].mean():.3g} → {losses[-10:].mean():.3g})"
    )


def test_echo_with_delay_2_learns():
    config = RNNConfig(n_in=1, n_hidden=16, n_out=1)
    result = train(
        config,
        init_params(config, seed=0),
        TaskData("echo", 10, 0, {"delay": 2}),
        Optimizer("adam", lr=0.01),
        300,
    )
    losses = np.array([h.loss for h in result.history])
    ratio = losses[:10].mean() / losses[-10:].mean()
    assert ratio >= 10, f"echo loss fell only {ratio:.1f}×"


def test_task_mismatch_says_what_the_task_needs():
    problems = task_mismatch(SINE, TaskData("chars", 10))
    assert set(problems) == {"n_in", "n_out", "output", "loss"}
    assert problems["output"] == "task chars needs output = 'softmax', the model has 'linear'"
    n_vocab = len(get_task("chars").sample(3).labels or [])
    assert problems["n_in"] == f"task chars needs n_in = {n_vocab}, the model has 1"
    assert task_mismatch(SINE, TaskData("sine", 10)) == {}
    with pytest.raises(ValueError, match="task chars needs"):
        train(SINE, init_params(SINE), TaskData("chars", 10), Optimizer("sgd", lr=0.1), 1)


@pytest.mark.parametrize(
    "kwargs", [{"steps": 0}, {"log_every": 0}, {"start_step": -1}, {"clip": 0.0}]
)
def test_bad_arguments_are_refused(kwargs):
    args = {"steps": 1, **kwargs}
    with pytest.raises(ValueError):
        train(SINE, init_params(SINE), TaskData("sine", 5), Optimizer("sgd", lr=0.1), **args)


def test_the_step_hook_sees_every_step_and_changes_nothing():
    data = TaskData("sine", T=12, seed=3)
    params = init_params(SINE, seed=1)
    seen: list[int] = []
    hooked = train(SINE, params, data, OPTIMIZERS[2], 15, start_step=5, on_step=seen.append)
    assert seen == list(range(6, 21))
    assert_same_run(hooked, train(SINE, params, data, OPTIMIZERS[2], 15, start_step=5))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_carried_state_is_the_last_state_of_the_previous_window(cell, rng):
    config = RNNConfig(n_hidden=4, cell=cell, bias=True)
    params = init_params(config, seed=1)
    x, d = rng.normal(size=(6, 1)), rng.normal(size=(6, 1))  # (T, 1) each
    s0 = rng.normal(size=4)  # (H,)
    data = FixedData(x, d, s0=s0)
    sgd = Optimizer("sgd", lr=0.05)
    result = train(config, params, data, sgd, 3, carry_state=True)
    # by hand: each step starts from the previous forward pass's s_T (c_T), then updates
    weights, s, c = params, s0, None
    for _ in range(3):
        one = train(config, weights, FixedData(x, d, s0=s, c0=c), sgd, 1)
        fwd = forward(config, weights, x, s, c)
        s, c = fwd.s[-1], None if fwd.c is None else fwd.c[-1]
        weights = one.params
    assert_array_equal(result.s_last, s)
    if cell == "lstm":
        assert_array_equal(result.c_last, c)
    else:
        assert result.c_last is None
    assert_array_equal(result.params.Ws, weights.Ws)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_carried_chunks_equal_one_run(cell):
    config = RNNConfig(n_hidden=5, cell=cell)
    params = init_params(config, seed=2)
    data = TaskData("sine", T=10, params={"windows": "consecutive"})
    adam = Optimizer("adam", lr=0.02)
    whole = train(config, params, data, adam, 30, carry_state=True)
    first = train(config, params, data, adam, 12, carry_state=True)
    assert first.s_last is not None
    again = TaskData(
        "sine", T=10, params={"windows": "consecutive"}, s0=first.s_last, c0=first.c_last
    )
    second = train(
        config,
        first.params,
        again,
        adam,
        18,
        state=first.optimizer_state,
        start_step=12,
        carry_state=True,
    )
    assert_same_run(whole, second)
    assert_array_equal(whole.s_last, second.s_last)
    assert [h.loss for h in whole.history] == [h.loss for h in first.history + second.history]


def test_without_carry_state_no_state_is_returned():
    config = RNNConfig()
    result = train(config, init_params(config), TaskData("sine", 5), Optimizer("sgd", 0.1), 2)
    assert result.s_last is None and result.c_last is None


def test_split_bias_moves_bs_by_two_updates_and_counts_it_twice_in_clipping(rng):
    config = RNNConfig(n_hidden=3, bias=True)
    params = init_params(config, seed=0)
    x, d = rng.normal(size=(5, 1)), rng.normal(size=(5, 1))  # (T, 1) each
    E, g = loss_and_grads(config, params, x, d)
    clip = 0.5 * float(np.sqrt(sum(np.sum(v * v) for v in g.as_dict().values())))
    result = train(
        config, params, FixedData(x, d), Optimizer("sgd", 0.1), 1, clip=clip, split_bias=True
    )
    norm = np.sqrt(sum(np.sum(v * v) for v in g.as_dict().values()) + np.sum(g.bs * g.bs))
    scale = clip / norm  # ‖∂E/∂bs‖² twice: torch's bias_ih and bias_hh both hold it
    assert_allclose(result.params.Ws, params.Ws - 0.1 * scale * g.Ws, rtol=1e-13)
    assert_allclose(result.params.bs, params.bs - 2 * 0.1 * scale * g.bs, rtol=1e-13)


@pytest.mark.parametrize("config", [RNNConfig(), RNNConfig(cell="gru", bias=True)])
def test_split_bias_needs_the_plain_rnn_with_bias(config):
    with pytest.raises(ValueError, match="split_bias"):
        train(
            config,
            init_params(config),
            TaskData("sine", 5),
            Optimizer("sgd", 0.1),
            1,
            split_bias=True,
        )
