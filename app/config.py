"""Settings: every limit and switch of the service, read from `BPTT_*` environment variables.

Nothing is configured by editing code: `BPTT_MAX_T=2000 uvicorn app.main:app` raises the
sequence limit, `BPTT_CORS_ORIGINS='["https://example.org"]'` allows a cross-origin client.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app import __version__

PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """templates/ or static/: inside the installed package (a wheel puts them in app/), else
    beside app/ (a checkout, or an editable install of it)."""
    installed = PACKAGE_DIR / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name


TEMPLATES_DIR = data_dir("templates")
STATIC_DIR = data_dir("static")

LogLevel = Literal["critical", "error", "warning", "info", "debug"]


class Settings(BaseSettings):
    """Limits that bound the work of every request, and how the service runs."""

    model_config = SettingsConfigDict(env_prefix="BPTT_", frozen=True, extra="ignore")

    version: str = __version__

    # sizes (api.md: T 1..1000, n_hidden 1..256, n_in and n_out 1..64)
    max_T: int = Field(default=1000, ge=1, description="longest sequence T")
    max_n_hidden: int = Field(default=256, ge=1, description="largest hidden size H")
    max_n_io: int = Field(default=64, ge=1, description="largest n_in and n_out")

    # work budgets
    max_full_numbers: int = Field(
        default=4_000_000, ge=1, description='detail "full": limit on T²·H·(H+n_in) numbers'
    )
    max_jacobian_work: float = Field(
        default=1.2e10,
        gt=0,
        description="flow.jacobian (‖∂s_t/∂s_k‖₂ for every k ≤ t) is computed while "
        "T²·(H³ + 4·10⁴) stays within this budget; above it, it is sent as null with a warning",
    )
    max_train_steps: int = Field(default=5000, ge=1, description="steps of one /api/train call")
    max_compute_seconds: float = Field(
        default=6.0,
        gt=0,
        description="estimated CPU seconds one request may take on the reference machine "
        "(the cost model of app/api/limits.py, calibrated by benchmarks/cost.py); 422 above",
    )
    max_response_numbers: int = Field(
        default=3_000_000,
        ge=1,
        description="numbers one answer may carry (steps, terms, flow, weights); 422 above",
    )

    # transport
    max_body_bytes: int = Field(default=4_000_000, ge=1, description="largest request body")
    body_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="a request body must arrive whole within this time (408 otherwise)",
    )
    max_concurrent_compute: int = Field(
        default=1,
        ge=1,
        description="CPU-heavy requests (forward, bptt, gradcheck, train) computing at once per "
        "worker process; the others queue, so health, page and static files stay prompt",
    )
    max_waiting_compute: int = Field(
        default=32,
        ge=0,
        description="valid CPU-heavy requests waiting for a compute slot per process; "
        "the next one gets 429 with Retry-After",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="origins allowed to call the API from a browser"
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description='Host headers the app answers (e.g. ["bptt.example.org"]); '
        "others get 400. Empty: every host (the app never writes the Host into a page)",
    )
    log_level: LogLevel = "info"

    def env_name(self, name: str) -> str:
        """The environment variable of a setting, e.g. env_name("max_T") == "BPTT_MAX_T"."""
        return (str(self.model_config.get("env_prefix", "")) + name).upper()

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_log_level(cls, value: object) -> object:
        """Accept INFO as well as info."""
        return value.lower() if isinstance(value, str) else value


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()
