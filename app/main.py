"""The web app: `create_app(settings)` wires routers, templates, static files and middleware.

Run it with `uvicorn app.main:app` (or `bptt-explorer`); tests build their own with
`create_app(Settings(...))`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.api.compute import install_compute_slots
from app.api.errors import install_error_handlers
from app.api.middleware import configure_logging, install_middleware
from app.api.routes import docs, health, limits, pages, rnn, tasks, train
from app.config import STATIC_DIR, Settings, get_settings

DESCRIPTION = (
    "Backpropagation through time for a simple RNN, exact to the last digit: the forward "
    "pass, every per-step gradient term, gradient-flow and Jacobian norms, and training, "
    "served by a stateless JSON API (every request carries the model) and an interactive page."
)


def thread_pool_for(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that sizes the worker-thread pool: compute requests waiting for a slot wait
    in threads, and the page, tasks and static files must still find one free."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        needed = settings.max_concurrent_compute + settings.max_waiting_compute + 40
        limiter.total_tokens = max(limiter.total_tokens, needed)
        yield

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI app for `settings` (default: from the environment)."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        lifespan=thread_pool_for(settings),
        title="BPTT Explorer",
        version=settings.version,
        description=DESCRIPTION,
        docs_url=None,  # served by app/api/routes/docs.py: offline, CSP-clean
        redoc_url=None,
    )
    app.state.settings = settings
    for module in (health, limits, rnn, tasks, train, pages, docs):
        app.include_router(module.router)
    docs.mount_swagger_ui(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    install_compute_slots(app, settings.max_concurrent_compute, settings.max_waiting_compute)
    install_middleware(app, settings)
    return app


app = create_app()
