"""gzip for clients that accept it, by the q-values of their Accept-Encoding (RFC 9110 §12.5.3).

Starlette's GZipMiddleware compresses whenever the header merely contains "gzip", so
`gzip;q=0` (gzip refused) still got gzip. Here the header is parsed; the compression itself
(streaming, large bodies compressed in a worker thread, pre-compressed responses passed
through) is Starlette's.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware, GZipResponder, IdentityResponder
from starlette.types import ASGIApp, Receive, Scope, Send


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether Accept-Encoding admits gzip: `gzip` (or else `*`) listed with q > 0."""
    q_by_coding: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0  # an unreadable weight is no consent
        if coding:
            q_by_coding[coding.lower()] = q
    q = q_by_coding.get("gzip", q_by_coding.get("*", 0.0))
    return q > 0


class QValueGZipMiddleware(GZipMiddleware):
    """GZipMiddleware that honours `gzip;q=0` and the `*` coding."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responder: ASGIApp
        if accepts_gzip(Headers(scope=scope).get("accept-encoding", "")):
            responder = GZipResponder(
                self.app,
                self.minimum_size,
                compresslevel=self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        else:
            responder = IdentityResponder(
                self.app, self.minimum_size, exclude_content_types=self.exclude_content_types
            )
        await responder(scope, receive, send)
