"""Calibrate the request cost model (app/api/limits.py) and measure the costliest accepted requests.

Runs a grid of /api/forward, /api/bptt, /api/gradcheck and /api/train requests in-process
(an app with the limits lifted, so nothing is refused), measures each one's CPU seconds
(time.process_time: every thread of the process, BLAS included), and prints per endpoint:
measured, predicted by the model's constants, their ratio, and the constants a least-squares
fit of this run gives. Then, with the default limits, it finds the costliest request each
endpoint accepts (the largest size the model lets through, at its worst shape) and measures it.

    .venv/bin/python benchmarks/cost.py [--quick]

The model must never under-estimate by much: a ratio measured/predicted above ~1.5 in a quiet
run means the constants need raising. The issue's "before" figures (49 s training, 27 s
gradient check) are the requests named in the last table, refused now.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

from bench_common import pin_threads

pin_threads(0)  # the server's own BLAS threads

import numpy as np  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from app.api import limits  # noqa: E402
from app.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402

LIFTED = Settings(
    log_level="warning",
    max_compute_seconds=1e9,
    max_response_numbers=10**12,
    max_full_numbers=10**12,
    max_body_bytes=10**9,
    max_jacobian_work=1e-9,  # the Jacobian has its own budget and constant: keep it out of the fit
)


def sequence(T: int, n_in: int, n_out: int) -> dict[str, Any]:
    """A sine-like sequence of T steps."""
    t = np.arange(T)[:, None]
    x = np.sin(0.3 * t + np.arange(n_in)[None, :])  # (T, n_in)
    d = np.cos(0.3 * t + np.arange(n_out)[None, :])  # (T, n_out)
    return {"inputs": x.round(6).tolist(), "targets": d.round(6).tolist()}


def model(
    H: int, n_in: int = 1, n_out: int = 1, bias: bool = False, cell: str = "rnn"
) -> dict[str, Any]:
    spec = {"n_in": n_in, "n_hidden": H, "n_out": n_out, "bias": bias, "seed": 0}
    return spec if cell == "rnn" else {**spec, "cell": cell}


def cpu_seconds(client: TestClient, path: str, body: dict[str, Any]) -> float:
    """CPU seconds of one request (best of 2 when it is quick)."""
    best = math.inf
    for _ in range(2):
        t0 = time.process_time()
        response = client.post(path, json=body, headers={"Accept-Encoding": "identity"})
        best = min(best, time.process_time() - t0)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        if best > 0.5:
            break
    return best


Case = tuple[str, dict[str, Any], limits.Shape, Callable[[limits.Shape], float], list[float]]


def features(endpoint: str, s: limits.Shape, body: dict[str, Any]) -> list[float]:
    """The model's terms for one request, in the order of its constants."""
    if endpoint == "forward":
        return [1.0, s.T, s.T * s.macs]
    if endpoint == "bptt":
        P = limits.kept_pairs(s.T, s.loss_steps, s.truncate)
        full = s.detail == "full"
        n = limits.term_numbers(s) if full else 0
        return [1.0, s.T, s.T * s.macs, P, P * s.gates * s.n_hidden**2, P * full, P * n]
    if endpoint == "gradcheck":
        W2 = 2 * s.weights
        return [1.0, W2, W2 * s.T, W2 * s.T * s.macs]
    steps = body["steps"]
    P = limits.kept_pairs(s.T, s.loss_steps, s.truncate) if s.truncate else 0
    return [steps, steps * s.T, steps * s.T * s.macs, steps * P]


NAMES = {
    "forward": ["a_req", "a_step", "a_mac"],
    "bptt": ["b_req", "b_step", "b_mac", "b_pair", "b_pmac", "b_term", "b_num"],
    "gradcheck": ["g_req", "g_eval", "g_step", "g_mac"],
    "train": ["r_req", "r_step", "r_mac", "r_pair"],
}


