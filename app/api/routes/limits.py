"""GET /api/limits: the sizes and work budgets this service accepts, read from its Settings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.config import Settings

router = APIRouter(prefix="/api", tags=["limits"])


class LimitsResponse(BaseModel):
    """The limits a client can check its values against before sending them."""

    max_T: int = Field(description="longest sequence T (T is 1..max_T)")
    max_n_hidden: int = Field(description="largest hidden size H")
    max_n_io: int = Field(description="largest n_in and n_out")
    max_full_numbers: int = Field(
        description='detail "full" is refused when T²·n_hidden·(n_hidden+n_in) exceeds this'
    )
    max_train_steps: int = Field(description="most steps of one /api/train call")
    max_compute_seconds: float = Field(
        description="estimated CPU seconds one request may take (app/api/limits.py's cost model)"
    )
    max_response_numbers: int = Field(description="most numbers one answer may carry")
    max_body_bytes: int = Field(description="largest request body in bytes")


def limits_of(settings: Settings) -> LimitsResponse:
    """The limits of `settings` (the page embeds the same values in its initial data)."""
    return LimitsResponse(
        max_T=settings.max_T,
        max_n_hidden=settings.max_n_hidden,
        max_n_io=settings.max_n_io,
        max_full_numbers=settings.max_full_numbers,
        max_train_steps=settings.max_train_steps,
        max_compute_seconds=settings.max_compute_seconds,
        max_response_numbers=settings.max_response_numbers,
        max_body_bytes=settings.max_body_bytes,
    )


@router.get("/limits", response_model=LimitsResponse)
def get_limits(request: Request) -> LimitsResponse:
    """The sizes and work budgets this service accepts (set by BPTT_* environment variables)."""
    return limits_of(request.app.state.settings)
