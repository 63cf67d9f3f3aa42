"""Read the whole request body first, within a size limit (413) and a time limit (408).

Nothing past this middleware waits on a client: a handler, the compute slots and the thread
pool only ever see a body that has fully arrived. A client that sends headers and half a body
and then goes quiet costs one idle coroutine until the time limit, and holds nothing.

After the body, the client's connection is watched: when it goes away, the threading.Event
at `scope["state"][CLIENT_GONE]` is set, so a computation in a worker thread can stop at its
next step (app/api/compute.py). The app's own `receive` then reports the disconnect as usual.
"""

from __future__ import annotations

import asyncio
import threading

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLIENT_GONE = "client_gone"  # key in scope["state"]: a threading.Event
BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


def body_too_large_message(limit: int) -> str:
    """The 413 detail: names the limit and the setting that raises it."""
    return f"request body exceeds the limit of {limit} bytes (setting BPTT_MAX_BODY_BYTES)"


def body_too_slow_message(timeout: float) -> str:
    """The 408 detail: names the time limit and its setting."""
    return (
        f"the request body did not arrive within {timeout:g} s "
        "(setting BPTT_BODY_TIMEOUT_SECONDS); send it whole, with a correct Content-Length"
    )


class BodyReadMiddleware:
    """Pure ASGI middleware: buffer the body (≤ max_bytes, within timeout s), then watch."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > self.max_bytes:
            await _refuse(413, body_too_large_message(self.max_bytes), scope, send)
            return
        if scope["method"] in BODILESS:  # their routes never read a body: nothing to wait for
            await self.app(scope, receive, send)
            return
        body = bytearray()
        try:
            async with asyncio.timeout(self.timeout):  # plain asyncio: a fraction of anyio's cost
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # gone before the body was whole: nobody to answer
                    body += message.get("body", b"")
                    if len(body) > self.max_bytes:
                        await _refuse(413, body_too_large_message(self.max_bytes), scope, send)
                        return
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await _refuse(408, body_too_slow_message(self.timeout), scope, send)
            return
        await self._run(scope, send, receive, bytes(body))

    async def _run(self, scope: Scope, send: Send, receive: Receive, body: bytes) -> None:
        """Call the app with the buffered body while a task watches for the disconnect."""
        gone = threading.Event()
        scope.setdefault("state", {})[CLIENT_GONE] = gone
        disconnected = asyncio.Event()
        delivered = False

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass  # uvicorn sends nothing else once the body is complete
            gone.set()
            disconnected.set()

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        # one asyncio task, not an anyio task group: the group cost a fifth of a small request
        watcher = asyncio.get_running_loop().create_task(watch())
        watcher.add_done_callback(_retrieve)
        try:
            await self.app(scope, replay, send)
        finally:
            watcher.cancel()


def _retrieve(task: asyncio.Task[None]) -> None:
    """Take the watcher's outcome, so an error of the dropped connection is never left unread."""
    if not task.cancelled():
        task.exception()


def _declared_length(scope: Scope) -> int:
    """Content-Length as sent, or 0 when absent or unreadable (then counting decides)."""
    value = Headers(scope=scope).get("content-length", "")
    return int(value) if value.isdigit() else 0


async def _refuse(status: int, detail: str, scope: Scope, send: Send) -> None:
    """Answer `status` and close the connection: the rest of the body is not read."""
    response = JSONResponse(
        status_code=status, content={"detail": detail}, headers={"Connection": "close"}
    )

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)
