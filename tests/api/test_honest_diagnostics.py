"""Every null in a /api/bptt answer is explained: finite is false and a warning names the field,
or (a budget, not an overflow) a warning names the field and why.

Structural nulls are not values: flow entries with k > t, off the loss steps or cut by
truncation, E off the loss steps, and z for gated cells (api.md, cells.md).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import strict_json


def null_fields(body: dict[str, Any]) -> set[str]:
    """The fields ('steps[].z', 'flow.jacobian', 'terms[].k[].Ws', …) holding a real null."""
    found: set[str] = set()
    loss_steps = set(body["loss_steps"])
    gated = "gates" in body["steps"][0]

    def walk(value: Any, name: str) -> None:
        if value is None:
            found.add(name)
        elif isinstance(value, list):
            for item in value:
                walk(item, name)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{name}.{key}" if name else key)

    for step in body["steps"]:
        for key, value in step.items():
            if (key == "E" and step["t"] not in loss_steps) or (key == "z" and gated):
                continue
            walk(value, f"steps[].{key}")
    walk(body["loss"], "loss")
    walk(body["grads"], "grads")
    for name, matrix in body["flow"].items():
        for t, row in enumerate(matrix, start=1):
            ks = range(t) if name == "jacobian" else range(t if t in loss_steps else 0)
            for k in ks:
                if row[k] is None and not (name != "jacobian" and cut(body, t, k + 1)):
                    found.add(f"flow.{name}")
    for term in body.get("terms", []):
        for key, value in term.items():
            if key == "k":
                for k_term in value:
                    for k_key, k_value in k_term.items():
                        walk(k_value, f"terms[].k[].{k_key}")
            else:
                walk(value, f"terms[].{key}")
    diagnostics = body["diagnostics"]
    for key in ("ws_spectral_radius", "ws_spectral_norm", "gamma", "ws_eigenvalues"):
        walk(diagnostics[key], f"diagnostics.{key}")
    return found


def cut(body: dict[str, Any], t: int, k: int) -> bool:
    """True when truncation cut term k of loss step t."""
    K = body.get("truncate")
    return K is not None and k <= t - K


def assert_explained(body: dict[str, Any]) -> set[str]:
    """Each null field is named in a warning; an overflowed computed value sets finite false."""
    nulls = null_fields(body)
    warnings = " ".join(body["diagnostics"]["warnings"])
    for name in nulls:
        assert re.search(re.escape(name) + r"\b", warnings), (name, body["diagnostics"])
        budget = name == "flow.jacobian" and "flow.jacobian omitted" in warnings
        if not name.startswith("diagnostics.") and not budget:
            assert body["diagnostics"]["finite"] is False, (name, body["diagnostics"])
    if body["diagnostics"]["finite"] is False:
        assert nulls, "finite is false but every number was sent"
    return nulls


def seq(T: int, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {
        "inputs": rng.uniform(-1, 1, (T, 1)).tolist(),
        "targets": rng.uniform(-1, 1, (T, 1)).tolist(),
    }


def post(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/bptt", json=body)
    assert response.status_code == 200, response.text[:300]
    result: dict[str, Any] = strict_json(response.text)
    return result


@pytest.mark.parametrize("activation", ["tanh", "identity", "relu"])
def test_spectral_radius_100_over_200_steps_explains_every_null(client, activation):
    """ρ(Ws) = 100, T = 200, detail norms: overflow or not, no null goes unexplained."""
    model = {"n_in": 1, "n_hidden": 8, "n_out": 1, "ws_spectral_radius": 100}
    body = post(
        client, {"model": {**model, "activation": activation}, **seq(200), "detail": "norms"}
    )
    nulls = assert_explained(body)
    if activation == "identity":
        assert {"steps[].z", "flow.jacobian", "grads.Ws"} <= nulls


def test_weights_of_1e308_name_the_null_pre_activations(client):
    """Wx = Ws = 1e308: z_t overflows to ±inf, sent as null, and the warning names steps[].z."""
    big = {
        "Wx": [[1e308, -1e308]],
        "Ws": [[1e308, 1e308], [-1e308, 1e308]],
        "Wy": [[1e308], [1e308]],
    }
    body = post(
        client,
        {
            "model": {"n_in": 1, "n_hidden": 2, "n_out": 1, "weights": big},
            "inputs": [[1], [0.5], [-1]],
            "targets": [[0], [0], [1]],
        },
    )
    nulls = assert_explained(body)
    assert "steps[].z" in nulls and body["diagnostics"]["finite"] is False


def test_only_pre_activations_overflow_still_sets_finite_false(client):
    """z = ±inf while s = tanh(z) = ±1 stays finite: the answer still says finite: false."""
    weights = {"Wx": [[1e308]], "Ws": [[0.0]], "Wy": [[1.0]]}
    body = post(
        client,
        {
            "model": {"n_in": 1, "n_hidden": 1, "n_out": 1, "weights": weights},
            "inputs": [[2.0], [-2.0]],
            "targets": [[0], [0]],
            "detail": "norms",
        },
    )
    assert assert_explained(body) == {"steps[].z"}
    assert body["diagnostics"]["finite"] is False


def test_jacobian_over_budget_is_named_with_its_setting(client):
    """Over the Jacobian budget: null Jacobian norms, finite stays true, the warning says why."""
    body = post(
        client,
        {"model": {"n_in": 1, "n_hidden": 64, "n_out": 1}, **seq(400), "detail": "norms"},
    )
    assert assert_explained(body) == {"flow.jacobian"}
    assert body["diagnostics"]["finite"] is True
    assert "BPTT_MAX_JACOBIAN_WORK" in " ".join(body["diagnostics"]["warnings"])
