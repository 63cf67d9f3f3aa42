"""Compute time of a request, reported as `Server-Timing: compute;dur=<ms>`.

A handler wraps its NumPy work (not the JSON encoding) in `compute_timer(request)`; the
access middleware (app/api/middleware/access.py) reads `request.state.compute_ms`, which lives
in the ASGI scope's "state" dict shared by the request and the middleware.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

COMPUTE_MS = "compute_ms"  # key in scope["state"]


@contextmanager
def compute_timer(request: Request) -> Iterator[None]:
    """Add the wall time of the block, in ms, to `request.state.compute_ms`.

    Several blocks in one request add up.
    """
    state = request.scope.setdefault("state", {})  # the dict behind request.state, read directly
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed_ms = (time.perf_counter() - start) * 1000.0
        state[COMPUTE_MS] = state.get(COMPUTE_MS, 0.0) + elapsed_ms
