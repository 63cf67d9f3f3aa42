"""GET /api/limits: the limits come from Settings, and the page carries the same values."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


def test_limits_are_the_default_settings(client: TestClient) -> None:
    response = client.get("/api/limits")
    assert response.status_code == 200
    body = response.json()
    defaults = Settings()
    for name in ("max_T", "max_n_hidden", "max_n_io", "max_full_numbers", "max_train_steps"):
        assert body[name] == getattr(defaults, name), name
    assert body["max_T"] == 1000 and body["max_n_hidden"] == 256  # api.md's limits


def test_limits_follow_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("BPTT_MAX_T", "50")
    monkeypatch.setenv("BPTT_MAX_FULL_NUMBERS", "12345")
    with TestClient(create_app(Settings(log_level="warning"))) as client:
        body = client.get("/api/limits").json()
        page = client.get("/").text
    assert body["max_T"] == 50 and body["max_full_numbers"] == 12345
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page, re.S)
    assert found, "the page has no initial data"
    assert json.loads(found.group(1))["limits"] == body


def test_limits_are_in_the_openapi_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/limits" in schema["paths"]
    assert "LimitsResponse" in schema["components"]["schemas"]
