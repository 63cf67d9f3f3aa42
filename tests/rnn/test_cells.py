"""The gated cells term by term (cells.md): every per-(t,k) term, σ and κ against central
differences on one step's copy, the sums of terms against the efficient totals, the one-step
Jacobian against the backward step, and random small models against the gradient check.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from app.rnn import (
    Problem,
    RNNConfig,
    Weights,
    backprop,
    bptt,
    get_cell,
    gradcheck,
    gradients,
    init_params,
    step_jacobian_norms,
    step_losses,
)
from app.rnn.model import output_of
from tests.rnn.numeric import assert_close_to_central_differences

H_STEP = 1e-6
CELLS = ["rnn", "lstm", "gru"]
GATED = ["lstm", "gru"]


def make(cell: str, bias: bool = True, output: str = "linear", seed: int = 0, T: int = 5):
    """A small model of `cell` with a sequence, s_0 and (LSTM) c_0."""
    loss = "cross_entropy" if output == "softmax" else "squared_error"
    config = RNNConfig(n_in=2, n_hidden=3, n_out=2, cell=cell, bias=bias, output=output, loss=loss)
    w = init_params(config, seed=seed, ws_spectral_radius=1.3)
    rng = np.random.default_rng(seed + 100)
    x = rng.uniform(-1, 1, (T, 2))  # (T, n_in)
    if output == "softmax":
        d = np.eye(2)[rng.integers(0, 2, T)]  # (T, n_out) one-hot
    else:
        d = rng.uniform(-1, 1, (T, 2))  # (T, n_out)
    s0 = rng.uniform(-0.5, 0.5, 3)  # (H,)
    c0 = rng.uniform(-0.5, 0.5, 3) if cell == "lstm" else None  # (H,)
    return config, w, x, d, s0, c0


def rollout(config, per_step, x, d, s0, c0, t, at=None):
    """E_t with step j using the weights per_step[j] (one copy per step), optionally replacing
    the state after step k: at = (k, "s" | "c", value). For "c", s_k = o_k ⊙ tanh(c_k)."""
    cell = get_cell(config.cell)
    s, c = s0, c0
    for j in range(t):
        fwd = cell.forward(config, per_step[j], x[j : j + 1], s, c)
        s = fwd.s[1]
        c = fwd.c[1] if fwd.c is not None else None
        if at is not None and at[0] == j + 1:
            if at[1] == "s":
                s = at[2]
            else:
                c = at[2]
                s = fwd.gates["o"][0] * np.tanh(c)
    o, y = output_of(config, per_step[t - 1], s[None, :])
    return float(step_losses(config, y, d[t - 1 : t], o)[0])


def central(f, value):
    """∂f/∂value by central differences, entry by entry."""
    grad = np.zeros_like(value)
    for idx in np.ndindex(value.shape):
        up, down = value.copy(), value.copy()
        up[idx] += H_STEP
        down[idx] -= H_STEP
        grad[idx] = (f(up) - f(down)) / (2 * H_STEP)
    return grad


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("output", ["linear", "softmax"])
def test_every_term_is_the_gradient_of_E_t_wrt_step_ks_copy(cell, output):
    """C^W_{t,k} = ∂E_t/∂W_k (only step k's copy moved) for Wx, Ws, bx, bs at every kept (t, k)."""
    config, w, x, d, s0, c0 = make(cell, output=output, T=4)
    r = bptt(config, w, x, d, s0, loss_steps=[2, 4], c0=c0)
    terms = r.terms
    assert terms is not None
    T = len(x)
    for n in range(len(terms.k)):
        t, k = int(r.steps[terms.row[n]]), int(terms.k[n])
        expected = {"Ws": terms.Ws[n], "Wx": terms.Wx[n], "bs": terms.delta_s[n]}
        if cell != "rnn":
            expected["bx"] = terms.delta_x[n]
        for name, C in expected.items():

            def E_t(value, name=name, k=k, t=t):
                per_step = [w] * T
                per_step[k - 1] = replace(w, **{name: value})
                return rollout(config, per_step, x, d, s0, c0, t)

            num = central(E_t, getattr(w, name))
            assert_allclose(C, num, rtol=1e-6, atol=1e-9, err_msg=f"C^{name}_{{{t},{k}}}")


@pytest.mark.parametrize("cell", CELLS)
def test_sigma_and_kappa_are_total_derivatives_of_E_t(cell):
    """σ_{t,k} = ∂E_t/∂s_k and, for the LSTM, κ_{t,k} = ∂E_t/∂c_k (through s_k too)."""
    config, w, x, d, s0, c0 = make(cell, T=5)
    r = bptt(config, w, x, d, s0, loss_steps="all", c0=c0)
    assert r.sigma is not None
    T = len(x)
    for i, t in enumerate(r.steps.tolist()):
        for k in range(1, t + 1):
            s_k = r.fwd.s[k]
            sigma = central(
                lambda v, k=k, t=t: rollout(config, [w] * T, x, d, s0, c0, t, (k, "s", v)), s_k
            )
            assert_allclose(r.sigma[i, k - 1], sigma, rtol=1e-6, atol=1e-9, err_msg=f"σ_{t},{k}")
            if cell == "lstm":
                assert r.kappa is not None and r.fwd.c is not None
                kappa = central(
                    lambda v, k=k, t=t: rollout(config, [w] * T, x, d, s0, c0, t, (k, "c", v)),
                    r.fwd.c[k],
                )
                assert_allclose(r.kappa[i, k - 1], kappa, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("loss_steps", ["all", "last", [1, 3, 4]])
@pytest.mark.parametrize("truncate", [None, 1, 2])
def test_terms_sum_to_the_totals(cell, loss_steps, truncate):
    """Σ_k C_{t,k} = ∂E_t/∂W per loss step, Σ_t of those = the total (the efficient recursion
    for full BPTT), and truncation keeps exactly the K most recent terms."""
    config, w, x, d, s0, c0 = make(cell, T=5)
    r = bptt(config, w, x, d, s0, loss_steps=loss_steps, truncate=truncate, c0=c0)
    terms, per_step = r.terms, r.per_step
    assert terms is not None and per_step is not None
    for i in range(len(r.steps)):
        rows = terms.row == i
        assert_allclose(per_step.Ws[i], terms.Ws[rows].sum(axis=0), rtol=1e-12, atol=1e-15)
        assert_allclose(per_step.Wx[i], terms.Wx[rows].sum(axis=0), rtol=1e-12, atol=1e-15)
        t = int(r.steps[i])
        lowest = 1 if truncate is None else max(1, t - truncate + 1)
        assert terms.k[rows].tolist() == list(range(lowest, t + 1))
    for name, g in r.grads.as_dict().items():
        assert_allclose(getattr(per_step, name).sum(axis=0), g, rtol=1e-10, atol=1e-14)
    loss, g_train = gradients(Problem(config, w, x, d, s0, c0, loss_steps, truncate))
    assert loss == r.loss
    for name, g in g_train.as_dict().items():
        assert_allclose(g, r.grads.as_dict()[name], rtol=1e-10, atol=1e-14, err_msg=name)


@pytest.mark.parametrize("cell", CELLS)
def test_one_step_jacobian_is_the_backward_step(cell):
    """cell.back(λ) carries λ J_kᵀ: feeding the unit vectors gives the Jacobian's columns."""
    config, w, x, d, s0, c0 = make(cell, T=4)
    c = get_cell(cell)
    fwd = c.forward(config, w, x, s0, c0)
    local = c.local(config, w, fwd)
    J = c.jacobian(w, local)  # (T, S, S)
    S = config.state_size
    assert J.shape == (4, S, S)
    for k in range(1, 5):
        carry = c.back(w, local, k, np.eye(S)).carry  # (S, S): row b = e_b J_kᵀ
        assert_allclose(carry, J[k - 1].T, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cell", GATED)
def test_jacobian_norms_are_those_of_the_state_products(cell):
    """flow.jacobian = ‖J_{k+1} … J_t‖₂ of the whole state, checked by central differences of
    h_t in h_k for one pair and by explicit products for all."""
    config, w, x, d, s0, c0 = make(cell, T=6)
    r = bptt(config, w, x, d, s0, c0=c0)
    c = get_cell(cell)
    J = c.jacobian(w, c.local(config, w, r.fwd))
    for t in range(1, 7):
        P = np.eye(config.state_size)
        for k in range(t, 0, -1):
            assert_allclose(r.flow.jacobian[t - 1, k - 1], np.linalg.norm(P, 2), rtol=1e-10)
            P = J[k - 1] @ P
    assert_allclose(r.flow.jacobian, step_jacobian_norms(J), rtol=1e-12, equal_nan=True)

    def state_after(h2, k=2, t=5):
        """h_t from h_k = h2, running steps k+1..t."""
        H = config.n_hidden
        s, cc = h2[:H], (h2[H:] if cell == "lstm" else None)
        fwd = c.forward(config, w, x[k:t], s, cc)
        return np.concatenate([fwd.s[-1], fwd.c[-1]]) if cell == "lstm" else fwd.s[-1]

    h2 = np.concatenate([r.fwd.s[2], r.fwd.c[2]]) if cell == "lstm" else r.fwd.s[2]
    num = np.stack([central(lambda v, j=j: state_after(v)[j], h2) for j in range(len(h2))], 1)
    assert_allclose(np.linalg.norm(num, 2), r.flow.jacobian[4, 1], rtol=1e-6)


@pytest.mark.parametrize("cell", GATED)
def test_flow_norms_are_norms_of_the_terms(cell):
    """‖C^Ws_{t,k}‖_F, ‖C^Wx_{t,k}‖_F, ‖σ‖ and ‖κ‖ at [t-1, k-1]."""
    config, w, x, d, s0, c0 = make(cell, T=5)
    r = bptt(config, w, x, d, s0, loss_steps=[3, 5], truncate=2, c0=c0)
    terms = r.terms
    assert terms is not None
    for n in range(len(terms.k)):
        t, k = int(r.steps[terms.row[n]]), int(terms.k[n])
        assert_allclose(r.flow.Ws[t - 1, k - 1], np.linalg.norm(terms.Ws[n]), rtol=1e-12)
        assert_allclose(r.flow.Wx[t - 1, k - 1], np.linalg.norm(terms.Wx[n]), rtol=1e-12)
        assert_allclose(r.flow.state[t - 1, k - 1], np.linalg.norm(terms.sigma[n]), rtol=1e-12)
        if cell == "lstm":
            assert r.flow.cell is not None and terms.kappa is not None
            assert_allclose(r.flow.cell[t - 1, k - 1], np.linalg.norm(terms.kappa[n]), rtol=1e-12)
    kept = ~np.isnan(r.flow.Ws)
    assert kept.sum() == len(terms.k)  # null everywhere else (k > t, cut, not a loss step)


@settings(max_examples=30, deadline=None)
@given(
    cell=st.sampled_from(GATED),
    n_in=st.integers(1, 3),
    H=st.integers(1, 4),
    n_out=st.integers(1, 3),
    T=st.integers(1, 6),
    softmax=st.booleans(),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
    last_only=st.booleans(),
    radius=st.sampled_from([None, 0.5, 2.0]),
)
def test_any_small_gated_model_passes_the_gradient_check(
    cell, n_in, H, n_out, T, softmax, bias, seed, last_only, radius
):
    """Random sizes, heads, seeds and spectral radii: full BPTT equals central differences."""
    head = ("softmax", "cross_entropy") if softmax and n_out > 1 else ("linear", "squared_error")
    config = RNNConfig(
        n_in=n_in, n_hidden=H, n_out=n_out, cell=cell, bias=bias, output=head[0], loss=head[1]
    )
    w = init_params(config, seed=seed, ws_spectral_radius=radius)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (T, n_in))
    d = (
        rng.dirichlet(np.ones(n_out), T)
        if softmax and n_out > 1
        else rng.uniform(-1, 1, (T, n_out))
    )
    s0 = rng.uniform(-1, 1, H)
    c0 = rng.uniform(-1, 1, H) if cell == "lstm" else None
    loss_steps = "last" if last_only else "all"
    check = gradcheck(config, w, x, d, s0, loss_steps, c0=c0)
    E, _ = gradients(Problem(config, w, x, d, s0, c0, loss_steps))
    assert_close_to_central_differences(check.analytic.as_dict(), check.numeric.as_dict(), E)


@pytest.mark.parametrize("cell", GATED)
def test_gradient_check_passes_for_every_loss_step_mode(cell):
    """max relative error < 1e-6 on a fixed model for all, last and listed loss steps."""
    config, w, x, d, s0, c0 = make(cell, T=6)
    for loss_steps in ("all", "last", [2, 5]):
        check = gradcheck(config, w, x, d, s0, loss_steps, c0=c0)
        assert check.passed, (loss_steps, check.max_rel_error)
        assert max(check.max_rel_error.values()) < 1e-6


@pytest.mark.parametrize("cell", GATED)
def test_seeded_init_is_pytorchs_uniform_with_gate_blocks(cell):
    """U(−1/√H, 1/√H) for every weight and bias; ws_spectral_radius sets each block's ρ."""
    config = RNNConfig(n_in=3, n_hidden=16, n_out=2, cell=cell, bias=True)
    w = init_params(config, seed=5)
    G = 4 if cell == "lstm" else 3
    shapes = {"Wx": (3, G * 16), "Ws": (16, G * 16), "Wy": (16, 2), "bx": (G * 16,)}
    shapes |= {"bs": (G * 16,), "by": (2,)}
    assert {k: v.shape for k, v in w.as_dict().items()} == shapes
    for name, value in w.as_dict().items():
        assert np.abs(value).max() <= 0.25, name
        if value.size >= 32:
            assert np.abs(value).max() > 0.2, name  # spread over the whole interval
    assert_allclose(init_params(config, seed=5).Ws, w.Ws)  # same seed, same weights
    scaled = init_params(config, seed=5, ws_spectral_radius=0.7)
    for j in range(G):
        block = scaled.Ws[:, j * 16 : (j + 1) * 16]
        assert_allclose(np.max(np.abs(np.linalg.eigvals(block))), 0.7, rtol=1e-12)
    r = bptt(config, scaled, np.zeros((2, 3)), np.zeros((2, 2)), detail="norms")
    assert set(r.diagnostics.gate_spectral_radius) == set(config.gates)
    assert_allclose(r.diagnostics.ws_spectral_radius, 0.7, rtol=1e-12)


def test_config_refuses_what_a_gated_cell_cannot_be():
    """Only tanh for gated cells; c0 only for the LSTM."""
    with pytest.raises(ValueError, match="activation must be 'tanh' for the lstm cell"):
        RNNConfig(cell="lstm", activation="relu")
    with pytest.raises(ValueError, match="cell must be one of"):
        RNNConfig(cell="transformer")
    config = RNNConfig(cell="gru")
    w = init_params(config)
    with pytest.raises(ValueError, match="c0 is the LSTM's cell state"):
        Problem(config, w, np.zeros((2, 1)), np.zeros((2, 1)), c0=np.zeros(3))


@pytest.mark.parametrize("cell", GATED)
def test_exploding_gated_run_is_reported_not_raised(cell):
    """Huge weights: non-finite values are named in the diagnostics, nothing raises."""
    config = RNNConfig(n_in=1, n_hidden=2, n_out=1, cell=cell)
    w = init_params(config)
    big = Weights(w.Wx * 1e308, w.Ws * 1e308, w.Wy * 1e308)
    r = backprop(Problem(config, big, np.full((4, 1), 3.0), np.zeros((4, 1))))
    assert not r.diagnostics.finite
    assert r.diagnostics.nulls
    assert any(name in " ".join(r.diagnostics.warnings) for name in r.diagnostics.nulls)
