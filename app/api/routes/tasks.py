"""GET /api/tasks and /api/tasks/{name}: the built-in tasks and their samples (api.md).

A sample's task parameters come as query parameters (``?T=10&seed=3&delay=4``); each is parsed
by the type the task declares and checked against its range, and a bad one is a 422 whose
``loc`` is ["query", <param>].
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError

from app.api.deps import get_app_settings
from app.api.errors import shown_int
from app.api.schemas import SEED_MAX
from app.api.timing import compute_timer
from app.api.training_schemas import TaskOut, TaskParamOut, TaskSampleOut
from app.config import Settings
from app.rnn.tasks import TASKS, ParamValue, Task, TaskParam, TaskParamError, get_task

router = APIRouter(prefix="/api", tags=["tasks"])

AppSettings = Annotated[Settings, Depends(get_app_settings)]
RESERVED = ("T", "seed", "step")  # query parameters that are not task parameters
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def task_info(task: Task) -> TaskOut:
    """The listing entry of a task: what the model needs, and its parameters."""
    params = [
        TaskParamOut(
            name=p.name,
            type=p.kind,
            default=p.default,
            min=p.low,
            max=p.high,
            choices=list(p.choices) or None,
            description=p.description,
        )
        for p in task.params
    ]
    return TaskOut(
        name=task.name,
        title=task.title,
        description=task.description,
        n_in=task.n_in,
        n_out=task.n_out,
        output=task.output,
        loss=task.loss,
        loss_steps=task.loss_steps,
        default_T=task.default_T,
        params=params,
    )


def query_error(name: str, msg: str, value: object = None) -> RequestValidationError:
    """A 422 in FastAPI's format located at ["query", name]."""
    return RequestValidationError(
        [{"loc": ("query", name), "msg": msg, "type": "value_error", "input": value}]
    )


def parse_param(param: TaskParam, raw: str) -> ParamValue:
    """A query string as the parameter's type (range checks come with the task)."""
    try:
        if param.kind == "int":
            return int(raw)
        if param.kind == "float":
            return float(raw)
    except ValueError:
        kind = "an integer" if param.kind == "int" else "a number"
        raise query_error(param.name, f"{param.name} must be {kind}, got {raw!r}", raw) from None
    if param.kind == "bool":
        if raw.lower() not in TRUE + FALSE:
            raise query_error(param.name, f"{param.name} must be true or false, got {raw!r}", raw)
        return raw.lower() in TRUE
    return raw


@router.get("/tasks", response_model=list[TaskOut])
def list_tasks() -> list[TaskOut]:
    """List the built-in tasks with the model each needs and their parameters' defaults."""
    return [task_info(task) for task in TASKS.values()]


@router.get(
    "/tasks/{name}",
    response_model=TaskSampleOut,
    response_model_exclude_none=True,
    responses={
        404: {"description": "No task has this name (the message lists the tasks)"},
        422: {"description": "A task parameter, T or seed out of range; `loc` names it"},
    },
)
def get_task_sample(
    name: str,
    request: Request,
    settings: AppSettings,
    T: Annotated[
        int | None, Query(ge=1, description="sequence length; default: the task's")
    ] = None,
    seed: Annotated[int, Query(ge=0, le=SEED_MAX, description="seed of the sample")] = 0,
    step: Annotated[
        int | None,
        Query(
            ge=1, description="the sample that training step `step` of a run with this seed uses"
        ),
    ] = None,
) -> Any:
    """Draw one sample of a task: inputs, targets, loss steps (and labels for chars).

    Task parameters go in the query string too, e.g. `/api/tasks/echo?T=12&delay=3`.
    """
    try:
        task = get_task(name)
    except KeyError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    T = task.default_T if T is None else T
    if T > settings.max_T:
        raise query_error(
            "T", f"T = {shown_int(T)} exceeds the limit of {settings.max_T} steps (BPTT_MAX_T)", T
        )
    known = {p.name: p for p in task.params}
    params: dict[str, ParamValue] = {}
    for key, raw in request.query_params.items():
        if key in RESERVED:
            continue
        if key not in known:
            expected = ", ".join(known) or "none"
            msg = f"{task.name} has no parameter {key!r} (its parameters: {expected})"
            raise query_error(key, msg, raw)
        params[key] = parse_param(known[key], raw)
    try:
        with compute_timer(request):
            if step is None:
                sample = task.sample(T, seed, **params)
            else:  # what training step `step` draws (a consecutive window, or seed (seed, step))
                sample = task.sampler(T, seed, **params)(step)
    except TaskParamError as exc:
        value = T if exc.param == "T" else request.query_params.get(exc.param)  # as sent
        raise query_error(exc.param, str(exc), value) from None
    return {
        "inputs": sample.inputs.tolist(),
        "targets": sample.targets.tolist(),
        "loss_steps": sample.loss_steps,
        "labels": sample.labels,
    }
