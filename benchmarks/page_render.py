"""Page benchmark: first render, frame times while playing and while training, at several sizes.

Serves the app with uvicorn on a free loopback port, drives Debian's chromium (headless, via
Playwright) at 1280×720 and prints a table, one row per (T, H):

- first render: navigation start → the frame that first draws the unfolded graph, timed in the
  page (requestAnimationFrame after data-ready), in a fresh browser context (cold cache); and
  the page's load event, which a script added before it (plotly.js) would hold back;
- play: requestAnimationFrame intervals while the BPTT animation plays (×1 speed), once the
  lab's requests are answered, and the main thread's time per animation step (Chrome's
  Performance.getMetrics: every task, and style + layout);
- training: the longest main-thread task (PerformanceObserver "longtask") and the rAF
  intervals while the training panel trains on the graph's sequence, the graph in view.

The last column is each row's p95 frame while playing as a ratio to the first row's (T = 3,
H = 3), measured in the same run. With `--baseline DIR` (the tree of an earlier commit, e.g.
`mkdir /tmp/before && git archive <commit> | tar -x -C /tmp/before`) that tree is served too,
on its own port, and every size is measured on both, one after the other (`--repeat` times,
medians), so the before/after ratio is taken under the same machine load; the trees take turns
being measured first (use an even `--repeat`): the second one starts while the first one's page
is still winding down.

    .venv/bin/python benchmarks/page_render.py [--sizes 3x3,30x3,200x64] [--seconds 3]
    .venv/bin/python benchmarks/page_render.py --baseline /tmp/before --repeat 2

Targets (issue 11): first render ≤ 1 s cold, p95 frame ≤ 20 ms while playing, longest task
≤ 50 ms while training.
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

from playwright.sync_api import Browser, CDPSession, sync_playwright

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

# In the page from its first script on: the frame in which the graph is first drawn, in ms since
# the navigation started (window.__firstGraph: the rAF time of the frame after data-ready).
FIRST_GRAPH = """new MutationObserver((_, observer) => {
  const svg = document.getElementById("unfolded");
  if (!svg || svg.dataset.ready !== "true") return;
  observer.disconnect();
  requestAnimationFrame((now) => { window.__firstGraph = now; });
}).observe(document, {
  subtree: true, attributes: true, attributeFilter: ["data-ready"], childList: true,
});"""

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


def start_server(port: int, root: Path = ROOT) -> subprocess.Popen[bytes]:
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
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1)
            return server
        except OSError:
            time.sleep(0.05)
    server.terminate()
    raise RuntimeError("the server did not start")


def main_thread(cdp: CDPSession) -> dict[str, float]:
    """The page's main-thread time so far (ms): all tasks, script, layout and style."""
    names = {"TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration"}
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return {m["name"]: 1000 * m["value"] for m in metrics if m["name"] in names}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def intervals(stamps: list[float]) -> list[float]:
    return [b - a for a, b in zip(stamps, stamps[1:], strict=False)]


def measure(browser: Browser, base: str, T: int, H: int, seconds: float) -> dict[str, float]:
    """One size: cold first render, frames while playing, long tasks and frames while training."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.add_init_script(FIRST_GRAPH)
    started = time.perf_counter()
    page.goto(f"{base}#T={T}&H={H}&lr=0.001", wait_until="commit")
    page.wait_for_function("() => window.__firstGraph !== undefined", timeout=60_000, polling=10)
    wall = (time.perf_counter() - started) * 1000  # as seen by the driver: + its round trips
    first = float(page.evaluate("window.__firstGraph"))
    page.wait_for_load_state("load", timeout=60_000)
    load = float(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
    page.wait_for_selector("#train-panel[data-plots='ready']", timeout=60_000)
    page.wait_for_timeout(800)  # the lab's first plots are drawn
    # the lab's own requests answered: the play measures the page, not the server's other work
    page.wait_for_load_state("networkidle", timeout=60_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.locator("h1").click()
    page.click("#btn-back")
    step0 = int(page.get_attribute("body", "data-step") or "0")
    busy0 = main_thread(cdp)
    page.click("#btn-play")
    play = intervals(page.evaluate(RAF_PROBE, seconds * 1000))
    page.click("#btn-play")  # pause
    busy = {k: v - busy0[k] for k, v in main_thread(cdp).items()}
    played = max(1, int(page.get_attribute("body", "data-step") or "0") - step0)
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
        "first_wall": wall,
        "load": load,
        "play_p50": pct(play, 0.5),
        "play_p95": pct(play, 0.95),
        "step_ms": busy["TaskDuration"] / played,
        "step_layout_ms": (busy["LayoutDuration"] + busy["RecalcStyleDuration"]) / played,
        "step_script_ms": busy["ScriptDuration"] / played,
        "train_p95": pct(train, 0.95),
        "train_long": float(longest),
        "train_steps": float(steps or 0),
    }


def print_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Columns as wide as their widest cell, the header left-aligned, the values right-aligned."""
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))
    print()


