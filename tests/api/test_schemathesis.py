"""Property-based conformance of the whole API to its own OpenAPI schema (schemathesis 4).

Schemathesis reads /openapi.json from the app in-process (no server), generates requests for
EVERY operation in it (health, forward, bptt, gradcheck, tasks, tasks/{name}, train; valid
ones and invalid ones, path and query parameters included) and runs all its default checks on
every answer: no 5xx, documented status codes, content types and headers, bodies that match
the response models, invalid data refused.

One default check needs a stand-in: "schema-valid data is accepted". JSON Schema cannot say
that `inputs` has n_in columns, that `targets` has as many rows as `inputs`, that a model fits
its task, or that an optimizer_state has the weights' shapes, so a generated body that is
schema-valid is usually such an error, and the API must answer 422 for it. The second test
states that property directly instead: bodies whose shapes agree, drawn by hypothesis over
sizes, activations, output/loss pairs, bias, seeds or explicit weights, loss steps,
truncation and detail, are all accepted (200) and answered as the schema says.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.config import Settings
from app.main import create_app

OPERATIONS = {
    ("GET", "/api/health"),
    ("GET", "/api/limits"),
    ("POST", "/api/forward"),
    ("POST", "/api/bptt"),
    ("POST", "/api/gradcheck"),
    ("GET", "/api/tasks"),
    ("GET", "/api/tasks/{name}"),
    ("POST", "/api/train"),
}

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(log_level="warning")))

FAST = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FAST
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])  # see the module doc


def test_every_operation_is_exercised() -> None:
    """The schema holds exactly the API's operations, all loadable (none silently dropped)."""
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results
    found = {(op.method.upper(), op.path) for op in (r.ok() for r in results if isinstance(r, Ok))}
    assert found == OPERATIONS


# ---------------------------------------------------------------- consistent bodies

COMBINATIONS = [
    ("linear", "squared_error"),
    ("softmax", "squared_error"),
    ("softmax", "cross_entropy"),
]
numbers = st.floats(min_value=-50.0, max_value=50.0, allow_nan=False, allow_infinity=False)


def matrix(rows: int, cols: int) -> st.SearchStrategy[list[list[float]]]:
    return st.lists(st.lists(numbers, min_size=cols, max_size=cols), min_size=rows, max_size=rows)


def vector(size: int) -> st.SearchStrategy[list[float]]:
    return st.lists(numbers, min_size=size, max_size=size)


