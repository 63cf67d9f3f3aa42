"""Shared fixtures: settings, app, client, a seeded rng, and a live server for the browser tests."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.api.errors import FieldError
from app.api.timing import compute_timer
from app.config import Settings
from app.main import create_app

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def settings() -> Settings:
    """Default settings (as from an empty environment), with access-log lines off.

    Tests that check the log turn it on with `caplog.at_level(logging.INFO, "bptt.access")`.
    """
    return Settings(log_level="warning")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """A fresh app built from `settings`."""
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An in-process HTTP client for `app`."""
    with TestClient(app) as test_client:
        yield test_client


class Echo(BaseModel):
    """A body with one number, for the probe routes."""

    value: float


def with_probe_routes(app: FastAPI) -> FastAPI:
    """Add routes under /api/_probe that answer or fail in each way an API route can."""

    @app.post("/api/_probe/echo")
    def echo(body: Echo) -> Echo:
        return body

    @app.post("/api/_probe/field-error")
    def field_error() -> None:
        raise FieldError(("model", "weights", "Ws"), "expected shape (3, 3), got (3, 2)")

    @app.get("/api/_probe/timed")
    def timed(request: Request) -> dict[str, int]:
        with compute_timer(request):
            time.sleep(0.05)
        time.sleep(0.05)  # outside the timer: must not count
        return {"n": 1}

    @app.get("/api/_probe/large")
    def large() -> dict[str, list[float]]:
        return {"values": [0.5] * 5000}

    @app.get("/api/_probe/crash")
    def crash() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    return app


@pytest.fixture
def make_probe_app() -> Callable[[Settings], FastAPI]:
    """Build an app for given settings, with the probe routes."""
    return lambda settings: with_probe_routes(create_app(settings))


@pytest.fixture
def probe_app(settings: Settings, make_probe_app: Callable[[Settings], FastAPI]) -> FastAPI:
    """The app from `settings`, with the probe routes."""
    return make_probe_app(settings)


@pytest.fixture
def probe_client(probe_app: FastAPI) -> Iterator[TestClient]:
    """A client for `probe_app`."""
    with TestClient(probe_app) as test_client:
        yield test_client


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: the same numbers on every run."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The app served by uvicorn on a free loopback port in a background thread; its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(Settings(log_level="warning"))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright's base URL: `page.goto("/")` opens the live server."""
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium (never a downloaded build), with no background networking."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Pages open at 1280×720, a projector's size."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 720}}
