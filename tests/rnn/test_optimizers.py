"""One step of each optimizer against the update computed by hand; global-norm clipping."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from app.rnn.optimizers import (
    Optimizer,
    OptimizerState,
    check_state,
    clip_by_global_norm,
    global_norm,
    init_state,
    step,
)


@pytest.fixture
def weights(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "Wx": rng.normal(size=(2, 3)),
        "Ws": rng.normal(size=(3, 3)),
        "Wy": rng.normal(size=(3, 1)),
    }


@pytest.fixture
def grads() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)  # not the weights' generator: g independent of W
    return {
        "Wx": rng.normal(size=(2, 3)),
        "Ws": rng.normal(size=(3, 3)),
        "Wy": rng.normal(size=(3, 1)),
    }


def test_sgd_step_is_w_minus_lr_g(weights, grads):
    opt = Optimizer("sgd", lr=0.1)
    new, state = step(opt, weights, grads, init_state(opt, weights))
    for k in weights:
        assert_allclose(new[k], weights[k] - 0.1 * grads[k], rtol=0, atol=1e-15)
    assert state.step == 1 and state.buffers == {}


def test_momentum_two_steps_follow_pytorch(weights, grads):
    """v1 = g1 (PyTorch's first step), v2 = μ v1 + g2; W -= lr·v each time."""
    opt = Optimizer("momentum", lr=0.05, momentum=0.8)
    g2 = {k: 2.0 * g + 1.0 for k, g in grads.items()}
    w1, s1 = step(opt, weights, grads, init_state(opt, weights))
    w2, s2 = step(opt, w1, g2, s1)
    for k in weights:
        v1 = grads[k]
        v2 = 0.8 * v1 + g2[k]
        assert_allclose(s1.buffers["velocity"][k], v1, rtol=1e-15)
        assert_allclose(w1[k], weights[k] - 0.05 * v1, rtol=1e-14)
        assert_allclose(w2[k], weights[k] - 0.05 * v1 - 0.05 * v2, rtol=1e-12, atol=1e-15)
    assert s2.step == 2


def test_adam_first_step_moves_each_weight_by_lr_times_sign(weights, grads):
    """At t = 1, m̂ = g and v̂ = g², so W -= lr·g/(|g| + eps)."""
    opt = Optimizer("adam", lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    new, state = step(opt, weights, grads, init_state(opt, weights))
    for k in weights:
        g = grads[k]
        assert_allclose(new[k], weights[k] - 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)
        assert_allclose(state.buffers["m"][k], 0.1 * g, rtol=1e-14)
        assert_allclose(state.buffers["v"][k], 0.001 * g * g, rtol=1e-12)
    assert state.step == 1


def test_adam_second_step_uses_bias_correction(weights, grads):
    opt = Optimizer("adam", lr=0.02, beta1=0.8, beta2=0.9, eps=1e-6)
    g2 = {k: -0.5 * g + 0.3 for k, g in grads.items()}
    w1, s1 = step(opt, weights, grads, init_state(opt, weights))
    w2, s2 = step(opt, w1, g2, s1)
    for k in weights:
        m = 0.8 * (0.2 * grads[k]) + 0.2 * g2[k]
        v = 0.9 * (0.1 * grads[k] ** 2) + 0.1 * g2[k] ** 2
        m_hat, v_hat = m / (1 - 0.8**2), v / (1 - 0.9**2)
        assert_allclose(w2[k], w1[k] - 0.02 * m_hat / (np.sqrt(v_hat) + 1e-6), rtol=1e-12)
    assert s2.step == 2


def test_step_does_not_mutate_its_inputs(weights, grads):
    opt = Optimizer("adam", lr=0.1)
    state = init_state(opt, weights)
    before = {k: w.copy() for k, w in weights.items()}
    step(opt, weights, grads, state)
    for k in weights:
        assert_array_equal(weights[k], before[k])
        assert not state.buffers["m"][k].any()


def test_clipping_scales_to_exactly_the_bound(grads):
    norm = global_norm(grads)
    assert norm > 1.0
    clipped = clip_by_global_norm(grads, 1.0)
    assert_allclose(global_norm(clipped), 1.0, rtol=1e-14)
    for k, g in grads.items():
        assert_allclose(clipped[k], g / norm, rtol=1e-14)  # same direction, all scaled alike


def test_clipping_leaves_small_gradients_alone(grads):
    norm = global_norm(grads)
    for clip in (norm * 1.5, None):
        clipped = clip_by_global_norm(grads, clip)
        for k in grads:
            assert_array_equal(clipped[k], grads[k])


def test_global_norm_is_the_norm_of_all_entries(grads):
    flat = np.concatenate([g.ravel() for g in grads.values()])
    assert_allclose(global_norm(grads), np.linalg.norm(flat), rtol=1e-14)


def test_init_state_has_zero_buffers_shaped_like_the_weights(weights):
    for name, buffers in (("sgd", ()), ("momentum", ("velocity",)), ("adam", ("m", "v"))):
        state = init_state(Optimizer(name, lr=0.1), weights)  # type: ignore[arg-type]
        assert state.step == 0 and tuple(state.buffers) == buffers
        for arrays in state.buffers.values():
            assert {k: a.shape for k, a in arrays.items()} == {
                k: w.shape for k, w in weights.items()
            }
            assert not any(a.any() for a in arrays.values())


def test_check_state_names_the_mismatch(weights):
    opt = Optimizer("momentum", lr=0.1)
    with pytest.raises(ValueError, match="adam"):
        check_state(opt, weights, init_state(Optimizer("adam", lr=0.1), weights))
    bad = {k: np.zeros((1, 1)) for k in weights}
    with pytest.raises(ValueError, match=r"velocity\.Wx has shape \(1, 1\)"):
        check_state(opt, weights, OptimizerState("momentum", 3, {"velocity": bad}))


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="rmsprop"):
        Optimizer("rmsprop", lr=0.1)  # type: ignore[arg-type]
