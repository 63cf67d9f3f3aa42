"""Middleware: body limit (declared and streamed), Server-Timing, request id, gzip, access log."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings


@pytest.fixture
def small_client(
    settings: Settings, make_probe_app: Callable[[Settings], FastAPI]
) -> Iterator[TestClient]:
    small = settings.model_copy(update={"max_body_bytes": 100})
    with TestClient(make_probe_app(small)) as client:
        yield client


def test_declared_oversize_body_is_413_naming_the_limit(small_client: TestClient) -> None:
    response = small_client.post("/api/_probe/echo", content=b'{"value": 1}' + b" " * 100)
    assert response.status_code == 413
    assert "100 bytes" in response.json()["detail"]
    assert "BPTT_MAX_BODY_BYTES" in response.json()["detail"]


def test_streamed_oversize_body_is_413(small_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked upload
        yield b'{"value": 1'
        for _ in range(20):
            yield b"          "
        yield b"}"

    response = small_client.post(
        "/api/_probe/echo", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


def test_body_under_the_limit_passes(small_client: TestClient) -> None:
    response = small_client.post("/api/_probe/echo", json={"value": 1.5})
    assert response.status_code == 200
    assert response.json() == {"value": 1.5}


def server_timing_ms(response) -> float:
    name, _, duration = response.headers["server-timing"].partition(";dur=")
    assert name == "compute"
    return float(duration)


def test_server_timing_counts_only_the_compute_timer(probe_client: TestClient) -> None:
    ms = server_timing_ms(probe_client.get("/api/_probe/timed"))
    assert 45.0 <= ms < 95.0, f"expected the 50 ms inside compute_timer only, got {ms} ms"


def test_server_timing_only_on_api(probe_client: TestClient) -> None:
    assert "server-timing" not in probe_client.get("/").headers
    assert "server-timing" in probe_client.get("/api/_probe/large").headers


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [("req-1.A_b:c", True), ("x" * 200, False), ("bad id\u00e9", False)],
)
def test_request_id_is_echoed_only_when_sane(
    probe_client: TestClient, sent: str, echoed: bool
) -> None:
    got = probe_client.get("/api/health", headers={"X-Request-ID": sent.encode("latin-1")})
    assert (got.headers["x-request-id"] == sent) is echoed
    assert 1 <= len(got.headers["x-request-id"]) <= 128


def test_large_responses_are_gzipped(probe_client: TestClient) -> None:
    response = probe_client.get("/api/_probe/large", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()["values"]) == 5000


def test_access_log_is_one_json_line(
    probe_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bptt.access"):
        probe_client.get("/api/_probe/timed", headers={"X-Request-ID": "log-1"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bptt.access"]
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "GET" and line["path"] == "/api/_probe/timed"
    assert line["status"] == 200 and line["request_id"] == "log-1"
    assert line["duration_ms"] >= line["compute_ms"] >= 45.0


def test_fresh_request_ids_are_sane_and_never_repeat(probe_client: TestClient) -> None:
    from app.api.middleware.access import _SANE_REQUEST_ID

    ids = [probe_client.get("/api/health").headers["x-request-id"] for _ in range(50)]
    assert len(set(ids)) == len(ids)
    assert all(_SANE_REQUEST_ID.fullmatch(i) for i in ids)
    assert len({i.split("-")[0] for i in ids}) == 1, "one process, one prefix"
