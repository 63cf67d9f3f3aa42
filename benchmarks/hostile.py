"""Hostile load on one uvicorn worker: health under the costliest requests, memory under slow
readers.

1. Four of the costliest requests the limits accept (the cost model's worst /api/bptt and
   /api/train), sent at once, while /api/health is probed every 10 ms: health p50 / p99 / max.
2. Five slow readers: five connections each ask for the largest answer the size limit lets
   through (detail "full") and then read nothing. The server's peak resident memory (VmHWM of
   the uvicorn process) before and after, against an idle baseline in the same run.

    .venv/bin/python benchmarks/hostile.py

Loopback only, every loop bounded in time; the server is started and stopped here.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from serving import HOST, serve  # noqa: E402

from app.api import limits  # noqa: E402
from app.config import Settings  # noqa: E402


def sequence(T: int, n_in: int) -> dict[str, Any]:
    return {
        "inputs": [[round(0.1 * ((t + j) % 9), 3) for j in range(n_in)] for t in range(T)],
        "targets": [[round(0.1 * ((t + 1) % 9), 3)] for t in range(T)],
    }


def costliest_bodies(settings: Settings) -> dict[str, tuple[str, dict[str, Any]]]:
    """The worst accepted /api/bptt (norms at the size limits) and /api/train (full budget)."""
    T, H = settings.max_T, settings.max_n_hidden
    bptt = {"model": {"n_in": 3, "n_hidden": H, "n_out": 1}, **sequence(T, 3), "detail": "norms"}
    shape = limits.Shape(T, 1, 2, 1, loss_steps=T, truncate=1)
    steps = limits.largest_passing(
        settings.max_train_steps,
        lambda n: limits.train_seconds(shape, n) <= settings.max_compute_seconds,
    )
    train = {
        "model": {"n_in": 1, "n_hidden": 2, "n_out": 1},
        "data": sequence(T, 1),
        "optimizer": {"name": "adam", "lr": 0.01},
        "steps": steps,
        "truncate": 1,
        "log_every": steps,
    }
    return {
        f"bptt norms T={T} H={H}": ("/api/bptt", bptt),
        f"train T={T} H=2 truncate 1, {steps} steps": ("/api/train", train),
    }


def post(url: str, path: str, body: dict[str, Any]) -> tuple[int, float]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(url + path, data, {"Content-Type": "application/json"})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=300) as response:
            response.read()
            return response.status, time.monotonic() - start
    except urllib.error.HTTPError as error:
        return error.code, time.monotonic() - start


PROBE = """
import json, sys, time, urllib.request
url, stop = sys.argv[1], sys.argv[2]
latencies = []
while True:
    start = time.monotonic()
    with urllib.request.urlopen(url + "/api/health", timeout=10) as response:
        response.read()
    latencies.append((time.monotonic() - start) * 1000)
    try:
        open(stop).close()
        break
    except FileNotFoundError:
        time.sleep(0.01)
print(json.dumps(latencies))
"""


def health_under(url: str, jobs: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Probe health every 10 ms from another process while `jobs` run at once (latencies in
    ms): the probe must not share a GIL with the clients reading the large answers."""
    results: list[tuple[int, float]] = []
    threads = [threading.Thread(target=lambda j=j: results.append(post(url, *j))) for j in jobs]
    stop = Path(tempfile.mkdtemp()) / "stop"
    probe = subprocess.Popen([sys.executable, "-c", PROBE, url, str(stop)], stdout=subprocess.PIPE)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.touch()
    latencies = sorted(json.loads(probe.communicate(timeout=60)[0]))
    return {
        "probes": len(latencies),
        "p50": statistics.median(latencies),
        "p99": latencies[int(0.99 * (len(latencies) - 1))],
        "max": latencies[-1],
        "statuses": [status for status, _ in results],
        "slowest_job_s": max(seconds for _, seconds in results),
    }


def server_pid(port: int) -> int:
    """The pid of the process listening on `port` (from /proc/net/tcp and /proc/*/fd)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
            inode = fields[9]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return int(pid)
        except OSError:
            continue
    raise RuntimeError("server process not found")


def memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def slow_readers(url: str, pid: int, settings: Settings, readers: int = 5) -> dict[str, Any]:
    """`readers` connections ask for the largest detail "full" answer and read nothing."""
    T = limits.largest_passing(
        settings.max_T,
        lambda T: (
            limits.bptt_numbers(limits.Shape(T, 3, 1, 1, loss_steps=T))
            <= settings.max_response_numbers
        ),
    )
    body = json.dumps({"model": {"n_in": 3, "n_hidden": 1, "n_out": 1}, **sequence(T, 3)}).encode()
    head = (
        f"POST /api/bptt HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    before = memory_mb(pid, "VmRSS")
    socks = []
    for _ in range(readers):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a slow link
        sock.connect((HOST, int(url.rsplit(":", 1)[1])))
        sock.sendall(head + body)
        socks.append(sock)
    deadline = time.monotonic() + 120
    peak = before
    while time.monotonic() < deadline:  # until every answer is computed and queued to send
        time.sleep(0.5)
        peak = max(peak, memory_mb(pid, "VmRSS"))
        if _all_started(socks):
            time.sleep(3)
            peak = max(peak, memory_mb(pid, "VmRSS"))
            break
    hwm = memory_mb(pid, "VmHWM")
    for sock in socks:
        sock.close()
    numbers = limits.bptt_numbers(limits.Shape(T, 3, 1, 1, loss_steps=T))
    return {"T": T, "numbers": numbers, "rss_before_mb": before, "rss_peak_mb": peak, "hwm_mb": hwm}


def _all_started(socks: list[socket.socket]) -> bool:
    """Whether each connection has received the first bytes of its answer."""
    for sock in socks:
        sock.setblocking(False)
        try:
            if not sock.recv(1, socket.MSG_PEEK):
                return False
        except BlockingIOError:
            return False
        finally:
            sock.setblocking(True)
    return True


def main() -> None:
    settings = Settings(log_level="warning")
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores\n")
    with serve(workers=1, env={"MALLOC_ARENA_MAX": "2"}) as url:  # as serve.sh and Docker
        bodies = costliest_bodies(settings)
        print("| 4 at once | health probes | p50 ms | p99 ms | max ms | statuses | slowest s |")
        print("|---|---:|---:|---:|---:|---|---:|")
        for name, job in bodies.items():
            r = health_under(url, [job] * 4)
            print(
                f"| {name} | {r['probes']} | {r['p50']:.1f} | {r['p99']:.1f} | "
                f"{r['max']:.1f} | {r['statuses']} | {r['slowest_job_s']:.1f} |"
            )
        pid = server_pid(int(url.rsplit(":", 1)[1]))
        r = slow_readers(url, pid, settings)
        print(
            f"\n5 slow readers of the largest detail-full answer (T = {r['T']}, "
            f"{r['numbers']:,} numbers): RSS {r['rss_before_mb']:.0f} MB before, "
            f"peak {r['rss_peak_mb']:.0f} MB, VmHWM {r['hwm_mb']:.0f} MB"
        )
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
