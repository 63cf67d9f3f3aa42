"""At most `limit` CPU-heavy requests compute at once per process; the rest wait their turn.

NumPy on small arrays holds the GIL, so every extra training thread is one more contender the
event loop must wait for (up to the 5 ms switch interval each time it needs the GIL). Queuing
the CPU-heavy POSTs on an anyio CapacityLimiter (first come, first served, waiting in the
event loop, not in a thread) keeps /api/health, the page and static files prompt while long
trainings run, and keeps the default thread pool free for them. More throughput comes from
more worker processes, not from more threads.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

COMPUTE_PATHS = frozenset({"/api/forward", "/api/bptt", "/api/gradcheck", "/api/train"})


class ComputeLimitMiddleware:
    """Pure ASGI middleware: POSTs to COMPUTE_PATHS run `limit` at a time."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._limiter: anyio.CapacityLimiter | None = None  # made in the running event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        if scope.get("path") not in COMPUTE_PATHS:
            await self.app(scope, receive, send)
            return
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.limit)
        async with self._limiter:
            await self.app(scope, receive, send)
