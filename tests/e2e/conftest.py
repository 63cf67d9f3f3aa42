"""Browser-test fixtures: `rec` records what a page does, `client_limits` sets its limits,
`module_page` is one 1280×720 page shared by a module's tests."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.e2e.recorder import Recorder

PAGE_DATA = re.compile(r'<script type="application/json" id="page-data">(.*?)</script>', re.S)


@pytest.fixture
def rec(page: Page) -> Iterator[Recorder]:
    """Records `page` from before the test navigates."""
    yield Recorder(page)


@pytest.fixture
def client_limits(page: Page) -> Callable[..., None]:
    """Give the page other client-side limits than the server's (to reach the server's refusal).

    `client_limits(max_n_hidden=1000)` rewrites the limits in the page's initial data of every
    page load that follows; the server keeps its own.
    """

    def install(**limits: int) -> None:
        def handle(route: Route) -> None:
            response = route.fetch()
            html = response.text()
            found = PAGE_DATA.search(html)
            assert found, "the page has no initial data"
            data = json.loads(found.group(1))
            data["limits"].update(limits)
            html = html.replace(found.group(1), json.dumps(data))
            route.fulfill(response=response, body=html)

        page.route(lambda url: urlsplit(url).path == "/", handle)

    return install


@pytest.fixture(scope="module")
def module_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """One 1280×720 page for the module (each page load costs seconds on a shared CPU); its
    uncaught errors are collected in `page.errors`."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 720}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()
