"""Request and response models of /api/tasks and /api/train (spec: api.md).

Requests are strict like those of app.api.schemas: JSON numbers only, no NaN or Infinity,
unknown fields refused (except in ``data.task``, whose extra fields are the task's parameters,
checked against the task). Limits that depend on the server's Settings (T, sizes, steps, work)
are checked by the route. Responses are finite: a loss or norm that overflowed is sent as null.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import InitErrorDetails

from app.api.schemas import (
    SEED_MAX,
    STRICT_INPUT,
    FiniteFloat,
    LossName,
    LossSteps,
    Matrix,
    ModelSpec,
    OutFloat,
    OutputName,
    Vector,
    WeightsOut,
    _check_vector,
    _error,
    _raise,
    _sequence_errors,
)
from app.rnn.optimizers import BUFFERS, OptimizerName
from app.rnn.tasks import TaskParamError, UnknownTaskError, get_task

Array = Matrix | Vector  # a weight-shaped array: Wx, Ws, Wy are matrices, bs, by vectors

# ---------------------------------------------------------------- /api/tasks


class TaskParamOut(BaseModel):
    """One task parameter: its type, default and range (for "str": the length range)."""

    name: str
    type: Literal["int", "float", "str", "bool"]
    default: int | float | str | bool
    min: float | None = None
    max: float | None = None
    choices: list[str] | None = Field(
        default=None, exclude_if=lambda v: v is None, description='"str": the allowed values'
    )
    description: str


class TaskOut(BaseModel):
    """A built-in task and the model it needs (n_in, n_out for the default parameters)."""

    name: str
    title: str
    description: str
    n_in: int
    n_out: int
    output: OutputName
    loss: LossName
    loss_steps: str = Field(description='"all", "last" or a description such as "t > delay"')
    default_T: int = Field(description="T used when a request gives none")
    params: list[TaskParamOut]


class TaskSampleOut(BaseModel):
    """One drawn sequence; labels name the one-hot columns (chars only)."""

    inputs: Matrix
    targets: Matrix
    loss_steps: Literal["all", "last"] | list[int]
    labels: list[str] | None = Field(default=None, exclude_if=lambda v: v is None)


# ---------------------------------------------------------------- /api/train: request


def _flat(arr: Matrix | Vector) -> list[float]:
    """The entries of a vector or of a (possibly ragged) matrix."""
    return [v for item in arr for v in (item if isinstance(item, list) else [item])]


class TaskSpec(BaseModel):
    """A built-in task: step n trains on its sample for seed (seed, n); extra fields = params."""

    model_config = ConfigDict(strict=True, extra="allow", allow_inf_nan=False)

    name: str = Field(description="a task of GET /api/tasks")
    T: int | None = Field(default=None, ge=1, description="sequence length; null: the task's")
    seed: int = Field(default=0, ge=0, le=SEED_MAX, description="seed of the run's samples")

    @property
    def params(self) -> dict[str, Any]:
        """The task parameters: every field beyond name, T and seed."""
        return dict(self.model_extra or {})

    @model_validator(mode="after")
    def _check_task(self) -> TaskSpec:
        """The task exists and its parameters are in range."""
        try:
            task = get_task(self.name)
        except UnknownTaskError as exc:
            _raise("TaskSpec", [_error(("name",), str(exc), self.name)])
            return self
        try:
            task.resolve(self.params)
        except TaskParamError as exc:
            value = self.params.get(exc.param)
            shown = value if isinstance(value, str | int) else repr(value)  # NaN is no JSON
            _raise("TaskSpec", [_error((exc.param,), str(exc), shown)])
        return self


class DataSpec(BaseModel):
    """Either a fixed sequence used at every step, or a task drawing a fresh sample per step."""

    model_config = STRICT_INPUT

    inputs: Annotated[Matrix, Field(min_length=1)] | None = Field(
        default=None, description="T×n_in, used at every step"
    )
    targets: Matrix | None = Field(default=None, description="T×n_out")
    loss_steps: LossSteps = Field(default="all", description="with inputs and targets")
    s0: Vector | None = Field(default=None, description="initial state (zeros if omitted)")
    c0: Vector | None = Field(default=None, description="LSTM only: initial cell state")
    task: TaskSpec | None = Field(default=None, description="{name, T, seed, params...}")

    @model_validator(mode="after")
    def _one_kind(self) -> DataSpec:
        """inputs and targets together, or task alone."""
        fixed = self.inputs is not None or self.targets is not None
        if self.task is not None and fixed:
            msg = "give either inputs and targets, or task, not both"
            _raise("DataSpec", [_error(("task",), msg, None)])
        if self.task is None:
            errors = [
                _error((name,), f"{name} is required unless a task is given", None)
                for name in ("inputs", "targets")
                if getattr(self, name) is None
            ]
            _raise("DataSpec", errors)
        return self


class OptimizerSpec(BaseModel):
    """PyTorch's SGD, SGD with momentum (v = μv + g; W −= lr·v) or Adam."""

    model_config = STRICT_INPUT

    name: OptimizerName = Field(description='"sgd", "momentum" or "adam"')
    lr: FiniteFloat = Field(gt=0, le=1e6, description="learning rate")
    momentum: FiniteFloat = Field(default=0.9, ge=0, le=1, description="μ of momentum")
    beta1: FiniteFloat = Field(default=0.9, ge=0, lt=1, description="Adam's β1")
    beta2: FiniteFloat = Field(default=0.999, ge=0, lt=1, description="Adam's β2")
    eps: FiniteFloat = Field(default=1e-8, gt=0, le=1, description="Adam's ε")


