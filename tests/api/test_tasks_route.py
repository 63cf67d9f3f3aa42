"""GET /api/tasks and /api/tasks/{name}: the listing, samples, and errors that name the field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from numpy.testing import assert_array_equal

from app.rnn.tasks import TASKS, get_task


def get_ok(client: TestClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def error_at(client: TestClient, url: str, status: int = 422) -> dict[str, Any]:
    """The first error item of a refused request."""
    response = client.get(url)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    first: dict[str, Any] = detail[0]
    return first


def test_listing_has_every_task_with_its_model_and_defaults(client):
    listing = get_ok(client, "/api/tasks")
    assert [t["name"] for t in listing] == list(TASKS)
    for entry in listing:
        task = get_task(entry["name"])
        assert (entry["n_in"], entry["n_out"]) == task.dims()
        assert (entry["output"], entry["loss"]) == (task.output, task.loss)
        assert entry["default_T"] == task.default_T and entry["title"] and entry["description"]
        assert {p["name"]: p["default"] for p in entry["params"]} == task.resolve({})
    echo = next(t for t in listing if t["name"] == "echo")
    assert echo["params"] == [
        {
            "name": "delay",
            "type": "int",
            "default": 2,
            "min": 1,
            "max": 999,
            "description": echo["params"][0]["description"],
        }
    ]
    assert next(t for t in listing if t["name"] == "adding")["loss_steps"] == "last"


@pytest.mark.parametrize("name", list(TASKS))
def test_a_sample_has_the_task_shapes_and_is_reproducible(client, name):
    task = get_task(name)
    body = get_ok(client, f"/api/tasks/{name}?T=11&seed=4")
    n_in, n_out = task.dims()
    assert len(body["inputs"]) == len(body["targets"]) == 11
    assert all(len(row) == n_in for row in body["inputs"])
    assert all(len(row) == n_out for row in body["targets"])
    assert body == get_ok(client, f"/api/tasks/{name}?T=11&seed=4")
    assert body != get_ok(client, f"/api/tasks/{name}?T=11&seed=5")
    sample = task.sample(11, seed=4)
    assert_array_equal(body["inputs"], sample.inputs)
    assert body["loss_steps"] == sample.loss_steps
    assert ("labels" in body) == (name == "chars")


def test_default_T_and_task_parameters_from_the_query(client):
    body = get_ok(client, "/api/tasks/echo?delay=4&seed=1")
    assert len(body["inputs"]) == get_task("echo").default_T
    assert body["loss_steps"][0] == 5
    chars = get_ok(client, "/api/tasks/chars?T=4&text=abab%20")
    assert chars["labels"] == [" ", "a", "b"]
    sine = get_ok(client, "/api/tasks/sine?random_phase=false&T=20&seed=9")
    assert sine["inputs"][0] == [0.0]


def test_step_gives_the_sample_training_uses_at_that_step(client):
    body = get_ok(client, "/api/tasks/adding?T=6&seed=3&step=7")
    assert_array_equal(body["inputs"], get_task("adding").sample(6, seed=(3, 7)).inputs)


def test_server_timing_is_reported(client):
    response = client.get("/api/tasks/sine?T=20")
    assert "compute;dur=" in response.headers["server-timing"]


def test_unknown_task_is_404_naming_it(client):
    response = client.get("/api/tasks/tetris")
    assert response.status_code == 404
    assert "tetris" in response.json()["detail"] and "sine" in response.json()["detail"]


@pytest.mark.parametrize(
    "url, loc, words",
    [
        ("/api/tasks/echo?delay=0", ["query", "delay"], "between 1 and 999"),
        ("/api/tasks/echo?delay=two", ["query", "delay"], "must be an integer"),
        ("/api/tasks/echo?T=3&delay=3", ["query", "delay"], "below T = 3"),
        ("/api/tasks/echo?speed=2", ["query", "speed"], "no parameter 'speed'"),
        ("/api/tasks/sine?random_phase=perhaps", ["query", "random_phase"], "true or false"),
        ("/api/tasks/sine?freq_jitter=nan", ["query", "freq_jitter"], "finite"),
        ("/api/tasks/binary_addition?T=4&bits=8", ["query", "bits"], "at most T - 1 = 3"),
        ("/api/tasks/chars?text=zzz", ["query", "text"], "distinct characters"),
        ("/api/tasks/adding?T=1", ["query", "T"], "at least 2"),
        ("/api/tasks/sine?T=1001", ["query", "T"], "BPTT_MAX_T"),
        ("/api/tasks/sine?T=0", ["query", "T"], "greater than or equal to 1"),
        ("/api/tasks/sine?seed=-1", ["query", "seed"], "greater than or equal to 0"),
    ],
)
def test_bad_parameters_are_422_naming_them(client, url, loc, words):
    error = error_at(client, url)
    assert error["loc"] == loc
    assert words in error["msg"]


def test_the_step_query_gives_a_consecutive_window(client):
    query = "T=20&random_phase=false&windows=consecutive&step=3"
    response = client.get(f"/api/tasks/sine?{query}")
    assert response.status_code == 200, response.text
    wave = np.sin(np.linspace(2 * np.pi, 3 * np.pi, 21))  # (T+1,) the third window
    np.testing.assert_allclose(np.array(response.json()["inputs"])[:, 0], wave[:-1], atol=1e-13)


def test_the_listing_names_the_windows_choices(client):
    sine = next(t for t in client.get("/api/tasks").json() if t["name"] == "sine")
    windows = next(p for p in sine["params"] if p["name"] == "windows")
    assert windows["choices"] == ["independent", "consecutive"]
