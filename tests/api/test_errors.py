"""Error bodies: FieldError → FastAPI's 422 format; unhandled → 500 without internals."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.api.errors import FieldError


def test_field_error_is_fastapi_422(probe_client: TestClient) -> None:
    response = probe_client.post("/api/_probe/field-error", json={})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "model", "weights", "Ws"],
                "msg": "expected shape (3, 3), got (3, 2)",
                "type": "value_error",
            }
        ]
    }


def test_field_error_keeps_a_leading_body() -> None:
    assert FieldError(("body", "inputs", 0), "bad").to_detail()["loc"] == ["body", "inputs", 0]


def test_malformed_json_is_422_naming_the_body(probe_client: TestClient) -> None:
    response = probe_client.post(
        "/api/_probe/echo", content=b'{"value": 1', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_unhandled_error_is_500_without_internals(
    probe_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bptt.error"):
        response = probe_client.get("/api/_probe/crash", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error", "request_id": "req-42"}
    assert "secret" not in response.text
    logged = [r for r in caplog.records if r.name == "bptt.error"]
    assert logged and "req-42" in logged[0].getMessage()
    assert logged[0].exc_info is not None  # the traceback goes to the log