def grid(cell: str, quick: bool) -> list[tuple[str, dict[str, Any], limits.Shape]]:
    """(endpoint, body, shape) for every calibration request of one cell."""
    out: list[tuple[str, dict[str, Any], limits.Shape]] = []
    plain = cell == "rnn"
    for T in (10, 300, 1000) if not quick else (10, 300):
        for H in (2, 64, 256) if plain else (2, 64):
            body = {"model": model(H, cell=cell), **sequence(T, 1, 1)}
            out.append(("forward", body, limits.Shape(T, 1, H, 1, cell=cell)))
    modes = (("all", None), ("last", None), ("all", 5)) if plain else (("all", None), ("all", 5))
    for T in (10, 100, 300) if not quick else (10, 150):
        for H in (2, 16, 64):
            for detail in ("full", "norms"):
                for loss, trunc in modes:
                    body = {
                        "model": model(H, 3, cell=cell),
                        **sequence(T, 3, 1),
                        "loss_steps": loss,
                        "truncate": trunc,
                        "detail": detail,
                    }
                    L = T if loss == "all" else 1
                    s = limits.Shape(
                        T, 3, H, 1, cell=cell, loss_steps=L, truncate=trunc, detail=detail
                    )
                    if limits.bptt_numbers(s, False) <= 2 * Settings().max_response_numbers:
                        out.append(("bptt", body, s))  # the region the limits can accept
    # long sequences, where the L×S by S×G·H products of the sweep dominate
    for T, H, loss in ((1000, 16, "all"), (1000, 64, "all"), (1000, 256 if plain else 128, "last")):
        body = {"model": model(H, 3, cell=cell), **sequence(T, 3, 1), "loss_steps": loss}
        body["detail"] = "norms"
        L = T if loss == "all" else 1
        out.append(
            ("bptt", body, limits.Shape(T, 3, H, 1, cell=cell, loss_steps=L, detail="norms"))
        )
    for H, T in ((2, 10), (2, 300), (16, 50), (32, 5), (64, 2), (8, 100)):
        body = {"model": model(H, 2, 2, bias=True, cell=cell), **sequence(T, 2, 2)}
        out.append(("gradcheck", body, limits.Shape(T, 2, H, 2, cell=cell, bias=True)))
    for T in (20, 300, 1000) if not quick else (20, 400):
        for H in (2, 32, 128):
            for trunc in (None, 1, 10):
                steps = max(2, int(4000 / (T * (1 + H * H / 200))))
                body = {
                    "model": model(H, cell=cell),
                    "data": sequence(T, 1, 1),
                    "optimizer": {"name": "adam", "lr": 0.01},
                    "steps": steps,
                    "truncate": trunc,
                }
                s = limits.Shape(T, 1, H, 1, cell=cell, loss_steps=T, truncate=trunc)
                out.append(("train", body, s))
    return out


def predicted(endpoint: str, s: limits.Shape, body: dict[str, Any]) -> float:
    if endpoint == "forward":
        return limits.forward_seconds(s)
    if endpoint == "bptt":
        return limits.bptt_seconds(s, with_jacobian=False)
    if endpoint == "gradcheck":
        return limits.gradcheck_seconds(s)
    return limits.train_seconds(s, body["steps"])


def calibrate(client: TestClient, cell: str, quick: bool) -> None:
    """Measure one cell's grid; print measured/predicted and this run's fitted constants."""
    rows: dict[str, list[tuple[list[float], float, float]]] = {k: [] for k in NAMES}
    worst: dict[str, tuple[float, str]] = {}
    for endpoint, body, s in grid(cell, quick):
        seconds = cpu_seconds(client, f"/api/{endpoint}", body)
        guess = predicted(endpoint, s, body)
        rows[endpoint].append((features(endpoint, s, body), seconds, guess))
        if seconds / guess > worst.get(endpoint, (0.0, ""))[0]:
            worst[endpoint] = (seconds / guess, f"{s} ({seconds:.3f} s)")
    print(f"### {cell}")
    print("| endpoint | requests | measured/predicted: median | max | fitted constants |")
    print("|---|---:|---:|---:|---|")
    for endpoint, data in rows.items():
        A = np.array([f for f, _, _ in data])
        y = np.array([m for _, m, _ in data])
        ratios = np.array([m / p for _, m, p in data])
        coef, *_ = np.linalg.lstsq(A / y[:, None], np.ones(len(y)), rcond=None)  # relative error
        fitted = ", ".join(
            f"{n}={max(c, 0):.2g}" for n, c in zip(NAMES[endpoint], coef, strict=True)
        )
        median, top = np.median(ratios), ratios.max()
        print(f"| {endpoint} | {len(data)} | {median:.2f} | {top:.2f} | {fitted} |")
    print()
    for endpoint, (ratio, name) in worst.items():
        print(f"worst {endpoint}: ×{ratio:.2f} at {name}")
    print()


