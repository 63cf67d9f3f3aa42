"""Compute slots: `limit` computations at a time, a bounded waiting line, stops when unheard."""

from __future__ import annotations

import threading
import time

import anyio
import pytest
from fastapi import Request, Response
from fastapi.testclient import TestClient

from app.api.compute import (
    INLINE_SECONDS,
    ClientGone,
    ComputeSlots,
    ServerBusy,
    compute_slot,
    run_compute,
    step_hook,
)
from app.config import Settings
from app.main import create_app


def run_overlapping(slots: ComputeSlots, calls: int) -> int:
    """Run `calls` threads that each hold a slot for 20 ms; the peak number holding one."""
    running = peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        slots.acquire(threading.Event())
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        slots.release()

    threads = [threading.Thread(target=work) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return peak


@pytest.mark.parametrize("limit", [1, 2])
def test_at_most_limit_computations_run_at_once(limit: int) -> None:
    assert run_overlapping(ComputeSlots(limit, max_waiting=10), calls=6) == limit


def test_a_full_waiting_line_refuses_at_once() -> None:
    slots = ComputeSlots(1, max_waiting=0)
    slots.acquire(threading.Event())
    with pytest.raises(ServerBusy):
        slots.acquire(threading.Event())
    slots.release()
    slots.acquire(threading.Event())  # free again: taken at once


def test_a_waiting_request_whose_client_left_drops_out() -> None:
    slots = ComputeSlots(1, max_waiting=4)
    slots.acquire(threading.Event())
    gone = threading.Event()
    gone.set()
    with pytest.raises(ClientGone):
        slots.acquire(gone)
    assert slots.waiting == 0


def test_the_step_hook_stops_once_the_client_is_gone() -> None:
    gone = threading.Event()
    on_step = step_hook(gone)
    on_step(1)  # client there: carries on
    gone.set()
    with pytest.raises(ClientGone):
        on_step(2)


def test_the_app_has_slots_from_its_settings() -> None:
    app = create_app(Settings(max_concurrent_compute=3, max_waiting_compute=5, log_level="warning"))
    assert (app.state.compute_slots.limit, app.state.compute_slots.max_waiting) == (3, 5)


def test_busy_server_answers_429_with_retry_after() -> None:
    app = create_app(Settings(max_concurrent_compute=1, max_waiting_compute=0, log_level="warning"))
    app.state.compute_slots.acquire(threading.Event())  # a long computation holds the slot
    body = {"inputs": [[1.0]], "targets": [[0.0]]}
    response = TestClient(app).post("/api/bptt", json=body)
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == "1"
    assert "BPTT_MAX_WAITING_COMPUTE" in response.json()["detail"]


def test_an_invalid_request_never_waits_for_a_slot() -> None:
    app = create_app(Settings(max_concurrent_compute=1, max_waiting_compute=0, log_level="warning"))
    app.state.compute_slots.acquire(threading.Event())  # all slots taken, no waiting line
    response = TestClient(app).post("/api/bptt", json={"inputs": [[1.0]], "targets": [[0.0, 1.0]]})
    assert response.status_code == 422, "validated before a slot is asked for"


def where_work_runs(seconds: float, slot_taken: bool) -> tuple[threading.Thread, bool]:
    """Run run_compute(seconds) once; the thread the work ran in, and whether a slot was free
    to anyone else while it ran."""
    app = create_app(Settings(max_concurrent_compute=1, max_waiting_compute=4, log_level="warning"))
    slots: ComputeSlots = app.state.compute_slots
    request = Request({"type": "http", "app": app, "state": {}})
    seen: dict[str, object] = {}

    def work() -> Response:
        with compute_slot(request):  # the route's own slot: taken once, never twice
            seen["thread"] = threading.current_thread()
            free = slots.try_acquire()
            if free:
                slots.release()
            seen["free"] = free
        return Response()

    if slot_taken:
        slots.acquire(threading.Event())
        threading.Timer(0.2, slots.release).start()  # the other computation ends
    anyio.run(run_compute, request, seconds, work)
    assert slots.try_acquire(), "the slot is given back"
    return seen["thread"], bool(seen["free"])  # type: ignore[return-value]


def test_cheap_work_runs_on_the_event_loop_holding_the_slot() -> None:
    thread, free = where_work_runs(INLINE_SECONDS / 2, slot_taken=False)
    assert thread is threading.current_thread(), "no hop to a worker thread"
    assert not free, "it holds the slot while it runs"


def test_costly_work_runs_in_a_worker_thread() -> None:
    thread, free = where_work_runs(INLINE_SECONDS * 2, slot_taken=False)
    assert thread is not threading.current_thread()
    assert not free


def test_cheap_work_waits_in_a_worker_thread_when_the_slot_is_taken() -> None:
    thread, free = where_work_runs(INLINE_SECONDS / 2, slot_taken=True)
    assert thread is not threading.current_thread(), "the event loop never waits for a slot"
    assert not free
