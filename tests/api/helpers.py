"""Helpers shared by the bad-input tables: send a body as written, and check a refusal.

A request is a JSON value (sent with `json=`), raw bytes (sent as written, for tokens that
json.dumps would not write: NaN, Infinity, broken syntax) or None (no body at all).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

JSON = {"content-type": "application/json"}


def raw(text: str) -> bytes:
    """A body with tokens json.dumps would not write (NaN, Infinity, broken syntax)."""
    return text.encode()


def send(client: TestClient, path: str, request: Any, method: str = "POST") -> Response:
    """`request` to `path`: JSON, raw bytes as written, or no body (None)."""
    if request is None:
        return client.request(method, path)
    if isinstance(request, bytes):
        return client.request(method, path, content=request, headers=JSON)
    return client.request(method, path, json=request)


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN and Infinity (the API must never send them)."""

    def refuse(token: str) -> None:
        raise ValueError(f"non-JSON number {token} in the response")

    return json.loads(text, parse_constant=refuse)


def refusal_problem(
    response: Response,
    status: int,
    loc: tuple[str | int, ...],
    msg: str,
    loc_prefix: bool = False,
) -> str | None:
    """Why `response` is not the expected refusal, or None when it is.

    A 422 must hold an error item at `loc` (or, with `loc_prefix`, under it) whose message
    contains `msg` (case-insensitive); any other 4xx must carry `msg` in its string detail.
    """
    if response.status_code != status:
        return f"expected {status}, got {response.status_code}: {response.text[:500]}"
    detail = strict_json(response.text)["detail"]
    if status != 422:
        return None if msg.lower() in str(detail).lower() else f"{msg!r} not in {detail!r}"
    if not isinstance(detail, list) or not detail:
        return f"expected a list of errors, got {detail!r}"
    found = [(tuple(item["loc"]), item["msg"]) for item in detail]
    at_loc = [
        text for where, text in found if where == loc or (loc_prefix and where[: len(loc)] == loc)
    ]
    if not at_loc:
        return f"no error at {loc}; errors were {found}"
    if not any(msg.lower() in text.lower() for text in at_loc):
        return f"expected a message containing {msg!r} at {loc}, got {at_loc}"
    return None
