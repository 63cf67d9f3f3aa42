"""Shared by the HTTP benchmarks: a uvicorn server on a free loopback port, and wrk runs.

- `serve(workers)`: a context manager that starts `uvicorn app.main:app` on 127.0.0.1 (never
  another interface), waits for /api/health, yields the base URL, and stops the process group.
- `run_wrk(url, lua, connections, seconds)`: Debian's wrk with a Lua script; the script's
  `done()` (appended here) prints one JSON line with requests, errors and latency percentiles.
- `lua_request(...)`: a Lua string literal, and `rotating_script(...)` for mixed traffic.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only

DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"max_us": %d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
"""


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, latency percentiles (ms) and error counts."""

    requests: int
    seconds: float
    bytes: int
    errors: dict[str, int]  # connect, read, write, status (non-2xx/3xx), timeout
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, timeout: float = 30.0) -> None:
    """Poll /api/health until it answers 200."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server at {url} did not become healthy")
        time.sleep(0.1)


@contextmanager
def serve(
    workers: int = 1,
    env: dict[str, str] | None = None,
    pids: list[int] | None = None,
    root: Path = ROOT,
) -> Iterator[str]:
    """uvicorn app.main:app with `workers` processes on a free loopback port; its base URL.

    `pids`, when given, receives the server's process id (with one worker, the one serving).
    `root` is the source tree whose `app` it serves (another checkout, for a baseline).
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    environment = {**os.environ, "BPTT_LOG_LEVEL": "warning", **(env or {})}
    server = subprocess.Popen(command, cwd=root, env=environment, start_new_session=True)
    if pids is not None:
        pids.append(server.pid)
    url = f"http://{HOST}:{port}"
    try:
        wait_healthy(url)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the process group we started: uvicorn + workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def lua_string(text: str) -> str:
    """`text` as a Lua long-bracket string literal (no escapes needed)."""
    level = "=" * 4
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def lua_request(method: str, path: str, body: str | None, headers: dict[str, str]) -> str:
    """A Lua expression building one raw HTTP request with wrk.format."""
    items = ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in headers.items())
    payload = "nil" if body is None else lua_string(body)
    return f"wrk.format({lua_string(method)}, {lua_string(path)}, {{{items}}}, {payload})"


def single_script(method: str, path: str, body: str | None, headers: dict[str, str]) -> str:
    """Every request the same (built once per thread)."""
    return (
        f"local req\ninit = function(args) req = {lua_request(method, path, body, headers)} end\n"
        "request = function() return req end\n"
    )


def rotating_script(requests: Sequence[tuple[str, str, str | None, dict[str, str]]]) -> str:
    """Each connection's thread cycles through `requests` in order (the traffic mix)."""
    built = ",\n    ".join(lua_request(*request) for request in requests)
    return (
        "local reqs, i = {}, 0\n"
        f"init = function(args)\n  reqs = {{\n    {built}\n  }}\n"
        "  i = math.random(#reqs) - 1\nend\n"
        "request = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n"
    )


def run_wrk(
    url: str,
    script: str,
    connections: int,
    seconds: float,
    threads: int = 1,
    timeout_s: float = 10.0,
) -> WrkResult:
    """wrk against `url` with `script` for `seconds`; wrk's own timeout is `timeout_s`."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script + DONE)
        path = handle.name
    try:
        command = [
            wrk,
            f"-t{min(threads, connections)}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            f"--timeout={timeout_s:g}s",
            "-s",
            path,
            url,
        ]
        out = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        )
    finally:
        os.unlink(path)
    lines = [x for x in out.stdout.splitlines() if x.startswith("WRK_JSON ")]
    if not lines:
        raise RuntimeError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    line = lines[0]
    data = json.loads(line.removeprefix("WRK_JSON "))
    errors = {k: int(data[k]) for k in ("connect", "read", "write", "status", "timeout")}
    return WrkResult(
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        bytes=int(data["bytes"]),
        errors=errors,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far, every thread (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def load_average() -> str:
    """The 1-minute load average and the core count, for the record."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"
