"""Hostile and careless clients against a live uvicorn on loopback (every loop bounded in time).

Each case is what a client on the network can do to a lecture hall's server: stall a body,
send bytes that are not what they claim, nest JSON a thousand deep, ask for a minute of work or
a 140 MB answer, hang up mid-computation, or lie in the Host header. None may stop the server,
get a 5xx, or be answered with the client's own host.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from typing import Any

import pytest

from tests.hostile.conftest import BODY_TIMEOUT_SECONDS, LiveServer

Response = tuple[int, dict[str, str], bytes]


def request(
    server: LiveServer,
    method: str,
    path: str,
    body: bytes | dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Response:
    """One HTTP request on a fresh connection: status, lower-cased headers, body."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    all_headers = {"Content-Type": "application/json"} if isinstance(body, dict) else {}
    all_headers.update(headers or {})
    try:
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def small_bptt() -> dict[str, Any]:
    return {"inputs": [[1.0], [0.5]], "targets": [[0.0], [1.0]], "detail": "norms"}


def training(T: int, steps: int, truncate: int | None = None) -> dict[str, Any]:
    return {
        "model": {"n_in": 1, "n_hidden": 2, "n_out": 1},
        "data": {
            "inputs": [[0.1 * (t % 9)] for t in range(T)],
            "targets": [[0.1 * ((t + 1) % 9)] for t in range(T)],
        },
        "optimizer": {"name": "adam", "lr": 0.01},
        "steps": steps,
        "truncate": truncate,
        "log_every": steps,
    }


def send_headers_and(server: LiveServer, path: str, body: bytes, length: int) -> socket.socket:
    """A raw connection that sends a POST's headers and `body` (maybe short of `length`)."""
    sock = server.connect()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    )
    sock.sendall(head.encode() + body)
    return sock


