"""The LSTM/GRU golden file is what scripts/make_cells_golden.py makes, and its reference is right.

The reference (torch autograd over per-step weight copies) must match torch.nn.LSTM / nn.GRU on
the same weights, its terms must sum to nn's total gradient and agree with central
differences on one step's copy; the committed requests and answers must be reproduced.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch",
    reason="torch is not installed: `pip install -e '.[dev,torch]'` to check the LSTM/GRU "
    "reference and tests/data/cells-golden.json",
)

from tests.reference import torch_cells as tc  # noqa: E402 (needs torch)

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "cells-golden.json"
CASES: list[dict[str, Any]] = json.loads(GOLDEN.read_text())["cases"]
IDS = [case["name"] for case in CASES]


def load_script() -> ModuleType:
    """scripts/make_cells_golden.py as a module (scripts/ is not a package)."""
    path = ROOT / "scripts" / "make_cells_golden.py"
    spec = importlib.util.spec_from_file_location("make_cells_golden", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script()


def test_golden_requests_are_the_scripts(script: ModuleType) -> None:
    """Same cases, same order, byte-identical requests (weights drawn from the script's seeds)."""
    assert [case["name"] for case in script.CASES] == IDS
    for case, committed in zip(script.CASES, CASES, strict=True):
        assert script.request_for(case) == committed["request"], case["name"]


def test_golden_covers_the_modes() -> None:
    """Both cells; bias on/off; every loss-step form; truncation; s0/c0; both heads; T, H."""
    requests = [case["request"] for case in CASES]
    models = [r["model"] for r in requests]
    assert {m["cell"] for m in models} == {"lstm", "gru"}
    assert {m["bias"] for m in models} == {True, False}
    assert {(m["output"], m["loss"]) for m in models} >= {
        ("linear", "squared_error"),
        ("softmax", "cross_entropy"),
    }
    assert {str(r["loss_steps"]) for r in requests} >= {"all", "last", "[2, 5, 7]"}
    assert {r["truncate"] for r in requests} >= {None, 2}
    assert {len(r["inputs"]) for r in requests} == {1, 3, 7}
    assert {m["n_hidden"] for m in models} == {1, 2, 4}
    assert any("c0" in r for r in requests) and any("s0" in r for r in requests)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_golden_answer_is_reproduced(case: dict[str, Any]) -> None:
    """A fresh reference run on the committed request gives the committed answer."""
    fresh = tc.expected_for(case["request"])
    problems = tc.differences(case["expected"], fresh, rtol=1e-10, atol=1e-15)
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:20])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_per_step_model_matches_torch_nn(case: dict[str, Any]) -> None:
    """Forward vs nn.LSTM/nn.GRU, Σ terms vs nn's total, outer products, chain rule: ≤ 1e-12."""
    p = tc.problem_from_request(case["request"])
    found = tc.check(p, tc.reference(p))
    assert max(found["forward"], found["sum"], found["outer"], found["chain"]) <= 1e-12, found


@pytest.mark.parametrize("name", [IDS[1], IDS[7]])  # LSTM and GRU, both with biases, H = 4
def test_terms_match_central_differences(name: str) -> None:
    """C^W_{t,k} = ∂E_t/∂(step k's copy): perturb that copy only, h = 1e-6, every entry."""
    p = tc.problem_from_request(CASES[IDS.index(name)]["request"])
    ref = tc.reference(p)
    h = 1e-6

    def losses(per_step: dict[str, list[np.ndarray]]) -> np.ndarray:
        _, trace = tc.run_copies(p, per_step)
        return np.array([E.item() for E in trace["E"]])  # (T,): E_t at every step

    worst = 0.0
    for name_W in ("Wx", "Ws", "bx", "bs"):
        W = p.weights[name_W]
        for k in range(p.T):
            for index in np.ndindex(W.shape):
                plus, minus = W.copy(), W.copy()
                plus[index] += h
                minus[index] -= h
                copies_plus = {name_W: [plus if j == k else W for j in range(p.T)]}
                copies_minus = {name_W: [minus if j == k else W for j in range(p.T)]}
                numeric = (losses(copies_plus) - losses(copies_minus)) / (2 * h)  # (T,)
                analytic = ref.C[name_W][:, k][(slice(None), *index)]  # (T,) over t
                worst = max(worst, float(np.max(np.abs(numeric - analytic))))
    assert worst < 1e-8, f"max |central difference − C| = {worst:.2e}"


