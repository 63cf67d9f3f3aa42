"""Sharing the GIL: long NumPy loops hand it over between steps, so the event loop stays prompt.

NumPy on small arrays holds the GIL, and CPython hands it to a waiting thread only every switch
interval (5 ms) — several times per request for the event loop, behind every computing thread.
A long training or gradient check therefore passes `yield_gil` as its `on_step` hook: a
zero-length sleep releases the GIL between steps, so /api/health, the page and static files are
answered within a step's time (measured in docs/RELIABILITY.md).
"""

from __future__ import annotations

import time


def yield_gil(_step: int) -> None:
    """Release the GIL for a moment (time.sleep(0) does exactly that), then carry on."""
    time.sleep(0)
