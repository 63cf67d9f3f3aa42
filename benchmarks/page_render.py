"""Page benchmark: time from navigation to the unfolded graph drawn, and animation frame times.

Serves the app with uvicorn on a free loopback port, drives Debian's chromium (headless, via
Playwright) and prints a table. Frame times come from requestAnimationFrame timestamps while the
BPTT animation plays (CSS transitions of arrows, cells and heatmaps running).

    .venv/bin/python benchmarks/page_render.py [--T 20] [--runs 5] [--seconds 4]

Targets (issue 4): first render ≤ 1 s on loopback, ≥ 50 frames per second while animating.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Collects rAF timestamps for `ms` milliseconds, then resolves with the list.
RAF_PROBE = """ms => new Promise(resolve => {
  const stamps = [];
  const t0 = performance.now();
  function tick(now) {
    stamps.push(now);
    if (now - t0 < ms) requestAnimationFrame(tick); else resolve(stamps);
  }
  requestAnimationFrame(tick);
})"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1)
            return server
        except OSError:
            time.sleep(0.05)
    server.terminate()
    raise RuntimeError("the server did not start")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=20)
    parser.add_argument("--H", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()

    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}/"
    rows: list[tuple[str, str]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            loads: list[float] = []
            for i in range(args.runs):
                context = browser.new_context(viewport={"width": 1280, "height": 720})
                page = context.new_page()
                started = time.perf_counter()
                page.goto(f"{base}#T={args.T}&H={args.H}&seed={i}")
                page.wait_for_selector("svg#unfolded[data-ready='true']")
                loads.append((time.perf_counter() - started) * 1000)
                if i < args.runs - 1:
                    context.close()
            # Animation: play from the start of the backward pass, all loss steps walked.
            page.click("#btn-back")
            page.click("#btn-play")
            stamps = page.evaluate(RAF_PROBE, args.seconds * 1000)
            frames = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
            steps_walked = page.evaluate("document.body.dataset.step")
            browser.close()
    finally:
        server.terminate()
        server.wait()

    fps = 1000 / statistics.mean(frames)
    rows += [
        ("T / hidden size", f"{args.T} / {args.H}"),
        ("navigation → graph drawn, median of runs (ms)", f"{statistics.median(loads):.0f}"),
        ("navigation → graph drawn, first (cold) run (ms)", f"{loads[0]:.0f}"),
        ("navigation → graph drawn, max (ms)", f"{max(loads):.0f}"),
        (
            "animation frames measured",
            f"{len(frames)} over {args.seconds:.1f} s (reached step {steps_walked})",
        ),
        (
            "frame time mean / p50 / p95 / max (ms)",
            " / ".join(
                f"{v:.1f}"
                for v in (statistics.mean(frames), pct(frames, 0.5), pct(frames, 0.95), max(frames))
            ),
        ),
        ("frames per second (mean)", f"{fps:.1f}"),
        ("frames over 20 ms (dropped below 50 fps)", f"{sum(f > 20 for f in frames)}"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 30}")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print()
    ok_load = statistics.median(loads) <= 1000
    ok_fps = fps >= 50
    verdict = {True: "met", False: "MISSED"}
    print(f"targets: first render ≤ 1 s: {verdict[ok_load]}; ≥ 50 fps: {verdict[ok_fps]}")


if __name__ == "__main__":
    main()
