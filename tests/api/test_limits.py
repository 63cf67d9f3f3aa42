"""The cost model and answer-size bound: what is refused, what passes, and what the 422 says."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from app.api import limits
from app.api.errors import FieldError
from app.config import Settings
from app.main import create_app

DEFAULTS = Settings(log_level="warning")


def seq(T: int, n_in: int = 1, n_out: int = 1) -> dict[str, list[list[float]]]:
    return {
        "inputs": [[0.1 * ((t + j) % 7) for j in range(n_in)] for t in range(T)],
        "targets": [[0.05 * ((t + j) % 5) for j in range(n_out)] for t in range(T)],
    }


def test_kept_pairs_counts_the_terms_of_the_last_loss_steps() -> None:
    assert limits.kept_pairs(3, 3, None) == 6  # 1 + 2 + 3
    assert limits.kept_pairs(3, 1, None) == 3
    assert limits.kept_pairs(5, 5, 2) == 1 + 2 + 2 + 2 + 2
    assert limits.kept_pairs(5, 1, 1) == 1


def test_the_answer_size_counts_steps_flow_and_terms() -> None:
    s = limits.Shape(T=3, n_in=1, n_hidden=2, n_out=1, loss_steps=1)
    weights = 1 * 2 + 2 * 2 + 2 * 1
    steps = 3 * (1 + 2 * 2 + 2 * 1 + 2)
    flow = 3 * 3 + 6  # Ws, Wx, state over the 3 kept terms; the Jacobian for every k ≤ t
    terms = (2 * 2 + 1 * 2 + 2 * 1) + 3 * (2 * 3 + 2 + 2)
    assert limits.bptt_numbers(s) == 2 * weights + steps + flow + terms
    norms = replace(s, detail="norms")
    assert limits.bptt_numbers(norms) == 2 * weights + steps + flow


@pytest.mark.parametrize("loss_steps", ["all", "last"])
def test_norms_fit_at_every_allowed_size(loss_steps: str) -> None:
    """api.md: detail "norms" works at every allowed size, so its worst case must fit."""
    T, H, io = DEFAULTS.max_T, DEFAULTS.max_n_hidden, DEFAULTS.max_n_io
    L = T if loss_steps == "all" else 1
    s = limits.Shape(T, io, H, io, bias=True, loss_steps=L, detail="norms")
    jac = limits.jacobian_work(T, H) <= DEFAULTS.max_jacobian_work
    limits.check_bptt(s, jac, DEFAULTS)  # raises FieldError if refused


def test_the_runaway_training_is_refused_naming_the_limit_and_a_chunk_that_passes() -> None:
    s = limits.Shape(T=1000, n_in=1, n_hidden=2, n_out=1, loss_steps=1000, truncate=1)
    with pytest.raises(FieldError) as refused:
        limits.check_train(s, 2000, DEFAULTS)
    msg = refused.value.msg
    assert refused.value.loc == ("steps",)
    assert "BPTT_MAX_COMPUTE_SECONDS" in msg and "steps ≤ " in msg, msg
    most = int(msg.split("steps ≤ ")[1].split()[0])
    assert 0 < most < 2000
    limits.check_train(s, most, DEFAULTS)  # the suggested chunk passes
    with pytest.raises(FieldError):
        limits.check_train(s, most + 1, DEFAULTS)


def test_the_wide_gradient_check_is_refused_with_a_size_that_passes() -> None:
    s = limits.Shape(T=1, n_in=64, n_hidden=256, n_out=64, bias=True)
    with pytest.raises(FieldError) as refused:
        limits.check_gradcheck(s, DEFAULTS)
    msg = refused.value.msg
    assert "n_hidden ≤ " in msg and "BPTT_MAX_COMPUTE_SECONDS" in msg, msg
    H = int(msg.split("n_hidden ≤ ")[1].split()[0])
    limits.check_gradcheck(replace(s, n_hidden=H), DEFAULTS)


def test_the_140_mb_answer_is_refused_pointing_to_norms() -> None:
    s = limits.Shape(T=1000, n_in=3, n_hidden=1, n_out=1, loss_steps=1000)
    with pytest.raises(FieldError) as refused:
        limits.check_bptt(s, False, DEFAULTS)
    msg = refused.value.msg
    assert "BPTT_MAX_RESPONSE_NUMBERS" in msg and 'detail "norms" would pass' in msg, msg
    T = int(msg.split("T ≤ ")[1].split()[0])
    limits.check_bptt(replace(s, T=T, loss_steps=T), False, DEFAULTS)


def test_the_largest_passing_value_is_found_by_bisection() -> None:
    assert limits.largest_passing(100, lambda v: v <= 37) == 37
    assert limits.largest_passing(100, lambda v: False) == 0
    assert limits.largest_passing(5, lambda v: True) == 5


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/train",
            {
                "model": {"n_in": 1, "n_hidden": 2, "n_out": 1},
                "data": seq(1000),
                "optimizer": {"name": "adam", "lr": 0.01},
                "steps": 2000,
                "truncate": 1,
            },
            "steps",
        ),
        (
            "/api/gradcheck",
            {"model": {"n_in": 64, "n_hidden": 256, "n_out": 64, "bias": True}, **seq(1, 64, 64)},
            "inputs",
        ),
        ("/api/bptt", {"model": {"n_in": 3, "n_hidden": 1, "n_out": 1}, **seq(1000, 3)}, "detail"),
    ],
)
def test_the_routes_refuse_before_computing(path: str, body: dict, field: str) -> None:
    response = TestClient(create_app(DEFAULTS)).post(path, json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", field]
    assert "would pass" in detail["msg"]
    assert "BPTT_MAX_" in detail["msg"]


def test_the_lecture_size_is_priced_for_the_event_loop_and_large_requests_are_not() -> None:
    from app.api.compute import INLINE_SECONDS

    lecture = limits.Shape(T=10, n_in=1, n_hidden=8, n_out=1, loss_steps=10)
    assert limits.bptt_work_seconds(lecture, with_jacobian=True) <= INLINE_SECONDS
    assert limits.forward_work_seconds(lecture) <= INLINE_SECONDS
    for large in (replace(lecture, T=200, n_hidden=64), replace(lecture, cell="lstm", T=30)):
        assert limits.bptt_work_seconds(large, with_jacobian=True) > INLINE_SECONDS
    assert limits.gradcheck_work_seconds(replace(lecture, n_hidden=32)) > INLINE_SECONDS
