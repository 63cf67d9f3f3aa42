"""Errors in FastAPI's 422 format, and the 500 that never leaks internals.

- `FieldError(loc, msg)`: raised by a handler or converter when a value passes the schema but
  not the math (a shape that does not match n_hidden, a loss step beyond T, a work limit);
  it becomes `422 {"detail": [{"loc": ["body", ...], "msg": ..., "type": "value_error"}]}`.
- Malformed JSON and schema violations keep FastAPI's own 422.
- Anything unhandled becomes `500 {"detail": "internal error", "request_id": ...}` with the
  traceback in the log only (see `internal_error_response`, used by the access middleware).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

Loc = tuple[str | int, ...]


class FieldError(Exception):
    """A request value that is well-formed but unusable; `loc` is relative to the body.

    Example: `raise FieldError(("model", "weights", "Ws"), "expected shape (3, 3), got (3, 2)")`.
    """

    def __init__(self, loc: Loc, msg: str) -> None:
        super().__init__(msg)
        self.loc: Loc = tuple(loc)
        self.msg = msg

    def to_detail(self) -> dict[str, Any]:
        """The FastAPI error item; `loc` starts with "body"."""
        loc = self.loc if self.loc[:1] == ("body",) else ("body", *self.loc)
        return {"loc": list(loc), "msg": self.msg, "type": "value_error"}


async def field_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """FieldError → 422 in FastAPI's validation format."""
    assert isinstance(exc, FieldError)
    return JSONResponse(status_code=422, content={"detail": [exc.to_detail()]})


def _json_safe(value: Any) -> Any:
    """`value` with every NaN/±Infinity written as a string: JSON cannot carry them."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    return value


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, with echoed NaN/Infinity inputs made JSON-safe (never a 500)."""
    assert isinstance(exc, RequestValidationError)
    detail = _json_safe(jsonable_encoder(exc.errors()))
    return JSONResponse(status_code=422, content={"detail": detail})


def internal_error_response(request_id: str | None) -> JSONResponse:
    """The 500 body: no message, no traceback; the request id finds it in the log."""
    return JSONResponse(
        status_code=500, content={"detail": "internal error", "request_id": request_id}
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on `app`."""
    app.add_exception_handler(FieldError, field_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