def costliest(settings: Settings) -> list[tuple[str, dict[str, Any], float]]:
    """The largest request of each kind the default limits accept, at its worst shape."""
    M = settings.max_T
    cases: list[tuple[str, dict[str, Any], float]] = []
    # forward: everything at its size limits
    s = limits.Shape(M, 64, 256, 64)
    cases.append(
        (
            "forward T=1000 H=256 n_in=n_out=64",
            {"model": model(256, 64, 64), **sequence(M, 64, 64)},
            limits.forward_seconds(s),
        )
    )
    # bptt norms at the size limits (the Jacobian skipped by its budget)
    s = limits.Shape(M, 64, 256, 64, loss_steps=M, detail="norms")
    cases.append(
        (
            "bptt norms T=1000 H=256 n_in=n_out=64 loss all",
            {"model": model(256, 64, 64), **sequence(M, 64, 64), "detail": "norms"},
            limits.bptt_seconds(s, False),
        )
    )
    # bptt full: the longest T the limits accept at H = 1, n_in = 3 (the 140 MB answer before)
    base = limits.Shape(M, 3, 1, 1, loss_steps=M)
    T = limits.largest_passing(M, lambda T: _bptt_ok(replace(base, T=T, loss_steps=T), settings))
    s = replace(base, T=T, loss_steps=T)
    cases.append(
        (
            f"bptt full T={T} H=1 n_in=3 loss all",
            {"model": model(1, 3), **sequence(T, 3, 1)},
            limits.bptt_seconds(s, _jac(s, settings)),
        )
    )
    # gradcheck: the widest model the limit lets through at T = 2 (27 s at H = 256 before)
    base = limits.Shape(2, 64, 1, 64, bias=True)
    H = limits.largest_passing(
        256,
        lambda H: (
            limits.gradcheck_seconds(replace(base, n_hidden=H)) <= settings.max_compute_seconds
        ),
    )
    s = replace(base, n_hidden=H)
    cases.append(
        (
            f"gradcheck T=2 H={H} n_in=n_out=64 bias",
            {"model": model(H, 64, 64, bias=True), **sequence(2, 64, 64)},
            limits.gradcheck_seconds(s),
        )
    )
    # train: T = 1000, H = 2, truncate 1 (49 s for 2000 steps before): the most steps accepted
    s = limits.Shape(M, 1, 2, 1, loss_steps=M, truncate=1)
    steps = limits.largest_passing(
        settings.max_train_steps,
        lambda n: limits.train_seconds(s, n) <= settings.max_compute_seconds,
    )
    cases.append(
        (
            f"train T=1000 H=2 truncate 1, {steps} Adam steps",
            {
                "model": model(2),
                "data": sequence(M, 1, 1),
                "steps": steps,
                "truncate": 1,
                "optimizer": {"name": "adam", "lr": 0.01},
            },
            limits.train_seconds(s, steps),
        )
    )
    s = limits.Shape(M, 1, 128, 1, loss_steps=M)
    steps = limits.largest_passing(
        settings.max_train_steps,
        lambda n: limits.train_seconds(s, n) <= settings.max_compute_seconds,
    )
    cases.append(
        (
            f"train T=1000 H=128 full, {steps} Adam steps",
            {
                "model": model(128),
                "data": sequence(M, 1, 1),
                "steps": steps,
                "optimizer": {"name": "adam", "lr": 0.01},
            },
            limits.train_seconds(s, steps),
        )
    )
    return cases


def _jac(s: limits.Shape, settings: Settings) -> bool:
    return limits.jacobian_work(s.T, s.n_hidden) <= settings.max_jacobian_work


def _bptt_ok(s: limits.Shape, settings: Settings) -> bool:
    return (
        limits.bptt_seconds(s, _jac(s, settings)) <= settings.max_compute_seconds
        and limits.bptt_numbers(s) <= settings.max_response_numbers
    )


def refused_before(settings: Settings) -> None:
    """The issue's runaway requests, now refused: the 422 message each one gets."""
    app = create_app(settings)
    client = TestClient(app)
    bodies = {
        "train T=1000 H=2 2000 Adam steps truncate 1 (49 s before)": (
            "/api/train",
            {
                "model": model(2),
                "data": sequence(1000, 1, 1),
                "steps": 2000,
                "truncate": 1,
                "optimizer": {"name": "adam", "lr": 0.01},
            },
        ),
        "gradcheck n_in 64, H 256, n_out 64, bias (27 s before)": (
            "/api/gradcheck",
            {"model": model(256, 64, 64, bias=True), **sequence(1, 64, 64)},
        ),
        "bptt full T=1000 H=1 n_in=3 (140 MB before)": (
            "/api/bptt",
            {"model": model(1, 3), **sequence(1000, 3, 1)},
        ),
    }
    print("| request (before) | now |")
    print("|---|---|")
    for name, (path, body) in bodies.items():
        r = client.post(path, json=body)
        msg = r.json()["detail"][0]["msg"] if r.status_code == 422 else r.text[:80]
        print(f"| {name} | {r.status_code}: {msg} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller grid")
    parser.add_argument("--skip-calibration", action="store_true")
    parser.add_argument("--cells", default="rnn,lstm,gru", help="cells to calibrate")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for cell, c in limits.COSTS.items():
        used = ", ".join(f"{f.name}={getattr(c, f.name):g}" for f in fields(c))
        print(f"constants in use ({cell}): {used}")
    print()
    client = TestClient(create_app(LIFTED))
    if not args.skip_calibration:
        for cell in args.cells.split(","):
            calibrate(client, cell, args.quick)
    settings = Settings(log_level="warning")
    refused_before(settings)
    print(f"costliest accepted requests (limit {settings.max_compute_seconds:g} s):")
    print("| request | predicted s | measured CPU s | ratio |")
    print("|---|---:|---:|---:|")
    default_client = TestClient(create_app(settings))
    for name, body, pred in costliest(settings):
        path = "/api/" + name.split()[0]
        seconds = cpu_seconds(default_client, path, body)
        print(f"| {name} | {pred:.2f} | {seconds:.2f} | {seconds / pred:.2f} |")
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
