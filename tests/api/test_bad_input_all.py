"""Bad input on EVERY endpoint: each row is a 4xx whose `loc` and message name the field.

tests/api/test_bad_input.py holds the body table of /api/forward, /api/bptt and
/api/gradcheck; this table adds what it does not cover: /api/train (shapes, types, NaN and
Infinity literals, booleans and strings as numbers, empty and malformed bodies, huge values,
unknown task/activation/optimizer, out-of-range steps, oversize body), the query parameters of
/api/tasks/{name}, wrong methods on every path, and the transport-level classes (non-JSON
content type, `null` or a string as the body, non-UTF-8 bytes, 1e400, nesting deeper than any
parser) on the three RNN endpoints. After the table, the server must still be healthy.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import raw, refusal_problem, send, strict_json

TRAIN, TASKS, HEALTH = "/api/train", "/api/tasks", "/api/health"
RNN_PATHS = ("/api/forward", "/api/bptt", "/api/gradcheck")

TRAIN_FIXED: dict[str, Any] = {
    "model": {"n_in": 1, "n_hidden": 3, "n_out": 1},
    "data": {"inputs": [[0.1], [0.2], [0.3]], "targets": [[0.0], [1.0], [0.0]]},
    "optimizer": {"name": "momentum", "lr": 0.1},
    "steps": 2,
}
TRAIN_TASK: dict[str, Any] = {
    "model": {"n_hidden": 3},
    "data": {"task": {"name": "echo", "T": 6, "seed": 1, "delay": 2}},
    "optimizer": {"name": "adam", "lr": 0.01},
    "steps": 2,
}
WEIGHTS = {
    "Wx": [[0.1, 0.2, 0.3]],
    "Ws": [[0.1, 0.0, 0.0], [0.0, 0.1, 0.0], [0.0, 0.0, 0.1]],
    "Wy": [[1.0], [0.5], [0.25]],
}
VELOCITY = {"Wx": [[0.0, 0.0, 0.0]], "Ws": [[0.0] * 3] * 3, "Wy": [[0.0]] * 3}
RNN_BODY: dict[str, Any] = {
    "model": {"n_in": 1, "n_hidden": 3, "n_out": 1},
    "inputs": [[0.1], [0.2], [0.3]],
    "targets": [[0.0], [1.0], [0.0]],
}


def edit(base: dict[str, Any], *changes: tuple[str, Any]) -> dict[str, Any]:
    """`base` with ("data.task.T", value) changes; the value None deletes the key."""
    result = copy.deepcopy(base)
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


def fixed(*changes: tuple[str, Any]) -> dict[str, Any]:
    return edit(TRAIN_FIXED, *changes)


def task(*changes: tuple[str, Any]) -> dict[str, Any]:
    return edit(TRAIN_TASK, *changes)


def text_of(body: dict[str, Any], old: str, new: str) -> bytes:
    """`body` as JSON text with `old` (which must occur) replaced by `new` (e.g. NaN)."""
    text = json.dumps(body)
    assert old in text, f"{old!r} not in {text}"
    return raw(text.replace(old, new, 1))


@dataclass(frozen=True)
class Row:
    """A refused request: where the error must point and a phrase its message must contain."""

    name: str
    path: str
    request: Any  # a JSON value, raw bytes, or None for no body
    loc: tuple[str | int, ...]
    msg: str
    status: int = 422
    method: str = "POST"
    loc_prefix: bool = False  # loc may go deeper (pydantic names the union branch it tried)


def train(name: str, request: Any, loc: tuple[str | int, ...], msg: str, **kw: Any) -> Row:
    return Row(name, TRAIN, request, ("body", *loc), msg, **kw)


def query(name: str, url: str, loc: str, msg: str) -> Row:
    return Row(name, url, None, ("query", loc), msg, method="GET")


TRAIN_ROWS = [
    # shapes
    train(
        "inputs too wide",
        fixed(("data.inputs", [[1, 2], [3, 4], [5, 6]])),
        ("data", "inputs"),
        "inputs must be 3×1 (T×n_in), got 3×2",
    ),
    train(
        "inputs ragged",
        fixed(("data.inputs", [[1], [2, 3], [4]])),
        ("data", "inputs"),
        "unequal lengths",
    ),
    train(
        "targets too short",
        fixed(("data.targets", [[0.0], [1.0]])),
        ("data", "targets"),
        "targets must be 3×1 (T×n_out), got 2×1",
    ),
    train("s0 wrong size", fixed(("data.s0", [0.0, 0.0])), ("data", "s0"), "3 entries (n_hidden)"),
    train(
        "Ws wrong shape",
        fixed(("model.weights", {**WEIGHTS, "Ws": [[0.1, 0.2]] * 3})),
        ("model", "weights", "Ws"),
        "Ws must be 3×3 (n_hidden×n_hidden), got 3×2",
    ),
    train(
        "model does not fit the task",
        task(("model.n_in", 2)),
        ("model", "n_in"),
        "task echo needs n_in = 1, the model has 2",
    ),
    train(
        "optimizer_state of the wrong shape",
        fixed(
            ("optimizer_state", {"name": "momentum", "step": 1, "velocity": VELOCITY}),
            ("optimizer_state.velocity.Ws", [[0.0, 0.0], [0.0, 0.0]]),
        ),
        ("optimizer_state", "velocity", "Ws"),
        "must have shape (3, 3) like the weights, got shape (2, 2)",
    ),
    # types: booleans and strings as numbers, objects as scalars
    train("steps as a float", fixed(("steps", 2.5)), ("steps",), "valid integer"),
    train("steps as a string", fixed(("steps", "2")), ("steps",), "valid integer"),
    train("steps as a boolean", fixed(("steps", True)), ("steps",), "valid integer"),
    train("lr as a boolean", fixed(("optimizer.lr", True)), ("optimizer", "lr"), "valid number"),
    train("lr as a string", fixed(("optimizer.lr", "0.1")), ("optimizer", "lr"), "valid number"),
    train("clip as a boolean", fixed(("clip", False)), ("clip",), "valid number"),
    train(
        "boolean as an input",
        fixed(("data.inputs", [[True], [0.2], [0.3]])),
        ("data", "inputs", 0, 0),
        "valid number",
    ),
    train(
        "string as a target",
        fixed(("data.targets", [[0.0], ["1"], [0.0]])),
        ("data", "targets", 1, 0),
        "valid number",
    ),
    train("task T as a string", task(("data.task.T", "6")), ("data", "task", "T"), "valid integer"),
    train(
        "task parameter as a string",
        task(("data.task.delay", "2")),
        ("data", "task", "delay"),
        "delay must be an integer",
    ),
    train(
        "task flag as a number",
        task(("data.task", {"name": "sine", "random_phase": 1}), ("model.n_hidden", 3)),
        ("data", "task", "random_phase"),
        "true or false",
    ),
    train("task name as a number", task(("data.task.name", 5)), ("data", "task", "name"), "string"),
    train("optimizer as a string", fixed(("optimizer", "adam")), ("optimizer",), "dictionary"),
    train("data as a list", fixed(("data", [[0.1]])), ("data",), "dictionary"),
    # NaN and Infinity literals
    train(
        "NaN as lr",
        text_of(TRAIN_FIXED, '"lr": 0.1', '"lr": NaN'),
        ("optimizer", "lr"),
        "finite number",
    ),
    train(
        "1e400 as lr (parses as Infinity)",
        text_of(TRAIN_FIXED, '"lr": 0.1', '"lr": 1e400'),
        ("optimizer", "lr"),
        "finite number",
    ),
    train(
        "Infinity as clip",
        text_of(TRAIN_FIXED, '"steps": 2', '"steps": 2, "clip": Infinity'),
        ("clip",),
        "finite number",
    ),
    train(
        "-Infinity as momentum",
        text_of(TRAIN_FIXED, '"lr": 0.1', '"lr": 0.1, "momentum": -Infinity'),
        ("optimizer", "momentum"),
        "finite number",
    ),
    train(
        "NaN in inputs",
        text_of(TRAIN_FIXED, "[[0.1]", "[[NaN]"),
        ("data", "inputs", 0, 0),
        "finite number",
    ),
    train(
        "Infinity in targets",
        text_of(TRAIN_FIXED, "[[0.0]", "[[Infinity]"),
        ("data", "targets", 0, 0),
        "finite number",
    ),
    train(
        "NaN in weights",
        text_of(fixed(("model.weights", WEIGHTS)), '"Ws": [[0.1', '"Ws": [[NaN'),
        ("model", "weights", "Ws", 0, 0),
        "finite number",
    ),
    train(
        "NaN as a task parameter",
        text_of(
            task(("data.task", {"name": "sine", "freq_jitter": 0.5})),
            '"freq_jitter": 0.5',
            '"freq_jitter": NaN',
        ),
        ("data", "task", "freq_jitter"),
        "finite",
    ),
    train(
        "NaN in an optimizer buffer",
        text_of(
            fixed(("optimizer_state", {"name": "momentum", "step": 1, "velocity": VELOCITY})),
            '"Wx": [[0.0',
            '"Wx": [[NaN',
        ),
        ("optimizer_state", "velocity", "Wx"),
        "finite number",
        loc_prefix=True,
    ),
    # empty, missing and malformed bodies
    train("empty body", b"", (), "required"),
    train("null body", b"null", (), "valid dictionary"),
    train("empty object", {}, ("data",), "required"),
    train("missing optimizer", fixed(("optimizer", None)), ("optimizer",), "required"),
    train("empty data", fixed(("data", {})), ("data", "inputs"), "required unless a task"),
    train(
        "empty inputs",
        fixed(("data.inputs", []), ("data.targets", [])),
        ("data", "inputs"),
        "at least 1 item",
    ),
    train(
        "fixed data and a task",
        fixed(("data.task", {"name": "sine"})),
        ("data", "task"),
        "not both",
    ),
    train(
        "malformed JSON",
        raw(json.dumps(TRAIN_FIXED)[:-3]),
        (len(json.dumps(TRAIN_FIXED)) - 3,),
        "JSON decode error",
    ),
    train("JSON array body", [TRAIN_FIXED], (), "valid dictionary"),
    train("unknown field", fixed(("epochs", 3)), ("epochs",), "extra inputs are not permitted"),
    train(
        "unknown optimizer field",
        fixed(("optimizer.nesterov", True)),
        ("optimizer", "nesterov"),
        "extra inputs are not permitted",
    ),
    # huge values and the Settings' limits
    train("steps 10**12", fixed(("steps", 10**12)), ("steps",), "less than or equal to 5000"),
    train("lr 1e7", fixed(("optimizer.lr", 1e7)), ("optimizer", "lr"), "less than or equal to"),
    train(
        "task T 10**9", task(("data.task.T", 10**9)), ("data", "task", "T"), "limit of 1000 steps"
    ),
    train(
        "n_hidden 10**9",
        fixed(("model.n_hidden", 10**9)),
        ("model", "n_hidden"),
        "exceeds the limit of 256 (BPTT_MAX_N_HIDDEN)",
    ),
    train(
        "work over the limit",
        task(("steps", 5000), ("model.n_hidden", 256), ("data.task.T", 1000)),
        ("steps",),
        "BPTT_MAX_COMPUTE_SECONDS); steps ≤ ",
    ),
    train(
        "task parameter 10**30",
        task(("data.task.delay", 10**30)),
        ("data", "task", "delay"),
        "between 1 and 999",
    ),
    train(
        "chars text too long",
        task(("data.task", {"name": "chars", "text": "ab" * 1500})),
        ("data", "task", "text"),
        "length of text must be between 2 and 2000",
    ),
    train(
        "task seed over 2**32-1",
        task(("data.task.seed", 2**32)),
        ("data", "task", "seed"),
        "less than or equal to 4294967295",
    ),
    # unknown names
    train("unknown task", task(("data.task.name", "tetris")), ("data", "task", "name"), "unknown"),
    train(
        "unknown task parameter",
        task(("data.task.speed", 3)),
        ("data", "task", "speed"),
        "echo has no parameter 'speed'",
    ),
    train(
        "unknown activation",
        fixed(("model.activation", "softplus")),
        ("model", "activation"),
        "'tanh', 'sigmoid', 'relu' or 'identity'",
    ),
    train(
        "unknown optimizer",
        fixed(("optimizer.name", "rmsprop")),
        ("optimizer", "name"),
        "'sgd', 'momentum' or 'adam'",
    ),
    train(
        "optimizer_state of another optimizer",
        fixed(("optimizer_state", {"name": "sgd", "step": 1})),
        ("optimizer_state", "name"),
        "optimizer_state is for 'sgd'",
    ),
    # out-of-range steps
    train(
        "loss step 0",
        fixed(("data.loss_steps", [0])),
        ("data", "loss_steps", 0),
        "out of range: steps are 1..T = 1..3",
    ),
    train(
        "loss step T+1",
        fixed(("data.loss_steps", [1, 4])),
        ("data", "loss_steps", 1),
        "loss step 4 is out of range",
    ),
    train("steps 0", fixed(("steps", 0)), ("steps",), "greater than or equal to 1"),
    train("truncate 0", fixed(("truncate", 0)), ("truncate",), "greater than or equal to 1"),
    train("log_every 0", fixed(("log_every", 0)), ("log_every",), "greater than or equal to 1"),
    train("start_step -1", fixed(("start_step", -1)), ("start_step",), "greater than or equal"),
    train(
        "echo delay not below T",
        task(("data.task.delay", 6)),
        ("data", "task", "delay"),
        "below T = 6",
    ),
    train(
        "adding with T = 1",
        task(("data.task", {"name": "adding", "T": 1}), ("model.n_in", 2)),
        ("data", "task", "T"),
        "at least 2",
    ),
    # transport
    Row(
        "body over the size limit",
        TRAIN,
        raw(json.dumps(TRAIN_FIXED)[:-1] + ', "pad": "' + "x" * 4_100_000 + '"}'),
        (),
        "BPTT_MAX_BODY_BYTES",
        status=413,
    ),
]

SAMPLE = "/api/tasks/echo?T=6"
QUERY_ROWS = [
    query("T = 0", "/api/tasks/sine?T=0", "T", "greater than or equal to 1"),
    query("T negative", "/api/tasks/sine?T=-3", "T", "greater than or equal to 1"),
    query("T = abc", "/api/tasks/sine?T=abc", "T", "valid integer"),
    query("T empty", "/api/tasks/sine?T=", "T", "valid integer"),
    query("T = 1.5", "/api/tasks/sine?T=1.5", "T", "valid integer"),
    query("T = 10**30", "/api/tasks/sine?T=" + "9" * 30, "T", "limit of 1000 steps (BPTT_MAX_T)"),
    query("seed = abc", "/api/tasks/sine?seed=abc", "seed", "valid integer"),
    query("seed = 2**32", f"/api/tasks/sine?seed={2**32}", "seed", "less than or equal to"),
    query("step = 0", "/api/tasks/sine?step=0", "step", "greater than or equal to 1"),
    query("step = abc", "/api/tasks/sine?step=abc", "step", "valid integer"),
    query("unknown parameter", SAMPLE + "&speed=2", "speed", "echo has no parameter 'speed'"),
    query("parameter of another task", "/api/tasks/sine?delay=2", "delay", "no parameter"),
    query("bad parameter value", SAMPLE + "&delay=two", "delay", "delay must be an integer"),
    query("NaN parameter", SAMPLE + "&delay=nan", "delay", "delay must be an integer"),
    query("parameter 10**30", SAMPLE + "&delay=" + "9" * 30, "delay", "between 1 and 999"),
    query("infinite float", "/api/tasks/sine?freq_jitter=1e400", "freq_jitter", "finite"),
    query("bad flag", "/api/tasks/sine?random_phase=perhaps", "random_phase", "true or false"),
    query("delay not below T", SAMPLE + "&delay=6", "delay", "below T = 6"),
    query("bits over T - 1", "/api/tasks/binary_addition?T=4&bits=8", "bits", "at most T - 1"),
    query("text too short", "/api/tasks/chars?text=", "text", "between 2 and 2000"),
    Row("unknown task", "/api/tasks/tetris", None, (), "unknown task 'tetris'", 404, "GET"),
    Row(
        "markup as a task name",
        "/api/tasks/%3Cimg%20src=x%20onerror=alert(1)%3E",
        None,
        (),
        "unknown task '<img src=x onerror=alert(1)>'",
        404,
        "GET",
    ),
]

METHOD_ROWS = [
    Row(f"{method} {path}", path, None, (), "Method Not Allowed", 405, method)
    for method, path in [
        ("POST", HEALTH),
        ("POST", TASKS),
        ("PUT", "/api/tasks/sine"),
        ("GET", TRAIN),
        ("DELETE", "/api/bptt"),
        ("GET", "/api/forward"),
    ]
]

RNN_TEXT = json.dumps(RNN_BODY)
TRANSPORT_ROWS = [
    row
    for path in RNN_PATHS
    for row in [
        Row("null body", path, raw("null"), ("body",), "valid dictionary"),
        Row("a string as the body", path, '"inputs"', ("body",), "valid dictionary"),
        Row("not UTF-8", path, b"\xff\xfe{}", ("body", 0), "JSON decode error"),
        Row(
            "1e400 in inputs (parses as Infinity)",
            path,
            raw(RNN_TEXT.replace("[[0.1]", "[[1e400]")),
            ("body", "inputs", 0, 0),
            "finite number",
        ),
        Row(
            "n_hidden 10**30",
            path,
            raw(RNN_TEXT.replace('"n_hidden": 3', '"n_hidden": ' + "9" * 30)),
            ("body", "model", "n_hidden"),
            "exceeds the limit of 256",
        ),
        Row(
            "a number of 5000 digits",
            path,
            raw(RNN_TEXT.replace("[[0.1]", "[[" + "1" * 5000 + "]")),
            (),
            "error parsing the body",
            status=400,
        ),
        Row(
            "nesting deeper than the parser",
            path,
            raw("[" * 100_000 + "]" * 100_000),
            (),
            "error parsing the body",
            status=400,
        ),
    ]
]

ROWS = TRAIN_ROWS + QUERY_ROWS + METHOD_ROWS + TRANSPORT_ROWS


def row_id(row: Row) -> str:
    return f"{row.method} {row.path.split('?')[0].rsplit('/', 1)[-1]}: {row.name}"


def call(client: TestClient, row: Row) -> Any:
    """Send the row; a text body that is not bytes goes with a non-JSON content type."""
    if isinstance(row.request, str):
        headers = {"content-type": "text/plain"}
        return client.request(row.method, row.path, content=row.request, headers=headers)
    return send(client, row.path, row.request, row.method)


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_bad_request_is_refused_naming_the_field(client: TestClient, row: Row) -> None:
    response = call(client, row)
    problem = refusal_problem(response, row.status, row.loc, row.msg, row.loc_prefix)
    assert problem is None, f"{row.name}: {problem}"


def test_the_tables_cover_every_endpoint(app: Any) -> None:
    """Every path of the API appears in a row of this table or of test_bad_input.py."""
    paths = {route.path for route in app.routes if getattr(route, "path", "").startswith("/api")}
    covered = {row.path.split("?")[0] for row in ROWS} | set(RNN_PATHS)
    covered |= {"/api/tasks/{name}"} if any("/api/tasks/" in row.path for row in ROWS) else set()
    assert paths <= covered, f"no bad-input row for {sorted(paths - covered)}"
    assert len(TRAIN_ROWS) >= 50 and len(QUERY_ROWS) >= 20


def test_service_still_healthy_after_bad_requests(client: TestClient) -> None:
    """Every row again (none may be a 5xx or carry NaN), then health and real work still answer."""
    for row in ROWS:
        response = call(client, row)
        assert 400 <= response.status_code < 500, (row.name, response.status_code)
        strict_json(response.text)
    health = client.get(HEALTH)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert client.post(TRAIN, json=TRAIN_TASK).status_code == 200
    assert client.get(SAMPLE).status_code == 200
