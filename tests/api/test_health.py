"""GET /api/health."""

from fastapi.testclient import TestClient

from app import __version__


def test_health_is_ok_with_version(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_health_reports_the_configured_version(monkeypatch) -> None:
    from app.config import Settings
    from app.main import create_app

    monkeypatch.setenv("BPTT_VERSION", "9.9.9-test")
    with TestClient(create_app(Settings())) as client:
        assert client.get("/api/health").json()["version"] == "9.9.9-test"


def test_health_has_server_timing_and_request_id(client: TestClient) -> None:
    response = client.get("/api/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    name, _, duration = response.headers["server-timing"].partition(";dur=")
    assert name == "compute"
    assert float(duration) >= 0.0


def test_health_is_documented_in_openapi(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/health" in schema["paths"]
    assert schema["info"]["title"] == "BPTT Explorer"
