"""Training by gradient descent on E, in chunks that continue each other exactly.

One step n (1-based, counted over the whole run):

    x, d   = the fixed sequence, or the task's sample drawn with seed (run seed, n)
    E, g   = loss_and_grads(W)               E before this step's update
    g      = g · clip/‖g‖ if ‖g‖ > clip       global-norm clipping, before the optimizer
    W      = optimizer(W, g)

A run of 80 steps and two chunks of 40 (the second given the first's weights, optimizer state
and start_step=40) take the same steps on the same samples, so they agree bit for bit.
Training stops at the first non-finite loss, gradient, updated weight or optimizer buffer
(``diverged``) and returns the last finite weights with the optimizer state that belongs to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .bptt import gradients
from .model import RNNConfig, RNNParams
from .optimizers import (
    Optimizer,
    OptimizerState,
    check_state,
    clip_by_global_norm,
    init_state,
    step,
)
from .problem import LossSteps, Problem
from .tasks import get_task
from .weights import Array, Weights


@dataclass(frozen=True)
class FixedData:
    """One sequence used at every step: x (T, n_in), d (T, n_out)."""

    x: Array  # (T, n_in)
    d: Array  # (T, n_out)
    loss_steps: LossSteps = "all"
    s0: Array | None = None  # (H,), zeros when None
    c0: Array | None = None  # (H,) LSTM cell state, zeros when None


@dataclass(frozen=True)
class TaskData:
    """A built-in task: step n trains on task.sample(T, seed=(seed, n), **params)."""

    name: str
    T: int
    seed: int = 0
    params: Mapping[str, object] = field(default_factory=dict)


TrainData = FixedData | TaskData


@dataclass(frozen=True)
class HistoryEntry:
    """Step n's loss E (before its update) and ‖∂E/∂W‖_F per weight (before clipping)."""

    step: int
    loss: float
    grad_norm: dict[str, float]


@dataclass(frozen=True)
class TrainResult:
    """The weights after the run, the optimizer state to continue it, and what was logged."""

    params: RNNParams
    optimizer_state: OptimizerState
    history: list[HistoryEntry]
    diverged: bool
    step: int  # steps taken over the whole run: send it back as start_step to continue


def task_mismatch(config: RNNConfig, data: TaskData) -> dict[str, str]:
    """What the model must change to fit the task: {field: message}, empty when it fits."""
    task = get_task(data.name)
    n_in, n_out = task.dims(**data.params)
    needs = {"n_in": n_in, "n_out": n_out, "output": task.output, "loss": task.loss}
    return {
        name: f"task {task.name} needs {name} = {want!r}, the model has {have!r}"
        for name, want in needs.items()
        if (have := getattr(config, name)) != want
    }


StepData = tuple[Array, Array, LossSteps, Array | None, Array | None]  # x, d, L, s0, c0


def sequences(data: TrainData) -> Callable[[int], StepData]:
    """n ↦ (x, d, loss_steps, s0, c0) of step n: fixed, or the task's sample for seed (seed, n)."""
    if isinstance(data, FixedData):
        fixed = (data.x, data.d, data.loss_steps, data.s0, data.c0)
        return lambda n: fixed
    sample_at = get_task(data.name).sampler(data.T, data.seed, **data.params)

    def task_sequence(n: int) -> StepData:
        sample = sample_at(n)
        return sample.inputs, sample.targets, sample.loss_steps, None, None

    return task_sequence


def _logged(n: int, last: int, log_every: int) -> bool:
    """Log step 1, every log_every-th step of the run, and the chunk's last step."""
    return n == 1 or n % log_every == 0 or n == last


def _finite(arrays: Mapping[str, np.ndarray]) -> bool:
    """True when every entry of every array is finite."""
    return all(bool(np.isfinite(a).all()) for a in arrays.values())


def train(
    config: RNNConfig,
    params: RNNParams,
    data: TrainData,
    optimizer: Optimizer,
    steps: int,
    clip: float | None = None,
    truncate: int | None = None,
    log_every: int = 1,
    state: OptimizerState | None = None,
    start_step: int = 0,
    on_step: Callable[[int], None] | None = None,
) -> TrainResult:
    """Take steps start_step+1 .. start_step+steps of gradient descent on E (see module doc).

    on_step(n), when given, is called before step n: a caller's hook (the server uses it to let
    other threads run between steps); it does not change the result.
    """
    if steps < 1 or log_every < 1 or start_step < 0:
        raise ValueError("steps and log_every must be at least 1, start_step at least 0")
    if clip is not None and not clip > 0:
        raise ValueError(f"clip must be positive or None, got {clip}")
    if isinstance(data, TaskData) and (problems := task_mismatch(config, data)):
        raise ValueError("; ".join(problems.values()))
    weights = params.as_dict()
    state = init_state(optimizer, weights) if state is None else state
    check_state(optimizer, weights, state)
    sequence_at = sequences(data)
    history: list[HistoryEntry] = []
    last = start_step + steps
    for n in range(start_step + 1, last + 1):
        if on_step is not None:
            on_step(n)
        x, d, loss_steps, s0, c0 = sequence_at(n)
        with np.errstate(all="ignore"):  # overflow is detected below, not warned about
            problem = Problem(config, Weights(**weights), x, d, s0, c0, loss_steps, truncate)
            E, grads = gradients(problem)
            g = grads.as_dict()
            norms = {k: float(np.linalg.norm(v)) for k, v in g.items()}
            ok = math.isfinite(E) and (all(map(math.isfinite, norms.values())) or _finite(g))
            if ok:
                clipped = clip_by_global_norm(g, clip, math.hypot(*norms.values()))
                new_weights, new_state = step(optimizer, weights, clipped, state)
                ok = _finite(new_weights) and all(_finite(b) for b in new_state.buffers.values())
        if not ok or _logged(n, last, log_every):
            history.append(HistoryEntry(n, float(E), norms))
        if not ok:
            return TrainResult(Weights(**weights), state, history, True, n - 1)
        weights, state = new_weights, new_state
    return TrainResult(Weights(**weights), state, history, False, last)
