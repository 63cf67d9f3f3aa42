"""Write tests/data/cells-golden.json: expected /api/bptt answers for LSTM and GRU requests.

How the numbers are made
    torch autograd in float64 over a forward pass where every step k has its own leaf copy of
    Wx, Ws (and bx, bs), so each term C^W_{t,k} = ∂E_t/∂(step k's copy) is read straight from
    autograd, and σ = ∂E_t/∂s_k, κ = ∂E_t/∂c_k, δ = ∂E_t/∂a_k from the per-step tensors
    (tests/reference/torch_cells.py). The Jacobian norms are ‖∂h_t/∂h_k‖₂ of the whole state
    (h = [s, c] for the LSTM) from torch.autograd.functional.jacobian. Weights, inputs and
    targets are drawn here with fixed NumPy seeds and written into each request, so the file
    does not depend on the server's seeding.

What it checks before writing (it exits non-zero and writes nothing otherwise)
    - the per-step-copy forward pass equals torch.nn.LSTM / torch.nn.GRU + nn.Linear on the
      same weights (weight_ih_l0 = Wxᵀ, weight_hh_l0 = Wsᵀ, bias_ih_l0 = bx, bias_hh_l0 = bs):
      s_t, c_t, y_t and E to 1e-12;
    - Σ_{t∈L} Σ_{k≤t} C^W_{t,k} equals autograd's total ∂E/∂W through torch.nn to 1e-12;
    - C^Wx = x_kᵀ δ^x, C^Ws = s_{k-1}ᵀ δ^s, C^b = δ, and σ_{t,k} (and κ_{t,k}) agree with the
      chain rule through the whole state's Jacobian.

Regenerate (torch is a test-only extra)
    .venv/bin/pip install -e '.[dev,torch]'
    .venv/bin/python scripts/make_cells_golden.py            # writes tests/data/cells-golden.json
    .venv/bin/python scripts/make_cells_golden.py --check    # compares, writes nothing
tests/reference/test_torch_cells.py checks that the committed file is what this script makes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "cells-golden.json"
TOLERANCE = 1e-12  # per-step model vs torch.nn, and Σ terms vs the total
CHECK_RTOL, CHECK_ATOL = 1e-10, 1e-15  # --check: the committed file against a fresh run
ABOUT = (
    "Expected /api/bptt values for LSTM and GRU requests, computed by an independent reference "
    "(torch autograd with one weight copy per time step, float64, checked against torch.nn.LSTM "
    "/ torch.nn.GRU to 1e-12) by scripts/make_cells_golden.py. Compare with rtol 1e-9."
)

# name, cell, n_in, H, n_out, bias, output, loss, T, loss_steps, truncate, s0?, c0?, seed
CASES: list[dict[str, Any]] = [
    dict(name="lstm: lecture size, T=3, loss at step 3", cell="lstm", n_in=1, H=2, n_out=1,
         bias=False, output="linear", loss="squared_error", T=3, loss_steps="last",
         truncate=None, s0=False, c0=False, seed=101),
    dict(name="lstm: bias, many-to-many, s0 and c0 given", cell="lstm", n_in=2, H=4, n_out=2,
         bias=True, output="linear", loss="squared_error", T=3, loss_steps="all",
         truncate=None, s0=True, c0=True, seed=102),
    dict(name="lstm: softmax + cross_entropy, loss steps [2,5,7], truncate 3", cell="lstm",
         n_in=3, H=2, n_out=3, bias=True, output="softmax", loss="cross_entropy", T=7,
         loss_steps=[2, 5, 7], truncate=3, s0=False, c0=True, seed=103),
    dict(name="lstm: T=1, H=1, bias, s0 given", cell="lstm", n_in=1, H=1, n_out=1, bias=True,
         output="linear", loss="squared_error", T=1, loss_steps="all", truncate=None, s0=True,
         c0=False, seed=104),
    dict(name="lstm: T=7, H=4, many-to-one, full BPTT", cell="lstm", n_in=2, H=4, n_out=1,
         bias=False, output="linear", loss="squared_error", T=7, loss_steps="last",
         truncate=None, s0=False, c0=False, seed=105),
    dict(name="lstm: many-to-many, truncate 2", cell="lstm", n_in=1, H=2, n_out=2,
         bias=False, output="softmax", loss="squared_error", T=7, loss_steps="all", truncate=2,
         s0=True, c0=False, seed=106),
    dict(name="gru: lecture size, T=3, loss at step 3", cell="gru", n_in=1, H=2, n_out=1,
         bias=False, output="linear", loss="squared_error", T=3, loss_steps="last",
         truncate=None, s0=False, c0=False, seed=201),
    dict(name="gru: bias, many-to-many, s0 given", cell="gru", n_in=2, H=4, n_out=2, bias=True,
         output="linear", loss="squared_error", T=3, loss_steps="all", truncate=None, s0=True,
         c0=False, seed=202),
    dict(name="gru: softmax + cross_entropy, loss steps [2,5,7], truncate 2", cell="gru",
         n_in=3, H=2, n_out=3, bias=True, output="softmax", loss="cross_entropy", T=7,
         loss_steps=[2, 5, 7], truncate=2, s0=False, c0=False, seed=203),
    dict(name="gru: T=1, H=1, bias", cell="gru", n_in=1, H=1, n_out=1, bias=True,
         output="linear", loss="squared_error", T=1, loss_steps="all", truncate=None, s0=False,
         c0=False, seed=204),
    dict(name="gru: T=7, H=4, many-to-one, truncate 4", cell="gru", n_in=2, H=4, n_out=1,
         bias=False, output="linear", loss="squared_error", T=7, loss_steps="last", truncate=4,
         s0=True, c0=False, seed=205),
]  # fmt: skip


def draw(rng: np.random.Generator, shape: tuple[int, ...], scale: float) -> list[Any]:
    """Uniform(−scale, scale) values rounded to 3 decimals (exact in JSON, easy to read)."""
    values: list[Any] = np.round(rng.uniform(-scale, scale, size=shape), 3).tolist()
    return values


def request_for(case: dict[str, Any]) -> dict[str, Any]:
    """The /api/bptt request body of one case, with every weight given explicitly."""
    rng = np.random.default_rng(case["seed"])
    n_in, H, n_out, T = case["n_in"], case["H"], case["n_out"], case["T"]
    G = 4 if case["cell"] == "lstm" else 3
    scale = 1.5 / np.sqrt(H)  # a little wider than PyTorch's 1/√H, so the gates vary
    weights = {
        "Wx": draw(rng, (n_in, G * H), scale),  # (n_in, G·H), gate blocks in columns
        "Ws": draw(rng, (H, G * H), scale),  # (H, G·H)
        "Wy": draw(rng, (H, n_out), scale),  # (H, n_out)
    }
    if case["bias"]:
        weights |= {
            "bx": draw(rng, (G * H,), scale),
            "bs": draw(rng, (G * H,), scale),
            "by": draw(rng, (n_out,), scale),
        }
    inputs = draw(rng, (T, n_in), 1.0)  # (T, n_in)
    if case["loss"] == "cross_entropy":
        targets = np.eye(n_out)[rng.integers(0, n_out, size=T)].tolist()  # (T, n_out), one-hot
    else:
        targets = draw(rng, (T, n_out), 1.0)  # (T, n_out)
    request: dict[str, Any] = {
        "model": {
            "cell": case["cell"],
            "n_in": n_in,
            "n_hidden": H,
            "n_out": n_out,
            "activation": "tanh",
            "output": case["output"],
            "loss": case["loss"],
            "bias": case["bias"],
            "weights": weights,
        },
        "inputs": inputs,
        "targets": targets,
    }
    if case["s0"]:
        request["s0"] = draw(rng, (H,), 1.0)
    if case["c0"]:
        request["c0"] = draw(rng, (H,), 1.0)
    request |= {"loss_steps": case["loss_steps"], "truncate": case["truncate"], "detail": "full"}
    return request


def build() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The golden file's content, and one row of checked deviations per case."""
    from tests.reference import torch_cells as tc

    cases, report = [], []
    for case in CASES:
        request = request_for(case)
        p = tc.problem_from_request(request)
        ref = tc.reference(p)
        deviations = tc.check(p, ref)
        report.append({"name": case["name"], **deviations})
        cases.append({"name": case["name"], "request": request, "expected": tc.answer(p, ref)})
    return {"about": ABOUT, "cases": cases}, report


