"""The LSTM and GRU over REST (cells.md): the added fields, forward, gradient check, training
in chunks, and 422s that name the field and what was expected."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from numpy.testing import assert_allclose, assert_array_equal

from app.config import Settings
from app.main import create_app
from app.rnn import RNNConfig, bptt, init_params
from app.rnn.optimizers import Optimizer
from app.rnn.train import TaskData, train
from tests.api.helpers import strict_json

GATED = ["lstm", "gru"]
GATES = {"lstm": ["i", "f", "g", "o"], "gru": ["r", "z", "n"]}


def body_for(cell: str, T: int = 4, bias: bool = True, **extra: Any) -> dict[str, Any]:
    rng = np.random.default_rng(3)
    body: dict[str, Any] = {
        "model": {"cell": cell, "n_in": 2, "n_hidden": 3, "n_out": 1, "bias": bias, "seed": 1},
        "inputs": rng.uniform(-1, 1, (T, 2)).tolist(),
        "targets": rng.uniform(-1, 1, (T, 1)).tolist(),
    }
    if cell == "lstm":
        body["c0"] = [0.1, -0.2, 0.3]
    return {**body, **extra}


def ok(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text[:500]
    result: dict[str, Any] = strict_json(response.text)
    return result


def refused(client: TestClient, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text[:500]
    detail: list[dict[str, Any]] = response.json()["detail"]
    return detail


@pytest.mark.parametrize("cell", GATED)
def test_bptt_answer_carries_the_gated_fields(client, cell):
    """gates and c per step, z null, bx/bs, dE_da (dE_dax, dE_dc), flow.cell, per-gate ρ."""
    body = ok(client, "/api/bptt", body_for(cell, loss_steps=[2, 4], truncate=2))
    G, H = len(GATES[cell]), 3
    assert set(body["weights"]) == {"Wx", "Ws", "Wy", "bx", "bs", "by"}
    assert np.shape(body["weights"]["Ws"]) == (H, G * H)
    assert set(body["grads"]) == {"Wx", "Ws", "Wy", "bx", "bs", "by"}
    for step in body["steps"]:
        assert step["z"] is None
        assert list(step["gates"]) == GATES[cell]
        assert all(len(v) == H for v in step["gates"].values())
        assert ("c" in step) is (cell == "lstm")
    assert ("c0" in body) is (cell == "lstm")
    assert ("cell" in body["flow"]) is (cell == "lstm")
    k_term = body["terms"][0]["k"][0]
    expected = {"k", "Ws", "Wx", "dE_ds", "dE_da"}
    expected |= {"dE_dc"} if cell == "lstm" else {"dE_dax"}
    assert set(k_term) == expected
    assert np.shape(k_term["Ws"]) == (H, G * H) and np.shape(k_term["Wx"]) == (2, G * H)
    assert set(body["terms"][0]) >= {"dE_dbx", "dE_dbs", "dE_dby"}
    assert list(body["diagnostics"]["ws_gate_spectral_radius"]) == GATES[cell]
    assert body["diagnostics"]["finite"] is True
    jacobian = body["flow"]["jacobian"]  # T×T, given for every k ≤ t
    assert all(jacobian[t][k] is not None for t in range(4) for k in range(t + 1))


@pytest.mark.parametrize("cell", GATED)
def test_bptt_answer_is_the_python_api(client, cell):
    """The same numbers as app.rnn.bptt with the weights the answer reports."""
    request = body_for(cell)
    answer = ok(client, "/api/bptt", request)
    config = RNNConfig(n_in=2, n_hidden=3, n_out=1, cell=cell, bias=True)
    params = init_params(config, seed=1)
    c0 = np.array(request["c0"]) if cell == "lstm" else None
    r = bptt(config, params, np.array(request["inputs"]), np.array(request["targets"]), c0=c0)
    for name, g in r.grads.as_dict().items():
        assert_array_equal(np.array(answer["grads"][name]), g, err_msg=name)
        assert_array_equal(np.array(answer["weights"][name]), params.as_dict()[name])
    sums = sum(np.array(k["Ws"]) for k in answer["terms"][-1]["k"])
    assert_allclose(sums, answer["terms"][-1]["dE_dWs"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cell", ["rnn", *GATED])
def test_jacobian_false_leaves_only_flow_jacobian_out(client, cell):
    """jacobian: false nulls flow.jacobian and changes no other number of the answer."""
    request = body_for(cell, T=5, detail="norms")
    if cell == "rnn":
        request["model"].pop("cell")
    both = ok(client, "/api/bptt", request)
    lean = ok(client, "/api/bptt", {**request, "jacobian": False})
    assert all(v is None for row in lean["flow"]["jacobian"] for v in row)
    assert any(isinstance(v, float) for row in both["flow"]["jacobian"] for v in row)
    for name in both["flow"]:
        if name != "jacobian":
            assert lean["flow"][name] == both["flow"][name], name
    assert lean["grads"] == both["grads"] and lean["loss"] == both["loss"]
    assert lean["steps"] == both["steps"]


@pytest.mark.parametrize("cell", GATED)
def test_forward_and_gradcheck(client, cell):
    """forward sends gates (and c, c0); the gradient check passes below 1e-6 for every weight."""
    fwd = ok(client, "/api/forward", body_for(cell))
    assert fwd["finite"] is True and fwd["steps"][0]["z"] is None
    assert ("c0" in fwd) is (cell == "lstm")
    check = ok(client, "/api/gradcheck", body_for(cell, loss_steps="last"))
    assert check["passed"] is True
    assert set(check["max_rel_error"]) == {"Wx", "Ws", "Wy", "bx", "bs", "by"}
    assert max(check["max_rel_error"].values()) < 1e-6


@pytest.mark.parametrize(
    ("cell", "change", "loc", "words"),
    [
        ("lstm", {"activation": "relu"}, ["body", "model", "activation"], "must be 'tanh'"),
        ("gru", {"activation": "sigmoid"}, ["body", "model", "activation"], "must be 'tanh'"),
        ("rnn", {"cell": "transformer"}, ["body", "model", "cell"], "'rnn', 'lstm' or 'gru'"),
    ],
)
def test_model_errors_name_the_field(client, cell, change, loc, words):
    body = body_for(cell)
    body.pop("c0", None)
    body["model"].update(change)
    errors = refused(client, "/api/bptt", body)
    assert any(e["loc"] == loc and words in e["msg"] for e in errors), errors


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_c0_without_a_cell_state_is_refused(client, cell):
    body = body_for(cell)
    body["c0"] = [0.0, 0.0, 0.0]
    for path in ("/api/bptt", "/api/forward", "/api/gradcheck"):
        errors = refused(client, path, body)
        assert [e["loc"] for e in errors] == [["body", "c0"]], errors
        assert "cell state" in errors[0]["msg"] and cell in errors[0]["msg"]


def test_c0_of_the_wrong_size_names_the_expected_size(client):
    body = body_for("lstm")
    body["c0"] = [0.0]
    errors = refused(client, "/api/bptt", body)
    assert errors[0]["loc"] == ["body", "c0"] and "3 entries (n_hidden)" in errors[0]["msg"]


@pytest.mark.parametrize(
    ("cell", "name", "shape", "expected"),
    [
        ("lstm", "Ws", (3, 3), "Ws must be 3×12 (n_hidden×4·n_hidden: gate blocks i, f, g, o)"),
        ("lstm", "Wx", (2, 3), "Wx must be 2×12 (n_in×4·n_hidden: gate blocks i, f, g, o)"),
        ("gru", "Ws", (3, 12), "Ws must be 3×9 (n_hidden×3·n_hidden: gate blocks r, z, n)"),
        ("gru", "bx", (3,), "bx must have 9 entries (3·n_hidden: gate blocks r, z, n)"),
        ("lstm", "bs", (3,), "bs must have 12 entries (4·n_hidden: gate blocks i, f, g, o)"),
    ],
)
def test_wrong_gate_block_shapes_name_the_expected_shape(client, cell, name, shape, expected):
    seeded = ok(client, "/api/bptt", body_for(cell))["weights"]
    seeded[name] = np.zeros(shape).tolist()
    body = body_for(cell)
    body["model"]["weights"] = seeded
    errors = refused(client, "/api/bptt", body)
    assert [e["loc"] for e in errors] == [["body", "model", "weights", name]], errors
    assert expected in errors[0]["msg"], errors[0]["msg"]


def test_biases_follow_the_cell(client):
    """bx is required for gated cells with bias and refused for the plain RNN."""
    weights = ok(client, "/api/bptt", body_for("gru"))["weights"]
    del weights["bx"]
    body = body_for("gru")
    body["model"]["weights"] = weights
    errors = refused(client, "/api/bptt", body)
    assert errors[0]["loc"] == ["body", "model", "weights", "bx"] and "required" in errors[0]["msg"]
    rnn = ok(client, "/api/bptt", body_for("rnn"))["weights"]
    rnn["bx"] = [0.0, 0.0, 0.0]
    body = body_for("rnn")
    body["model"]["weights"] = rnn
    errors = refused(client, "/api/bptt", body)
    assert errors[0]["loc"] == ["body", "model", "weights", "bx"] and "gated" in errors[0]["msg"]


def test_detail_full_limit_counts_the_gate_blocks():
    """T²·G·H·(H+n_in) numbers: an LSTM hits the limit 4× sooner than the plain RNN."""
    settings = Settings(log_level="warning", max_full_numbers=16 * 16 * 3 * 5)
    with TestClient(create_app(settings)) as tight:
        ok(tight, "/api/bptt", body_for("rnn", T=16))
        errors = refused(tight, "/api/bptt", body_for("lstm", T=16))
        assert errors[0]["loc"] == ["body", "detail"] and "4 gate blocks" in errors[0]["msg"]


def train_body(cell: str, steps: int, **extra: Any) -> dict[str, Any]:
    return {
        "model": {"cell": cell, "n_hidden": 4, "seed": 2, "bias": True},
        "data": {"task": {"name": "sine", "T": 10, "seed": 5}},
        "optimizer": {"name": "adam", "lr": 0.01},
        "steps": steps,
        "clip": 1.0,
        "truncate": 5,
        **extra,
    }


@pytest.mark.parametrize("cell", GATED)
def test_train_chunks_continue_exactly_and_match_the_python_api(client, cell):
    whole = ok(client, "/api/train", train_body(cell, 12))
    first = ok(client, "/api/train", train_body(cell, 6))
    second = ok(
        client,
        "/api/train",
        train_body(
            cell,
            6,
            model={**train_body(cell, 6)["model"], "weights": first["weights"]},
            optimizer_state=first["optimizer_state"],
            start_step=first["step"],
        ),
    )
    assert second["weights"] == whole["weights"]
    assert first["history"] + second["history"] == whole["history"]
    assert set(whole["history"][0]["grad_norm"]) == {"Wx", "Ws", "Wy", "bx", "bs", "by"}
    config = RNNConfig(n_hidden=4, cell=cell, bias=True)
    run = train(
        config,
        init_params(config, seed=2),
        TaskData("sine", 10, 5),
        Optimizer("adam", 0.01),
        12,
        clip=1.0,
        truncate=5,
    )
    for name, w in run.params.as_dict().items():
        assert_array_equal(np.array(whole["weights"][name]), w, err_msg=name)


def test_train_with_fixed_data_takes_c0_for_the_lstm_only(client):
    rng = np.random.default_rng(0)
    data = {"inputs": rng.uniform(-1, 1, (5, 1)).tolist(), "targets": [[0.0]] * 5}
    base = {"optimizer": {"name": "sgd", "lr": 0.1}, "steps": 2}
    answer = ok(
        client,
        "/api/train",
        {**base, "model": {"cell": "lstm", "n_hidden": 2}, "data": {**data, "c0": [0.5, -0.5]}},
    )
    assert answer["diverged"] is False
    errors = refused(
        client,
        "/api/train",
        {**base, "model": {"cell": "gru", "n_hidden": 2}, "data": {**data, "c0": [0.5, -0.5]}},
    )
    assert errors[0]["loc"] == ["body", "data", "c0"], errors


def test_the_lstm_jacobian_budget_counts_the_whole_state():
    """One cost model for flow.jacobian, with S = 2H for the LSTM: a size whose H³ would fit
    but whose (2H)³ does not is answered without the Jacobian, and the warning says S."""
    from app.rnn import jacobian_work

    T, H = 6, 3
    budget = (jacobian_work(T, H) + jacobian_work(T, 2 * H)) / 2
    settings = Settings(log_level="warning", max_jacobian_work=budget)
    with TestClient(create_app(settings)) as tight:
        lstm = ok(tight, "/api/bptt", body_for("lstm", T=T, detail="norms"))
        gru = ok(tight, "/api/bptt", body_for("gru", T=T, detail="norms"))
    assert all(v is None for row in lstm["flow"]["jacobian"] for v in row)
    (warning,) = [w for w in lstm["diagnostics"]["warnings"] if "flow.jacobian" in w]
    assert "S = 6" in warning and "BPTT_MAX_JACOBIAN_WORK" in warning
    assert lstm["diagnostics"]["finite"] is True
    assert all(gru["flow"]["jacobian"][t][k] is not None for t in range(T) for k in range(t + 1))
