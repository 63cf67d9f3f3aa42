"""Refuse request bodies over `max_body_bytes` with 413, before they are parsed.

Checks Content-Length up front and also counts the bytes actually streamed (chunked uploads,
lying headers).
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised from `receive` once the streamed body passes the limit (FastAPI re-raises it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=body_too_large_message(limit))


def body_too_large_message(limit: int) -> str:
    """The 413 detail: names the limit and the setting that raises it."""
    return f"request body exceeds the limit of {limit} bytes (setting BPTT_MAX_BODY_BYTES)"


class BodySizeLimitMiddleware:
    """Pure ASGI middleware: 413 for a body over `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._declared_length(scope) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    def _declared_length(self, scope: Scope) -> int:
        """Content-Length as sent, or 0 when absent or unreadable (then counting decides)."""
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            status_code=413,
            content={"detail": body_too_large_message(self.max_bytes)},
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
