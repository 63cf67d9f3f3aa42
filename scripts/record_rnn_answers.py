"""Record the plain RNN's answers of /api/bptt, /api/forward, /api/gradcheck and /api/train.

    .venv/bin/python scripts/record_rnn_answers.py     # writes tests/data/rnn-answers.json

Each case is a request and the exact bytes of its answer; tests/api/test_rnn_answers.py asks
the app again and compares bytes, so any change to a plain-RNN answer shows up as a failure.
Re-record only when such a change is intended.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "rnn-answers.json"
# a Jacobian budget small enough that the bigger cases go over it (and say so)
SETTINGS = {"log_level": "warning", "max_jacobian_work": 3e7}


def seq(T: int, n_in: int, n_out: int, seed: int, onehot: bool = False) -> dict[str, Any]:
    """inputs and targets of T steps (targets one-hot rows when asked)."""
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-1, 1, (T, n_in)).round(6).tolist()
    if onehot:
        targets = np.eye(n_out)[rng.integers(0, n_out, T)].tolist()
    else:
        targets = rng.uniform(-1, 1, (T, n_out)).round(6).tolist()
    return {"inputs": inputs, "targets": targets}


def cases() -> list[dict[str, Any]]:
    """Varied requests: truncation, loss-step modes, bias, softmax, detail norms, training."""
    lecture = {
        "model": {"n_in": 1, "n_hidden": 2, "n_out": 1, "seed": 0},
        "inputs": [[1], [0.5], [-1]],
        "targets": [[0], [0], [1]],
        "loss_steps": "last",
    }
    weights = {
        "Wx": [[0.5, -0.3, 0.2]],
        "Ws": [[0.1, 0.4, -0.2], [0.3, -0.5, 0.6], [-0.7, 0.2, 0.1]],
        "Wy": [[0.2, -0.1], [0.4, 0.3], [-0.6, 0.5]],
        "bs": [0.05, -0.02, 0.01],
        "by": [0.1, -0.1],
    }
    softmax = {"output": "softmax", "loss": "cross_entropy"}
    out: list[tuple[str, str, dict[str, Any]]] = [
        ("bptt lecture", "/api/bptt", lecture),
        (
            "bptt bias softmax truncate list",
            "/api/bptt",
            {
                "model": {"n_in": 2, "n_hidden": 3, "n_out": 3, "bias": True, "seed": 4, **softmax},
                **seq(6, 2, 3, 1, onehot=True),
                "loss_steps": [5, 2, 6],
                "truncate": 2,
            },
        ),
        (
            "bptt sigmoid norms s0 truncate",
            "/api/bptt",
            {
                "model": {"n_in": 1, "n_hidden": 4, "n_out": 1, "activation": "sigmoid"},
                **seq(12, 1, 1, 2),
                "s0": [0.1, -0.2, 0.3, 0.0],
                "truncate": 3,
                "detail": "norms",
            },
        ),
        (
            "bptt identity softmax squared weights",
            "/api/bptt",
            {
                "model": {
                    "n_in": 1,
                    "n_hidden": 3,
                    "n_out": 2,
                    "activation": "identity",
                    "output": "softmax",
                    "bias": True,
                    "weights": weights,
                },
                **seq(5, 1, 2, 3),
                "loss_steps": "all",
            },
        ),
        (
            "bptt relu radius",
            "/api/bptt",
            {
                "model": {
                    "n_in": 2,
                    "n_hidden": 5,
                    "n_out": 1,
                    "activation": "relu",
                    "seed": 7,
                    "ws_spectral_radius": 1.5,
                },
                **seq(9, 2, 1, 4),
                "loss_steps": "last",
                "truncate": 4,
            },
        ),
        (
            "bptt over the jacobian budget, norms",
            "/api/bptt",
            {
                "model": {
                    "n_in": 1,
                    "n_hidden": 6,
                    "n_out": 1,
                    "seed": 3,
                    "ws_spectral_radius": 0.8,
                },
                **seq(30, 1, 1, 5),
                "detail": "norms",
            },
        ),
        (
            "bptt vanishing warning",
            "/api/bptt",
            {
                "model": {
                    "n_in": 1,
                    "n_hidden": 3,
                    "n_out": 1,
                    "seed": 1,
                    "ws_spectral_radius": 0.5,
                },
                **seq(8, 1, 1, 6),
            },
        ),
        ("forward no targets", "/api/forward", {"model": lecture["model"], "inputs": [[1], [2]]}),
        (
            "forward targets last",
            "/api/forward",
            {
                "model": {"n_in": 2, "n_hidden": 3, "n_out": 3, "seed": 2, "bias": True, **softmax},
                **seq(4, 2, 3, 7, onehot=True),
                "loss_steps": "last",
            },
        ),
        ("gradcheck lecture", "/api/gradcheck", {k: v for k, v in lecture.items()}),
        (
            "gradcheck bias softmax",
            "/api/gradcheck",
            {
                "model": {"n_in": 2, "n_hidden": 3, "n_out": 3, "bias": True, "seed": 4, **softmax},
                **seq(5, 2, 3, 8, onehot=True),
                "loss_steps": [1, 4],
            },
        ),
        (
            "train sgd fixed clip",
            "/api/train",
            {
                "model": {"n_in": 1, "n_hidden": 3, "n_out": 1, "seed": 0},
                "data": {**seq(6, 1, 1, 9)},
                "optimizer": {"name": "sgd", "lr": 0.1},
                "steps": 5,
                "clip": 0.5,
            },
        ),
        (
            "train adam sine truncate",
            "/api/train",
            {
                "model": {"n_in": 1, "n_hidden": 4, "n_out": 1, "seed": 1},
                "data": {"task": {"name": "sine", "T": 10, "seed": 2}},
                "optimizer": {"name": "adam", "lr": 0.01},
                "steps": 6,
                "truncate": 3,
                "log_every": 2,
            },
        ),
        (
            "train momentum chars bias",
            "/api/train",
            {
                "model": {
                    "n_in": 10,
                    "n_hidden": 5,
                    "n_out": 10,
                    "seed": 3,
                    "bias": True,
                    **softmax,
                },
                "data": {"task": {"name": "chars", "T": 8, "seed": 1}},
                "optimizer": {"name": "momentum", "lr": 0.05},
                "steps": 4,
                "start_step": 3,
            },
        ),
        (
            "train adam adding",
            "/api/train",
            {
                "model": {"n_in": 2, "n_hidden": 4, "n_out": 1, "seed": 5},
                "data": {"task": {"name": "adding", "T": 8, "seed": 0}},
                "optimizer": {"name": "adam", "lr": 0.02},
                "steps": 3,
            },
        ),
    ]
    return [{"name": name, "path": path, "body": body} for name, path, body in out]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    recorded = []
    with TestClient(create_app(Settings(**SETTINGS))) as client:  # type: ignore[arg-type]
        for case in cases():
            response = client.post(case["path"], json=case["body"])
            if response.status_code != 200:
                print(f"{case['name']}: {response.status_code} {response.text[:300]}")
                return 1
            recorded.append({**case, "answer": response.content.decode()})
    OUT.write_text(json.dumps({"settings": SETTINGS, "cases": recorded}, indent=1) + "\n")
    print(f"wrote {len(recorded)} answers to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
