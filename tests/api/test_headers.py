"""Security headers on every kind of response: page, API, static, docs, 404, 413, 422, 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.api.middleware.headers import SECURITY_HEADERS
from app.config import Settings
from app.main import create_app


def assert_security_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, f"{name} on {response.request.url}"


def test_csp_forbids_inline_script_and_framing() -> None:
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["default-src"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/", None, 200),
        ("GET", "/api/health", None, 200),
        ("GET", "/static/favicon.svg", None, 200),
        ("GET", "/static/vendor/plotly.min.js", None, 200),
        ("GET", "/docs", None, 200),
        ("GET", "/openapi.json", None, 200),
        ("GET", "/no/such/page", None, 404),
        ("GET", "/static/no-such-file.js", None, 404),
        ("POST", "/api/_probe/echo", b'{"value": ', 422),
        ("POST", "/api/_probe/echo", b'{"value": "x"}', 422),
        ("POST", "/api/_probe/field-error", b"{}", 422),
        ("GET", "/api/_probe/crash", None, 500),
    ],
)
def test_every_response_has_security_headers(
    probe_client: TestClient, method: str, path: str, body: bytes | None, status: int
) -> None:
    response = probe_client.request(
        method, path, content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert_security_headers(response)
    assert response.headers["x-request-id"]


def test_oversize_body_gets_413_with_headers(settings: Settings) -> None:
    small = settings.model_copy(update={"max_body_bytes": 100})
    client = TestClient(create_app(small))
    response = client.post("/api/health", content=b"x" * 200)
    assert response.status_code == 413
    assert "100 bytes" in response.json()["detail"]
    assert_security_headers(response)


def test_page_links_assets_through_static(client: TestClient) -> None:
    html = client.get("/").text
    assert '/static/favicon.svg"' in html
    assert "<script>" not in html  # no inline script, ever
