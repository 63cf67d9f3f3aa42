"""Fields added for the page's lab: Ws eigenvalues in /api/bptt's diagnostics, and the
analytic and numeric gradients in /api/gradcheck's answer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from numpy.testing import assert_allclose


def sequence(rng: np.random.Generator, T: int) -> dict[str, Any]:
    return {
        "inputs": rng.standard_normal((T, 1)).tolist(),
        "targets": rng.standard_normal((T, 1)).tolist(),
    }


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("H", [1, 2, 5])
def test_ws_eigenvalues_are_those_of_the_weights_used(
    client: TestClient, rng: np.random.Generator, H: int
) -> None:
    body = post(client, "/api/bptt", {"model": {"n_hidden": H, "seed": 4}, **sequence(rng, 3)})
    pairs = np.array(body["diagnostics"]["ws_eigenvalues"], dtype=float)  # (H, 2)
    assert pairs.shape == (H, 2)
    lam = pairs[:, 0] + 1j * pairs[:, 1]
    Ws = np.array(body["weights"]["Ws"])
    # each one is a root of det(Ws − λI); together they give the trace and the determinant
    assert_allclose(lam.sum().real, np.trace(Ws), atol=1e-10)
    assert_allclose(np.prod(lam).real, np.linalg.det(Ws), atol=1e-10)
    for value in lam:
        assert abs(np.linalg.det(Ws - value * np.eye(H))) < 1e-8
    moduli = np.abs(lam)
    assert np.all(np.diff(moduli) <= 1e-12), f"not ordered by |λ| descending: {moduli}"
    assert moduli[0] == pytest.approx(body["diagnostics"]["ws_spectral_radius"], rel=1e-9)


def test_ws_eigenvalues_follow_the_requested_spectral_radius(
    client: TestClient, rng: np.random.Generator
) -> None:
    model = {"n_hidden": 4, "seed": 1, "ws_spectral_radius": 0.7}
    body = post(client, "/api/bptt", {"model": model, **sequence(rng, 3), "detail": "norms"})
    lam = np.array(body["diagnostics"]["ws_eigenvalues"], dtype=float)
    assert np.hypot(lam[:, 0], lam[:, 1]).max() == pytest.approx(0.7, rel=1e-9)


def test_gradcheck_sends_analytic_and_numeric_gradients(
    client: TestClient, rng: np.random.Generator
) -> None:
    data = {"model": {"n_hidden": 3, "seed": 2}, **sequence(rng, 4), "loss_steps": "all"}
    check = post(client, "/api/gradcheck", data)
    full = post(client, "/api/bptt", {**data, "detail": "norms"})
    for name in ("Wx", "Ws", "Wy"):
        analytic = np.array(check["analytic"][name])
        numeric = np.array(check["numeric"][name])
        assert_allclose(analytic, np.array(full["grads"][name]), rtol=1e-12, atol=1e-15)
        assert_allclose(numeric, analytic, rtol=1e-5, atol=1e-9)
        rel = np.abs(analytic - numeric) / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))
        assert rel.max() == pytest.approx(check["max_rel_error"][name], rel=1e-6, abs=1e-12)
    assert check["passed"] is True
