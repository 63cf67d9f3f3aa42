"""JSON answers encoded in the handler's worker thread, never on the event loop.

FastAPI encodes a returned dict on the event loop after the handler; for an answer of megabytes
that stalls every other request (health too) for the encoding's time. The compute routes hand
back bytes instead, encoded by orjson in the thread that computed them.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response


def json_response(content: dict[str, Any]) -> Response:
    """`content` as JSON bytes: lists, ints, finite floats, None and float64 arrays (NaN → null)."""
    return Response(
        orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json"
    )
