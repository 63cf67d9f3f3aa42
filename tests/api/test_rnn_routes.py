"""POST /api/forward, /api/bptt, /api/gradcheck: happy paths and the structure of the answers."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from numpy.testing import assert_allclose
from pydantic import BaseModel

from app.api.schemas import BPTTResponse, ForwardResponse, GradcheckResponse

SERVER_TIMING = re.compile(r"(?:^|,)\s*compute;dur=(\d+(?:\.\d+)?)\s*(?:,|$)")


def sequence(rng: np.random.Generator, T: int, n_in: int = 1, n_out: int = 1) -> dict[str, Any]:
    """Random inputs and targets, as JSON lists."""
    return {
        "inputs": rng.uniform(-1, 1, size=(T, n_in)).tolist(),
        "targets": rng.uniform(-1, 1, size=(T, n_out)).tolist(),
    }


def post_ok(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def bptt(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    return post_ok(client, "/api/bptt", body)


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN and Infinity (which are not JSON)."""

    def refuse(token: str) -> None:
        raise ValueError(f"non-JSON number {token} in the response")

    return json.loads(text, parse_constant=refuse)


# ---------------------------------------------------------------- /api/forward


def test_forward_computes_the_recurrence(client: TestClient, rng: np.random.Generator) -> None:
    """z_t = x_t Wx + s_{t-1} Ws, s_t = tanh(z_t), y_t = s_t Wy, from the echoed weights."""
    data = sequence(rng, T=5, n_in=2, n_out=1)
    s0 = [0.1, -0.2, 0.3]
    body = post_ok(
        client,
        "/api/forward",
        {"model": {"n_in": 2, "n_hidden": 3, "seed": 4}, "inputs": data["inputs"], "s0": s0},
    )
    W = {name: np.array(value) for name, value in body["weights"].items()}
    assert set(W) == {"Wx", "Ws", "Wy"}
    assert W["Wx"].shape == (2, 3) and W["Ws"].shape == (3, 3) and W["Wy"].shape == (3, 1)
    assert body["T"] == 5 and body["s0"] == s0
    s = np.array(s0)
    for t, step in enumerate(body["steps"], start=1):
        x = np.array(data["inputs"][t - 1])
        z = x @ W["Wx"] + s @ W["Ws"]
        s = np.tanh(z)
        assert step["t"] == t and step["x"] == data["inputs"][t - 1]
        assert_allclose(step["z"], z, rtol=1e-12)
        assert_allclose(step["s"], s, rtol=1e-12)
        assert_allclose(step["y"], s @ W["Wy"], rtol=1e-12, atol=1e-15)
        assert "d" not in step and "E" not in step
    assert "loss" not in body
    assert body["finite"] is True


def test_forward_with_targets_gives_losses(client: TestClient, rng: np.random.Generator) -> None:
    """With targets: d and E_t per step (null off the loss steps) and E = Σ over loss steps."""
    data = sequence(rng, T=4)
    body = post_ok(client, "/api/forward", {**data, "loss_steps": [4, 2]})
    E = []
    for step, d in zip(body["steps"], data["targets"], strict=True):
        assert step["d"] == d
        expected = (d[0] - step["y"][0]) ** 2
        if step["t"] in (2, 4):
            assert step["E"] == pytest.approx(expected, rel=1e-12)
            E.append(step["E"])
        else:
            assert step["E"] is None
    assert body["loss"] == pytest.approx(sum(E), rel=1e-12)


# ---------------------------------------------------------------- /api/bptt


def test_lecture_example_has_three_terms_for_Ws_and_Wx(
    client: TestClient, rng: np.random.Generator
) -> None:
    """T = 3, loss at step 3: one loss step, three k-terms (k = 1, 2, 3), one dE_dWy."""
    body = bptt(client, {"model": {"n_hidden": 2}, **sequence(rng, T=3), "loss_steps": "last"})
    assert body["loss_steps"] == [3]
    assert [term["t"] for term in body["terms"]] == [3]
    (term,) = body["terms"]
    assert [entry["k"] for entry in term["k"]] == [1, 2, 3]
    for entry in term["k"]:
        assert np.shape(entry["Ws"]) == (2, 2) and np.shape(entry["Wx"]) == (1, 2)
        assert np.shape(entry["dE_ds"]) == (2,) and np.shape(entry["dE_dz"]) == (2,)
    assert np.shape(term["dE_dWy"]) == (2, 1)
    assert [step["E"] is None for step in body["steps"]] == [True, True, False]
    assert body["loss"] == body["steps"][2]["E"] == term["E"]


