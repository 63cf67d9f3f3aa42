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
    return JSONResponse(status_code=422, content={"detail": [_safe_error(exc.to_detail())]})


MAX_ECHO_DEPTH = 6  # an echoed input deeper than this is cut: a 999-deep list must not recurse
MAX_ECHO_ITEMS = 16  # items of a list or dict echoed back
MAX_ECHO_CHARS = 200  # characters of a string echoed back


def shown_int(value: int) -> str:
    """An integer as a person reads it: in full up to 64 bits, else its order of magnitude."""
    if value.bit_length() <= 64:
        return str(value)
    sign = "-" if value < 0 else ""
    return f"{sign}an integer of about 10^{int(value.bit_length() * math.log10(2))}"


def echo_safe(value: Any, depth: int = 0) -> Any:
    """`value` made safe to send back in a 422: valid UTF-8, finite, short and shallow.

    NaN/±Infinity become strings, lone surrogates and non-UTF-8 bytes become backslash escapes,
    integers past 64 bits, long strings, long lists and deep nesting are cut (marked with "…").
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, int):
        return value if value.bit_length() <= 64 else shown_int(value)
    if isinstance(value, bytes | bytearray):
        return echo_safe(bytes(value).decode("utf-8", "backslashreplace"), depth)
    if isinstance(value, str):
        text = value.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
        return text if len(text) <= MAX_ECHO_CHARS else text[:MAX_ECHO_CHARS] + "…"
    if depth >= MAX_ECHO_DEPTH and isinstance(value, list | tuple | dict):
        return "…"
    if isinstance(value, list | tuple):
        items = [echo_safe(item, depth + 1) for item in value[:MAX_ECHO_ITEMS]]
        return items + ["…"] if len(value) > MAX_ECHO_ITEMS else items
    if isinstance(value, dict):
        pairs = list(value.items())
        head = pairs[:MAX_ECHO_ITEMS]
        safe = {str(echo_safe(k, depth + 1)): echo_safe(v, depth + 1) for k, v in head}
        if len(pairs) > MAX_ECHO_ITEMS:
            safe["…"] = f"{len(pairs) - MAX_ECHO_ITEMS} more"
        return safe
    return echo_safe(str(value), depth)  # e.g. the ValueError in a validator's ctx


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, with every echoed input made JSON-safe (never a 500)."""
    assert isinstance(exc, RequestValidationError)
    detail = [_safe_error(error) for error in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": detail})


def _safe_error(error: Any) -> Any:
    """One error item, keys in order: loc and msg in full (UTF-8-safe), the rest cut to size."""
    if not isinstance(error, dict):
        return echo_safe(error)
    safe: dict[str, Any] = {}
    for key, value in error.items():
        if key == "loc":
            safe[key] = [echo_safe(part) for part in value]
        elif key == "msg":
            safe[key] = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
        else:
            safe[key] = echo_safe(value)
    return safe


def internal_error_response(request_id: str | None) -> JSONResponse:
    """The 500 body: no message, no traceback; the request id finds it in the log."""
    return JSONResponse(
        status_code=500, content={"detail": "internal error", "request_id": request_id}
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on `app`."""
    app.add_exception_handler(FieldError, field_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