def warm_up(browser: Browser, base: str) -> None:
    """One untimed page load: the server's first page and first /api/bptt (templates compiled,
    code paths warm) are not charged to the first size measured; the browser's cache stays cold
    (every measure has its own context)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{base}#T=5")
    page.wait_for_selector("svg#unfolded[data-ready='true']", timeout=60_000)
    context.close()


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def print_comparison(
    sizes: list[tuple[int, int]],
    before: dict[tuple[int, int], dict[str, float]],
    after: dict[tuple[int, int], dict[str, float]],
) -> None:
    """Before / after per size and measure, with the ratio after ÷ before."""
    head = ("T / H", "measure", "before", "after", "after / before")
    rows = []
    names = {
        "first": "first render ms",
        "first_wall": "first render, driver's clock ms",
        "load": "load event ms",
        "play_p95": "play p95 frame ms",
        "step_ms": "main thread ms per step",
        "step_layout_ms": "style + layout ms per step",
        "train_long": "train longest task ms",
        "train_steps": "train steps",
    }
    for size in sizes:
        for key, name in names.items():
            b, a = before[size][key], after[size][key]
            ratio = f"{a / b:.2f}" if b else "–"
            rows.append((f"{size[0]} / {size[1]}", name, f"{b:.1f}", f"{a:.1f}", ratio))
    print_table(head, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3x3,30x3,200x3,3x64,30x64,200x64", help="TxH,...")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--baseline", type=Path, help="an earlier checkout, measured too")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (medians)")
    args = parser.parse_args()
    sizes = [(int(t), int(h)) for t, h in (item.split("x") for item in args.sizes.split(","))]

    trees = {"after": ROOT} if args.baseline is None else {"before": args.baseline, "after": ROOT}
    servers = {}
    bases = {}
    for name, root in trees.items():
        port = free_port()
        servers[name] = start_server(port, root)
        bases[name] = f"http://127.0.0.1:{port}/"
    runs: dict[str, dict[tuple[int, int], list[dict[str, float]]]] = {
        name: {size: [] for size in sizes} for name in trees
    }
    loads = [os.getloadavg()[0]]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for base in bases.values():
                warm_up(browser, base)
            for rep in range(args.repeat):
                # the two trees one after the other (the same load), in turns first: the one
                # measured second starts while the machine still winds down the other's page
                order = list(trees) if rep % 2 == 0 else list(reversed(trees))
                for size in sizes:
                    for name in order:
                        runs[name][size].append(measure(browser, bases[name], *size, args.seconds))
                    loads.append(os.getloadavg()[0])
            browser.close()
    finally:
        for server in servers.values():
            server.terminate()
            server.wait()

    if args.baseline is not None:
        before = {size: median_of(runs["before"][size]) for size in sizes}
        after = {size: median_of(runs["after"][size]) for size in sizes}
        print(f"before: {args.baseline}, after: {ROOT}, medians of {args.repeat}")
        print_comparison(sizes, before, after)
    results = [(T, H, median_of(runs["after"][(T, H)])) for T, H in sizes]

    base_p95 = results[0][2]["play_p95"]
    head = (
        "T / H",
        "first render ms",
        "play p50 / p95 ms",
        "ms per step (layout)",
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
            f"{r['step_ms']:.1f} ({r['step_layout_ms']:.1f})",
            f"{r['train_p95']:.1f}",
            f"{r['train_long']:.0f}",
            f"{r['train_steps']:.0f}",
            f"{r['play_p95'] / base_p95:.2f}",
        )
        for T, H, r in results
    ]
    print_table(head, rows)
    verdict = {True: "met", False: "MISSED"}
    firsts = [r["first"] for _, _, r in results]
    p95s = [r["play_p95"] for _, _, r in results]
    longs = [r["train_long"] for _, _, r in results]
    print(
        f"targets: first render ≤ 1 s: {verdict[max(firsts) <= 1000]} (max {max(firsts):.0f} ms); "
        f"p95 frame ≤ 20 ms playing: {verdict[max(p95s) <= 20]} (max {max(p95s):.1f}); "
        f"longest task ≤ 50 ms training: {verdict[max(longs) <= 50]} (max {max(longs):.0f})"
    )
    print(
        f"machine load average (1 min): {min(loads):.1f}–{max(loads):.1f} during the runs, "
        f"{os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    main()
