"""ComputeLimitMiddleware: CPU-heavy POSTs run `limit` at a time; everything else never waits."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from starlette.types import Receive, Scope, Send

from app.api.middleware.compute_limit import ComputeLimitMiddleware
from app.config import Settings
from app.main import create_app


class Recorder:
    """An ASGI app that sleeps a little and records how many calls overlap."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.running += 1
        self.peak = max(self.peak, self.running)
        await anyio.sleep(0.02)
        self.running -= 1


async def overlap(limit: int, method: str, path: str, calls: int = 6) -> int:
    inner = Recorder()
    app = ComputeLimitMiddleware(inner, limit=limit)
    scope: dict[str, Any] = {"type": "http", "method": method, "path": path}

    async def nothing() -> Any:
        return {"type": "http.request", "body": b""}

    async def ignore(message: Any) -> None:
        return None

    async with anyio.create_task_group() as group:
        for _ in range(calls):
            group.start_soon(app, dict(scope), nothing, ignore)
    return inner.peak


@pytest.mark.parametrize("limit", [1, 2])
@pytest.mark.parametrize("path", ["/api/train", "/api/bptt", "/api/forward", "/api/gradcheck"])
def test_compute_posts_run_limit_at_a_time(limit: int, path: str) -> None:
    assert anyio.run(overlap, limit, "POST", path) == limit


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/health"), ("GET", "/"), ("GET", "/api/tasks/sine")]
)
def test_other_requests_never_queue(method: str, path: str) -> None:
    assert anyio.run(overlap, 1, method, path) == 6


def test_the_app_installs_it_with_the_setting() -> None:
    app = create_app(Settings(max_concurrent_compute=3, log_level="warning"))
    limits = [m.kwargs["limit"] for m in app.user_middleware if m.cls is ComputeLimitMiddleware]
    assert limits == [3]
