"""The /api/bptt fast path answers with the route's own bytes, and leaves every error to it.

Each request is sent twice: to an app as built, and to the same app with the fast path
switched off (`answer` always None, so FastAPI's route answers). Status, body and the
content type must match, for valid bodies of every cell and detail and for bodies the fast
path must hand on (invalid, over a limit, not JSON as pydantic reads it).
"""

from __future__ import annotations

import json
import math
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.api import fastpath
from app.api.schemas import BPTTRequest
from app.config import Settings
from app.main import create_app


def sine_body(T: int, H: int, **extra: Any) -> dict[str, Any]:
    """A sine wave with next-value targets through a seeded model of H units."""
    xs = [math.sin(0.3 * t) for t in range(T + 1)]
    model = {"n_in": 1, "n_hidden": H, "n_out": 1, "seed": 3, **extra.pop("model", {})}
    return {"model": model, "inputs": [[x] for x in xs[:-1]], "targets": [[x] for x in xs[1:]]}


VALID = {
    "lecture size": sine_body(10, 8),
    "lecture size, norms": {**sine_body(10, 8), "detail": "norms"},
    "rnn relu, bias, truncated, listed steps": {
        **sine_body(7, 4, model={"activation": "relu", "bias": True}),
        "truncate": 2,
        "loss_steps": [6, 2, 7],
    },
    "rnn sigmoid, mean, s0, last": {
        **sine_body(5, 3, model={"activation": "sigmoid", "reduction": "mean"}),
        "loss_steps": "last",
        "s0": [0.1, -0.2, 0.3],
    },
    "lstm with c0": {**sine_body(6, 3, model={"cell": "lstm"}), "c0": [0.5, 0.0, -0.5]},
    "gru, norms, no jacobian": {
        **sine_body(9, 5, model={"cell": "gru", "bias": True}),
        "detail": "norms",
        "jacobian": False,
    },
    "overflow (nulls)": {
        **sine_body(10, 3, model={"activation": "identity", "ws_spectral_radius": 100}),
        "inputs": [[1e300]] * 10,
        "targets": [[0.0]] * 10,
    },
    "given weights": {
        "model": {
            "n_in": 1,
            "n_hidden": 2,
            "n_out": 1,
            "weights": {"Wx": [[0.5, -0.3]], "Ws": [[0.1, 0.2], [0.0, -0.5]], "Wy": [[1], [-1]]},
        },
        "inputs": [[1], [0], [-1]],
        "targets": [[0], [1], [0]],
    },
}

JSON = {"content-type": "application/json"}
LECTURE = json.dumps(VALID["lecture size"]).encode()
HANDED_ON = {
    "not JSON": b"{",
    "trailing bytes": LECTURE + b" x",
    "NaN": LECTURE.replace(b"[0.0]", b"[NaN]", 1),
    "a loss step past T": json.dumps({**VALID["lecture size"], "loss_steps": [11]}).encode(),
    "a wrong shape": json.dumps({**VALID["lecture size"], "s0": [1.0]}).encode(),
    "an unknown field": json.dumps({**VALID["lecture size"], "extra": 1}).encode(),
    "a string for a number": LECTURE.replace(b'"seed": 3', b'"seed": "3"'),
    "a float for an integer": LECTURE.replace(b'"seed": 3', b'"seed": 3.0'),
    "a 100-bit integer": LECTURE.replace(b'"seed": 3', b'"seed": 1267650600228229401496703205376'),
    "over a size limit": json.dumps(sine_body(3, 300)).encode(),
    "UTF-8 with a byte order mark": b"\xef\xbb\xbf" + LECTURE,
    "UTF-16": LECTURE.decode().encode("utf-16"),
    "empty": b"",
}


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[TestClient, TestClient]]:
    """(the app as built, the same app with the fast path off)."""
    app = create_app(Settings(log_level="warning"))
    with TestClient(app) as fast, TestClient(app) as plain:
        yield fast, plain


