"""POST /api/forward, /api/bptt, /api/gradcheck: the lecture's RNN and BPTT over REST (api.md).

Each handler prices its request by the cost model from the validated body's sizes, and
`run_compute` runs the work on the event loop (small requests, a slot free now) or in a worker
thread. The work checks the Settings' limits, converts the request to arrays, then takes a
compute slot (so a request that fails validation never queues), runs the NumPy core inside
`compute_timer` (the Server-Timing header; list building and JSON encoding are not counted),
and answers with the dict of `app.api.convert` encoded by orjson. The response models
document the answer in OpenAPI; re-validating megabytes of floats against them on every
request would cost 5–25× the encoding (the schemathesis and golden tests check the shapes).
Overflow never becomes a 5xx: non-finite numbers are sent as null with `finite: false`.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Request, Response

from app.api import convert, limits
from app.api.compute import compute_slot, run_compute
from app.api.deps import get_app_settings
from app.api.responses import json_response
from app.api.schemas import (
    BPTTRequest,
    BPTTResponse,
    ForwardRequest,
    ForwardResponse,
    GradcheckRequest,
    GradcheckResponse,
)
from app.api.timing import compute_timer
from app.config import Settings
from app.rnn import bptt, forward, gradcheck, jacobian_work, loss_step_mask, step_losses

router = APIRouter(prefix="/api", tags=["rnn"])

AppSettings = Annotated[Settings, Depends(get_app_settings)]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "A body that cannot be read at all (e.g. bytes that are not UTF-8)"},
    413: {"description": "Request body over the size limit (BPTT_MAX_BODY_BYTES)"},
    422: {
        "description": "Invalid request: a wrong shape, a non-finite or non-numeric value, "
        "a loss step out of range, or a size or work limit; `loc` names the field"
    },
}


@router.post("/forward", response_model=ForwardResponse, responses=ERROR_RESPONSES)
async def run_forward(body: ForwardRequest, request: Request, settings: AppSettings) -> Response:
    """Run the forward pass z_t, s_t, y_t (and E_t, E when targets are given)."""
    seconds = limits.forward_work_seconds(limits.shape_of(body.model, len(body.inputs)))
    return await run_compute(request, seconds, lambda: forward_work(body, request, settings))


def forward_work(body: ForwardRequest, request: Request, settings: Settings) -> Response:
    """/api/forward once its place is chosen: validate, take a slot, compute, encode."""
    config, params, x, s0 = convert.sequence_request(body, settings)  # checks the size limits
    limits.check_forward(limits.shape_of(body.model, len(x)), settings)
    with compute_slot(request):
        with compute_timer(request), np.errstate(all="ignore"):
            fwd = forward(config, params, x, s0, convert.c0_array(body.c0))
        if body.targets is None:
            return json_response(convert.forward_response(params, fwd))
        d = np.array(body.targets, dtype=np.float64)  # (T, n_out)
        with compute_timer(request), np.errstate(all="ignore"):
            E = step_losses(config, fwd.y, d, fwd.o)  # (T,)
            mask = loss_step_mask(fwd.T, convert.loss_steps_arg(body.loss_steps))  # (T,)
        return json_response(convert.forward_response(params, fwd, d, E, mask))


@router.post("/bptt", response_model=BPTTResponse, responses=ERROR_RESPONSES)
async def run_bptt(body: BPTTRequest, request: Request, settings: AppSettings) -> Response:
    """Backpropagate through time: every term C_{t,k}, σ, δ, the flow norms and the totals."""
    seconds = bptt_price(body, settings)
    return await run_compute(request, seconds, lambda: bptt_work(body, request, settings))


def bptt_plan(body: BPTTRequest, settings: Settings) -> tuple[limits.Shape, bool]:
    """A (validated) /api/bptt body's shape, and whether its answer carries the Jacobian
    (asked for, and within the Settings' budget)."""
    T = len(body.inputs)
    shape = limits.shape_of(body.model, T, body.loss_steps, body.truncate, body.detail)
    with_jacobian = body.jacobian and (
        jacobian_work(T, limits.state_size(shape)) <= settings.max_jacobian_work
    )
    return shape, with_jacobian


def bptt_price(body: BPTTRequest, settings: Settings) -> float:
    """The cost model's seconds for a (validated) /api/bptt body: where it may run."""
    return limits.bptt_work_seconds(*bptt_plan(body, settings))


def bptt_work(body: BPTTRequest, request: Request, settings: Settings) -> Response:
    """/api/bptt once its place is chosen: validate, take a slot, compute, encode."""
    config, params, x, s0 = convert.sequence_request(body, settings)  # checks the size limits
    convert.check_bptt_work(body, settings)
    d = np.array(body.targets, dtype=np.float64)  # (T, n_out)
    shape, with_jacobian = bptt_plan(body, settings)
    limits.check_bptt(shape, with_jacobian, settings)
    with compute_slot(request) as on_step:
        with compute_timer(request), np.errstate(all="ignore"):
            result = bptt(
                config,
                params,
                x,
                d,
                s0,
                loss_steps=convert.loss_steps_arg(body.loss_steps),
                c0=convert.c0_array(body.c0),
                truncate=body.truncate,
                detail=body.detail,
                jacobian=convert.jacobian_budget(settings) if body.jacobian else False,
                on_step=on_step,  # long Jacobian sweeps let health through, and stop if unheard
            )
        return json_response(convert.bptt_response(params, result))


@router.post("/gradcheck", response_model=GradcheckResponse, responses=ERROR_RESPONSES)
async def run_gradcheck(
    body: GradcheckRequest, request: Request, settings: AppSettings
) -> Response:
    """Check full-BPTT gradients against central differences (h = 1e-5, float64)."""
    shape = limits.shape_of(body.model, len(body.inputs), body.loss_steps)
    seconds = limits.gradcheck_work_seconds(shape)
    return await run_compute(request, seconds, lambda: gradcheck_work(body, request, settings))


def gradcheck_work(body: GradcheckRequest, request: Request, settings: Settings) -> Response:
    """/api/gradcheck once its place is chosen: validate, take a slot, compute, encode."""
    config, params, x, s0 = convert.sequence_request(body, settings)  # checks the size limits
    limits.check_gradcheck(limits.shape_of(body.model, len(x), body.loss_steps), settings)
    d = np.array(body.targets, dtype=np.float64)  # (T, n_out)
    loss_steps = convert.loss_steps_arg(body.loss_steps)
    with compute_slot(request) as on_step:
        with compute_timer(request), np.errstate(all="ignore"):
            check = gradcheck(
                config, params, x, d, s0, loss_steps, on_step=on_step, c0=convert.c0_array(body.c0)
            )
        return json_response(convert.gradcheck_response(check))
