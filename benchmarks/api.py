"""API benchmark (issue 2): /api/bptt at T = 10, n_hidden = 8, detail "full" against /api/health.

Both run against the same single uvicorn worker in the same run, with Debian's wrk on
loopback (16 connections, ~10 s each), so the ratio bptt/health says what the BPTT work and its
JSON cost relative to the framework's floor on this machine. wrk sends no Accept-Encoding, so
the main rows move raw JSON; a third row asks for gzip as a browser does.

    .venv/bin/python benchmarks/api.py [--seconds 10] [--connections 16]

Target: bptt ≥ 0.30 × health's requests per second (goal 0.4). Prints a table, the response
sizes (raw and gzip) and the machine's load average (other jobs on the machine lower both rows
alike). `--rounds N` measures health and bptt N times, taking turns, and prints each round's
ratio: on a shared machine one round's pair sees about the same load.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import (  # noqa: E402
    WrkResult,
    cpu_seconds,
    load_average,
    run_wrk,
    serve,
    single_script,
)

T, N_HIDDEN = 10, 8
TARGET = 0.30
GOAL = 0.4


def bptt_body() -> str:
    """T = 10 steps of a sine, next-value targets, a seeded n_hidden = 8 model, detail full."""
    import math

    xs = [math.sin(0.3 * t) for t in range(T + 1)]
    return json.dumps(
        {
            "model": {"n_in": 1, "n_hidden": N_HIDDEN, "n_out": 1, "seed": 0},
            "inputs": [[x] for x in xs[:-1]],
            "targets": [[x] for x in xs[1:]],
            "detail": "full",
        },
        separators=(",", ":"),
    )


def response_sizes(url: str, body: str) -> tuple[int, int, float]:
    """Bytes of the /api/bptt answer without and with gzip, and its Server-Timing compute ms."""
    sizes = []
    compute_ms = 0.0
    for encoding in ("identity", "gzip"):
        request = urllib.request.Request(
            f"{url}/api/bptt",
            data=body.encode(),
            headers={"Content-Type": "application/json", "Accept-Encoding": encoding},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
            if encoding == "gzip":
                assert response.headers.get("Content-Encoding") == "gzip"
                gzip.decompress(payload)  # it is real gzip
            timing = response.headers.get("Server-Timing", "compute;dur=0")
            compute_ms = float(timing.split("dur=")[1])
        sizes.append(len(payload))
    return sizes[0], sizes[1], compute_ms


def row(name: str, result: WrkResult) -> str:
    return (
        f"| {name:<24} | {result.rps:>8.0f} | {result.p50_ms:>7.2f} | {result.p99_ms:>7.2f} "
        f"| {result.error_count:>6} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (leave a core)")
    parser.add_argument("--rounds", type=int, default=1, help="health/bptt pairs, taking turns")
    args = parser.parse_args()

    body = bptt_body()
    json_headers = {"Content-Type": "application/json"}
    print(f"before: {load_average()}")
    pids: list[int] = []
    with serve(workers=1, pids=pids) as url:
        raw_bytes, gzip_bytes, compute_ms = response_sizes(url, body)

        def run(script: str) -> WrkResult:
            return run_wrk(url, script, args.connections, args.seconds, args.threads)

        def cpu_per_request(script: str) -> tuple[WrkResult, float]:
            """A wrk run and the server's CPU time per answered request (its own, whatever
            share of the cores the other jobs on the machine leave it)."""
            before = cpu_seconds(pids[0])
            result = run(script)
            return result, (cpu_seconds(pids[0]) - before) / max(1, result.requests)

        run(single_script("GET", "/api/health", None, {}))  # warm-up, not reported
        pairs = []
        for _ in range(args.rounds):
            health, health_cpu = cpu_per_request(single_script("GET", "/api/health", None, {}))
            bptt, bptt_cpu = cpu_per_request(single_script("POST", "/api/bptt", body, json_headers))
            pairs.append((health, bptt, health_cpu, bptt_cpu, load_average()))
        bptt_gzip = run(
            single_script("POST", "/api/bptt", body, {**json_headers, "Accept-Encoding": "gzip"})
        )
    print(f"after:  {load_average()}")
    print(
        "\nround | health req/s | bptt req/s | ratio | server CPU µs per request: health, bptt,"
        " their ratio | load"
    )
    for i, (h, b, h_cpu, b_cpu, load) in enumerate(pairs, 1):
        print(
            f"{i:5} | {h.rps:12.0f} | {b.rps:10.0f} | {b.rps / h.rps:5.2f} | "
            f"{h_cpu * 1e6:6.0f}, {b_cpu * 1e6:6.0f}, {h_cpu / b_cpu:5.2f} | {load}"
        )
    print(
        f"\nuvicorn, 1 worker, wrk {args.connections} connections × {args.seconds:g} s, loopback\n"
    )
    print("| endpoint                 |    req/s | p50 ms  | p99 ms  | errors |")
    print("|--------------------------|---------:|--------:|--------:|-------:|")
    print(row("GET /api/health", health))
    print(row("POST /api/bptt (raw)", bptt))
    print(row("POST /api/bptt (gzip)", bptt_gzip))
    ratio = bptt.rps / health.rps
    verdict = "meets" if ratio >= TARGET else "MISSES"
    goal = "meets" if ratio >= GOAL else "misses"
    print(
        f"\nratio bptt/health = {ratio:.2f} ({verdict} the target ≥ {TARGET}, {goal} the goal "
        f"{GOAL}; last round); with gzip {bptt_gzip.rps / health.rps:.2f}"
    )
    print(
        f"/api/bptt T={T}, n_hidden={N_HIDDEN}, detail full: request {len(body):,} B, "
        f"response {raw_bytes:,} B raw, {gzip_bytes:,} B gzip; compute {compute_ms:.3f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
