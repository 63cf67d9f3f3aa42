"""Page benchmark: first render, frame times while playing and while training, at several sizes.

Serves the app with uvicorn on a free loopback port, drives Debian's chromium (headless, via
Playwright) at 1280×720 and prints a table, one row per (T, H):

- first render: navigation → the unfolded graph drawn, in a fresh browser context (cold cache);
- play: requestAnimationFrame intervals while the BPTT animation plays (×1 speed);
- training: the longest main-thread task (PerformanceObserver "longtask") and the rAF
  intervals while the training panel trains on the graph's sequence, the graph in view.

The last column is each row's p95 frame while playing as a ratio to the first row's (T = 3,
H = 3), measured in the same run.

    .venv/bin/python benchmarks/page_render.py [--sizes 3x3,30x3,200x64] [--seconds 3]

Targets (issue 11): first render ≤ 1 s cold, p95 frame ≤ 20 ms while playing, longest task
≤ 50 ms while training.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

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

# Long tasks from now on, into window.__long (durations in ms).
LONGTASKS = """() => {
  window.__long = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__long.push(e.duration);
  }).observe({ type: "longtask" });
}"""


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


def intervals(stamps: list[float]) -> list[float]:
    return [b - a for a, b in zip(stamps, stamps[1:], strict=False)]


def measure(browser: Browser, base: str, T: int, H: int, seconds: float) -> dict[str, float]:
    """One size: cold first render, frames while playing, long tasks and frames while training."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(f"{base}#T={T}&H={H}&lr=0.001")
    page.wait_for_selector("svg#unfolded[data-ready='true']", timeout=60_000)
    first = (time.perf_counter() - started) * 1000
    page.wait_for_selector("#train-panel[data-plots='ready']", timeout=60_000)
    page.wait_for_timeout(800)  # the lab's first plots are drawn
    page.locator("h1").click()
    page.click("#btn-back")
    page.click("#btn-play")
    play = intervals(page.evaluate(RAF_PROBE, seconds * 1000))
    page.click("#btn-play")  # pause
    page.click("#train-play")
    page.locator("h1").click()  # back to the graph, which follows the weights
    page.wait_for_timeout(1000)
    page.evaluate(LONGTASKS)
    train = intervals(page.evaluate(RAF_PROBE, seconds * 1000))
    longest = page.evaluate("Math.max(0, ...window.__long)")
    steps = page.get_attribute("#train-panel", "data-step")
    page.click("#train-play")
    context.close()
    return {
        "first": first,
        "play_p50": pct(play, 0.5),
        "play_p95": pct(play, 0.95),
        "train_p95": pct(train, 0.95),
        "train_long": float(longest),
        "train_steps": float(steps or 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3x3,30x3,200x3,3x64,30x64,200x64", help="TxH,...")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in item.split("x")) for item in args.sizes.split(",")]

    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}/"
    results: list[tuple[int, int, dict[str, float]]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for T, H in sizes:
                results.append((T, H, measure(browser, base, T, H, args.seconds)))
            browser.close()
    finally:
        server.terminate()
        server.wait()

    base_p95 = results[0][2]["play_p95"]
    head = (
        "T / H",
        "first render ms",
        "play p50 / p95 ms",
        "train p95 frame ms",
        "train longest task ms",
        "train steps",
        "play p95 / first row",
    )
    rows = [
        (
            f"{T} / {H}",
            f"{r['first']:.0f}",
            f"{r['play_p50']:.1f} / {r['play_p95']:.1f}",
            f"{r['train_p95']:.1f}",
            f"{r['train_long']:.0f}",
            f"{r['train_steps']:.0f}",
            f"{r['play_p95'] / base_p95:.2f}",
        )
        for T, H, r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))
    print()
    verdict = {True: "met", False: "MISSED"}
    firsts = [r["first"] for _, _, r in results]
    p95s = [r["play_p95"] for _, _, r in results]
    longs = [r["train_long"] for _, _, r in results]
    print(
        f"targets: first render ≤ 1 s: {verdict[max(firsts) <= 1000]} (max {max(firsts):.0f} ms); "
        f"p95 frame ≤ 20 ms playing: {verdict[max(p95s) <= 20]} (max {max(p95s):.1f}); "
        f"longest task ≤ 50 ms training: {verdict[max(longs) <= 50]} (max {max(longs):.0f})"
    )
    print(f"machine load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
