"""PyTorch's SGD, SGD with momentum and Adam on dicts of arrays, and global-norm clipping.

The update rules are torch.optim's (no weight decay, no dampening, no Nesterov), so a run here
can be reproduced there:

    sgd:       W -= lr·g
    momentum:  v = μ v + g;  W -= lr·v                    (v starts at 0, so the first v = g)
    adam:      m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;
               m̂ = m / (1-β1^t);  v̂ = v / (1-β2^t);  W -= lr·m̂ / (sqrt(v̂) + eps)

An optimizer never mutates its inputs: ``step`` returns new weights and a new state. The state
is plain data (a step count and named dicts of arrays), so it can travel as JSON between the
chunks of a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Arrays = Mapping[str, np.ndarray]
OptimizerName = Literal["sgd", "momentum", "adam"]
OPTIMIZERS: tuple[OptimizerName, ...] = ("sgd", "momentum", "adam")
BUFFERS: dict[str, tuple[str, ...]] = {"sgd": (), "momentum": ("velocity",), "adam": ("m", "v")}


@dataclass(frozen=True)
class Optimizer:
    """Which update rule and its hyper-parameters (PyTorch's names and defaults)."""

    name: OptimizerName
    lr: float
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.name!r}")


@dataclass(frozen=True)
class OptimizerState:
    """The optimizer's memory: updates taken so far and its buffers, e.g. {"m": {"Wx": ...}}."""

    name: OptimizerName
    step: int = 0
    buffers: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def init_state(optimizer: Optimizer, params: Arrays) -> OptimizerState:
    """A fresh state: step 0 and zero buffers shaped like the weights."""
    buffers = {
        buf: {k: np.zeros_like(w, dtype=float) for k, w in params.items()}
        for buf in BUFFERS[optimizer.name]
    }
    return OptimizerState(optimizer.name, 0, buffers)


def check_state(optimizer: Optimizer, params: Arrays, state: OptimizerState) -> None:
    """ValueError unless the state belongs to this optimizer and matches the weights' shapes."""
    if state.name != optimizer.name:
        raise ValueError(
            f"optimizer_state is for {state.name!r}, the optimizer is {optimizer.name!r}"
        )
    if state.step < 0:
        raise ValueError(f"optimizer_state step must be >= 0, got {state.step}")
    if set(state.buffers) != set(BUFFERS[optimizer.name]):
        expected = ", ".join(BUFFERS[optimizer.name]) or "none"
        raise ValueError(f"optimizer_state for {optimizer.name} needs the buffers: {expected}")
    for buf, arrays in state.buffers.items():
        if set(arrays) != set(params):
            raise ValueError(f"optimizer_state {buf} must have the weights {', '.join(params)}")
        for k, w in params.items():
            if np.shape(arrays[k]) != np.shape(w):
                raise ValueError(
                    f"optimizer_state {buf}.{k} has shape {np.shape(arrays[k])}, "
                    f"the weights {k} have {np.shape(w)}"
                )


def global_norm(grads: Arrays) -> float:
    """sqrt(Σ_W ‖∂E/∂W‖²) over all the gradients."""
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def clip_by_global_norm(
    grads: Arrays, clip: float | None, norm: float | None = None
) -> dict[str, np.ndarray]:
    """All gradients scaled by clip/norm when the global norm exceeds clip, else unchanged.

    ``norm`` is the global norm when the caller has it already.
    """
    norm = global_norm(grads) if norm is None else norm
    if clip is None or not norm > clip:
        return dict(grads)
    scale = clip / norm
    return {k: g * scale for k, g in grads.items()}


def step(
    optimizer: Optimizer, params: Arrays, grads: Arrays, state: OptimizerState
) -> tuple[dict[str, np.ndarray], OptimizerState]:
    """One update of every weight; returns (new weights, new state)."""
    t = state.step + 1
    if optimizer.name == "sgd":
        new = {k: w - optimizer.lr * grads[k] for k, w in params.items()}
        return new, OptimizerState("sgd", t, {})
    if optimizer.name == "momentum":
        velocity = {
            k: optimizer.momentum * v + grads[k] for k, v in state.buffers["velocity"].items()
        }
        new = {k: w - optimizer.lr * velocity[k] for k, w in params.items()}
        return new, OptimizerState("momentum", t, {"velocity": velocity})
    return _adam(optimizer, params, grads, state.buffers, t)


def _adam(
    opt: Optimizer, params: Arrays, grads: Arrays, buffers: Mapping[str, Arrays], t: int
) -> tuple[dict[str, np.ndarray], OptimizerState]:
    """Adam's t-th update, in torch.optim.Adam's order of operations."""
    m = {k: opt.beta1 * buffers["m"][k] + (1.0 - opt.beta1) * g for k, g in grads.items()}
    v = {k: opt.beta2 * buffers["v"][k] + (1.0 - opt.beta2) * g * g for k, g in grads.items()}
    step_size = opt.lr / (1.0 - opt.beta1**t)  # lr / bias correction of m
    root_bc2 = np.sqrt(1.0 - opt.beta2**t)  # sqrt(v̂) = sqrt(v) / root_bc2
    new = {
        k: w - step_size * (m[k] / (np.sqrt(v[k]) / root_bc2 + opt.eps)) for k, w in params.items()
    }
    return new, OptimizerState("adam", t, {"m": m, "v": v})
