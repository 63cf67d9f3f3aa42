"""Dependencies shared by the routes."""

from __future__ import annotations

from typing import cast

from fastapi import Request

from app.config import Settings


async def get_app_settings(request: Request) -> Settings:
    """The Settings the app was created with (`create_app(settings)`), for reading limits.

    Use as `settings: Annotated[Settings, Depends(get_app_settings)]`. A coroutine, so FastAPI
    calls it on the event loop: a plain function would cost every request a worker-thread hop.
    """
    return cast(Settings, request.app.state.settings)
