"""The page in Debian's chromium: loads cleanly, stays on loopback, plotly.js runs under the CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.recorder import LOOPBACK, Recorder

pytestmark = pytest.mark.e2e


def test_page_loads_without_errors(page: Page, rec: Recorder) -> None:
    response = page.goto("/")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.title().startswith("BPTT Explorer")
    assert page.locator("h1").first.is_visible()
    assert rec.errors == []
    assert rec.hosts and set(rec.hosts) <= LOOPBACK, rec.hosts


def test_plotly_loads_and_draws_under_the_csp(page: Page, rec: Recorder) -> None:
    page.goto("/")
    page.add_script_tag(url="/static/vendor/plotly.min.js")
    assert page.evaluate("typeof window.Plotly.newPlot") == "function"
    page.evaluate(
        """() => {
            const div = document.createElement("div");
            div.id = "probe-plot";
            div.style.width = "400px";
            div.style.height = "300px";
            document.body.append(div);
            return Plotly.newPlot(div, [{y: [1, 3, 2], type: "scatter"}], {title: {text: "probe"}});
        }"""
    )
    page.wait_for_selector("#probe-plot .main-svg")
    page.locator("#probe-plot").scroll_into_view_if_needed()
    page.locator("#probe-plot .nsewdrag").hover()  # hover labels inject styles
    assert rec.errors == []
    assert set(rec.hosts) <= LOOPBACK, rec.hosts


def test_plotly_bundle_is_gzipped(page: Page) -> None:
    page.goto("/")
    info = page.evaluate(
        """async () => {
            const r = await fetch("/static/vendor/plotly.min.js");
            return {status: r.status, type: r.headers.get("content-type"),
                    encoding: r.headers.get("content-encoding"), size: (await r.text()).length};
        }"""
    )
    assert info["status"] == 200
    assert info["encoding"] == "gzip"
    assert info["type"].startswith("text/javascript")
    assert info["size"] > 1_000_000


def test_api_docs_render_offline(page: Page, rec: Recorder) -> None:
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "BPTT Explorer" in page.locator(".swagger-ui .info .title").inner_text()
    page.get_by_text("/api/health").first.wait_for()
    assert rec.errors == []
    assert set(rec.hosts) <= LOOPBACK, rec.hosts