def test_terms_sum_to_per_step_and_total_gradients(
    client: TestClient, rng: np.random.Generator
) -> None:
    """Σ_k C_{t,k} = ∂E_t/∂W, Σ_k δ_{t,k} = ∂E_t/∂bs, and Σ_{t∈L} ∂E_t/∂W = grads."""
    model = {"n_in": 2, "n_hidden": 3, "n_out": 2, "bias": True, "seed": 7}
    body = bptt(client, {"model": model, **sequence(rng, T=6, n_in=2, n_out=2)})
    assert [term["t"] for term in body["terms"]] == [1, 2, 3, 4, 5, 6]
    totals = {name: np.zeros_like(np.array(body["grads"][name])) for name in body["grads"]}
    assert set(totals) == {"Wx", "Ws", "Wy", "bs", "by"}
    for term in body["terms"]:
        assert [entry["k"] for entry in term["k"]] == list(range(1, term["t"] + 1))
        for name, key in (("Ws", "dE_dWs"), ("Wx", "dE_dWx")):
            summed = np.sum([entry[name] for entry in term["k"]], axis=0)
            assert_allclose(summed, term[key], rtol=1e-10, atol=1e-14)
        assert_allclose(np.sum([e["dE_dz"] for e in term["k"]], axis=0), term["dE_dbs"], rtol=1e-10)
        for name in totals:
            totals[name] += np.array(term[f"dE_d{name}"])
    for name, total in totals.items():
        assert_allclose(total, body["grads"][name], rtol=1e-10, atol=1e-14, err_msg=name)


