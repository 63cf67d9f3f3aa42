"""BPTT against central differences, and the term-by-term identities of bptt-math.md."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from app.rnn import RNNConfig, bptt, forward, gradcheck, init_params, loss_and_grads, total_deltas
from app.rnn.activations import dphi
from app.rnn.losses import dE_do
from tests.rnn.numeric import assert_close_to_central_differences

HEADS = [("linear", "squared_error"), ("softmax", "squared_error"), ("softmax", "cross_entropy")]
ACTS = ["tanh", "sigmoid", "relu", "identity"]


def sample(config: RNNConfig, T: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs (T, n_in), targets (T, n_out) and s0 (H,); targets are distributions for softmax."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, config.n_in))  # (T, n_in)
    if config.output == "softmax":
        d = rng.dirichlet(np.ones(config.n_out), size=T)  # (T, n_out), rows sum to 1
    else:
        d = rng.normal(size=(T, config.n_out))  # (T, n_out)
    s0 = rng.normal(scale=0.5, size=config.n_hidden)  # (H,)
    return x, d, s0


def away_from_kink(config, T):
    """The first seed whose pre-activations stay clear of relu's kink (|z| > 1e-3)."""
    for seed in range(100):
        params = init_params(config, seed=seed)
        x, d, s0 = sample(config, T, seed)
        if config.activation != "relu" or np.min(np.abs(forward(config, params, x, s0).z)) > 1e-3:
            return params, x, d, s0
    raise AssertionError("no seed keeps relu away from its kink")


LOSS_STEPS = {"all": "all", "last": "last", "list": None}


@pytest.mark.parametrize(
    "activation,head,bias,T,steps",
    list(itertools.product(ACTS, HEADS, [False, True], [1, 2, 3, 7], LOSS_STEPS)),
)
def test_full_bptt_matches_central_differences(activation, head, bias, T, steps):
    config = RNNConfig(
        n_in=2,
        n_hidden=3,
        n_out=3 if head[0] == "softmax" else 2,
        activation=activation,
        output=head[0],
        loss=head[1],
        bias=bias,
    )
    params, x, d, s0 = away_from_kink(config, T)
    loss_steps = LOSS_STEPS[steps] or sorted({1, T})
    check = gradcheck(config, params, x, d, s0, loss_steps)
    assert check.passed, f"max relative errors {check.max_rel_error} (expected < 1e-6)"
    result = bptt(config, params, x, d, s0, loss_steps)
    for name, g in result.grads.as_dict().items():
        assert_allclose(g, check.numeric.as_dict()[name], rtol=1e-5, atol=1e-8, err_msg=name)


@pytest.fixture
def run():
    config = RNNConfig(n_in=2, n_hidden=4, n_out=1, activation="tanh", bias=True)
    params = init_params(config, seed=3)
    x, d, s0 = sample(config, 9, 3)
    return config, params, x, d, s0


def test_terms_sum_to_each_loss_steps_gradient(run):
    config, params, x, d, s0 = run
    r = bptt(config, params, x, d, s0, "all")
    for i, t in enumerate(r.steps):
        C_Ws = sum(np.outer(r.fwd.s[k - 1], r.delta[i, k - 1]) for k in range(1, t + 1))
        C_Wx = sum(np.outer(r.fwd.x[k - 1], r.delta[i, k - 1]) for k in range(1, t + 1))
        assert_allclose(r.per_step.Ws[i], C_Ws, rtol=1e-12, atol=1e-15)
        assert_allclose(r.per_step.Wx[i], C_Wx, rtol=1e-12, atol=1e-15)
        assert_allclose(
            r.per_step.Wy[i],
            np.outer(r.fwd.s[t], dE_do("linear", "squared_error", r.fwd.y, d)[t - 1]),
        )


def test_loss_steps_sum_to_the_totals(run):
    config, params, x, d, s0 = run
    r = bptt(config, params, x, d, s0, [2, 5, 9])
    for name, g in r.grads.as_dict().items():
        assert_allclose(
            getattr(r.per_step, name).sum(axis=0), g, rtol=1e-12, atol=1e-15, err_msg=name
        )


def test_efficient_recursion_equals_sum_of_terms(run):
    config, params, x, d, s0 = run
    r = bptt(config, params, x, d, s0, "all")
    eps = dE_do(config.output, config.loss, r.fwd.y, d)
    assert_allclose(
        total_deltas(config, params, r.fwd, eps, r.mask),
        r.delta.sum(axis=0),
        rtol=1e-12,
        atol=1e-15,
    )


@pytest.mark.parametrize("K", [1, 2, 3, 5, 20])
def test_truncation_keeps_exactly_the_K_most_recent_terms(run, K):
    config, params, x, d, s0 = run
    full = bptt(config, params, x, d, s0, "all")
    cut = bptt(config, params, x, d, s0, "all", truncate=K)
    for i, t in enumerate(cut.steps):
        assert list(np.flatnonzero(cut.kept[i]) + 1) == list(range(max(1, t - K + 1), t + 1))
        # a kept term is the same number as in full BPTT; a dropped one is zero
        assert_allclose(cut.delta[i], full.delta[i] * cut.kept[i][:, None])
    want_Ws = sum(
        np.outer(full.fwd.s[k - 1], full.delta[i, k - 1])
        for i, t in enumerate(full.steps)
        for k in range(max(1, t - K + 1), t + 1)
    )
    assert_allclose(cut.grads.Ws, want_Ws, rtol=1e-12, atol=1e-15)
    _, fast = loss_and_grads(config, params, x, d, s0, "all", truncate=K)
    for name, g in cut.grads.as_dict().items():
        assert_allclose(getattr(fast, name), g, rtol=1e-12, atol=1e-15, err_msg=name)