def test_script_refuses_to_write_when_a_check_fails(
    script: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deviation over the tolerance (forced here) exits 1 and writes nothing."""
    monkeypatch.setattr(script, "TOLERANCE", -1.0)
    out = tmp_path / "golden.json"
    assert script.main(["--out", str(out)]) == 1
    assert not out.exists()


def test_script_check_mode_accepts_the_committed_file(script: ModuleType) -> None:
    assert script.main(["--check"]) == 0


@pytest.mark.parametrize("name", [IDS[4], IDS[10]])  # LSTM and GRU, T = 7, H = 4
def test_state_rails_and_jacobian_match_central_differences(name: str) -> None:
    """Nudge h_k = [s_k, c_k] after step k, h = 1e-6.

    ∂E_t/∂s_k is σ_{t,k}; the c part plus the path c_k → s_k = o_k ⊙ tanh(c_k) is κ_{t,k};
    the numerical ∂h_t/∂h_k has the spectral norm written in the golden flow.jacobian.
    """
    case = CASES[IDS.index(name)]
    p = tc.problem_from_request(case["request"])
    ref = tc.reference(p)
    lstm, H, T, h = p.cell == "lstm", p.H, p.T, 1e-6
    D = 2 * H if lstm else H

    def run(k: int, dh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _, trace = tc.run_copies(p, nudge=(k, dh))
        E = np.array([E_t.item() for E_t in trace["E"]])  # (T,)
        pairs = zip(trace["s"], trace["c"], strict=True)
        states = [torch.cat([s, c]) if lstm else s for s, c in pairs]  # each (D,)
        return E, np.array([state.detach().numpy() for state in states])  # (T,), (T, D)

    jacobian = case["expected"]["flow"]["jacobian"]
    worst_rail, worst_norm = 0.0, 0.0
    for k in range(1, T + 1):
        dE = np.zeros((T, D))  # [t-1, :] = ∂E_t/∂h_k, s_k and c_k independent
        J = np.zeros((T, D, D))  # [t-1] = ∂h_t/∂h_k
        for j in range(D):
            step = np.zeros(D)
            step[j] = h
            (E_plus, h_plus), (E_minus, h_minus) = run(k, step), run(k, -step)
            dE[:, j] = (E_plus - E_minus) / (2 * h)
            J[:, :, j] = (h_plus - h_minus) / (2 * h)
        for t in range(k, T + 1):
            numeric_sigma = dE[t - 1, :H]
            error = np.abs(numeric_sigma - ref.sigma[t - 1, k - 1])
            worst_rail = max(worst_rail, float(np.max(error)))
            if lstm:
                o_k = ref.gates["o"][k - 1]
                via_s = numeric_sigma * o_k * (1 - np.tanh(ref.c[k]) ** 2)
                numeric_kappa = dE[t - 1, H:] + via_s
                worst_rail = max(
                    worst_rail, float(np.max(np.abs(numeric_kappa - ref.kappa[t - 1, k - 1])))
                )
            norm = float(np.linalg.norm(J[t - 1], 2))
            worst_norm = max(worst_norm, abs(norm - jacobian[t - 1][k - 1]))
    assert worst_rail < 1e-8, f"max |central difference − σ/κ| = {worst_rail:.2e}"
    assert worst_norm < 1e-8, f"max |numerical ‖∂h_t/∂h_k‖₂ − golden| = {worst_norm:.2e}"
