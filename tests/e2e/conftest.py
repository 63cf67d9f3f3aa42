"""Browser-test fixtures: `rec` records what the page does from before the test navigates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.e2e.recorder import Recorder


@pytest.fixture
def rec(page: Page) -> Iterator[Recorder]:
    """Records `page` from before the test navigates."""
    yield Recorder(page)