def test_terms_are_outer_products(client: TestClient, rng: np.random.Generator) -> None:
    """C^Ws_{t,k} = s_{k-1}^T δ_{t,k}, C^Wx_{t,k} = x_k^T δ_{t,k}, δ = σ ⊙ tanh'(z_k)."""
    body = bptt(client, {"model": {"n_hidden": 3, "seed": 2}, **sequence(rng, T=4)})
    s = [body["s0"]] + [step["s"] for step in body["steps"]]
    for term in body["terms"]:
        for entry in term["k"]:
            k, delta = entry["k"], np.array(entry["dE_dz"])
            assert_allclose(entry["Ws"], np.outer(s[k - 1], delta), rtol=1e-12, atol=1e-15)
            assert_allclose(entry["Wx"], np.outer(body["steps"][k - 1]["x"], delta), rtol=1e-12)
            dphi = 1 - np.array(s[k]) ** 2
            assert_allclose(delta, np.array(entry["dE_ds"]) * dphi, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("K", [1, 2, 4])
def test_truncate_keeps_the_K_most_recent_terms(
    client: TestClient, rng: np.random.Generator, K: int
) -> None:
    """truncate = K: k = t−K+1 .. t for every loss step, flow null elsewhere, grads = Σ kept."""
    T = 6
    body = bptt(client, {"model": {"seed": 1}, **sequence(rng, T=T), "truncate": K})
    total = np.zeros((3, 3))
    for term in body["terms"]:
        t = term["t"]
        kept = list(range(max(1, t - K + 1), t + 1))
        assert [entry["k"] for entry in term["k"]] == kept
        flow_row = body["flow"]["Ws"][t - 1]
        assert [k for k in range(1, T + 1) if flow_row[k - 1] is not None] == kept
        assert all(body["flow"]["jacobian"][t - 1][k - 1] is not None for k in range(1, t + 1))
        total += np.array(term["dE_dWs"])
    assert_allclose(total, body["grads"]["Ws"], rtol=1e-10, atol=1e-14)


def test_norms_detail_omits_terms_and_keeps_flow(
    client: TestClient, rng: np.random.Generator
) -> None:
    """detail "norms": no terms; flow, grads and loss are those of detail "full" (same sweep)."""
    request = {"model": {"n_hidden": 4, "seed": 3}, **sequence(rng, T=5), "loss_steps": [2, 5]}
    full = bptt(client, {**request, "detail": "full"})
    norms = bptt(client, {**request, "detail": "norms"})
    assert "terms" in full and "terms" not in norms
    for part in ("flow", "grads", "steps", "loss", "diagnostics"):
        assert norms[part] == full[part], part


def test_norms_work_past_the_jacobian_budget(rng: np.random.Generator) -> None:
    """Over BPTT_MAX_JACOBIAN_WORK, detail "norms" still answers: jacobian null, with a warning."""
    from app.config import Settings
    from app.main import create_app

    request = {"model": {"n_hidden": 8, "seed": 1}, **sequence(rng, T=30), "detail": "norms"}
    with TestClient(create_app(Settings(log_level="warning"))) as roomy:
        whole = bptt(roomy, request)
    with TestClient(create_app(Settings(log_level="warning", max_jacobian_work=1e6))) as tight:
        cut = bptt(tight, request)
    assert all(v is None for row in cut["flow"]["jacobian"] for v in row)
    assert any("BPTT_MAX_JACOBIAN_WORK" in w for w in cut["diagnostics"]["warnings"])
    assert whole["flow"]["jacobian"][29][0] is not None
    for part in ("Ws", "Wx", "state"):
        assert cut["flow"][part] == whole["flow"][part], part
    assert cut["grads"] == whole["grads"]


def test_flow_norms_match_the_terms(client: TestClient, rng: np.random.Generator) -> None:
    """flow.Ws = ‖C^Ws_{t,k}‖_F, flow.Wx = ‖C^Wx‖_F, flow.state = ‖σ_{t,k}‖; null where k > t."""
    body = bptt(client, {"model": {"n_hidden": 3, "seed": 5}, **sequence(rng, T=4)})
    flow = body["flow"]
    for term in body["terms"]:
        t = term["t"]
        for entry in term["k"]:
            k = entry["k"]
            assert flow["Ws"][t - 1][k - 1] == pytest.approx(np.linalg.norm(entry["Ws"]), abs=1e-14)
            assert flow["Wx"][t - 1][k - 1] == pytest.approx(np.linalg.norm(entry["Wx"]))
            assert flow["state"][t - 1][k - 1] == pytest.approx(np.linalg.norm(entry["dE_ds"]))
        assert all(flow[name][t - 1][k] is None for name in flow for k in range(t, 4))


def test_weights_echoed_reproduce_the_result(client: TestClient, rng: np.random.Generator) -> None:
    """A client that sent a seed can send the returned weights back and get the same answer."""
    data = sequence(rng, T=4, n_in=2, n_out=2)
    model = {"n_in": 2, "n_out": 2, "bias": True, "seed": 11, "ws_spectral_radius": 1.5}
    seeded = bptt(client, {"model": model, **data})
    assert set(seeded["weights"]) == {"Wx", "Ws", "Wy", "bs", "by"}
    again = {"n_in": 2, "n_out": 2, "bias": True, "weights": seeded["weights"]}
    given = bptt(client, {"model": again, **data})
    assert given == seeded
    radius = max(abs(np.linalg.eigvals(np.array(seeded["weights"]["Ws"]))))
    assert radius == pytest.approx(1.5, rel=1e-9)
    assert seeded["diagnostics"]["ws_spectral_radius"] == pytest.approx(1.5, rel=1e-9)


def test_seed_is_deterministic(client: TestClient, rng: np.random.Generator) -> None:
    """Same seed, same weights; another seed, other weights."""
    data = sequence(rng, T=3)
    first = bptt(client, {"model": {"seed": 42}, **data})["weights"]
    second = bptt(client, {"model": {"seed": 42}, **data})["weights"]
    other = bptt(client, {"model": {"seed": 43}, **data})["weights"]
    assert first == second
    assert first != other


def test_server_timing_reports_compute_time(client: TestClient, rng: np.random.Generator) -> None:
    """Every endpoint answers with `Server-Timing: compute;dur=<ms>`."""
    data = sequence(rng, T=3)
    for path, body in (
        ("/api/forward", {"inputs": data["inputs"]}),
        ("/api/bptt", data),
        ("/api/gradcheck", data),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 200, response.text
        header = response.headers.get("server-timing", "")
        match = SERVER_TIMING.search(header)
        assert match, f"{path}: Server-Timing {header!r} has no compute;dur=<ms>"
        assert 0.0 <= float(match.group(1)) < 60_000.0


def test_exploding_run_gives_finite_json(client: TestClient, rng: np.random.Generator) -> None:
    """Identity Φ, ρ(Ws) = 50, T = 200: 200 OK, valid JSON, nulls, finite false, a warning."""
    model = {"activation": "identity", "ws_spectral_radius": 50, "seed": 0}
    request = {"model": model, **sequence(rng, T=200), "detail": "norms"}
    response = client.post("/api/bptt", json=request)
    assert response.status_code == 200, response.text
    body = strict_json(response.text)
    diagnostics = body["diagnostics"]
    assert diagnostics["finite"] is False
    assert diagnostics["warnings"], "an overflowed run must say so"
    assert any(value is None for step in body["steps"] for value in step["s"])
    assert diagnostics["ws_spectral_radius"] == pytest.approx(50, rel=1e-9)

    forward = client.post("/api/forward", json={"model": model, "inputs": request["inputs"]})
    assert forward.status_code == 200, forward.text
    assert strict_json(forward.text)["finite"] is False


def test_full_detail_exploding_run_is_finite_json(
    client: TestClient, rng: np.random.Generator
) -> None:
    """The same overflow with every term requested still gives valid JSON."""
    model = {"activation": "identity", "ws_spectral_radius": 50}
    response = client.post("/api/bptt", json={"model": model, **sequence(rng, T=200)})
    assert response.status_code == 200, response.text
    body = strict_json(response.text)
    assert body["diagnostics"]["finite"] is False
    assert len(body["terms"]) == 200


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
@pytest.mark.parametrize(
    ("output", "loss", "bias"),
    [
        ("linear", "squared_error", False),
        ("softmax", "cross_entropy", True),
    ],
)
def test_gradcheck_passes(
    client: TestClient,
    rng: np.random.Generator,
    activation: str,
    output: str,
    loss: str,
    bias: bool,
) -> None:
    """Full BPTT agrees with central differences to max relative error < 1e-6."""
    model = {
        "n_in": 2,
        "n_hidden": 3,
        "n_out": 2,
        "activation": activation,
        "output": output,
        "loss": loss,
        "bias": bias,
        "seed": 9,
    }
    data = sequence(rng, T=5, n_in=2, n_out=2)
    if output == "softmax":
        data["targets"] = np.eye(2)[rng.integers(0, 2, size=5)].tolist()
    body = post_ok(client, "/api/gradcheck", {"model": model, **data, "loss_steps": [3, 5]})
    assert body["passed"] is True
    assert body["h"] == 1e-5
    names = {"Wx", "Ws", "Wy", "bs", "by"} if bias else {"Wx", "Ws", "Wy"}
    assert set(body["max_rel_error"]) == names
    assert all(0 <= error < 1e-6 for error in body["max_rel_error"].values())


@pytest.mark.parametrize(
    ("path", "model_class", "extra"),
    [
        ("/api/forward", ForwardResponse, {}),
        ("/api/bptt", BPTTResponse, {"detail": "full"}),
        ("/api/bptt", BPTTResponse, {"detail": "norms", "truncate": 2}),
        ("/api/gradcheck", GradcheckResponse, {}),
    ],
)
@pytest.mark.parametrize("bias", [False, True])
def test_answers_match_their_response_models(
    client: TestClient,
    rng: np.random.Generator,
    path: str,
    model_class: type[BaseModel],
    extra: dict[str, Any],
    bias: bool,
) -> None:
    """The JSON (encoded without the models) has exactly the fields the models document."""
    model = {"n_in": 2, "n_out": 2, "bias": bias, "seed": 3}
    body = post_ok(client, path, {"model": model, **sequence(rng, T=4, n_in=2, n_out=2), **extra})
    parsed = model_class.model_validate(body)
    assert parsed.model_dump(mode="json", exclude_none=True) == _without_none(body)


def _without_none(value: Any) -> Any:
    """`value` with None-valued object keys dropped (as exclude_none drops them)."""
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value
