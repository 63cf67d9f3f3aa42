"""Load harness (issue 6): mixed traffic at 16, 64 and 256 connections, and health under training.

Loopback only, bounded in time (it stops by itself): for each server layout (uvicorn with 1
worker, then `--workers 2`) it starts the app on a free 127.0.0.1 port and
1. drives a traffic mix with Debian's wrk (a Lua script rotating the requests; each
   connection starts at a random point of the cycle) at 16, 64 and 256 connections for 20 s
   each (5 s with --quick) and reports requests/s, p50/p99 and errors per level; the mix is
   one page view: GET /, GET plotly.js (gzip), 4 × POST /api/bptt (small, detail full) and
   2 × POST /api/train (a chunk of 20 steps, as the page's play button sends);
2. probes responsiveness: /api/health latency (one request every 10 ms on a kept-alive
   connection) while several long /api/train calls (2000 steps each) run concurrently.

    .venv/bin/python benchmarks/load.py [--quick] [--workers 1 2] [--levels 16 64 256]

Targets: 0 errors at every level; health p99 < 50 ms while trainings run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import WrkResult, load_average, rotating_script, run_wrk, serve  # noqa: E402

JSON = {"Content-Type": "application/json"}
HEALTH_TARGET_MS = 50.0


def bptt_body() -> str:
    """The page's default exploration: T = 8 steps, n_hidden = 3, detail full."""
    inputs = [[round(0.1 * t, 2)] for t in range(8)]
    return json.dumps(
        {"model": {"n_hidden": 3, "seed": 0}, "inputs": inputs, "targets": inputs[1:] + [[0.0]]}
    )


def train_body(steps: int, n_hidden: int = 8, T: int = 20) -> str:
    """A training chunk on the sine task with Adam, logging every 10th step."""
    return json.dumps(
        {
            "model": {"n_hidden": n_hidden, "seed": 1},
            "data": {"task": {"name": "sine", "T": T, "seed": 1}},
            "optimizer": {"name": "adam", "lr": 0.01},
            "steps": steps,
            "log_every": 10,
        }
    )


def traffic_mix() -> list[tuple[str, str, str | None, dict[str, str]]]:
    """One page view and what its user does next (see the module doc)."""
    bptt = ("POST", "/api/bptt", bptt_body(), JSON)
    train = ("POST", "/api/train", train_body(20), JSON)
    return [
        ("GET", "/", None, {"Accept-Encoding": "gzip"}),
        ("GET", "/static/vendor/plotly.min.js", None, {"Accept-Encoding": "gzip"}),
        bptt,
        train,
        bptt,
        bptt,
        train,
        bptt,
    ]


# ---------------------------------------------------------------- health while training


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def post_training(url: str, body: str, results: list[float], errors: list[str]) -> None:
    """One long /api/train call; its wall time goes to `results`."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
    start = time.perf_counter()
    try:
        connection.request("POST", "/api/train", body=body, headers=JSON)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            errors.append(f"train {response.status}")
        results.append(time.perf_counter() - start)
    except OSError as exc:
        errors.append(f"train {exc!r}")
    finally:
        connection.close()


def health_probe(
    url: str, trainings: int, steps: int, max_seconds: float
) -> tuple[list[float], list[float], list[str]]:
    """Health latencies (ms) while `trainings` calls of `steps` steps run; their wall times."""
    parts = urlsplit(url)
    body = train_body(steps, n_hidden=16, T=20)
    walls: list[float] = []
    errors: list[str] = []
    workers = [
        threading.Thread(target=post_training, args=(url, body, walls, errors), daemon=True)
        for _ in range(trainings)
    ]
    for worker in workers:
        worker.start()
    time.sleep(0.2)  # let every training reach the thread pool
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    latencies: list[float] = []
    deadline = time.monotonic() + max_seconds
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            connection.request("GET", "/api/health")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(f"health {response.status}")
        except OSError as exc:
            errors.append(f"health {exc!r}")
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        latencies.append((time.perf_counter() - start) * 1000.0)
        time.sleep(0.01)
    connection.close()
    for worker in workers:
        worker.join(timeout=max(0.0, deadline - time.monotonic()) + 1)
    return latencies, walls, errors


def idle_health(url: str, n: int = 200) -> list[float]:
    """Health latencies (ms) with nothing else running, for reference."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    latencies = []
    for _ in range(n):
        start = time.perf_counter()
        connection.request("GET", "/api/health")
        connection.getresponse().read()
        latencies.append((time.perf_counter() - start) * 1000.0)
    connection.close()
    return latencies


# ---------------------------------------------------------------- report


def level_row(workers: int, connections: int, result: WrkResult) -> str:
    errors = ", ".join(f"{k} {v}" for k, v in result.errors.items() if v) or "0"
    return (
        f"| {workers} | {connections:>4} | {result.rps:>7.0f} | {result.p50_ms:>8.1f} "
        f"| {result.p99_ms:>8.1f} | {result.max_ms:>8.1f} | {errors} |"
    )


def run_layout(workers: int, levels: list[int], seconds: float, args: argparse.Namespace) -> None:
    print(f"\n## uvicorn --workers {workers}  ({load_average()})\n", flush=True)
    with serve(workers=workers) as url:
        mix = rotating_script(traffic_mix())
        run_wrk(url, mix, 8, 2.0, threads=1)  # warm-up: imports, plotly gzip, NumPy caches
        print("| workers | connections | req/s | p50 ms | p99 ms | max ms | errors |")
        print("|---:|---:|---:|---:|---:|---:|---|")
        for connections in levels:
            threads = 2 if connections >= 64 else 1
            result = run_wrk(url, mix, connections, seconds, threads=threads, timeout_s=10)
            print(level_row(workers, connections, result), flush=True)

        idle = idle_health(url)
        latencies, walls, errors = health_probe(
            url, args.trainings, args.train_steps, max_seconds=args.probe_seconds
        )
    print(f"\nhealth idle: p50 {statistics.median(idle):.2f} ms, p99 {percentile(idle, 99):.2f} ms")
    if latencies:
        p99 = percentile(latencies, 99)
        verdict = "meets" if p99 < HEALTH_TARGET_MS else "MISSES"
        print(
            f"health while {args.trainings} × /api/train ({args.train_steps} steps, n_hidden 16, "
            f"T 20) run: {len(latencies)} probes, p50 {statistics.median(latencies):.2f} ms, "
            f"p99 {p99:.2f} ms, max {max(latencies):.2f} ms ({verdict} p99 < "
            f"{HEALTH_TARGET_MS:g} ms); trainings took "
            + ", ".join(f"{w:.1f}" for w in sorted(walls))
            + " s"
        )
    print(f"probe errors: {errors or 0}; {load_average()}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s per level instead of 20 s")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--levels", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--trainings", type=int, default=4, help="concurrent long trainings")
    parser.add_argument("--train-steps", type=int, default=2000)
    parser.add_argument("--probe-seconds", type=float, default=90.0, help="probe time limit")
    args = parser.parse_args()
    seconds = 5.0 if args.quick else 20.0
    for workers in args.workers:
        run_layout(workers, args.levels, seconds, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
