"""The forward pass, initialisation and loss steps."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from app.rnn import (
    RNNConfig,
    RNNParams,
    forward,
    init_params,
    loss_step_mask,
    spectral_radius,
    step_losses,
)


def test_forward_follows_the_lectures_equations(rng):
    config = RNNConfig(n_in=2, n_hidden=3, n_out=2, activation="sigmoid", bias=True)
    params = RNNParams(
        rng.normal(size=(2, 3)),
        rng.normal(size=(3, 3)),
        rng.normal(size=(3, 2)),
        rng.normal(size=3),
        rng.normal(size=2),
    )
    x = rng.normal(size=(4, 2))
    s0 = rng.normal(size=3)
    fwd = forward(config, params, x, s0)
    s = s0
    for t in range(4):
        z = x[t] @ params.Wx + s @ params.Ws + params.bs
        s = 1.0 / (1.0 + np.exp(-z))
        assert_allclose(fwd.z[t], z, rtol=1e-13)
        assert_allclose(fwd.s[t + 1], s, rtol=1e-13)
        assert_allclose(fwd.y[t], s @ params.Wy + params.by, rtol=1e-13)
    assert_allclose(fwd.s[0], s0)


def test_softmax_output_is_a_distribution_and_cross_entropy_is_finite(rng):
    config = RNNConfig(n_in=1, n_hidden=2, n_out=4, output="softmax", loss="cross_entropy")
    params = init_params(config, seed=1)
    big = RNNParams(params.Wx, params.Ws, params.Wy * 1e4)  # y underflows to exact zeros
    x = rng.normal(size=(5, 1))
    fwd = forward(config, big, x)
    assert_allclose(fwd.y.sum(axis=1), 1.0)
    d = np.eye(4)[[0, 1, 2, 3, 0]]
    assert np.isfinite(step_losses(config, fwd.y, d, fwd.o)).all()


def test_same_seed_same_weights_and_spectral_rescale():
    config = RNNConfig(n_hidden=8)
    a, b = init_params(config, seed=7), init_params(config, seed=7)
    for name in ("Wx", "Ws", "Wy"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(init_params(config, seed=8).Ws, a.Ws)
    scaled = init_params(config, seed=7, ws_spectral_radius=1.7)
    assert spectral_radius(scaled.Ws) == pytest.approx(1.7, rel=1e-12)
    assert np.array_equal(scaled.Wx, a.Wx)


def test_config_refuses_cross_entropy_without_softmax():
    with pytest.raises(ValueError, match="softmax"):
        RNNConfig(loss="cross_entropy")


def test_from_dict_names_the_wrong_shape():
    config = RNNConfig(n_hidden=3)
    with pytest.raises(ValueError, match=r"Ws must have shape \(3, 3\), got \(3, 2\)"):
        RNNParams.from_dict(
            config, {"Wx": np.zeros((1, 3)), "Ws": np.zeros((3, 2)), "Wy": np.zeros((3, 1))}
        )


@pytest.mark.parametrize("steps,want", [("all", [1, 2, 3, 4]), ("last", [4]), ([1, 3], [1, 3])])
def test_loss_step_mask(steps, want):
    assert list(np.flatnonzero(loss_step_mask(4, steps)) + 1) == want


@pytest.mark.parametrize("steps", [[0], [5], [], "first"])
def test_loss_step_mask_refuses_out_of_range(steps):
    with pytest.raises(ValueError):
        loss_step_mask(4, steps)


@settings(max_examples=40, deadline=None)
@given(
    T=st.integers(1, 12),
    n_in=st.integers(1, 4),
    H=st.integers(1, 6),
    n_out=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_shapes_for_any_sizes(T, n_in, H, n_out, seed):
    config = RNNConfig(n_in=n_in, n_hidden=H, n_out=n_out)
    params = init_params(config, seed=seed)
    fwd = forward(config, params, np.ones((T, n_in)))
    assert fwd.z.shape == (T, H) and fwd.s.shape == (T + 1, H) and fwd.y.shape == (T, n_out)
    assert np.isfinite(fwd.s).all()
