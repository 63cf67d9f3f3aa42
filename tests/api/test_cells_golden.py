"""/api/bptt for the LSTM and GRU against golden vectors (tests/data/cells-golden.json).

scripts/make_cells_golden.py made them with torch autograd over one weight copy per time step
(float64), checked against torch.nn.LSTM / torch.nn.GRU: a different method from the server's
sweep. Every number the file holds must agree to rtol 1e-9: steps (s, c, gates), loss, grads,
flow (Ws, Wx, state, cell, the whole state's Jacobian) and every term (C^Ws, C^Wx, σ, κ, δ).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_golden import mismatches

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "cells-golden.json"
CASES = json.loads(GOLDEN.read_text())["cases"]


def test_golden_file_covers_both_cells_and_every_mode() -> None:
    """Both cells, with and without bias, truncation and every kind of loss steps."""
    requests = [case["request"] for case in CASES]
    assert {r["model"]["cell"] for r in requests} == {"lstm", "gru"}
    assert {r["model"]["bias"] for r in requests} == {True, False}
    assert any(r.get("truncate") for r in requests) and any(r.get("c0") for r in requests)
    kinds = {r["loss_steps"] if isinstance(r["loss_steps"], str) else "list" for r in requests}
    assert kinds == {"all", "last", "list"}


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_gated_bptt_matches_golden_vectors(client: TestClient, case: dict[str, Any]) -> None:
    response = client.post("/api/bptt", json=case["request"])
    assert response.status_code == 200, response.text
    body = response.json()
    expected = case["expected"]
    assert {"steps", "loss", "grads", "flow", "terms"} <= expected.keys()
    problems = mismatches(expected, body)
    assert not problems, f"{case['name']}: {len(problems)} mismatches:\n" + "\n".join(problems[:20])
    assert body["diagnostics"]["finite"] is True
