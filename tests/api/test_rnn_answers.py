"""The plain RNN's answers stay byte-identical to a recorded sample (tests/data/rnn-answers.json).

scripts/record_rnn_answers.py recorded each request's answer before the engine learned gated
cells; the app must give the same bytes today, for bptt, forward, gradcheck and train.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

RECORDED = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "rnn-answers.json").read_text()
)


@pytest.fixture(scope="module")
def recorded_client() -> Any:
    """An app with the settings the sample was recorded with."""
    with TestClient(create_app(Settings(**RECORDED["settings"]))) as client:
        yield client


@pytest.mark.parametrize("case", RECORDED["cases"], ids=[c["name"] for c in RECORDED["cases"]])
def test_answer_is_byte_identical(recorded_client: TestClient, case: dict[str, Any]) -> None:
    """Same request, same bytes."""
    response = recorded_client.post(case["path"], json=case["body"])
    assert response.status_code == 200, response.text[:500]
    got, expected = response.content.decode(), case["answer"]
    if got != expected:
        at = next(i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b)
        lo, hi = max(0, at - 80), at + 80
        pytest.fail(
            f"{case['name']}: answer differs at byte {at}: "
            f"expected …{expected[lo:hi]}…, got …{got[lo:hi]}…"
        )
