"""GET /api/health: liveness, with the version."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

router = APIRouter(prefix="/api", tags=["health"])


class HealthResponse(BaseModel):
    """The service is up and answering."""

    status: str = "ok"
    version: str


@router.get("/health", response_model=HealthResponse)
async def get_health(request: Request) -> HealthResponse:
    """Report that the service is up, and its version (answers promptly even under load)."""
    return HealthResponse(status="ok", version=request.app.state.settings.version)