def test_flow_norms_are_the_norms_of_the_terms(run):
    config, params, x, d, s0 = run
    r = bptt(config, params, x, d, s0, [4, 9], truncate=3)
    for i, t in enumerate(r.steps):
        for k in range(1, len(x) + 1):
            if r.kept[i, k - 1]:
                C = np.outer(r.fwd.s[k - 1], r.delta[i, k - 1])
                assert np.isclose(r.flow.Ws[t - 1, k - 1], np.linalg.norm(C), rtol=1e-12)
                assert np.isclose(
                    r.flow.state[t - 1, k - 1], np.linalg.norm(r.sigma[i, k - 1]), rtol=1e-12
                )
            else:
                assert np.isnan(r.flow.Ws[t - 1, k - 1]) and np.isnan(r.flow.state[t - 1, k - 1])
    not_loss = [t for t in range(1, 10) if t not in (4, 9)]
    assert np.isnan(r.flow.Wx[np.array(not_loss) - 1]).all()


def test_jacobian_norms_equal_a_brute_force_product(run):
    config, params, x, d, s0 = run
    r = bptt(config, params, x, d, s0, "last")
    D = dphi(config.activation, r.fwd.z)  # (T, H)
    T = len(x)
    for t in range(1, T + 1):
        for k in range(1, t + 1):
            P = np.eye(config.n_hidden)
            for j in range(k + 1, t + 1):
                P = P @ (params.Ws @ np.diag(D[j - 1]))
            assert np.isclose(r.flow.jacobian[t - 1, k - 1], np.linalg.norm(P, 2), rtol=1e-10)
        assert np.isnan(r.flow.jacobian[t - 1, t:]).all()


def test_state_gradient_is_sigma_tt_times_the_jacobian(run):
    """σ_{t,k} = σ_{t,t} P_{t,k}^T."""
    config, params, x, d, s0 = run
    r = bptt(config, params, x, d, s0, "last")
    D = dphi(config.activation, r.fwd.z)
    t = len(x)
    P = np.eye(config.n_hidden)
    for k in range(t, 0, -1):
        assert_allclose(r.sigma[0, k - 1], r.sigma[0, t - 1] @ P.T, rtol=1e-10, atol=1e-14)
        P = params.Ws @ np.diag(D[k - 1]) @ P


def test_the_lectures_example_has_three_terms_for_Ws_and_Wx():
    config = RNNConfig(n_in=1, n_hidden=2, n_out=1)
    params = init_params(config, seed=0)
    x = np.array([[-0.57], [-0.025], [-0.628]])  # (3, 1)
    d = np.array([[-0.567], [0.527], [-0.215]])  # (3, 1)
    r = bptt(config, params, x, d, loss_steps="last")
    assert list(r.steps) == [3]
    assert r.kept.sum() == 3  # C^Ws_{3,1}, C^Ws_{3,2}, C^Ws_{3,3} (and the same k's for Wx)
    assert r.per_step.Wy.shape == (1, 2, 1)  # one term for Wy
    assert r.loss == pytest.approx(r.E[2])  # E = E_3 alone


def test_exploding_run_reports_non_finite_without_raising():
    config = RNNConfig(activation="identity")
    params = init_params(config, seed=0, ws_spectral_radius=50.0)
    x = np.ones((200, 1))
    r = bptt(config, params, x, np.zeros((200, 1)), detail="norms")
    assert not r.diagnostics.finite
    assert any("non-finite" in w for w in r.diagnostics.warnings)


@settings(max_examples=40, deadline=None)
@given(
    n_in=st.integers(1, 3),
    H=st.integers(1, 4),
    n_out=st.integers(2, 3),
    T=st.integers(1, 6),
    activation=st.sampled_from(["tanh", "sigmoid", "identity"]),
    head=st.sampled_from(HEADS),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
    last_only=st.booleans(),
)
def test_any_small_model_passes_the_gradient_check(
    n_in, H, n_out, T, activation, head, bias, seed, last_only
):
    """Sizes, heads and seeds drawn at random: BPTT always equals central differences."""
    config = RNNConfig(
        n_in=n_in,
        n_hidden=H,
        n_out=n_out,
        activation=activation,
        output=head[0],
        loss=head[1],
        bias=bias,
    )
    params = init_params(config, seed=seed)
    x, d, s0 = sample(config, T, seed)
    loss_steps = "last" if last_only else "all"
    check = gradcheck(config, params, x, d, s0, loss_steps)
    E, _ = loss_and_grads(config, params, x, d, s0, loss_steps)
    assert_close_to_central_differences(check.analytic.as_dict(), check.numeric.as_dict(), E)