def both(
    clients: tuple[TestClient, TestClient],
    body: bytes,
    monkeypatch: pytest.MonkeyPatch,
    headers: dict[str, str] = JSON,
) -> tuple[Any, Any, int]:
    """The answers with and without the fast path, and how often the fast path answered."""
    fast, plain = clients
    answered = 0
    real = fastpath.answer

    def counting(raw: bytes, request: Any) -> Any:
        nonlocal answered
        response = real(raw, request)
        answered += response is not None
        return response

    monkeypatch.setattr(fastpath, "answer", counting)
    with_fast = fast.post("/api/bptt", content=body, headers=headers)
    monkeypatch.setattr(fastpath, "answer", lambda raw, request: None)
    without = plain.post("/api/bptt", content=body, headers=headers)
    return with_fast, without, answered


def same(a: Any, b: Any) -> None:
    assert (a.status_code, a.headers["content-type"]) == (b.status_code, b.headers["content-type"])
    assert a.content == b.content, f"fast path: {a.content[:300]!r}\nroute: {b.content[:300]!r}"


@pytest.mark.parametrize("name", list(VALID))
def test_a_valid_body_gets_the_routes_bytes_from_the_fast_path(
    clients: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    with_fast, without, answered = both(clients, json.dumps(VALID[name]).encode(), monkeypatch)
    assert without.status_code == 200, without.text[:300]
    assert answered == 1, "the fast path did not answer a small valid request"
    same(with_fast, without)


@pytest.mark.parametrize("name", list(HANDED_ON))
def test_a_body_it_cannot_answer_gets_the_routes_answer(
    clients: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    with_fast, without, answered = both(clients, HANDED_ON[name], monkeypatch)
    assert answered == 0
    same(with_fast, without)


@pytest.mark.parametrize(
    ("content_type", "answers"),
    [
        ("application/json; charset=utf-8", True),
        ("text/plain", False),
        ("application/x+json", False),
    ],
)
def test_only_a_json_content_type_takes_the_fast_path(
    clients: tuple[TestClient, TestClient],
    monkeypatch: pytest.MonkeyPatch,
    content_type: str,
    answers: bool,
) -> None:
    headers = {"content-type": content_type}
    with_fast, without, answered = both(clients, LECTURE, monkeypatch, headers)
    assert answered == int(answers)
    same(with_fast, without)


def test_costly_work_is_left_to_the_route(
    clients: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Priced over the inline limit: the route runs it in a worker thread."""
    with_fast, without, answered = both(
        clients, json.dumps({**sine_body(200, 16), "detail": "norms"}).encode(), monkeypatch
    )
    assert answered == 0
    same(with_fast, without)


def float_text(value: float, style: int) -> str:
    """`value` as JSON number text in one of a few styles a client may write."""
    return [repr(value), f"{value:.25e}", f"{value:.30g}", f"{value:.3e}"][style]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(allow_nan=False, allow_infinity=False), st.integers(0, 3)),
        min_size=1,
        max_size=6,
    )
)
def test_numbers_parse_to_the_same_bits_as_the_routes_parser(
    numbers: list[tuple[float, int]],
) -> None:
    """pydantic's JSON parser (fast path) and json.loads + validation (FastAPI) agree bit for
    bit on every number, or both refuse it."""
    texts = [float_text(value, style) for value, style in numbers]
    raw = (
        '{"model":{"n_in":1,"n_hidden":1,"n_out":1},"inputs":['
        + ",".join(f"[{t}]" for t in texts)
        + "],"
        + '"targets":['
        + ",".join("[0]" for _ in texts)
        + "]}"
    ).encode()
    try:
        fast = [struct.pack("<d", x) for (x,) in BPTTRequest.model_validate_json(raw).inputs]
    except ValidationError:
        fast = None
    try:
        std = [struct.pack("<d", x) for (x,) in BPTTRequest.model_validate(json.loads(raw)).inputs]
    except ValidationError:
        std = None
    assert fast == std


def test_a_taken_slot_leaves_the_request_to_the_route(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every compute slot busy: the fast path does not wait, the route waits in a worker
    thread and answers once the slot is free, with the same bytes."""
    app = create_app(Settings(log_level="warning", max_concurrent_compute=1))
    with TestClient(app) as client:
        expected = client.post("/api/bptt", content=LECTURE, headers=JSON)
        slots = app.state.compute_slots
        assert slots.try_acquire()
        release = threading.Timer(0.3, slots.release)
        release.start()
        with_fast, _, answered = both((client, client), LECTURE, monkeypatch)
        release.join()
    assert answered == 0
    same(with_fast, expected)