MAX_STEP_COUNT = 2**53  # step counts stay exact as floats (Adam's β^t); no run gets near it


class OptimizerStateSpec(BaseModel):
    """What a previous chunk returned: the step count and the buffers, weight by weight."""

    model_config = STRICT_INPUT

    name: OptimizerName
    step: int = Field(ge=0, le=MAX_STEP_COUNT, description="updates taken so far (Adam's t)")
    velocity: dict[str, Array] | None = Field(default=None, description="momentum's v")
    m: dict[str, Array] | None = Field(default=None, description="Adam's first moment")
    v: dict[str, Array] | None = Field(default=None, description="Adam's second moment (≥ 0)")

    @model_validator(mode="after")
    def _check_buffers(self) -> OptimizerStateSpec:
        """The buffers of this optimizer, and no others; Adam's v is never negative."""
        errors: list[InitErrorDetails] = []
        for buf in ("velocity", "m", "v"):
            needed = buf in BUFFERS[self.name]
            value = getattr(self, buf)
            if needed and value is None:
                errors.append(_error((buf,), f"{self.name} needs the buffer {buf}", None))
            elif not needed and value is not None:
                errors.append(_error((buf,), f"{self.name} has no buffer {buf}", None))
        for name, arr in (self.v or {}).items():
            if any(value < 0 for value in _flat(arr)):
                errors.append(_error(("v", name), "Adam's v must be non-negative", None))
        _raise("OptimizerStateSpec", errors)
        return self

    def buffers(self) -> dict[str, dict[str, Array]]:
        """{buffer: {weight: nested lists}} for this optimizer."""
        return {buf: getattr(self, buf) for buf in BUFFERS[self.name]}


def _state_errors(model: ModelSpec, s0: Vector | None, c0: Vector | None) -> list[InitErrorDetails]:
    """s0 (and c0, LSTM only) of length n_hidden: what a task run with carry_state starts from."""
    errors: list[InitErrorDetails] = []
    if s0 is not None:
        errors += _check_vector("s0", ("s0",), s0, model.n_hidden, "n_hidden")
    if c0 is not None and model.cell != "lstm":
        msg = f"c0 is the LSTM's initial cell state; cell '{model.cell}' has none (omit c0)"
        errors.append(_error(("c0",), msg, c0))
    elif c0 is not None:
        errors += _check_vector("c0", ("c0",), c0, model.n_hidden, "n_hidden")
    return errors


