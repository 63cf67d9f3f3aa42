"""Compute slots: CPU-heavy work runs `limit` at a time per process, and only once it is valid.

A handler validates its request first (a 422 never queues), then holds a slot around its
NumPy work and JSON encoding: `with compute_slot(request) as on_step: ...`. Waiting happens in
the handler's worker thread; at most `max_waiting` requests wait, the next one gets 429.

`run_compute(request, seconds, work)` says where `work` runs. A request the cost model prices
under INLINE_SECONDS runs on the event loop when a slot is free at once: handing a ~1 ms job
to a worker thread and back (the thread pool's queue and condition variables, each fought over
for the GIL) cost more than the job. It holds the slot while it runs, so at most `limit`
computations still run at once, and it blocks the loop for about a millisecond at most, so
health stays prompt. Everything else, and every request that finds the slots taken, runs in
a worker thread and waits there.

The `on_step` hook it yields is passed to long loops (training, gradient checks, Jacobian
sweeps). Between steps it hands the GIL over — NumPy on small arrays holds it, and CPython
gives it to the event loop only every 5 ms switch interval otherwise, so /api/health would
wait behind every computing thread — and it stops the work with ClientGone as soon as the
client has disconnected: taking a slot starts the watch on the connection
(app/api/middleware/body.py); work run inline on the event loop needs none.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.api.middleware.body import CLIENT_GONE, WATCH

StepHook = Callable[[int], None]
POLL_SECONDS = 0.05  # how often a waiting request looks whether its client is still there
# Work the cost model (app/api/limits.py, rounded up) prices under this, beside the per-request
# constant, runs on the event loop: measured, such requests take well under a millisecond.
INLINE_SECONDS = 2.5e-3
HELD = "compute_slot_held"  # key in scope["state"]: the inline path already holds a slot


class ClientGone(Exception):
    """The client disconnected: its computation stopped at the next step."""


class ServerBusy(Exception):
    """Every compute slot is taken and the waiting line is full."""


class ComputeSlots:
    """`limit` slots, and a line of at most `max_waiting` requests waiting for one."""

    def __init__(self, limit: int, max_waiting: int) -> None:
        self.limit = limit
        self.max_waiting = max_waiting
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self.waiting = 0

    def acquire(self, gone: threading.Event) -> None:
        """Take a slot, waiting while the client is there; ServerBusy if the line is full."""
        if self._slots.acquire(blocking=False):
            return
        with self._lock:
            if self.waiting >= self.max_waiting:
                raise ServerBusy
            self.waiting += 1
        try:
            while not self._slots.acquire(timeout=POLL_SECONDS):
                if gone.is_set():
                    raise ClientGone
        finally:
            with self._lock:
                self.waiting -= 1

    def try_acquire(self) -> bool:
        """Take a slot if one is free now, without waiting."""
        return self._slots.acquire(blocking=False)

    def release(self) -> None:
        """Give the slot back."""
        self._slots.release()


def step_hook(gone: threading.Event) -> StepHook:
    """on_step for long loops: stop if the client left, else release the GIL for a moment."""

    def on_step(_step: int) -> None:
        if gone.is_set():
            raise ClientGone
        time.sleep(0)  # time.sleep(0) releases the GIL: the event loop answers in between

    return on_step


@contextmanager
def compute_slot(request: Request) -> Iterator[StepHook]:
    """Hold one of the app's compute slots for the block; yields its on_step hook."""
    state = request.scope.get("state", {})
    gone = state.get(CLIENT_GONE) or threading.Event()
    if state.get(HELD):  # run_compute took it for this request on the event loop
        yield step_hook(gone)
        return
    watch = state.get(WATCH)
    if watch is not None:
        watch()  # from here on, a disconnect sets `gone`
    slots: ComputeSlots = request.app.state.compute_slots
    slots.acquire(gone)
    try:
        yield step_hook(gone)
    finally:
        slots.release()


async def run_compute(request: Request, seconds: float, work: Callable[[], Response]) -> Response:
    """work() on the event loop if it is priced under INLINE_SECONDS and a slot is free now
    (held for it: its compute_slot takes no other), else in a worker thread."""
    response = run_inline(request, seconds, work)
    if response is not None:
        return response
    return await run_in_threadpool(work)


def run_inline(request: Request, seconds: float, work: Callable[[], Response]) -> Response | None:
    """work() here, holding a slot, if it is priced under INLINE_SECONDS and a slot is free
    now; None (nothing run) otherwise."""
    slots: ComputeSlots = request.app.state.compute_slots
    if seconds > INLINE_SECONDS or not slots.try_acquire():
        return None
    state = request.scope.setdefault("state", {})
    state[HELD] = True
    try:
        return work()
    finally:
        state[HELD] = False
        slots.release()


async def client_gone_handler(request: Request, exc: Exception) -> Response:
    """Nobody is listening; 499 (as nginx writes it) marks the stop in the access log."""
    return Response(status_code=499)


async def server_busy_handler(request: Request, exc: Exception) -> JSONResponse:
    """429 with Retry-After: the slots and the waiting line are full."""
    slots: ComputeSlots = request.app.state.compute_slots
    detail = (
        f"the server is busy: {slots.limit} computation(s) running and {slots.max_waiting} "
        "waiting (settings BPTT_MAX_CONCURRENT_COMPUTE, BPTT_MAX_WAITING_COMPUTE); retry shortly"
    )
    return JSONResponse(status_code=429, content={"detail": detail}, headers={"Retry-After": "1"})


def install_compute_slots(app: FastAPI, limit: int, max_waiting: int) -> None:
    """Give `app` its slots and the handlers of ClientGone and ServerBusy."""
    app.state.compute_slots = ComputeSlots(limit, max_waiting)
    app.add_exception_handler(ClientGone, client_gone_handler)
    app.add_exception_handler(ServerBusy, server_busy_handler)