def read_status(sock: socket.socket, timeout: float) -> int:
    """The status code of the first response on `sock`, waiting at most `timeout` s."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


# ---------------------------------------------------------------- stalled bodies


def test_a_stalled_body_blocks_no_computation(server: LiveServer) -> None:
    stalled = send_headers_and(server, "/api/train", b'{"model":', length=100)
    try:
        time.sleep(0.2)  # the server has the headers and 9 bytes, and waits for 91 more
        for path, body in [
            ("/api/bptt", small_bptt()),
            ("/api/forward", {"inputs": [[1.0]]}),
            ("/api/gradcheck", {"inputs": [[1.0]], "targets": [[0.5]]}),
            ("/api/train", training(5, 2)),
        ]:
            start = time.monotonic()
            status, _, text = request(server, "POST", path, body, timeout=10)
            elapsed = time.monotonic() - start
            assert status == 200, (path, text[:200])
            assert elapsed < 3.0, f"{path} waited {elapsed:.1f} s behind a stalled body"
        status = read_status(stalled, timeout=BODY_TIMEOUT_SECONDS + 5)
        assert status == 408, "the stalled body is answered 408 once its time is up"
    finally:
        stalled.close()


def test_an_invalid_request_is_answered_while_a_computation_runs(server: LiveServer) -> None:
    body = json.dumps(training(1000, 250, truncate=1)).encode()
    running = send_headers_and(server, "/api/train", body, len(body))
    try:
        time.sleep(0.3)  # the training holds the only compute slot
        start = time.monotonic()
        status, _, _ = request(server, "POST", "/api/bptt", {"inputs": [[1.0]]})
        assert status == 422
        assert time.monotonic() - start < 1.0, "a 422 never queues for a compute slot"
    finally:
        running.close()


# ---------------------------------------------------------------- hang-ups


def test_a_client_that_hangs_up_frees_the_slot_and_one_that_waits_keeps_it(
    server: LiveServer,
) -> None:
    """A ~3 s training: left connected it holds the only slot; hung up, it stops at once."""
    body = json.dumps(training(1000, 250, truncate=1)).encode()

    def small_request_wait() -> float:
        start = time.monotonic()
        status, _, text = request(server, "POST", "/api/bptt", small_bptt())
        assert status == 200, text[:200]
        return time.monotonic() - start

    kept = send_headers_and(server, "/api/train", body, len(body))
    time.sleep(0.5)
    waited = small_request_wait()
    assert read_status(kept, timeout=30) == 200
    kept.close()
    assert waited > 1.0, f"control: a running training holds the slot (waited {waited:.2f} s)"

    dropped = send_headers_and(server, "/api/train", body, len(body))
    time.sleep(0.5)
    dropped.close()  # hang up mid-training
    time.sleep(0.2)
    waited = small_request_wait()
    assert waited < 0.8, f"the training went on after its client left ({waited:.2f} s)"


# ---------------------------------------------------------------- hand-made inputs

BIG_INT = "1" + "0" * 400
TRAIN_TASK = (
    '{{"model": {{"n_in": {n_in}, "n_hidden": 2, "n_out": 1}}, "data": {{"task": {{"name": '
    '"{task}", {param}: {value}}}}}, "optimizer": {{"name": "adam", "lr": 0.01}}, "steps": 1}}'
)
HOSTILE: list[tuple[str, str, str, dict[str, str], bytes]] = [
    (
        "lone surrogate in a field",
        "POST",
        "/api/bptt",
        {"Content-Type": "application/json"},
        b'{"model": {"activation": "\\ud800"}, "inputs": [[1]], "targets": [[1]]}',
    ),
    (
        "lone surrogate as a key",
        "POST",
        "/api/bptt",
        {"Content-Type": "application/json"},
        b'{"\\udfff": 1, "inputs": [[1]], "targets": [[1]]}',
    ),
    ("non-UTF-8 as text/plain", "POST", "/api/bptt", {"Content-Type": "text/plain"}, b"\xff\xfe{"),
    (
        "non-UTF-8 as octet-stream",
        "POST",
        "/api/train",
        {"Content-Type": "application/octet-stream"},
        b"\xff\xfe\x00{",
    ),
    ("non-UTF-8 without a content type", "POST", "/api/forward", {}, b"\xc3\x28\xff"),
    (
        "non-UTF-8 as JSON",
        "POST",
        "/api/gradcheck",
        {"Content-Type": "application/json"},
        b"\xff\xfe{}",
    ),
    (
        "JSON nested 600 deep",
        "POST",
        "/api/bptt",
        {"Content-Type": "application/json"},
        b"[" * 600 + b"]" * 600,
    ),
    (
        "JSON nested 999 deep in a field",
        "POST",
        "/api/bptt",
        {"Content-Type": "application/json"},
        b'{"inputs": ' + b"[" * 999 + b"]" * 999 + b"}",
    ),
    (
        "JSON nested 5000 deep",
        "POST",
        "/api/train",
        {"Content-Type": "application/json"},
        b"[" * 5000 + b"]" * 5000,
    ),
    ("10**400 as echo delay (query)", "GET", f"/api/tasks/echo?T=5&delay={BIG_INT}", {}, b""),
    ("10**400 as T (query)", "GET", f"/api/tasks/sine?T={BIG_INT}", {}, b""),
    (
        "10**400 as steps_per_cycle (query)",
        "GET",
        f"/api/tasks/sine?T=5&steps_per_cycle={BIG_INT}",
        {},
        b"",
    ),
    *[
        (
            f"10**400 as {param} in /api/train",
            "POST",
            "/api/train",
            {"Content-Type": "application/json"},
            TRAIN_TASK.format(n_in=n_in, task=task, param=f'"{param}"', value=BIG_INT).encode(),
        )
        for task, param, n_in in [
            ("echo", "delay", 1),
            ("binary_addition", "bits", 2),
            ("sine", "steps_per_cycle", 1),
        ]
    ],
    (
        "10**400 as optimizer_state.step",
        "POST",
        "/api/train",
        {"Content-Type": "application/json"},
        json.dumps(
            training(3, 1) | {"optimizer_state": {"name": "adam", "step": 0, "m": {}, "v": {}}}
        )
        .replace('"step": 0', f'"step": {BIG_INT}')
        .encode(),
    ),
    (
        "a 5000-digit integer",
        "POST",
        "/api/bptt",
        {"Content-Type": "application/json"},
        b'{"inputs": [[' + b"9" * 5000 + b']], "targets": [[1]]}',
    ),
    (
        "NaN literal",
        "POST",
        "/api/bptt",
        {"Content-Type": "application/json"},
        b'{"inputs": [[NaN]], "targets": [[1]]}',
    ),
    (
        "truncated JSON",
        "POST",
        "/api/bptt",
        {"Content-Type": "application/json"},
        b'{"inputs": [[1',
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "headers", "body"),
    [case[1:] for case in HOSTILE],
    ids=[case[0] for case in HOSTILE],
)
def test_hostile_input_gets_a_4xx_with_a_message(
    server: LiveServer, method: str, path: str, headers: dict[str, str], body: bytes
) -> None:
    status, response_headers, text = request(server, method, path, body or None, headers)
    assert 400 <= status < 500, (status, text[:300])
    detail = json.loads(text)["detail"]  # valid JSON, whatever came in
    assert detail, "a message"


# ---------------------------------------------------------------- runaway work and size


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/train", training(1000, 2000, truncate=1)),
        (
            "/api/gradcheck",
            {
                "model": {"n_in": 64, "n_hidden": 256, "n_out": 64, "bias": True},
                "inputs": [[0.1] * 64],
                "targets": [[0.2] * 64],
            },
        ),
        (
            "/api/bptt",
            {
                "model": {"n_in": 3, "n_hidden": 1, "n_out": 1},
                "inputs": [[0.1, 0.2, 0.3]] * 1000,
                "targets": [[0.5]] * 1000,
            },
        ),
    ],
    ids=["49 s training", "27 s gradient check", "140 MB answer"],
)
def test_runaway_requests_are_refused_at_once_naming_what_would_pass(
    server: LiveServer, path: str, body: dict[str, Any]
) -> None:
    start = time.monotonic()
    status, _, text = request(server, "POST", path, body)
    assert status == 422, text[:300]
    assert time.monotonic() - start < 2.0, "refused before any work"
    msg = json.loads(text)["detail"][0]["msg"]
    assert "BPTT_MAX_" in msg and "would pass" in msg, msg


# ---------------------------------------------------------------- Host, HEAD, gzip


def test_the_host_header_is_never_written_back(server: LiveServer) -> None:
    status, _, page = request(server, "GET", "/", headers={"Host": "evil.example"})
    assert status == 200 and b"evil.example" not in page
    assert b'href="/static/css/app.css' in page
    status, headers, _ = request(server, "GET", "/static", headers={"Host": "evil.example"})
    assert status in (301, 307, 308) and headers["location"].startswith("/"), headers
    status, _, docs = request(server, "GET", "/docs", headers={"Host": "evil.example"})
    assert status == 200 and b"evil.example" not in docs


@pytest.mark.parametrize("path", ["/", "/api/health"])
def test_head_answers_like_get_without_a_body(server: LiveServer, path: str) -> None:
    status, headers, body = request(server, "HEAD", path)
    get_status, get_headers, _ = request(server, "GET", path)
    assert (status, body) == (200, b"")
    assert headers["content-type"] == get_headers["content-type"]


def test_gzip_follows_the_q_values(server: LiveServer) -> None:
    path = "/static/vendor/plotly.min.js"
    _, refused, body = request(server, "GET", path, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused and body[:2] != b"\x1f\x8b"
    _, accepted, gz = request(server, "GET", path, headers={"Accept-Encoding": "gzip"})
    assert accepted["content-encoding"] == "gzip" and gz[:2] == b"\x1f\x8b"
    assert len(gz) < len(body) / 3


# ---------------------------------------------------------------- many at once


def test_health_stays_prompt_while_the_slot_and_the_line_are_busy(server: LiveServer) -> None:
    body = training(1000, 60, truncate=1)
    results: list[int] = []

    def post() -> None:
        results.append(request(server, "POST", "/api/train", body)[0])

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    worst = 0.0
    for _ in range(10):
        start = time.monotonic()
        status, _, _ = request(server, "GET", "/api/health")
        worst = max(worst, time.monotonic() - start)
        assert status == 200
        time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=30)
    assert results == [200] * 4
    assert worst < 0.5, f"health waited {worst:.2f} s behind the computations"


# ---------------------------------------------------------------- honest diagnostics


def nulls(value: Any, path: str = "") -> list[str]:
    """The paths of every null in a JSON value (list indices as [])."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in nulls(item, f"{path}.{key}".lstrip("."))]
    if isinstance(value, list):
        return [p for item in value for p in nulls(item, f"{path}[]")]
    return []


