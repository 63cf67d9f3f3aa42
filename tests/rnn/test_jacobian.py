"""jacobian_norms against brute-force products and np.linalg.norm(P, 2), edge cases included."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import app.rnn.jacobian
from app.rnn import RNNConfig, forward, init_params, jacobian_norms, spectral_norms
from app.rnn.activations import dphi


@pytest.fixture(autouse=True, params=["as served", "iteration only"])
def path(request, monkeypatch):
    """Every test twice: with the size-based choice of method, and the iteration alone."""
    if request.param == "iteration only":
        monkeypatch.setattr(app.rnn.jacobian, "ITERATION_MICROSECONDS", 0.0)
        monkeypatch.setattr(app.rnn.jacobian, "ONE_BATCH_MICROSECONDS", 0.0)
    return request.param


def brute_force(Ws: np.ndarray, D: np.ndarray) -> np.ndarray:
    """‖J_{k+1} … J_t‖₂ by explicit products, NaN above the diagonal and where not finite."""
    T, H = D.shape
    out = np.full((T, T), np.nan)  # (T, T)
    with np.errstate(all="ignore"):
        for k in range(1, T + 1):
            P = np.eye(H)  # (H, H) P_{k,k}
            for t in range(k, T + 1):
                if t > k:
                    P = P @ (Ws * D[t - 1][None, :])  # P_{t,k} = P_{t-1,k} J_t
                if np.isfinite(P).all():
                    out[t - 1, k - 1] = np.linalg.norm(P, 2)
    return out


def rnn_case(T: int, H: int, activation: str = "tanh", radius: float | None = None, seed: int = 0):
    config = RNNConfig(n_in=2, n_hidden=H, n_out=1, activation=activation)
    params = init_params(config, seed=seed, ws_spectral_radius=radius)
    x = np.random.default_rng(seed).normal(size=(T, 2))  # (T, n_in)
    return params.Ws, dphi(activation, forward(config, params, x).z)


@pytest.mark.parametrize(
    ("T", "H", "activation", "radius"),
    [
        (40, 32, "tanh", None),
        (25, 64, "tanh", 1.2),
        (30, 48, "sigmoid", 3.0),
        (30, 16, "relu", 1.5),
    ],
)
def test_large_hidden_matches_numpy_norm(T, H, activation, radius):
    Ws, D = rnn_case(T, H, activation, radius)
    got = jacobian_norms(Ws, D)
    want = brute_force(Ws, D)
    assert_allclose(got, want, rtol=1e-10, atol=0.0, equal_nan=True)


def test_near_degenerate_top_singular_values():
    """A rotation times a scale has σ₁ = σ₂ exactly; a tiny perturbation splits them by 1e-9."""
    H, T = 24, 30
    rng = np.random.default_rng(1)
    Qm, _ = np.linalg.qr(rng.normal(size=(H, H)))  # (H, H) orthogonal
    scales = np.linspace(0.5, 0.9, H)
    scales[:2] = 1.0, 1.0 - 1e-9  # a nearly tied top pair
    Ws = Qm * scales[None, :]  # (H, H)
    D = np.ones((T, H))  # identity activation: J_t = Ws
    assert_allclose(jacobian_norms(Ws, D), brute_force(Ws, D), rtol=1e-10, equal_nan=True)


def test_exactly_tied_top_pair_from_a_rotation_block():
    H, T = 6, 40
    theta = 0.3
    Ws = np.zeros((H, H))
    Ws[:2, :2] = 1.1 * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    Ws[2:, 2:] = np.diag([0.5, 0.4, 0.3, 0.2])
    D = np.ones((T, H))
    got = jacobian_norms(Ws, D)
    for t in range(1, T + 1):
        assert_allclose(np.diag(got, -(t - 1))[: T - t + 1], 1.1 ** (t - 1), rtol=1e-12)


def test_rank_deficient_relu_products():
    """Dead relu units zero whole columns of J_t: products of rank < H and exactly zero ones."""
    T, H = 30, 32
    rng = np.random.default_rng(2)
    Ws = rng.normal(scale=0.4, size=(H, H))  # (H, H)
    D = (rng.random((T, H)) < 0.5).astype(np.float64)  # (T, H) relu's Φ' ∈ {0, 1}
    D[10] = 0.0  # every unit dead at step 11: P_{t,k} = 0 across it
    got = jacobian_norms(Ws, D)
    assert_allclose(got, brute_force(Ws, D), rtol=1e-10, atol=1e-300, equal_nan=True)
    assert (got[10:, :10] == 0.0).all()


def test_huge_products_overflow_to_nan_never_raise():
    T, H = 90, 16
    Ws, D = rnn_case(T, H, "identity", radius=1e4)
    got = jacobian_norms(Ws, D)
    want = brute_force(Ws, D)
    finite = np.isfinite(want)
    assert_allclose(got[finite], want[finite], rtol=1e-10)
    assert np.isnan(got[np.triu_indices(T, 1)]).all()
    assert (np.isfinite(got) == finite).all(), "finite exactly where the plain product is"
    assert np.isnan(got).sum() > T * (T - 1) // 2, "the exploding run must overflow somewhere"


def test_underflowing_products_keep_their_precision():
    """Scaled products: ‖P‖₂ far below 1e-300 would be 0 unscaled; here it is 0.01^(t-k)."""
    H, T = 8, 80
    Ws = 0.01 * np.eye(H)
    got = jacobian_norms(Ws, np.ones((T, H)))
    gaps = np.subtract.outer(np.arange(T), np.arange(T))  # t - k
    lower = gaps >= 0
    expect = np.power(0.01, gaps[lower].astype(float))
    assert_allclose(got[lower][expect > 0], expect[expect > 0], rtol=1e-12)


def test_non_finite_inputs_give_nan_not_errors():
    T, H = 6, 5
    Ws = np.random.default_rng(3).normal(size=(H, H))
    D = np.ones((T, H))
    D[2, 1] = np.nan  # z overflowed at step 3
    got = jacobian_norms(Ws, D)
    assert np.isnan(got[2:, :2]).all(), "every product through J_3 is NaN"
    assert_allclose(got[:2, :2][np.tril_indices(2)], brute_force(Ws, D)[:2, :2][np.tril_indices(2)])
    assert (np.diag(got) == 1.0).all()
    Ws_inf = Ws.copy()
    Ws_inf[0, 0] = np.inf
    got_inf = jacobian_norms(Ws_inf, np.ones((T, H)))
    assert np.isnan(got_inf[np.tril_indices(T, -1)]).all()


@pytest.mark.parametrize("H", [1, 2, 3])
def test_tiny_hidden_sizes(H):
    Ws, D = rnn_case(12, H, "tanh", 1.3)
    assert_allclose(jacobian_norms(Ws, D), brute_force(Ws, D), rtol=1e-12, equal_nan=True)


def test_spectral_norms_of_a_stack():
    rng = np.random.default_rng(4)
    M = rng.normal(size=(5, 7, 7))  # (n, H, H)
    M[1] *= 1e200  # huge but finite
    M[2, 0, 0] = np.nan
    got = spectral_norms(M)
    for i in (0, 1, 3, 4):
        assert np.isclose(got[i], np.linalg.norm(M[i] / 1e200, 2) * 1e200, rtol=1e-12)
    assert np.isnan(got[2])


def test_the_step_hook_changes_nothing(path):
    Ws, D = rnn_case(12, 6)
    seen: list[int] = []
    assert_allclose(
        jacobian_norms(Ws, D, seen.append), jacobian_norms(Ws, D), rtol=0, equal_nan=True
    )
    if path == "iteration only":
        assert seen == list(range(1, 13))  # once per step t of the sweep
