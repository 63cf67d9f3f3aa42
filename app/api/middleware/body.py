"""Read the whole request body first, within a size limit (413) and a time limit (408).

Nothing past this middleware waits on a client: a handler, the compute slots and the thread
pool only ever see a body that has fully arrived. A client that sends headers and half a body
and then goes quiet costs one idle coroutine until the time limit, and holds nothing.

After the body, the client's connection can be watched: when it goes away, the
threading.Event at `scope["state"][CLIENT_GONE]` is set, so a computation in a worker thread
can stop at its next step (app/api/compute.py). The watching task starts only when someone
needs it: `scope["state"][WATCH]()` (compute_slot calls it, from any thread) or the app's
second `receive()` (which then reports the disconnect as usual). A request answered on the
event loop never needs it, and starting and cancelling a task for it cost more than a small
request's whole validation.
"""

from __future__ import annotations

import asyncio
import threading

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLIENT_GONE = "client_gone"  # key in scope["state"]: a threading.Event
WATCH = "watch_client"  # key in scope["state"]: start watching for the disconnect (any thread)
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
        """Call the app with the buffered body; the connection is watched once asked for."""
        watch = Watch(receive)
        state = scope.setdefault("state", {})
        state[CLIENT_GONE] = watch.gone
        state[WATCH] = watch.start
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            watch.start()
            await watch.disconnected.wait()
            return {"type": "http.disconnect"}

        try:
            await self.app(scope, replay, send)
        finally:
            watch.close()


class Watch:
    """The connection once its body is read: a task waits for the disconnect, from start()
    (called from any thread, at most one task) until close()."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.gone = threading.Event()
        self.disconnected = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._lock = threading.Lock()
        self._started = self._closed = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin watching, if not yet begun (thread-safe)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        if threading.get_ident() == self._loop_thread:
            self._create()
        else:
            self._loop.call_soon_threadsafe(self._create)

    def close(self) -> None:
        """The app is done: stop watching (on the event loop)."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()

    def _create(self) -> None:
        # one asyncio task, not an anyio task group: the group cost a fifth of a small request
        if self._closed:
            return
        self._task = self._loop.create_task(self._watch())
        self._task.add_done_callback(_retrieve)

    async def _watch(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass  # uvicorn sends nothing else once the body is complete
        self.gone.set()
        self.disconnected.set()


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
