"""HEAD is answered like GET (RFC 9110 §9.3.2): same status and headers, no body.

FastAPI's routes answer only the methods they declare, so `HEAD /` and `HEAD /api/health`
(what uptime monitors and load balancers send) were 405. The app sees a GET; the server,
which still holds the original HEAD scope, sends the headers without the body.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class HeadAsGetMiddleware:
    """Pure ASGI middleware: run HEAD requests as GET."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}  # a copy: the server keeps its HEAD
        await self.app(scope, receive, send)
