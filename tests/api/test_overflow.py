"""Overflow and divergence give finite JSON with the right flags, never a 5xx (issues 2 and 6).

For /api/forward (`finite`), /api/bptt (`diagnostics.finite` and a warning) and /api/train
(`diverged`, with the last finite weights): every answer parses as strict JSON (no NaN or
Infinity tokens), and the flag agrees with the numbers: a null where a computed number belongs
if and only if the flag says the run overflowed. Named configurations first (exploding states,
huge weights, saturated softmax, runaway optimizers), then hypothesis over large weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.helpers import strict_json

EXPLODING = {"activation": "identity", "ws_spectral_radius": 50.0, "seed": 0}  # ρ(Ws)^200 ≫ 1e308


def seq(T: int, n_in: int = 1, n_out: int = 1, seed: int = 0) -> dict[str, Any]:
    """inputs and targets of T steps, uniform in [-1, 1]."""
    rng = np.random.default_rng(seed)
    return {
        "inputs": rng.uniform(-1, 1, (T, n_in)).tolist(),
        "targets": rng.uniform(-1, 1, (T, n_out)).tolist(),
    }


def huge_weights(n_in: int, H: int, n_out: int, scale: float) -> dict[str, Any]:
    """Alternating-sign weights of magnitude `scale`."""
    sign = lambda shape: np.where(np.indices(shape).sum(axis=0) % 2 == 0, 1.0, -1.0)  # noqa: E731
    return {
        "Wx": (scale * sign((n_in, H))).tolist(),
        "Ws": (scale * sign((H, H))).tolist(),
        "Wy": (scale * sign((H, n_out))).tolist(),
    }


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """200 and a strict-JSON body (json.loads refusing NaN/Infinity), or the test fails."""
    response = client.post(path, json=body)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:500]}"
    result: dict[str, Any] = strict_json(response.text)
    return result


def nulls(value: Any) -> int:
    """How many None leaves a nested list/dict holds."""
    if value is None:
        return 1
    if isinstance(value, list):
        return sum(nulls(item) for item in value)
    if isinstance(value, dict):
        return sum(nulls(item) for item in value.values())
    return 0


def lower_triangle(matrix: list[list[float | None]]) -> list[float | None]:
    """The entries [t-1][k-1] with k ≤ t: present for every step when all steps are loss steps."""
    return [row[k] for t, row in enumerate(matrix) for k in range(t + 1)]


def assert_bptt_flags(body: dict[str, Any]) -> None:
    """loss_steps "all", no truncation: a null among the computed numbers ⇔ finite is false."""
    computed = [
        [step[name] for step in body["steps"] for name in ("z", "s", "y", "E")],
        body["loss"],
        body["grads"],
        [lower_triangle(matrix) for matrix in body["flow"].values()],
        body.get("terms", []),
    ]
    diagnostics = body["diagnostics"]
    assert diagnostics["finite"] is (nulls(computed) == 0), (diagnostics, nulls(computed))
    if not diagnostics["finite"]:
        assert any("non-finite" in w or "overflow" in w for w in diagnostics["warnings"]), (
            diagnostics["warnings"]
        )


def assert_forward_flags(body: dict[str, Any]) -> None:
    """A null among z, s, y, E or the loss ⇔ finite is false."""
    names = ("z", "s", "y", "E")
    computed = [[step.get(name) for step in body["steps"] for name in names], body.get("loss")]
    if "loss" not in body:  # no targets: no E, no loss
        computed = [[step[name] for step in body["steps"] for name in names[:3]]]
    assert body["finite"] is (nulls(computed) == 0), (body["finite"], nulls(computed))


def assert_train_flags(body: dict[str, Any], steps: int, start_step: int = 0) -> None:
    """diverged ⇔ the run stopped early (at a null loss, norm or update); weights stay finite."""
    assert nulls(body["weights"]) == 0 and nulls(body["optimizer_state"]) == 0
    history = body["history"]
    last = history[-1]
    if body["diverged"]:
        assert body["step"] < start_step + steps
        assert last["step"] == body["step"] + 1  # the step that overflowed is logged
        assert nulls([h["loss"] for h in history[:-1]]) == 0  # E was finite before it
    else:
        assert body["step"] == start_step + steps
        assert nulls([h["loss"] for h in history]) == 0
    # A gradient norm may be null on a step that did not diverge: ‖g‖ overflows (e.g. at
    # 1e160 entries) while every entry of g, and so the update, is still finite.


# ---------------------------------------------------------------- /api/bptt and /api/forward


BPTT_CASES = {
    "identity, ρ(Ws) = 50, T = 200, norms": (
        {"model": EXPLODING, **seq(200), "detail": "norms"},
        False,
    ),
    "identity, ρ(Ws) = 50, T = 120, full": ({"model": EXPLODING, **seq(120)}, False),
    "relu, ρ(Ws) = 100, T = 300, norms": (
        {"model": {**EXPLODING, "activation": "relu", "ws_spectral_radius": 100}, **seq(300)}
        | {"detail": "norms"},
        False,
    ),
    "weights 1e200, identity (overflow at step 2)": (
        {
            "model": {
                "n_hidden": 3,
                "activation": "identity",
                "weights": huge_weights(1, 3, 1, 1e200),
            },
            **seq(4),
        },
        False,
    ),
    "weights 1e300, tanh (saturated, finite)": (
        {"model": {"n_hidden": 3, "weights": huge_weights(1, 3, 1, 1e300)}, **seq(6)},
        None,  # saturated tanh stays finite; the output layer decides
    ),
    "softmax logits 1e300 with cross-entropy": (
        {
            "model": {
                "n_hidden": 2,
                "n_out": 3,
                "output": "softmax",
                "loss": "cross_entropy",
                "weights": huge_weights(1, 2, 3, 1e300),
            },
            "inputs": [[1.0], [-1.0], [0.5]],
            "targets": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        },
        None,
    ),
    "sigmoid, ρ(Ws) = 0.5 (vanishing, finite)": (
        {"model": {"activation": "sigmoid", "ws_spectral_radius": 0.5}, **seq(50)},
        True,
    ),
}


@pytest.mark.parametrize("name", list(BPTT_CASES))
def test_bptt_overflow_is_finite_json_with_the_right_flag(client: TestClient, name: str) -> None:
    request, expected_finite = BPTT_CASES[name]
    body = post(client, "/api/bptt", request)
    assert_bptt_flags(body)
    if expected_finite is not None:
        assert body["diagnostics"]["finite"] is expected_finite


@pytest.mark.parametrize("name", list(BPTT_CASES))
def test_forward_overflow_is_finite_json_with_the_right_flag(client: TestClient, name: str) -> None:
    request, expected_finite = BPTT_CASES[name]
    body = post(client, "/api/forward", {k: v for k, v in request.items() if k != "detail"})
    assert_forward_flags(body)
    if expected_finite is False:
        assert body["finite"] is False
    without_targets = {k: v for k, v in request.items() if k in ("model", "inputs")}
    assert_forward_flags(post(client, "/api/forward", without_targets))


def test_gradcheck_of_an_overflowing_model_fails_with_finite_json(client: TestClient) -> None:
    model = {"n_hidden": 3, "activation": "identity", "weights": huge_weights(1, 3, 1, 1e200)}
    body = post(client, "/api/gradcheck", {"model": model, **seq(4)})
    assert body["passed"] is False
    assert nulls(body["max_rel_error"]) > 0


# ---------------------------------------------------------------- /api/train


TASK = {"task": {"name": "sine", "T": 10, "seed": 1}}
TRAIN_CASES = {
    "sgd lr 1e6": ({"optimizer": {"name": "sgd", "lr": 1e6}, "steps": 300}, True),
    "momentum 1, lr 1e6": (
        {"optimizer": {"name": "momentum", "lr": 1e6, "momentum": 1.0}, "steps": 300},
        True,
    ),
    "overflow at the first step (identity, ρ = 50, T = 200)": (
        {
            "model": EXPLODING,
            "data": seq(200),
            "optimizer": {"name": "sgd", "lr": 0.1},
            "steps": 5,
        },
        True,
    ),
    "huge weights with adam": (
        {
            "model": {
                "n_hidden": 3,
                "activation": "identity",
                "weights": huge_weights(1, 3, 1, 1e200),
            },
            "optimizer": {"name": "adam", "lr": 1.0},
            "steps": 5,
        },
        True,
    ),
    "clipped sgd lr 1e6 (norm capped, weights still explode)": (
        {"optimizer": {"name": "sgd", "lr": 1e6}, "clip": 1.0, "steps": 300},
        None,
    ),
    "adam lr 1e-2, clipped (a healthy run)": (
        {"optimizer": {"name": "adam", "lr": 1e-2}, "clip": 1.0, "steps": 40},
        False,
    ),
}


@pytest.mark.parametrize("name", list(TRAIN_CASES))
def test_train_divergence_is_finite_json_with_the_right_flag(client: TestClient, name: str) -> None:
    change, expected_diverged = TRAIN_CASES[name]
    request = {"model": {"n_hidden": 4, "seed": 3}, "data": TASK, **change}
    body = post(client, "/api/train", request)
    assert_train_flags(body, request["steps"])
    if expected_diverged is not None:
        assert body["diverged"] is expected_diverged


def test_a_diverged_run_returns_weights_that_can_be_sent_back(client: TestClient) -> None:
    """The last finite weights and state continue the run (it diverges again, still finite)."""
    request = {
        "model": {"n_hidden": 4, "seed": 3},
        "data": TASK,
        "optimizer": {"name": "momentum", "lr": 1e6},
        "steps": 300,
    }
    first = post(client, "/api/train", request)
    assert first["diverged"] is True
    again = {
        **request,
        "model": {"n_hidden": 4, "weights": first["weights"]},
        "optimizer_state": first["optimizer_state"],
        "start_step": first["step"],
    }
    second = post(client, "/api/train", again)
    assert_train_flags(second, 300, start_step=first["step"])
    assert second["diverged"] is True


# ---------------------------------------------------------------- any large weights


FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@given(
    activation=st.sampled_from(["tanh", "sigmoid", "relu", "identity"]),
    softmax=st.booleans(),
    exponent=st.integers(0, 307),
    T=st.integers(1, 40),
    seed=st.integers(0, 2**16),
)
@FAST
def test_large_weights_never_break_the_json_or_the_flags(
    client: TestClient, activation: str, softmax: bool, exponent: int, T: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    H, n_out = 3, 2
    weights = {
        "Wx": (rng.standard_normal((1, H)) * 10.0**exponent).tolist(),
        "Ws": (rng.standard_normal((H, H)) * 10.0**exponent).tolist(),
        "Wy": (rng.standard_normal((H, n_out)) * 10.0**exponent).tolist(),
    }
    model = {"n_hidden": H, "n_out": n_out, "activation": activation, "weights": weights}
    if softmax:
        model |= {"output": "softmax", "loss": "cross_entropy"}
    data = seq(T, n_out=n_out, seed=seed)
    if softmax:
        data["targets"] = np.eye(n_out)[rng.integers(0, n_out, T)].tolist()
    assert_bptt_flags(post(client, "/api/bptt", {"model": model, **data}))
    assert_forward_flags(post(client, "/api/forward", {"model": model, **data}))
    trained = post(
        client,
        "/api/train",
        {"model": model, "data": data, "optimizer": {"name": "sgd", "lr": 0.5}, "steps": 3},
    )
    assert_train_flags(trained, 3)
