"""The middleware stack, outermost first:

SecurityHeaders → Access (request id, Server-Timing, log, last-resort 500) → HeadAsGet →
TrustedHost (only when BPTT_ALLOWED_HOSTS is set) → CORS (only when origins are configured) →
GZip (q-values honoured) → BodyRead (the whole body within a size and a time limit, then the
connection is watched) → BPTTFastPath (a valid, cheap POST /api/bptt answered without
FastAPI's request machinery, app/api/fastpath.py) → the app. CPU-heavy handlers then take a
compute slot (app/api/compute.py) once their request is valid.

Security headers are outermost so that even the last-resort 500 carries them.
"""

from __future__ import annotations

import logging
import sys

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from app.api.middleware.access import AccessMiddleware
from app.api.middleware.body import BodyReadMiddleware
from app.api.middleware.compress import QValueGZipMiddleware
from app.api.middleware.head import HeadAsGetMiddleware
from app.api.middleware.headers import SecurityHeadersMiddleware
from app.config import Settings

GZIP_MINIMUM_BYTES = 1000


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Add the stack above to `app` (add_middleware puts the last added outermost)."""
    from app.api.fastpath import BPTTFastPath  # here: it imports the routes, which import us

    app.add_middleware(BPTTFastPath)
    app.add_middleware(
        BodyReadMiddleware,
        max_bytes=settings.max_body_bytes,
        timeout=settings.body_timeout_seconds,
    )
    app.add_middleware(QValueGZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=1)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-Request-ID"],
            expose_headers=["Server-Timing", "X-Request-ID"],
        )
    if settings.allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(AccessMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)


def configure_logging(level: str) -> None:
    """Send the "bptt" loggers (access and error lines) to stderr, once per process."""
    logger = logging.getLogger("bptt")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
