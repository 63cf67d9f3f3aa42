"""Training by gradient descent on E, in chunks that continue each other exactly.

One step n (1-based, counted over the whole run):

    x, d   = the fixed sequence, or the task's sample drawn with seed (run seed, n)
    E, g   = loss_and_grads(W)               E before this step's update
    g      = g · clip/‖g‖ if ‖g‖ > clip       global-norm clipping, before the optimizer
    W      = optimizer(W, g)

With carry_state, step n+1 starts from the last state of step n, s_0 ← s_T (and c_0 ← c_T),
with no gradient across windows (the notebook's ``hidden = hidden.data``); the first step starts
from the data's s0 (zeros when None). With split_bias, the plain RNN's bs trains as the two
vectors torch.nn.RNN holds, bias_ih + bias_hh: each gets ∂E/∂bs and the same optimizer
buffers, so bs moves by twice the update and ‖∂E/∂bs‖² counts twice in the clipping norm.

A run of 80 steps and two chunks of 40 (the second given the first's weights, optimizer state,
start_step=40 and, with carry_state, s_last as s0) take the same steps on the same samples, so
they agree bit for bit.
Training stops at the first non-finite loss, gradient, updated weight or optimizer buffer
(``diverged``) and returns the last finite weights with the optimizer state that belongs to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .bptt import gradients_and_forward
from .model import Forward, RNNConfig, RNNParams
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
    s0: Array | None = None  # (H,) with carry_state: the first step's initial state
    c0: Array | None = None  # (H,) LSTM, likewise


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
    s_last: Array | None = None  # (H,) with carry_state: the next step's s_0
    c_last: Array | None = None  # (H,) with carry_state, LSTM: the next step's c_0


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


def _last_state(fwd: Forward) -> tuple[Array, Array | None]:
    """(s_T, c_T) of a forward pass, copied off it: the next window's (s_0, c_0)."""
    return fwd.s[-1].copy(), None if fwd.c is None else fwd.c[-1].copy()


def _initial_state(config: RNNConfig, data: TrainData) -> tuple[Array, Array | None]:
    """(s_0, c_0) of the first step: the data's, zeros when not given (c_0: LSTM only)."""
    H = config.n_hidden
    s0 = np.zeros(H) if data.s0 is None else np.asarray(data.s0, dtype=np.float64)  # (H,)
    if config.cell != "lstm":
        return s0, None
    return s0, np.zeros(H) if data.c0 is None else np.asarray(data.c0, dtype=np.float64)  # (H,)


def _split_bias_step(
    optimizer: Optimizer,
    weights: Mapping[str, Array],
    g: Mapping[str, Array],
    state: OptimizerState,
) -> Array:
    """bs after one update of each of its two halves, bias_ih and bias_hh: both get the gradient
    ∂E/∂bs and hold the same buffers, so bs moves by two updates (the rules are linear in lr)."""
    doubled = Optimizer(
        optimizer.name,
        2.0 * optimizer.lr,
        optimizer.momentum,
        optimizer.beta1,
        optimizer.beta2,
        optimizer.eps,
    )
    bs_state = OptimizerState(
        state.name, state.step, {buf: {"bs": arrays["bs"]} for buf, arrays in state.buffers.items()}
    )
    return step(doubled, {"bs": weights["bs"]}, {"bs": g["bs"]}, bs_state)[0]["bs"]


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
    carry_state: bool = False,
    split_bias: bool = False,
) -> TrainResult:
    """Take steps start_step+1 .. start_step+steps of gradient descent on E (see module doc).

    on_step(n), when given, is called before step n: a caller's hook (the server uses it to let
    other threads run between steps); it does not change the result.
    """
    if steps < 1 or log_every < 1 or start_step < 0:
        raise ValueError("steps and log_every must be at least 1, start_step at least 0")
    if clip is not None and not clip > 0:
        raise ValueError(f"clip must be positive or None, got {clip}")
    if split_bias and not (config.cell == "rnn" and config.bias):
        raise ValueError("split_bias is for the plain RNN's bs: it needs cell 'rnn' with bias")
    if isinstance(data, TaskData) and (problems := task_mismatch(config, data)):
        raise ValueError("; ".join(problems.values()))
    weights = params.as_dict()
    state = init_state(optimizer, weights) if state is None else state
    check_state(optimizer, weights, state)
    sequence_at = sequences(data)
    history: list[HistoryEntry] = []
    last = start_step + steps
    carried = _initial_state(config, data)  # with carry_state: the state the next step uses
    for n in range(start_step + 1, last + 1):
        if on_step is not None:
            on_step(n)
        x, d, loss_steps, s0, c0 = sequence_at(n)
        if carry_state:
            s0, c0 = carried
        with np.errstate(all="ignore"):  # overflow is detected below, not warned about
            problem = Problem(config, Weights(**weights), x, d, s0, c0, loss_steps, truncate)
            E, grads, fwd = gradients_and_forward(problem)
            g = grads.as_dict()
            norms = {k: float(np.linalg.norm(v)) for k, v in g.items()}
            ok = math.isfinite(E) and (all(map(math.isfinite, norms.values())) or _finite(g))
            if ok:
                counted = [*norms.values(), norms["bs"]] if split_bias else norms.values()
                clipped = clip_by_global_norm(g, clip, math.hypot(*counted))
                new_weights, new_state = step(optimizer, weights, clipped, state)
                if split_bias:
                    new_weights["bs"] = _split_bias_step(optimizer, weights, clipped, state)
                ok = _finite(new_weights) and all(_finite(b) for b in new_state.buffers.values())
        if not ok or _logged(n, last, log_every):
            history.append(HistoryEntry(n, float(E), norms))
        if not ok:
            return _result(weights, state, history, True, n - 1, carry_state, carried)
        weights, state = new_weights, new_state
        if carry_state:
            carried = _last_state(fwd)
    return _result(weights, state, history, False, last, carry_state, carried)


def _result(
    weights: Mapping[str, Array],
    state: OptimizerState,
    history: list[HistoryEntry],
    diverged: bool,
    n: int,
    carry_state: bool,
    carried: tuple[Array, Array | None],
) -> TrainResult:
    """The TrainResult after step n; with carry_state, the state step n+1 starts from."""
    if not carry_state:
        return TrainResult(Weights(**weights), state, history, diverged, n)
    return TrainResult(Weights(**weights), state, history, diverged, n, carried[0], carried[1])
