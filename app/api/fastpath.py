"""POST /api/bptt's common case without FastAPI's request machinery, same bytes as its route.

A small, valid /api/bptt request spends more time in the framework than in BPTT: FastAPI
parses the body into dicts, validates them, matches the routes and solves the dependencies,
a few hundred microseconds before any NumPy runs. This pure ASGI middleware sits innermost
(after BodyReadMiddleware has the whole body) and answers such a request itself: pydantic
parses and validates the raw bytes in one step (`BPTTRequest.model_validate_json`), and the
route's own `bptt_work` runs on the event loop as the route would run it (`run_inline`).

Anything else goes on to the app unchanged, which answers as it always did: another path or
method, a body that is not JSON or fails validation (FastAPI's 422 names the field), a limit
of the Settings (FieldError's 422), work too costly to run inline or no free slot (a worker
thread, or 429). So every answer, and every error, is the route's own.
"""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.compute import run_inline
from app.api.errors import FieldError
from app.api.routes.rnn import bptt_price, bptt_work
from app.api.schemas import BPTTRequest
from app.config import Settings

PATH = "/api/bptt"


class BPTTFastPath:
    """Pure ASGI middleware: answer a valid, cheap POST /api/bptt at once, else pass it on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_json_post_to_bptt(scope):
            await self.app(scope, receive, send)
            return
        message = await receive()
        delivered = False

        async def replay() -> Message:
            """The body message once more, then the connection's own messages."""
            nonlocal delivered
            if not delivered:
                delivered = True
                return message
            return await receive()

        response = None
        if message["type"] == "http.request" and not message.get("more_body", False):
            response = answer(message.get("body", b""), Request(scope, replay))
        if response is None:
            await self.app(scope, replay, send)
            return
        await response(scope, replay, send)


def answer(body: bytes, request: Request) -> Response | None:
    """The route's answer to `body`, or None when the route itself must answer it."""
    try:
        parsed = BPTTRequest.model_validate_json(body)
    except ValidationError:
        return None  # the route's 422 says what is wrong, in FastAPI's words
    settings: Settings = request.app.state.settings
    try:
        return run_inline(
            request, bptt_price(parsed, settings), lambda: bptt_work(parsed, request, settings)
        )
    except FieldError:
        return None  # a limit of the Settings: the route raises it again, as a 422


def _is_json_post_to_bptt(scope: Scope) -> bool:
    """POST /api/bptt with a JSON body (as FastAPI reads one: application/json, or no type)."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return False
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if path != PATH:
        return False
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bytes(value).split(b";", 1)[0].strip().lower() == b"application/json"
    return True
