"""The core's verdict on its own numbers: the Jacobian budget, and every non-finite field named."""

from __future__ import annotations

import numpy as np
import pytest

from app.rnn import (
    JacobianBudget,
    Problem,
    RNNConfig,
    Weights,
    backprop,
    forward,
    forward_is_finite,
    init_params,
    jacobian_work,
)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_jacobian_budget_is_decided_in_the_core(cell):
    """Over the budget: flow.jacobian all NaN, not counted as overflow, a warning names the
    setting and the state size; within it the norms are there."""
    config = RNNConfig(n_in=1, n_hidden=3, n_out=1, cell=cell)
    problem = Problem(config, init_params(config), np.ones((6, 1)), np.zeros((6, 1)))
    S = config.state_size
    work = jacobian_work(6, S)
    assert work == 36 * (S**3 + 40_000)
    over = backprop(problem, "norms", JacobianBudget(work - 1, "BPTT_MAX_JACOBIAN_WORK"))
    assert np.isnan(over.flow.jacobian).all()
    assert over.diagnostics.finite and not over.diagnostics.jacobian_computed
    (warning,) = [w for w in over.diagnostics.warnings if w.startswith("flow.jacobian omitted")]
    assert "BPTT_MAX_JACOBIAN_WORK" in warning and f"{work:.3g}" in warning
    assert ("S = 6" in warning) is (cell == "lstm")
    within = backprop(problem, "norms", JacobianBudget(work, "BPTT_MAX_JACOBIAN_WORK"))
    assert np.isfinite(within.flow.jacobian[np.tril_indices(6)]).all()
    assert within.diagnostics.jacobian_computed
    assert not any(w.startswith("flow.jacobian") for w in within.diagnostics.warnings)


def test_overflowing_pre_activations_alone_make_the_run_not_finite():
    """z = ±inf with s = tanh(z) finite: finite is false and steps[].z is named with its count."""
    config = RNNConfig(n_in=1, n_hidden=1, n_out=1)
    w = Weights(np.array([[1e308]]), np.array([[0.0]]), np.array([[1.0]]))
    r = backprop(Problem(config, w, np.array([[2.0], [-2.0]]), np.zeros((2, 1))), "norms")
    assert not r.diagnostics.finite
    assert r.diagnostics.nulls == {"steps[].z": 2}
    assert any("steps[].z (2)" in w for w in r.diagnostics.warnings)
    assert not forward_is_finite(forward(config, w, np.array([[2.0]])))


def test_a_finite_run_has_no_nulls_and_no_overflow_warning():
    config = RNNConfig(n_in=1, n_hidden=2, n_out=1, cell="lstm", bias=True)
    r = backprop(Problem(config, init_params(config), np.ones((4, 1)), np.zeros((4, 1))))
    assert r.diagnostics.finite and r.diagnostics.nulls == {}
    assert not any("non-finite" in w for w in r.diagnostics.warnings)
