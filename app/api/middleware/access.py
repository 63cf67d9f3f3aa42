"""Request id, Server-Timing, a one-line JSON access log, and the last-resort 500.

For every HTTP request:
- `X-Request-ID`: echoed when the client sent a sane one, else a fresh one (a random prefix
  per process and a counter: unique without a uuid4 per request); also stored as
  `request.state.request_id`.
- `/api/*` responses get `Server-Timing: compute;dur=<ms>`: the handler's own
  `compute_timer` total when it used one, else the time until the response started.
- one log line on logger "bptt.access":
  {"method", "path", "status", "duration_ms", "compute_ms", "request_id"}.
- an exception that escapes the app before the response started is logged with its traceback
  on "bptt.error" and answered `500 {"detail": "internal error", "request_id": ...}`.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import internal_error_response
from app.api.timing import COMPUTE_MS

access_logger = logging.getLogger("bptt.access")
error_logger = logging.getLogger("bptt.error")

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIds:
    """Fresh ids `<prefix>-<n>`: 12 random hex digits per process (drawn again after a fork),
    then a counter in hex."""

    def __init__(self) -> None:
        self._pid = -1
        self._prefix = ""
        self._counter = itertools.count(1)

    def next(self) -> str:
        if self._pid != os.getpid():  # a new process (a forked worker): its own prefix
            self._pid, self._prefix = os.getpid(), os.urandom(6).hex()
        return f"{self._prefix}-{next(self._counter):x}"


_fresh_ids = RequestIds()


def request_id_from(scope: Scope) -> str:
    """The client's X-Request-ID if it is short and plain, else a fresh id."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = bytes(value).decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return _fresh_ids.next()


def is_api_path(path: str) -> bool:
    """Whether Server-Timing applies: the REST API under /api."""
    return path == "/api" or path.startswith("/api/")


class AccessMiddleware:
    """Pure ASGI middleware: request id, Server-Timing, access log, last-resort 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        start = time.perf_counter()
        request_id = request_id_from(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        path: str = scope.get("path", "")
        status = 0
        handler_ms = 0.0

        async def send_with_context(message: Message) -> None:
            nonlocal status, handler_ms
            if message["type"] == "http.response.start":
                status = message["status"]
                handler_ms = (time.perf_counter() - start) * 1000.0
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = request_id
                if is_api_path(path):
                    compute_ms = state.get(COMPUTE_MS, handler_ms)
                    headers["Server-Timing"] = f"compute;dur={compute_ms:.3f}"
            await send(message)

        try:
            await self.app(scope, receive, send_with_context)
        except Exception:
            line = {"error": "unhandled", "path": path, "request_id": request_id}
            error_logger.exception(orjson.dumps(line).decode())
            if status:  # the response already started: nothing sane left to send
                raise
            await internal_error_response(request_id)(scope, receive, send_with_context)
        finally:
            self._log(scope, path, status, start, state.get(COMPUTE_MS), request_id)

    @staticmethod
    def _log(
        scope: Scope,
        path: str,
        status: int,
        start: float,
        compute_ms: float | None,
        request_id: str,
    ) -> None:
        """One JSON line per request."""
        if not access_logger.isEnabledFor(logging.INFO):
            return
        record = {
            "method": scope.get("method", ""),
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - start) * 1000.0, 3),
            "compute_ms": None if compute_ms is None else round(compute_ms, 3),
            "request_id": request_id,
        }
        access_logger.info(orjson.dumps(record).decode())
