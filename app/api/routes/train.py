"""POST /api/train: gradient descent in chunks that continue each other exactly (api.md).

The handler is a plain `def` (thread pool). It checks the Settings' limits (steps, T, sizes,
steps·T·n_hidden² work), that the model fits the task, and that a returned optimizer_state
matches the weights, then runs app.rnn.train inside `compute_timer`. Every number it sends is
finite: the weights are the last finite ones, and an overflowed loss or norm is null.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError

from app.api import convert, limits
from app.api.compute import compute_slot
from app.api.deps import get_app_settings
from app.api.errors import FieldError, shown_int
from app.api.responses import json_response
from app.api.timing import compute_timer
from app.api.training_schemas import OptimizerStateSpec, TrainRequest, TrainResponse
from app.config import Settings
from app.rnn import RNNConfig
from app.rnn.optimizers import Optimizer, OptimizerState
from app.rnn.tasks import TaskParamError, get_task
from app.rnn.train import FixedData, TaskData, TrainData, TrainResult, task_mismatch, train

router = APIRouter(prefix="/api", tags=["train"])

AppSettings = Annotated[Settings, Depends(get_app_settings)]


def check_steps(body: TrainRequest, data: TrainData, settings: Settings) -> None:
    """steps ≤ max_train_steps, and the whole call within the compute limit."""
    if body.steps > settings.max_train_steps:
        msg = (
            f"steps = {body.steps} exceeds the limit of {settings.max_train_steps} per call "
            f"({settings.env_name('max_train_steps')}); train in chunks"
        )
        raise FieldError(("steps",), msg)
    loss_steps: object = "all"  # a task's loss steps are at most every step
    if isinstance(data, TaskData):
        T = data.T
    else:
        T, loss_steps = len(data.x), data.loss_steps
    shape = limits.shape_of(body.model, T, loss_steps, body.truncate)
    limits.check_train(shape, body.steps, settings)


def task_data(body: TrainRequest, config: RNNConfig, settings: Settings) -> TaskData:
    """The run's task, checked: T within max_T, the model fits it, the parameters fit T."""
    spec = body.data.task
    assert spec is not None
    task = get_task(spec.name)  # known: the schema checked it
    T = task.default_T if spec.T is None else spec.T
    if T > settings.max_T:
        msg = (
            f"T = {shown_int(T)} exceeds the limit of {settings.max_T} steps "
            f"({settings.env_name('max_T')})"
        )
        raise FieldError(("data", "task", "T"), msg)
    s0 = c0 = None
    if body.carry_state:  # the run's state so far; without carry_state every sample starts at 0
        s0 = None if body.data.s0 is None else np.array(body.data.s0, dtype=np.float64)  # (H,)
        c0 = convert.c0_array(body.data.c0)
    data = TaskData(spec.name, T, spec.seed, spec.params, s0, c0)
    try:
        task.sample(T, (spec.seed, body.start_step + 1), **spec.params)  # T against the params
        problems = task_mismatch(config, data)
    except TaskParamError as exc:
        raise FieldError(("data", "task", exc.param), str(exc)) from None
    if problems:
        raise RequestValidationError(
            [
                {"loc": ("body", "model", name), "msg": msg, "type": "value_error"}
                for name, msg in problems.items()
            ]
        )
    return data


def fixed_data(body: TrainRequest, settings: Settings) -> FixedData:
    """The fixed sequence as arrays; T within max_T."""
    data = body.data
    assert data.inputs is not None and data.targets is not None
    if (T := len(data.inputs)) > settings.max_T:
        msg = (
            f"T = {shown_int(T)} exceeds the limit of {settings.max_T} steps "
            f"({settings.env_name('max_T')})"
        )
        raise FieldError(("data", "inputs"), msg)
    x, s0 = convert.sequence_arrays(data.inputs, data.s0, body.model.n_hidden)
    d = np.array(data.targets, dtype=np.float64)  # (T, n_out)
    c0 = convert.c0_array(data.c0)
    return FixedData(x, d, convert.loss_steps_arg(data.loss_steps), s0, c0)