class TrainRequest(BaseModel):
    """Train for `steps` updates; continue a run by sending back what the last chunk returned."""

    model_config = STRICT_INPUT

    model: ModelSpec = Field(default_factory=ModelSpec, description="the RNN (weights or a seed)")
    data: DataSpec
    optimizer: OptimizerSpec
    steps: int = Field(
        ge=1, le=5000, description="updates in this chunk (limit BPTT_MAX_TRAIN_STEPS)"
    )
    clip: FiniteFloat | None = Field(
        default=None, gt=0, description="global-norm clipping bound; null: no clipping"
    )
    truncate: int | None = Field(default=None, ge=1, description="truncated BPTT; null: full")
    log_every: int = Field(default=1, ge=1, description="log step 1, every n-th and the last")
    optimizer_state: OptimizerStateSpec | None = Field(
        default=None, description="the previous chunk's optimizer_state; null: a fresh start"
    )
    start_step: int = Field(
        default=0,
        ge=0,
        le=MAX_STEP_COUNT,
        description="steps already taken (the previous chunk's `step`)",
    )
    carry_state: bool = Field(
        default=False,
        description="step n+1 starts from step n's last state (no gradient across windows); "
        "the first from data.s0 (data.c0). The answer's s_last (c_last) continues the run",
    )
    split_bias: bool = Field(
        default=False,
        description="cell rnn with bias: train bs as torch.nn.RNN's two vectors bias_ih + "
        "bias_hh (each gets ∂E/∂bs: bs moves by two updates, counts twice in clipping)",
    )

    @model_validator(mode="after")
    def _check_fit(self) -> TrainRequest:
        """Fixed data must fit the model's sizes; the optimizer state must be this optimizer's."""
        errors: list[InitErrorDetails] = []
        data = self.data
        if data.inputs is not None:
            found = _sequence_errors(
                self.model, data.inputs, data.targets, data.s0, data.loss_steps, data.c0
            )
            errors += [{**e, "loc": ("data", *e["loc"])} for e in found]
        if data.task is not None and self.carry_state:  # the first window's initial state
            found = _state_errors(self.model, data.s0, data.c0)
            errors += [{**e, "loc": ("data", *e["loc"])} for e in found]
        if self.split_bias and not (self.model.cell == "rnn" and self.model.bias):
            msg = "split_bias needs cell 'rnn' with bias true (the gated cells hold bx and bs)"
            errors.append(_error(("split_bias",), msg, True))
        state = self.optimizer_state
        if state is not None and state.name != self.optimizer.name:
            msg = f"optimizer_state is for {state.name!r}, the optimizer is {self.optimizer.name!r}"
            errors.append(_error(("optimizer_state", "name"), msg, state.name))
        _raise("TrainRequest", errors)
        return self


# ---------------------------------------------------------------- /api/train: response


class GradNormOut(BaseModel):
    """‖∂E/∂W‖_F of each weight at this step, before clipping (null when not finite)."""

    Wx: OutFloat
    Ws: OutFloat
    Wy: OutFloat
    bx: OutFloat = Field(default=None, exclude_if=lambda v: v is None)
    bs: OutFloat = Field(default=None, exclude_if=lambda v: v is None)
    by: OutFloat = Field(default=None, exclude_if=lambda v: v is None)


class HistoryOut(BaseModel):
    """Step n (1-based over the whole run): E before its update, and the gradient norms."""

    step: int
    loss: OutFloat
    grad_norm: GradNormOut


class OptimizerStateOut(BaseModel):
    """Send it back as optimizer_state to continue the run."""

    name: OptimizerName
    step: int
    velocity: dict[str, Array] | None = Field(default=None, exclude_if=lambda v: v is None)
    m: dict[str, Array] | None = Field(default=None, exclude_if=lambda v: v is None)
    v: dict[str, Array] | None = Field(default=None, exclude_if=lambda v: v is None)


class TrainResponse(BaseModel):
    """The trained weights, the optimizer state and step to continue from, and the log."""

    weights: WeightsOut
    optimizer_state: OptimizerStateOut
    history: list[HistoryOut]
    diverged: bool = Field(description="stopped at a non-finite loss, gradient or weight")
    step: int = Field(description="steps taken over the whole run: the next chunk's start_step")
    s_last: list[OutFloat] | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="with carry_state: the state the next step starts from (send as data.s0)",
    )
    c_last: list[OutFloat] | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="with carry_state, LSTM: the next step's cell state (send as data.c0)",
    )
