"""The page and the plotly.js bundle served from the installed plotly package."""

from __future__ import annotations

import gzip
from importlib import resources

from fastapi.testclient import TestClient

from app.api.routes.pages import accepts_gzip

PLOTLY = "/static/vendor/plotly.min.js"


def test_index_is_html(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in response.text
    assert 'rel="icon"' in response.text


def test_plotly_is_served_gzipped_and_long_cached(client: TestClient) -> None:
    raw = (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    response = client.get(PLOTLY, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"].startswith("text/javascript")
    assert "max-age=31536000" in response.headers["cache-control"]
    assert int(response.headers["content-length"]) < len(raw) / 2
    assert response.content == raw  # httpx decodes the gzip


def test_plotly_without_gzip_is_the_raw_file(client: TestClient) -> None:
    raw = (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    response = client.get(PLOTLY, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert response.content == raw
    assert gzip.compress(b"") != response.content


def test_plotly_revalidates_by_etag(client: TestClient) -> None:
    first = client.get(PLOTLY, headers={"Accept-Encoding": "gzip"})
    again = client.get(
        PLOTLY, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


def test_accepts_gzip_reads_q_values() -> None:
    assert accepts_gzip("gzip")
    assert accepts_gzip("br, gzip;q=0.5")
    assert accepts_gzip("*")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("br, identity")
    assert not accepts_gzip("")


def test_docs_are_served_locally(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/docs/assets/swagger-ui-bundle.js" in html
    assert "http" not in html.replace('lang="en"', "")  # nothing from a CDN
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert "SwaggerUIBundle" in client.get("/docs/init.js").text
