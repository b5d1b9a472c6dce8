"""One protocol request as an op handler sees it: its fields, its cancel flag, and the
``progress`` and ``chunk`` events it may emit before its result (docs/WORKERS.md)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from worker_audio import encode_audio
from worker_errors import BadRequest, Cancelled

if TYPE_CHECKING:
    from worker_protocol import Worker

log = logging.getLogger("worker")


@dataclass
class Request:
    """One request as a handler sees it.

    ``fields`` is the whole request object (``id`` and ``op`` included). Use
    :meth:`progress` and :meth:`chunk` to emit events, and poll ``cancelled`` (or call
    :meth:`check_cancelled`) at safe points of long work.
    """

    id: Any
    op: str
    fields: dict[str, Any]
    worker: "Worker"
    cancelled: threading.Event = field(default_factory=threading.Event)
    finished: bool = False

    def get(self, name: str, default: Any = None) -> Any:
        """The value of a request field, or ``default`` when absent or null."""
        value = self.fields.get(name)
        return default if value is None else value

    def require(self, name: str, kind: type | tuple[type, ...] | None = None) -> Any:
        """The value of a required field; :class:`BadRequest` if absent or of the wrong type."""
        value = self.fields.get(name)
        if value is None:
            raise BadRequest(f"missing field '{name}'")
        if kind is not None and not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise BadRequest(f"field '{name}' must be of type {names}")
        return value

    def check_cancelled(self) -> None:
        """Raise :class:`Cancelled` if a ``cancel`` (or shutdown) targeted this request."""
        if self.cancelled.is_set():
            raise Cancelled()

    def progress(self, fraction: float, stage: str, detail: str | None = None) -> None:
        """Emit a ``progress`` event (fraction clamped to [0, 1])."""
        event: dict[str, Any] = {
            "id": self.id,
            "event": "progress",
            "fraction": max(0.0, min(1.0, float(fraction))),
            "stage": stage,
        }
        if detail is not None:
            event["detail"] = detail
        self._emit(event)

    def chunk(self, index: int, samples: Any, sample_rate: int, encoding: str = "pcm_f32le",
              text: str | None = None) -> None:
        """Emit a ``chunk`` event carrying synthesis audio (chunks must come in order);
        ``text``, when given, is what the chunk says (the server times captions by it)."""
        event = {"id": self.id, "event": "chunk", "index": int(index),
                 "audio": encode_audio(samples, sample_rate, encoding)}
        if text is not None:
            event["text"] = text
        self._emit(event)

    def _emit(self, event: dict[str, Any]) -> None:
        if self.finished:
            log.warning("request %r emitted an event after it ended; dropped", self.id)
            return
        self.worker.write(event)


#: An op handler: its dict becomes the ``result`` event (``None``: an empty result).
Handler = Callable[[Request], dict[str, Any] | None]
