"""A real server for the hostile-client suite: uvicorn in its own process on a loopback port.

Its own process, so a computation in it competes with nothing in the test process, and the
clients here are raw sockets that can do what no well-behaved HTTP library does (stop halfway
through a body, hang up mid-computation). One worker, one compute slot: the worst case.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

BODY_TIMEOUT_SECONDS = 2.0  # short, so the 408 case finishes quickly


@dataclass(frozen=True)
class LiveServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def connect(self, timeout: float = 10.0) -> socket.socket:
        """A raw TCP connection to the server."""
        return socket.create_connection((self.host, self.port), timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """`uvicorn app.main:app` with one worker and one compute slot, until the module ends."""
    port = free_port()
    env = {
        **os.environ,
        "BPTT_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT_SECONDS),
        "BPTT_MAX_CONCURRENT_COMPUTE": "1",
        "BPTT_LOG_LEVEL": "warning",
    }
    cmd = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    live = LiveServer("127.0.0.1", port)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(live.url + "/api/health", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"uvicorn did not start: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.1)
    try:
        yield live
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