def encode(golden: dict[str, Any]) -> str:
    """Compact numbers, one case per line: small, stable bytes and readable diffs."""
    cases = ",\n".join(json.dumps(case, separators=(",", ":")) for case in golden["cases"])
    return f'{{"about":{json.dumps(golden["about"])},\n"cases":[\n{cases}\n]}}\n'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the file (rtol 1e-10), write nothing"
    )
    parser.add_argument("--out", type=Path, default=GOLDEN)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    golden, report = build()
    print(f"{'case':<64} {'forward':>9} {'Σ terms':>9} {'outer':>9} {'chain':>9}")
    failed = []
    for row in report:
        print(
            f"{row['name']:<64} {row['forward']:9.1e} {row['sum']:9.1e} "
            f"{row['outer']:9.1e} {row['chain']:9.1e}"
        )
        if max(row["forward"], row["sum"], row["outer"], row["chain"]) > TOLERANCE:
            failed.append(row["name"])
    if failed:
        print(f"FAILED: deviation over {TOLERANCE:g} in: {', '.join(failed)}", file=sys.stderr)
        return 1
    if args.check:
        from tests.reference.torch_cells import differences

        committed = json.loads(args.out.read_text())
        problems = differences(committed, golden, rtol=CHECK_RTOL, atol=CHECK_ATOL)
        print(f"{args.out}: " + ("up to date" if not problems else "DIFFERS:"))
        print("\n".join(problems[:20]))
        return 1 if problems else 0
    text = encode(golden)
    args.out.write_text(text)
    print(f"wrote {args.out} ({len(text.encode()) / 1000:.1f} kB, {len(golden['cases'])} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