def _array(nested: list[Any]) -> np.ndarray | None:
    """The nested lists as a float array, or None when the rows are ragged."""
    try:
        return np.array(nested, dtype=np.float64)
    except ValueError:
        return None


def optimizer_state(spec: OptimizerStateSpec, shapes: dict[str, tuple[int, ...]]) -> OptimizerState:
    """The state as arrays, each buffer holding exactly the weights' names and shapes."""
    buffers: dict[str, dict[str, np.ndarray]] = {}
    for buf, arrays in spec.buffers().items():
        loc = ("optimizer_state", buf)
        if set(arrays) != set(shapes):
            msg = (
                f"{buf} must hold exactly the weights {', '.join(shapes)}, got {', '.join(arrays)}"
            )
            raise FieldError(loc, msg)
        buffers[buf] = {}
        for name, shape in shapes.items():
            value = _array(arrays[name])
            if value is None or value.shape != shape:
                got = "ragged rows" if value is None else f"shape {value.shape}"
                msg = f"{buf}.{name} must have shape {shape} like the weights, got {got}"
                raise FieldError((*loc, name), msg)
            buffers[buf][name] = value
    return OptimizerState(spec.name, spec.step, buffers)


def train_response(result: TrainResult) -> dict[str, Any]:
    """The /api/train body; non-finite losses and norms become null."""
    state = result.optimizer_state
    return {
        "weights": convert.weights_to_json(result.params),
        "optimizer_state": {
            "name": state.name,
            "step": state.step,
            **{
                buf: {k: a.tolist() for k, a in arrays.items()}
                for buf, arrays in state.buffers.items()
            },
        },
        "history": [
            {
                "step": h.step,
                "loss": convert.scalar_to_json(h.loss),
                "grad_norm": {k: convert.scalar_to_json(v) for k, v in h.grad_norm.items()},
            }
            for h in result.history
        ],
        "diverged": result.diverged,
        "step": result.step,
        **({} if result.s_last is None else {"s_last": convert.to_json(result.s_last)}),
        **({} if result.c_last is None else {"c_last": convert.to_json(result.c_last)}),
    }


@router.post(
    "/train",
    response_model=TrainResponse,
    responses={
        400: {"description": "A body that cannot be read at all (e.g. bytes that are not UTF-8)"},
        413: {"description": "Request body over the size limit (BPTT_MAX_BODY_BYTES)"},
        422: {
            "description": "Invalid request: a bad field, a model that does not fit the task, "
            "an optimizer_state that does not match the weights, or a work limit; `loc` names it"
        },
    },
)
def run_train(body: TrainRequest, request: Request, settings: AppSettings) -> Response:
    """Train the model for `steps` updates (SGD, momentum or Adam, PyTorch's rules)."""
    config, params = convert.model_from_spec(body.model, settings)
    data: TrainData = (
        fixed_data(body, settings) if body.data.task is None else task_data(body, config, settings)
    )
    check_steps(body, data, settings)
    opt = body.optimizer
    optimizer = Optimizer(opt.name, opt.lr, opt.momentum, opt.beta1, opt.beta2, opt.eps)
    state = (
        None
        if body.optimizer_state is None
        else optimizer_state(body.optimizer_state, config.shapes())
    )
    with compute_slot(request) as on_step:
        with compute_timer(request), np.errstate(all="ignore"):
            result = train(
                config,
                params,
                data,
                optimizer,
                body.steps,
                clip=body.clip,
                truncate=body.truncate,
                log_every=body.log_every,
                state=state,
                start_step=body.start_step,
                on_step=on_step,  # health stays prompt; a client that left stops the run
                carry_state=body.carry_state,
                split_bias=body.split_bias,
            )
        return json_response(train_response(result))  # encoded here, in the worker thread
