"""JSON Lines framing of the worker protocol: how a reply becomes one line, and how a
request id is recovered from a line that cannot be parsed whole."""

from __future__ import annotations

import json
import math
import re
from typing import Any

#: Longest line a worker reads; a longer one is answered with ``bad_request``.
MAX_LINE_BYTES = 64 * 1024 * 1024


def _finite(value: Any) -> Any:
    """Replace NaN/Infinity (not representable in JSON) by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def dumps_line(obj: dict[str, Any]) -> str:
    """Serialise one protocol line (compact, UTF-8, strict JSON; NaN and infinities as null)."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


_ID_PATTERN = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,18})')


def salvage_id(head: bytes) -> Any:
    """Best effort: find the request id near the start of a line we cannot parse whole."""
    match = _ID_PATTERN.search(head[:65536])
    if not match:
        return None
    try:
        return json.loads(match.group(1))
    except ValueError:
        return None
