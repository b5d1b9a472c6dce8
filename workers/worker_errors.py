"""Error codes of the worker protocol and the exceptions that end a request with them.

A handler raises one of these; :class:`worker_protocol.Worker` turns it into the
request's ``error`` event (docs/WORKERS.md). Also here: the two helpers that shape what an
error says, :func:`as_int` (a field check that answers ``bad_request``) and
:func:`first_line` (an exception message cut to one line, never a traceback).
"""

from __future__ import annotations

from typing import Any

#: Error codes of the protocol.
BAD_REQUEST = "bad_request"
NOT_LOADED = "not_loaded"
MODEL_ERROR = "model_error"
CANCELLED = "cancelled"
INTERNAL = "internal"


class WorkerError(Exception):
    """An error that ends a request with a protocol ``error`` event.

    ``message`` is for the supervisor's log: keep it short, never a traceback.
    """

    code: str = INTERNAL

    def __init__(self, message: str, *, code: str | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.retryable = retryable


class BadRequest(WorkerError):
    """The request is malformed or asks for something this worker cannot do."""

    code = BAD_REQUEST


class NotLoaded(WorkerError):
    """The op needs a loaded model and none is loaded."""

    code = NOT_LOADED


class ModelError(WorkerError):
    """The model (or the library running it) failed."""

    code = MODEL_ERROR


class Cancelled(WorkerError):
    """The request was cancelled by a ``cancel`` op or by shutdown."""

    code = CANCELLED

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


def as_int(value: Any, name: str, low: int, high: int) -> int:
    """``value`` as an int in [low, high], or :class:`BadRequest`.

    Whole floats (``2.0``) are accepted: JSON has one number type and the Swift encoder
    may write a whole Double either way. Booleans are not numbers here.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"{name} must be an integer {low}..{high}")
    return value


def first_line(text: str, limit: int | None = 500) -> str:
    """The first line of an exception message, shortened to ``limit`` characters (``None``:
    not shortened): never a traceback."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:limit]