@st.composite
def consistent_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A /api/bptt body whose shapes all agree with its model."""
    n_in, H, n_out = (draw(st.integers(1, 3)) for _ in range(3))
    T = draw(st.integers(1, 6))
    output, loss = draw(st.sampled_from(COMBINATIONS))
    bias = draw(st.booleans())
    model: dict[str, Any] = {
        "n_in": n_in,
        "n_hidden": H,
        "n_out": n_out,
        "activation": draw(st.sampled_from(["tanh", "sigmoid", "relu", "identity"])),
        "output": output,
        "loss": loss,
        "bias": bias,
    }
    if draw(st.booleans()):
        weights: dict[str, Any] = {
            "Wx": draw(matrix(n_in, H)),
            "Ws": draw(matrix(H, H)),
            "Wy": draw(matrix(H, n_out)),
        }
        if bias:
            weights |= {"bs": draw(vector(H)), "by": draw(vector(n_out))}
        model["weights"] = weights
    else:
        model["seed"] = draw(st.integers(0, 2**32 - 1))
        model["ws_spectral_radius"] = draw(st.none() | st.floats(0.01, 100.0))
    body: dict[str, Any] = {
        "model": model,
        "inputs": draw(matrix(T, n_in)),
        "targets": draw(matrix(T, n_out)),
        "loss_steps": draw(
            st.sampled_from(["all", "last"]) | st.sets(st.integers(1, T), min_size=1).map(sorted)
        ),
        "truncate": draw(st.none() | st.integers(1, T + 1)),
        "detail": draw(st.sampled_from(["full", "norms"])),
    }
    if draw(st.booleans()):
        body["s0"] = draw(vector(H))
    return body


ACCEPTS = {
    "/api/forward": {"model", "inputs", "targets", "s0", "loss_steps"},
    "/api/bptt": {"model", "inputs", "targets", "s0", "loss_steps", "truncate", "detail"},
    "/api/gradcheck": {"model", "inputs", "targets", "s0", "loss_steps"},
}


@pytest.mark.parametrize("path", sorted(ACCEPTS))
@given(body=consistent_bodies())
@FAST
def test_consistent_bodies_are_accepted(path: str, body: dict[str, Any]) -> None:
    """Every body whose shapes agree gets 200 and an answer that matches the schema."""
    sent = {key: value for key, value in body.items() if key in ACCEPTS[path]}
    case = schema[path]["POST"].Case(body=sent, media_type="application/json")
    response = case.call_and_validate()
    assert response.status_code == 200, response.text[:1000]


# ---------------------------------------------------------------- consistent tasks and training

TASK_T = {"sine": 2, "echo": 4, "adding": 2, "binary_addition": 9, "chars": 2}  # T that fits
CHARS_TEXT = "the state carries the past "


def task_sizes(name: str) -> tuple[int, int, str, str]:
    """n_in, n_out, output and loss a model needs for the task at its default parameters."""
    if name == "chars":
        vocab = len(set(CHARS_TEXT))
        return vocab, vocab, "softmax", "cross_entropy"
    return (2 if name in ("adding", "binary_addition") else 1), 1, "linear", "squared_error"


@st.composite
def task_queries(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A task name and a query (T, seed, step) that fits its default parameters."""
    name = draw(st.sampled_from(sorted(TASK_T)))
    query: dict[str, Any] = {"T": draw(st.integers(TASK_T[name], 60))}
    if draw(st.booleans()):
        query["seed"] = draw(st.integers(0, 2**32 - 1))
    if draw(st.booleans()):
        query["step"] = draw(st.integers(1, 10**6))
    return name, query


@given(sample=task_queries())
@FAST
def test_consistent_task_queries_are_accepted(sample: tuple[str, dict[str, Any]]) -> None:
    """Every fitting query draws a sample (200) that matches the schema."""
    name, query = sample
    case = schema["/api/tasks/{name}"]["GET"].Case(path_parameters={"name": name}, query=query)
    response = case.call_and_validate()
    assert response.status_code == 200, response.text[:1000]


@st.composite
def train_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A /api/train body whose model fits its data: a task's samples or a fixed sequence."""
    H = draw(st.integers(1, 4))
    name = draw(st.sampled_from(sorted(TASK_T)))
    n_in, n_out, output, loss = task_sizes(name)
    model = {"n_in": n_in, "n_hidden": H, "n_out": n_out, "output": output, "loss": loss}
    model["activation"] = draw(st.sampled_from(["tanh", "sigmoid", "relu", "identity"]))
    model["bias"] = draw(st.booleans())
    model["seed"] = draw(st.integers(0, 2**32 - 1))
    T = draw(st.integers(TASK_T[name], 12))
    data: dict[str, Any] = {"task": {"name": name, "T": T, "seed": draw(st.integers(0, 99))}}
    if output == "linear" and draw(st.booleans()):  # a fixed sequence instead of the task
        data = {"inputs": draw(matrix(T, n_in)), "targets": draw(matrix(T, n_out))}
    optimizer = {
        "name": draw(st.sampled_from(["sgd", "momentum", "adam"])),
        "lr": draw(st.floats(1e-4, 1.0)),
    }
    return {
        "model": model,
        "data": data,
        "optimizer": optimizer,
        "steps": draw(st.integers(1, 5)),
        "clip": draw(st.none() | st.floats(0.1, 10.0)),
        "truncate": draw(st.none() | st.integers(1, T)),
        "log_every": draw(st.integers(1, 3)),
        "start_step": draw(st.integers(0, 1000)),
    }


@given(body=train_bodies())
@FAST
def test_consistent_train_bodies_are_accepted(body: dict[str, Any]) -> None:
    """Every body whose model fits its data trains (200) and answers as the schema says."""
    case = schema["/api/train"]["POST"].Case(body=body, media_type="application/json")
    response = case.call_and_validate()
    assert response.status_code == 200, response.text[:1000]
