"""/api/bptt against independently computed golden vectors (tests/data/bptt-golden.json).

The vectors come from reverse-mode autodiff with one weight copy per time step (float64), a
different method from the server's; every number must agree to rtol 1e-9.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "bptt-golden.json"
CASES = json.loads(GOLDEN.read_text())["cases"]
RTOL = 1e-9
ATOL = 1e-12  # for entries that are exactly zero in one and ~1e-17 in the other


def mismatches(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Every place where `actual` differs from `expected`, as 'path: expected …, got …'."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        found = []
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{path}.{key}: missing")
            else:
                found += mismatches(value, actual[key], f"{path}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            size = len(actual) if isinstance(actual, list) else actual
            return [f"{path}: expected a list of {len(expected)}, got {size!r}"]
        found = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found += mismatches(e, a, f"{path}[{i}]")
        return found
    if expected is None or isinstance(expected, (bool, str)):
        return [] if actual == expected else [f"{path}: expected {expected!r}, got {actual!r}"]
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    if math.isclose(actual, expected, rel_tol=RTOL, abs_tol=ATOL):
        return []
    return [f"{path}: expected {expected!r}, got {actual!r}"]


def test_comparer_reports_the_path() -> None:
    """The comparer itself: equal structures pass; a difference names where it is."""
    expected = {"a": [1.0, None, [2.0]], "b": {"c": 3.0}}
    assert mismatches(expected, {"a": [1.0, None, [2.0 + 1e-13]], "b": {"c": 3.0}}) == []
    assert mismatches(expected, {"a": [1.0, 0.0, [2.0]], "b": {"c": 3.0}}) == [
        ".a[1]: expected None, got 0.0"
    ]
    assert mismatches(expected, {"a": [1.0, None, [2.1]], "b": {}}) == [
        ".a[2][0]: expected 2.0, got 2.1",
        ".b.c: missing",
    ]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_bptt_matches_golden_vectors(client: TestClient, case: dict[str, Any]) -> None:
    response = client.post("/api/bptt", json=case["request"])
    assert response.status_code == 200, response.text
    body = response.json()
    expected = case["expected"]
    assert {"steps", "loss", "grads", "flow", "terms"} <= expected.keys()
    problems = mismatches(expected, body)
    assert not problems, f"{case['name']}: {len(problems)} mismatches:\n" + "\n".join(problems[:20])
