"""API benchmark (issue 2): /api/bptt at T = 10, n_hidden = 8, detail "full" against /api/health.

Both run against the same single uvicorn worker in the same run, with Debian's wrk on
loopback (16 connections, ~10 s each), so the ratio bptt/health says what the BPTT work and its
JSON cost relative to the framework's floor on this machine. wrk sends no Accept-Encoding, so
the main rows move raw JSON; a third row asks for gzip as a browser does.

    .venv/bin/python benchmarks/api.py [--seconds 10] [--connections 16] [--rounds 1]
                                       [--baseline DIR]

Target: bptt ≥ 0.30 × health's requests per second (goal 0.4). Prints a table, the response
sizes (raw and gzip) and the machine's load average (other jobs on the machine lower both rows
alike). `--rounds N` measures health and bptt N times, taking turns, and prints each round's
ratio: on a shared machine one round's pair sees about the same load; the verdict is on the
median round. The CPU column is the server process's own user + system time per answered
request (from /proc), which other jobs on the machine do not inflate as they do req/s.
`--baseline DIR` serves a second tree (another checkout, e.g. `git archive main | tar -x -C
DIR`) beside this one; within each round the two take turns, and the script prints whether
their answers are byte-identical and the paired ratios.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving import (  # noqa: E402
    ROOT,
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


def response_bytes(url: str, body: str) -> bytes:
    """The raw /api/bptt answer to `body`."""
    request = urllib.request.Request(
        f"{url}/api/bptt", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return bytes(response.read())


def row(name: str, result: WrkResult) -> str:
    return (
        f"| {name:<24} | {result.rps:>8.0f} | {result.p50_ms:>7.2f} | {result.p99_ms:>7.2f} "
        f"| {result.error_count:>6} |"
    )


@dataclass
class Round:
    """One round on one server: health then bptt, back to back, with the server's CPU."""

    health: WrkResult
    bptt: WrkResult
    health_cpu: float  # seconds per request
    bptt_cpu: float
    load: str

    @property
    def ratio(self) -> float:
        return self.bptt.rps / self.health.rps


def measure(url: str, pid: int, body: str, args: argparse.Namespace) -> Round:
    """health, then bptt, on the server at `url` (process `pid`)."""
    json_headers = {"Content-Type": "application/json"}

    def cpu_per_request(script: str) -> tuple[WrkResult, float]:
        """A wrk run and the server's CPU time per answered request (its own, whatever
        share of the cores the other jobs on the machine leave it)."""
        before = cpu_seconds(pid)
        result = run_wrk(url, script, args.connections, args.seconds, args.threads)
        return result, (cpu_seconds(pid) - before) / max(1, result.requests)

    health, health_cpu = cpu_per_request(single_script("GET", "/api/health", None, {}))
    bptt, bptt_cpu = cpu_per_request(single_script("POST", "/api/bptt", body, json_headers))
    return Round(health, bptt, health_cpu, bptt_cpu, load_average())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (leave a core)")
    parser.add_argument("--rounds", type=int, default=1, help="health/bptt pairs, taking turns")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout (e.g. main's): its server takes turns with this one each round",
    )
    args = parser.parse_args()

    body = bptt_body()
    json_headers = {"Content-Type": "application/json"}
    print(f"before: {load_average()}")
    trees = {"this tree": ROOT}
    if args.baseline is not None:
        trees["baseline"] = args.baseline.resolve()
    rounds: dict[str, list[Round]] = {name: [] for name in trees}
    with ExitStack() as stack:
        servers = {}
        for name, root in trees.items():
            pids: list[int] = []
            url = stack.enter_context(serve(workers=1, pids=pids, root=root))
            servers[name] = (url, pids[0])
        url = servers["this tree"][0]
        raw_bytes, gzip_bytes, compute_ms = response_sizes(url, body)
        if args.baseline is not None:
            base_bytes = response_bytes(servers["baseline"][0], body)
            same = "identical" if base_bytes == response_bytes(url, body) else "DIFFERENT"
            print(f"answers of this tree and the baseline: {same}")
        for served, _pid in servers.values():  # warm-up, not reported
            run_wrk(served, single_script("GET", "/api/health", None, {}), 16, 2, 1)
        for _ in range(args.rounds):
            for name, (served, pid) in servers.items():
                rounds[name].append(measure(served, pid, body, args))
        bptt_gzip = run_wrk(
            url,
            single_script("POST", "/api/bptt", body, {**json_headers, "Accept-Encoding": "gzip"}),
            args.connections,
            args.seconds,
            args.threads,
        )
    print(f"after:  {load_average()}")
    print(
        "\ntree      | round | health req/s | bptt req/s | ratio | server CPU µs per request: "
        "health, bptt, their ratio | load"
    )
    for i in range(args.rounds):
        for name in trees:
            r = rounds[name][i]
            print(
                f"{name:9} | {i + 1:5} | {r.health.rps:12.0f} | {r.bptt.rps:10.0f} | "
                f"{r.ratio:5.2f} | {r.health_cpu * 1e6:6.0f}, {r.bptt_cpu * 1e6:6.0f}, "
                f"{r.health_cpu / r.bptt_cpu:5.2f} | {r.load}"
            )
    print(
        f"\nuvicorn, 1 worker, wrk {args.connections} connections × {args.seconds:g} s, loopback\n"
    )
    last = rounds["this tree"][-1]
    print("| endpoint                 |    req/s | p50 ms  | p99 ms  | errors |")
    print("|--------------------------|---------:|--------:|--------:|-------:|")
    print(row("GET /api/health", last.health))
    print(row("POST /api/bptt (raw)", last.bptt))
    print(row("POST /api/bptt (gzip)", bptt_gzip))
    ratios = [r.ratio for r in rounds["this tree"]]
    ratio = statistics.median(ratios)
    verdict = "meets" if ratio >= TARGET else "MISSES"
    goal = "meets" if ratio >= GOAL else "misses"
    print(
        f"\nratio bptt/health = {ratio:.3f} (median of {len(ratios)} rounds; {verdict} the "
        f"target ≥ {TARGET}, {goal} the goal {GOAL}); with gzip "
        f"{bptt_gzip.rps / last.health.rps:.2f} (last round)"
    )
    if args.baseline is not None:
        base = [r.ratio for r in rounds["baseline"]]
        paired = statistics.median(a / b for a, b in zip(ratios, base, strict=True))
        cpu = statistics.median(
            b.bptt_cpu / a.bptt_cpu
            for a, b in zip(rounds["this tree"], rounds["baseline"], strict=True)
        )
        print(
            f"baseline ratio = {statistics.median(base):.3f}; this tree / baseline, paired by "
            f"round: ratio ×{paired:.2f}, bptt CPU per request ÷{cpu:.2f}"
        )
    print(
        f"/api/bptt T={T}, n_hidden={N_HIDDEN}, detail full: request {len(body):,} B, "
        f"response {raw_bytes:,} B raw, {gzip_bytes:,} B gzip; compute {compute_ms:.3f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