@pytest.mark.parametrize(
    "body",
    [
        {
            "model": {
                "n_in": 1,
                "n_hidden": 4,
                "n_out": 1,
                "activation": "identity",
                "ws_spectral_radius": 100,
            },
            "inputs": [[1.0]] * 200,
            "targets": [[0.0]] * 200,
            "detail": "norms",
        },
        {
            "model": {
                "n_in": 1,
                "n_hidden": 1,
                "n_out": 1,
                "activation": "identity",
                "weights": {"Wx": [[1e308]], "Ws": [[1e308]], "Wy": [[1.0]]},
            },
            "inputs": [[1e308], [1e308], [1.0]],
            "targets": [[0.0], [0.0], [0.0]],
        },
    ],
    ids=["identity, rho 100, T 200, norms", "weights 1e308"],
)
def test_every_null_sent_is_flagged(server: LiveServer, body: dict[str, Any]) -> None:
    status, _, text = request(server, "POST", "/api/bptt", body)
    assert status == 200, text[:300]
    answer = json.loads(text)
    # nulls that api.md defines: flow entries where k > t, t is no loss step or k is cut off
    sent = {
        p
        for p in nulls({k: v for k, v in answer.items() if k != "flow"})
        if p not in ("steps[].E", "steps[].d")
    }
    jacobian = answer["flow"]["jacobian"]
    over_budget_or_overflow = any(
        jacobian[t][k] is None for t in range(len(jacobian)) for k in range(t + 1)
    )
    diagnostics = answer["diagnostics"]
    warnings = " ".join(diagnostics["warnings"])
    assert sent or over_budget_or_overflow, "the case sends nulls (else it tests nothing)"
    assert not diagnostics["finite"] or warnings, (sent, diagnostics)
    for field in sorted(sent):
        top = field.split(".")[0].split("[")[0]
        assert not diagnostics["finite"] and top in warnings, (field, warnings)
    if over_budget_or_overflow:
        assert "jacobian" in warnings, warnings
