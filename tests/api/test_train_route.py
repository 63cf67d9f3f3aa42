"""POST /api/train: the contract, chunked runs, divergence as finite JSON, and refused requests."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from numpy.testing import assert_array_equal

from app.config import Settings
from app.main import create_app
from app.rnn import RNNConfig, init_params
from app.rnn.optimizers import Optimizer
from app.rnn.train import TaskData, train

SINE_BODY: dict[str, Any] = {
    "model": {"n_hidden": 6, "seed": 2},
    "data": {"task": {"name": "sine", "T": 10, "seed": 5, "freq_jitter": 0.2}},
    "optimizer": {"name": "adam", "lr": 0.01},
    "steps": 8,
}


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN and Infinity."""

    def refuse(token: str) -> None:
        raise ValueError(f"non-JSON number {token} in the response")

    return json.loads(text, parse_constant=refuse)


def train_ok(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/train", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = strict_json(response.text)
    return result


def refused(client: TestClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The 422's error items; the body goes as written (NaN too, as a careless client sends it)."""
    headers = {"content-type": "application/json"}
    response = client.post("/api/train", content=json.dumps(body), headers=headers)
    assert response.status_code == 422, response.text
    detail: list[dict[str, Any]] = response.json()["detail"]
    return detail


def test_answer_has_the_contract_fields(client):
    result = train_ok(client, {**SINE_BODY, "log_every": 3})
    assert set(result) >= {"weights", "optimizer_state", "history", "diverged"}
    assert result["diverged"] is False and result["step"] == 8
    assert [h["step"] for h in result["history"]] == [1, 3, 6, 8]
    for entry in result["history"]:
        assert set(entry["grad_norm"]) == {"Wx", "Ws", "Wy"}
        assert entry["loss"] > 0
    assert np.shape(result["weights"]["Ws"]) == (6, 6)
    state = result["optimizer_state"]
    assert state["name"] == "adam" and state["step"] == 8
    assert np.shape(state["m"]["Wx"]) == (1, 6) and np.shape(state["v"]["Wy"]) == (6, 1)
    assert "compute;dur=" in client.post("/api/train", json=SINE_BODY).headers["server-timing"]


def test_matches_the_python_api(client):
    result = train_ok(client, SINE_BODY)
    config = RNNConfig(n_in=1, n_hidden=6, n_out=1)
    data = TaskData("sine", 10, 5, {"freq_jitter": 0.2})
    local = train(config, init_params(config, seed=2), data, Optimizer("adam", lr=0.01), 8)
    for k, w in local.params.as_dict().items():
        assert_array_equal(result["weights"][k], w)
    assert [h["loss"] for h in result["history"]] == [h.loss for h in local.history]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_two_chunks_of_40_equal_one_run_of_80(client, optimizer):
    body = {**SINE_BODY, "optimizer": {"name": optimizer, "lr": 0.02}, "clip": 1.0}
    whole = train_ok(client, {**body, "steps": 80})
    first = train_ok(client, {**body, "steps": 40})
    second = train_ok(
        client,
        {
            **body,
            "steps": 40,
            "model": {"n_hidden": 6, "weights": first["weights"]},
            "optimizer_state": first["optimizer_state"],
            "start_step": first["step"],
        },
    )
    assert second["weights"] == whole["weights"]
    assert second["optimizer_state"] == whole["optimizer_state"]
    assert first["history"] + second["history"] == whole["history"]


def test_fixed_data_with_loss_steps_and_truncation(client, rng):
    body = {
        "model": {"n_in": 2, "n_hidden": 4, "bias": True},
        "data": {
            "inputs": rng.normal(size=(7, 2)).tolist(),
            "targets": rng.normal(size=(7, 1)).tolist(),
            "loss_steps": "last",
            "s0": [0.1, 0.0, -0.1, 0.2],
        },
        "optimizer": {"name": "momentum", "lr": 0.05, "momentum": 0.5},
        "steps": 30,
        "truncate": 2,
    }
    result = train_ok(client, body)
    losses = [h["loss"] for h in result["history"]]
    assert losses[-1] < losses[0]
    assert set(result["weights"]) == {"Wx", "Ws", "Wy", "bs", "by"}
    assert set(result["history"][0]["grad_norm"]) == {"Wx", "Ws", "Wy", "bs", "by"}


def test_chars_task_with_a_fitting_model(client):
    body = {
        "model": {
            "n_in": 3,
            "n_out": 3,
            "n_hidden": 8,
            "output": "softmax",
            "loss": "cross_entropy",
        },
        "data": {"task": {"name": "chars", "T": 6, "text": "abcab"}},
        "optimizer": {"name": "adam", "lr": 0.05},
        "steps": 20,
    }
    assert not train_ok(client, body)["diverged"]


def test_huge_learning_rate_diverges_with_200_and_finite_json(client):
    body = {**SINE_BODY, "optimizer": {"name": "sgd", "lr": 1e6}, "steps": 500}
    result = train_ok(client, body)  # strict_json raises on NaN or Infinity
    assert result["diverged"] is True
    assert result["step"] < 500
    assert all(np.isfinite(result["weights"][k]).all() for k in ("Wx", "Ws", "Wy"))
    assert result["history"][-1]["step"] == result["step"] + 1


# ---------------------------------------------------------------- refused requests


def optimizer_state_of(client: TestClient) -> dict[str, Any]:
    state: dict[str, Any] = train_ok(client, SINE_BODY)["optimizer_state"]
    return state


@pytest.mark.parametrize(
    "change, loc, words",
    [
        ({"data": {"task": {"name": "tetris"}}}, ["body", "data", "task", "name"], "unknown task"),
        (
            {"data": {"task": {"name": "echo", "delay": 0}}},
            ["body", "data", "task", "delay"],
            "between 1 and 999",
        ),
        (
            {"data": {"task": {"name": "echo", "T": 4, "delay": 6}}},
            ["body", "data", "task", "delay"],
            "below T = 4",
        ),
        (
            {"data": {"task": {"name": "sine", "freq_jitter": float("nan")}}},
            ["body", "data", "task", "freq_jitter"],
            "finite",
        ),
        (
            {"data": {"task": {"name": "sine", "T": 1001}}},
            ["body", "data", "task", "T"],
            "BPTT_MAX_T",
        ),
        ({"optimizer": {"name": "rmsprop", "lr": 0.1}}, ["body", "optimizer", "name"], "adam"),
        ({"optimizer": {"name": "adam", "lr": "0.1"}}, ["body", "optimizer", "lr"], "number"),
        ({"optimizer": {"name": "adam", "lr": 0}}, ["body", "optimizer", "lr"], "greater than"),
        ({"steps": 0}, ["body", "steps"], "greater than or equal to 1"),
        ({"steps": 5001}, ["body", "steps"], "less than or equal to 5000"),
        ({"clip": -1.0}, ["body", "clip"], "greater than 0"),
        ({"data": {}}, ["body", "data", "inputs"], "required unless a task"),
        (
            {"data": {"inputs": [[0.0], [1.0]], "targets": [[1.0]]}},
            ["body", "data", "targets"],
            "2×1",
        ),
        (
            {"data": {"inputs": [[0.0]], "targets": [[1.0]], "task": {"name": "sine"}}},
            ["body", "data", "task"],
            "not both",
        ),
        ({"model": {"n_hidden": 300}}, ["body", "model", "n_hidden"], "limit"),
    ],
)
def test_bad_fields_are_422_naming_them(client, change, loc, words):
    errors = refused(client, {**SINE_BODY, **change})
    assert errors[0]["loc"] == loc, errors
    assert words in errors[0]["msg"]


def test_model_that_does_not_fit_the_task_says_what_the_task_needs(client):
    errors = refused(client, {**SINE_BODY, "data": {"task": {"name": "chars"}}})
    by_field = {e["loc"][-1]: e["msg"] for e in errors}
    assert set(by_field) == {"n_in", "n_out", "output", "loss"}
    assert "task chars needs output = 'softmax'" in by_field["output"]


def test_optimizer_state_of_the_wrong_shape_is_refused(client):
    state = optimizer_state_of(client)
    state["m"]["Ws"] = [[0.0, 0.0], [0.0, 0.0]]
    errors = refused(client, {**SINE_BODY, "optimizer_state": state})
    assert errors[0]["loc"] == ["body", "optimizer_state", "m", "Ws"]
    assert "(6, 6)" in errors[0]["msg"]


@pytest.mark.parametrize(
    "edit, loc",
    [
        (lambda s: s.update(name="momentum"), ["body", "optimizer_state", "velocity"]),
        (
            lambda s: [s.pop("m"), s.pop("v"), s.update(name="sgd")],
            ["body", "optimizer_state", "name"],
        ),
        (lambda s: s.pop("v"), ["body", "optimizer_state", "v"]),
        (lambda s: s["v"].update(Wx=[[-1.0] * 6]), ["body", "optimizer_state", "v", "Wx"]),
        (lambda s: s["m"].pop("Wy"), ["body", "optimizer_state", "m"]),
        (lambda s: s.update(step=-1), ["body", "optimizer_state", "step"]),
        (lambda s: s.update(velocity={}), ["body", "optimizer_state", "velocity"]),
    ],
)
def test_mismatched_optimizer_state_is_refused(client, edit, loc):
    state = optimizer_state_of(client)
    edit(state)
    errors = refused(client, {**SINE_BODY, "optimizer_state": state})
    assert errors[0]["loc"] == loc, errors


def test_work_and_step_limits_come_from_the_settings():
    settings = Settings(max_compute_seconds=0.01, max_train_steps=50)
    with TestClient(create_app(settings)) as small:
        work = refused(small, {**SINE_BODY, "steps": 40})  # estimated over 0.01 s
        assert work[0]["loc"] == ["body", "steps"]
        assert "BPTT_MAX_COMPUTE_SECONDS" in work[0]["msg"], work
        steps = refused(small, {**SINE_BODY, "steps": 60})
        assert "BPTT_MAX_TRAIN_STEPS" in steps[0]["msg"]
        assert train_ok(small, {**SINE_BODY, "steps": 20})["step"] == 20


CARRY_BODY: dict[str, Any] = {
    "model": {"n_hidden": 4, "seed": 1, "bias": True, "reduction": "mean"},
    "data": {"task": {"name": "sine", "T": 10, "random_phase": False, "windows": "consecutive"}},
    "optimizer": {"name": "adam", "lr": 0.01},
    "steps": 6,
    "carry_state": True,
    "split_bias": True,
}


def test_carry_state_answers_s_last_like_the_python_api(client):
    answer = train_ok(client, CARRY_BODY)
    config = RNNConfig(n_hidden=4, bias=True, reduction="mean")
    data = TaskData("sine", 10, params={"random_phase": False, "windows": "consecutive"})
    expected = train(
        config,
        init_params(config, seed=1),
        data,
        Optimizer("adam", 0.01),
        6,
        carry_state=True,
        split_bias=True,
    )
    assert_array_equal(answer["s_last"], expected.s_last)
    assert_array_equal(answer["weights"]["bs"], expected.params.bs)
    assert "c_last" not in answer


def test_the_lstm_also_answers_c_last_and_chunks_continue(client):
    body = {**CARRY_BODY, "model": {"n_hidden": 3, "cell": "lstm"}, "split_bias": False}
    whole = train_ok(client, {**body, "steps": 8})
    first = train_ok(client, {**body, "steps": 5})
    data = {**body["data"], "s0": first["s_last"], "c0": first["c_last"]}
    second = train_ok(
        client,
        {
            **body,
            "model": {**body["model"], "weights": first["weights"]},
            "data": data,
            "optimizer_state": first["optimizer_state"],
            "start_step": first["step"],
            "steps": 3,
        },
    )
    assert second["weights"] == whole["weights"]
    assert (second["s_last"], second["c_last"]) == (whole["s_last"], whole["c_last"])


def test_without_carry_state_there_is_no_s_last(client):
    assert "s_last" not in train_ok(client, SINE_BODY)


@pytest.mark.parametrize(
    ("change", "loc", "words"),
    [
        ({"split_bias": True, "model": {"bias": False}}, ["body", "split_bias"], "cell 'rnn'"),
        ({"model": {"reduction": "avg"}}, ["body", "model", "reduction"], "'sum' or 'mean'"),
        (
            {"data": {**CARRY_BODY["data"], "s0": [0.0, 0.0]}},
            ["body", "data", "s0"],
            "n_hidden",
        ),
        (
            {"data": {**CARRY_BODY["data"], "c0": [0.0] * 4}},
            ["body", "data", "c0"],
            "cell 'rnn' has none",
        ),
        (
            {"data": {"task": {**CARRY_BODY["data"]["task"], "windows": "sliding"}}},
            ["body", "data", "task", "windows"],
            "'independent' or 'consecutive'",
        ),
    ],
)
def test_bad_carry_and_reduction_fields_are_named(client, change, loc, words):
    detail = refused(client, {**CARRY_BODY, **change})
    assert any(e["loc"] == loc and words in e["msg"] for e in detail), detail
