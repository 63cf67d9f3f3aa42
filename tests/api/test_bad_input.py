"""Every bad request gets a 4xx whose `loc` and message name the field (api.md, Errors).

One table, run against /api/forward, /api/bptt and /api/gradcheck: each row is a request that
must be refused, the status, where the error must point and a phrase the message must contain.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import raw, send

FORWARD, BPTT, GRADCHECK = "/api/forward", "/api/bptt", "/api/gradcheck"
ALL = (FORWARD, BPTT, GRADCHECK)
WITH_TARGETS = (BPTT, GRADCHECK)  # targets are required there

BASE: dict[str, Any] = {
    "model": {"n_in": 1, "n_hidden": 3, "n_out": 1},
    "inputs": [[0.1], [0.2], [0.3]],
    "targets": [[0.0], [1.0], [0.0]],
}
WEIGHTS = {
    "Wx": [[0.1, 0.2, 0.3]],
    "Ws": [[0.1, 0.0, 0.0], [0.0, 0.1, 0.0], [0.0, 0.0, 0.1]],
    "Wy": [[1.0], [0.5], [0.25]],
}


def body(*changes: tuple[str, Any]) -> dict[str, Any]:
    """BASE with ("model.weights", value) style changes; value None deletes the key."""
    result = copy.deepcopy(BASE)
    for dotted, value in changes:
        *parents, key = dotted.split(".")
        node = result
        for name in parents:
            node = node.setdefault(name, {})
        if value is None:
            node.pop(key, None)
        else:
            node[key] = value
    return result


BASE_TEXT = json.dumps(BASE)
WEIGHTED_TEXT = json.dumps(body(("model.weights", WEIGHTS)))


@dataclass(frozen=True)
class Case:
    name: str
    request: Any  # a JSON value, or raw bytes
    loc: tuple[str | int, ...]  # where the error must point (FastAPI's loc, from "body")
    msg: str  # a phrase the message must contain (case-insensitive)
    paths: tuple[str, ...] = ALL
    status: int = 422
    extra: dict[str, Any] = field(default_factory=dict)


def weight(name: str, value: Any) -> dict[str, Any]:
    return body(("model.weights", {**WEIGHTS, name: value}))


CASES = [
    # shapes
    Case(
        "inputs too wide",
        body(("inputs", [[1, 2], [3, 4], [5, 6]])),
        ("body", "inputs"),
        "inputs must be 3×1 (T×n_in), got 3×2",
    ),
    Case(
        "inputs ragged", body(("inputs", [[1], [2, 3], [4]])), ("body", "inputs"), "unequal lengths"
    ),
    Case(
        "targets too short",
        body(("targets", [[0.0], [1.0]])),
        ("body", "targets"),
        "targets must be 3×1 (T×n_out), got 2×1",
    ),
    Case(
        "targets too wide",
        body(("targets", [[0, 1], [1, 0], [0, 1]])),
        ("body", "targets"),
        "T×n_out",
    ),
    Case(
        "s0 wrong size",
        body(("s0", [0.0, 0.0])),
        ("body", "s0"),
        "s0 must have 3 entries (n_hidden), got 2",
    ),
    Case(
        "Wx wrong shape",
        weight("Wx", [[0.1, 0.2]]),
        ("body", "model", "weights", "Wx"),
        "Wx must be 1×3 (n_in×n_hidden), got 1×2",
    ),
    Case(
        "Ws wrong shape",
        weight("Ws", [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]),
        ("body", "model", "weights", "Ws"),
        "Ws must be 3×3 (n_hidden×n_hidden), got 3×2",
    ),
    Case(
        "Wy wrong shape",
        weight("Wy", [[1.0, 2.0], [0.5, 1.0], [0.2, 0.1]]),
        ("body", "model", "weights", "Wy"),
        "Wy must be 3×1 (n_hidden×n_out), got 3×2",
    ),
    Case(
        "Wy missing",
        body(("model.weights", {"Wx": WEIGHTS["Wx"], "Ws": WEIGHTS["Ws"]})),
        ("body", "model", "weights", "Wy"),
        "required",
    ),
    Case(
        "bs without bias",
        weight("bs", [0.0, 0.0, 0.0]),
        ("body", "model", "weights", "bs"),
        "bs must be omitted when bias is false",
    ),
    Case(
        "bs missing with bias",
        body(("model.bias", True), ("model.weights", {**WEIGHTS, "by": [0.0]})),
        ("body", "model", "weights", "bs"),
        "bs is required when bias is true",
    ),
    Case(
        "by wrong size",
        body(("model.bias", True), ("model.weights", {**WEIGHTS, "bs": [0, 0, 0], "by": [0, 0]})),
        ("body", "model", "weights", "by"),
        "by must have 1 entries (n_out), got 2",
    ),
    # non-finite numbers (raw JSON tokens)
    Case(
        "NaN in inputs",
        raw(BASE_TEXT.replace("[[0.1]", "[[NaN]")),
        ("body", "inputs", 0, 0),
        "finite number",
    ),
    Case(
        "Infinity in targets",
        raw(BASE_TEXT.replace("[[0.0]", "[[Infinity]")),
        ("body", "targets", 0, 0),
        "finite number",
        WITH_TARGETS,
    ),
    Case(
        "-Infinity in s0",
        raw(BASE_TEXT[:-1] + ', "s0": [0, -Infinity, 0]}'),
        ("body", "s0", 1),
        "finite number",
    ),
    Case(
        "NaN in weights",
        raw(WEIGHTED_TEXT.replace('"Ws": [[0.1', '"Ws": [[NaN')),
        ("body", "model", "weights", "Ws", 0, 0),
        "finite number",
    ),
    Case(
        "Infinity in weights",
        raw(WEIGHTED_TEXT.replace('"Wx": [[0.1', '"Wx": [[Infinity')),
        ("body", "model", "weights", "Wx", 0, 0),
        "finite number",
    ),
    Case(
        "NaN as n_hidden",
        raw(BASE_TEXT.replace('"n_hidden": 3', '"n_hidden": NaN')),
        ("body", "model", "n_hidden"),
        "valid integer",
    ),
    Case(
        "Infinity as ws_spectral_radius",
        raw(BASE_TEXT.replace('"n_hidden": 3', '"n_hidden": 3, "ws_spectral_radius": Infinity')),
        ("body", "model", "ws_spectral_radius"),
        "finite number",
    ),
    # non-numbers
    Case(
        "boolean as input",
        body(("inputs", [[True], [0.2], [0.3]])),
        ("body", "inputs", 0, 0),
        "valid number",
    ),
    Case(
        "boolean as weight",
        weight("Wy", [[1.0], [False], [0.25]]),
        ("body", "model", "weights", "Wy", 1, 0),
        "valid number",
    ),
    Case(
        "boolean as n_hidden",
        body(("model.n_hidden", True)),
        ("body", "model", "n_hidden"),
        "valid integer",
    ),
    Case(
        "string as input",
        body(("inputs", [["0.1"], [0.2], [0.3]])),
        ("body", "inputs", 0, 0),
        "valid number",
    ),
    Case("string as seed", body(("model.seed", "7")), ("body", "model", "seed"), "valid integer"),
    Case(
        "float as n_hidden",
        body(("model.n_hidden", 3.5)),
        ("body", "model", "n_hidden"),
        "valid integer",
    ),
    Case("inputs not a list", body(("inputs", "0.1 0.2")), ("body", "inputs"), "valid list"),
    # missing and malformed bodies
    Case("empty body", b"", ("body",), "required"),
    Case("empty object", {}, ("body", "inputs"), "required"),
    Case("missing targets", body(("targets", None)), ("body", "targets"), "required", WITH_TARGETS),
    Case(
        "empty inputs", body(("inputs", []), ("targets", [])), ("body", "inputs"), "at least 1 item"
    ),
    Case("malformed JSON", raw(BASE_TEXT[:-5]), ("body", len(BASE_TEXT) - 5), "JSON decode error"),
    Case("JSON array body", [1, 2, 3], ("body",), "valid dictionary"),
    Case(
        "unknown field",
        body(("model.n_hiden", 4)),
        ("body", "model", "n_hiden"),
        "extra inputs are not permitted",
    ),
    # names
    Case(
        "unknown activation",
        body(("model.activation", "softplus")),
        ("body", "model", "activation"),
        "'tanh', 'sigmoid', 'relu' or 'identity'",
    ),
    Case(
        "unknown output",
        body(("model.output", "sigmoid")),
        ("body", "model", "output"),
        "'linear' or 'softmax'",
    ),
    Case(
        "unknown loss",
        body(("model.loss", "hinge")),
        ("body", "model", "loss"),
        "'squared_error' or 'cross_entropy'",
    ),
    Case(
        "cross_entropy with linear output",
        body(("model.loss", "cross_entropy")),
        ("body", "model", "loss"),
        "needs output 'softmax'",
    ),
    # ranges
    Case(
        "loss step 0",
        body(("loss_steps", [0])),
        ("body", "loss_steps", 0),
        "out of range: steps are 1..T = 1..3",
    ),
    Case(
        "loss step T+1",
        body(("loss_steps", [1, 4])),
        ("body", "loss_steps", 1),
        "loss step 4 is out of range",
    ),
    Case(
        "loss step twice", body(("loss_steps", [2, 2])), ("body", "loss_steps", 1), "listed twice"
    ),
    Case("empty loss steps", body(("loss_steps", [])), ("body", "loss_steps"), "non-empty list"),
    Case(
        "unknown loss_steps word",
        body(("loss_steps", "first")),
        ("body", "loss_steps"),
        "'all' or 'last'",
    ),
    Case(
        "truncate 0",
        body(("truncate", 0)),
        ("body", "truncate"),
        "greater than or equal to 1",
        (BPTT,),
    ),
    Case(
        "truncate in a gradient check",
        body(("truncate", 2)),
        ("body", "truncate"),
        "extra inputs are not permitted",
        (GRADCHECK,),
    ),
    Case(
        "unknown detail", body(("detail", "some")), ("body", "detail"), "'full' or 'norms'", (BPTT,)
    ),
    Case("negative seed", body(("model.seed", -1)), ("body", "model", "seed"), "greater than"),
    Case("seed over 2**32-1", body(("model.seed", 2**32)), ("body", "model", "seed"), "less than"),
    Case(
        "ws_spectral_radius 0",
        body(("model.ws_spectral_radius", 0)),
        ("body", "model", "ws_spectral_radius"),
        "greater than 0",
    ),
    Case(
        "ws_spectral_radius 1000",
        body(("model.ws_spectral_radius", 1000)),
        ("body", "model", "ws_spectral_radius"),
        "less than or equal to 100",
    ),
    Case(
        "n_hidden 0",
        body(("model.n_hidden", 0)),
        ("body", "model", "n_hidden"),
        "greater than or equal to 1",
    ),
    # limits of the Settings
    Case(
        "n_hidden far over the limit",
        body(("model.n_hidden", 10**9)),
        ("body", "model", "n_hidden"),
        "n_hidden = 1000000000 exceeds the limit of 256",
    ),
    Case(
        "T over the limit",
        body(("inputs", [[0.0]] * 1001), ("targets", [[0.0]] * 1001)),
        ("body", "inputs"),
        "T = 1001 exceeds the limit of 1000 steps (BPTT_MAX_T)",
    ),
    Case(
        "n_hidden over the limit",
        body(("model.n_hidden", 257)),
        ("body", "model", "n_hidden"),
        "n_hidden = 257 exceeds the limit of 256 (BPTT_MAX_N_HIDDEN)",
    ),
    Case(
        "n_in over the limit",
        body(("model.n_in", 65), ("inputs", [[0.0] * 65] * 3)),
        ("body", "model", "n_in"),
        "n_in = 65 exceeds the limit of 64 (BPTT_MAX_N_IO)",
    ),
    Case(
        "detail full over the work limit",
        body(("model.n_hidden", 20), ("inputs", [[0.0]] * 300), ("targets", [[0.0]] * 300)),
        ("body", "detail"),
        "37,800,000 numbers, over the limit of 4,000,000 (BPTT_MAX_FULL_NUMBERS)",
        (BPTT,),
    ),
    Case(
        "gradient check over the work limit",
        body(("model.n_hidden", 64), ("inputs", [[0.0]] * 100), ("targets", [[0.0]] * 100)),
        ("body", "inputs"),
        "over the limit of 6 s per request (BPTT_MAX_COMPUTE_SECONDS); T ≤ ",
        (GRADCHECK,),
    ),
    Case(
        "body over the size limit",
        raw(BASE_TEXT[:-1] + ', "pad": "' + "x" * 4_100_000 + '"}'),
        (),
        "BPTT_MAX_BODY_BYTES",
        status=413,
    ),
]

PARAMS = [
    pytest.param(case, path, id=f"{path.rsplit('/', 1)[-1]}: {case.name}")
    for case in CASES
    for path in case.paths
]


@pytest.mark.parametrize(("case", "path"), PARAMS)
def test_bad_request_is_refused_naming_the_field(client: TestClient, case: Case, path: str) -> None:
    response = send(client, path, case.request)
    assert response.status_code == case.status, (
        f"{case.name}: expected {case.status}, got {response.status_code}: {response.text[:500]}"
    )
    detail = response.json()["detail"]
    if case.status == 413:
        assert case.msg in str(detail)
        return
    assert isinstance(detail, list) and detail, response.text
    found = [(tuple(item["loc"]), item["msg"]) for item in detail]
    matching = [msg for loc, msg in found if loc == case.loc]
    assert matching, f"{case.name}: no error at {case.loc}; errors were {found}"
    assert any(case.msg.lower() in msg.lower() for msg in matching), (
        f"{case.name}: expected a message containing {case.msg!r} at {case.loc}, got {matching}"
    )


def test_the_table_covers_every_endpoint() -> None:
    """Each endpoint is exercised by most rows (a guard against a row list gone empty)."""
    for path in ALL:
        assert sum(path in case.paths for case in CASES) >= 40, path


def test_service_still_healthy_after_bad_requests(client: TestClient) -> None:
    """A burst of the worst rows, then /api/health still answers ok and a good request works."""
    for case in CASES:
        for path in case.paths:
            assert send(client, path, case.request).status_code < 500, (case.name, path)
    health = client.get("/api/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert client.post(BPTT, json=BASE).status_code == 200
