"""JSON answers encoded in the handler's worker thread, piece by piece, never on the event loop.

FastAPI encodes a returned dict on the event loop after the handler; for an answer of megabytes
that stalls every other request (health too) for the encoding's time. The compute routes hand
back bytes instead, encoded by orjson in the thread that computed them.

orjson holds the GIL for the whole of one call, and the event loop needs the GIL to answer
anyone: one call over a 50 MB answer froze /api/health for up to a second. So a large answer is
encoded in pieces of at most PIECE numbers (a few ms each), handing the GIL over in between,
and the pieces are joined as orjson fragments: the bytes are exactly those of one call.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import orjson
from fastapi import Response

OPTIONS = orjson.OPT_SERIALIZE_NUMPY
PIECE = 50_000  # numbers per orjson call: a few ms of holding the GIL
LIST_PIECE = 64  # items of a list per orjson call (steps, terms)


def json_response(content: dict[str, Any]) -> Response:
    """`content` as JSON bytes: lists, ints, finite floats, None and float64 arrays (NaN → null)."""
    return Response(orjson.dumps(in_pieces(content), option=OPTIONS), media_type="application/json")


def in_pieces(value: Any) -> Any:
    """`value` with every large array or list already encoded, in pieces, as orjson fragments."""
    if isinstance(value, dict):
        return {key: in_pieces(item) for key, item in value.items()}
    if isinstance(value, np.ndarray) and value.size > PIECE and value.ndim >= 1:
        rows = max(1, PIECE * value.shape[0] // value.size)
        return _joined(value[i : i + rows] for i in range(0, value.shape[0], rows))
    if isinstance(value, list) and len(value) > LIST_PIECE:
        items = [in_pieces(item) for item in value]
        return _joined(items[i : i + LIST_PIECE] for i in range(0, len(items), LIST_PIECE))
    return value


def _joined(parts: Any) -> orjson.Fragment:
    """One JSON array from the encoded parts of its items, the GIL handed over between parts."""
    encoded = []
    for part in parts:
        encoded.append(orjson.dumps(part, option=OPTIONS)[1:-1])  # the items, without [ ]
        time.sleep(0)  # releases the GIL: the event loop answers in between
    return orjson.Fragment(b"[" + b",".join(encoded) + b"]")
