"""Shared JSON Lines protocol for out-of-process engine workers (see docs/WORKERS.md).

A worker script builds a :class:`Worker`, registers one handler per op and calls
:meth:`Worker.run`::

    worker = Worker("whisper", log_name="whisper-1")
    worker.register("transcribe", transcribe)      # handler(request) -> dict
    worker.loaded_probe = lambda: model is not None
    worker.run()                                   # never returns

What this module guarantees, so that worker scripts do not have to:

- The ``ready`` line is the first line on stdout. Everything else that anything in the
  process writes to stdout (a ``print`` in a library, native code writing to fd 1) is
  redirected to stderr: the protocol owns the real stdout.
- Requests are read on a reader thread. ``cancel`` and ``health`` are answered there at
  once, even while a long request runs; every other request is queued and run one at a
  time, in arrival order, on the main thread.
- Replies are written one JSON object per line, under a lock, flushed after each line.
- A handler's return value (a dict) becomes the ``result`` event. A raised
  :class:`WorkerError` becomes an ``error`` event with its code; any other exception
  becomes ``internal``. The message never contains a traceback; the traceback is logged
  to stderr.
- A ``cancel`` sets ``request.cancelled`` (a :class:`threading.Event`) of its target. A
  request whose handler raises :class:`Cancelled`, or returns while its event is set,
  ends with an ``error`` whose code is ``cancelled``. A queued target is cancelled before
  it starts.
- End of stdin: every request is cancelled, the queue is drained (queued requests end
  with ``cancelled``), and the process exits with status 0. If the running handler does
  not return within 1.5 s (stuck in native code), the process exits anyway, still with
  status 0, well inside the 2 s the supervisor allows.
- Lines longer than 64 MiB and lines that are not a JSON object are answered with
  ``bad_request`` when an ``id`` can be recovered, and logged to stderr otherwise.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import os
import queue
import re
import sys
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 64 * 1024 * 1024
EOF_GRACE_SECONDS = 1.5

#: Error codes of the protocol.
BAD_REQUEST = "bad_request"
NOT_LOADED = "not_loaded"
MODEL_ERROR = "model_error"
CANCELLED = "cancelled"
INTERNAL = "internal"

#: Ops answered on the reader thread, while another request runs.
CONCURRENT_OPS = frozenset({"health", "cancel"})

log = logging.getLogger("worker")


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Audio
# ---------------------------------------------------------------------------

AUDIO_ENCODINGS = ("pcm_s16le", "pcm_f32le")


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


def decode_audio(obj: Any, *, what: str = "audio") -> tuple[np.ndarray, int]:
    """Decode a protocol audio object into ``(samples, sample_rate)``.

    ``samples`` is a 1-D float32 array in [-1, 1] (pcm_s16le is scaled by 1/32768;
    pcm_f32le is passed through). Raises :class:`BadRequest` for anything malformed:
    unknown encoding, channels other than 1, bad base64, a byte count that is not a
    whole number of samples, or non-finite float samples.
    """
    if not isinstance(obj, dict):
        raise BadRequest(f"{what} must be an object")
    encoding = obj.get("encoding")
    if encoding not in AUDIO_ENCODINGS:
        raise BadRequest(f"{what}.encoding must be one of {', '.join(AUDIO_ENCODINGS)}")
    rate = as_int(obj.get("sample_rate"), f"{what}.sample_rate", 1, 768_000)
    channels = obj.get("channels", 1)
    if channels is None or isinstance(channels, bool) or channels != 1:
        raise BadRequest(f"{what}.channels must be 1 (mono)")
    data = obj.get("data")
    if not isinstance(data, str):
        raise BadRequest(f"{what}.data must be a base64 string")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"{what}.data is not valid base64") from None
    if encoding == "pcm_s16le":
        if len(raw) % 2:
            raise BadRequest(f"{what}.data length is not a multiple of 2 bytes")
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    else:
        if len(raw) % 4:
            raise BadRequest(f"{what}.data length is not a multiple of 4 bytes")
        samples = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        if samples.size and not np.isfinite(samples).all():
            raise BadRequest(f"{what}.data contains NaN or infinite samples")
    return samples, rate


def encode_audio(samples: Any, sample_rate: int, encoding: str = "pcm_f32le") -> dict[str, Any]:
    """Encode mono samples (any float array-like, nominally [-1, 1]) as a protocol audio object.

    pcm_s16le clips to [-1, 1] and rounds; pcm_f32le keeps the values as float32.
    """
    if encoding not in AUDIO_ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}")
    arr = np.asarray(samples, dtype=np.float32).reshape(-1)
    if encoding == "pcm_s16le":
        raw = (np.clip(arr, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()
    else:
        raw = arr.astype("<f4").tobytes()
    return {
        "encoding": encoding,
        "sample_rate": int(sample_rate),
        "channels": 1,
        "data": base64.b64encode(raw).decode("ascii"),
    }


# ---------------------------------------------------------------------------
# JSON helpers
# ---------------------------------------------------------------------------


def _finite(value: Any) -> Any:
    """Replace NaN/Infinity (not representable in JSON) by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _dumps(obj: dict[str, Any]) -> str:
    """Serialise one protocol line (compact, UTF-8, strict JSON)."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


_ID_PATTERN = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,18})')


def _salvage_id(head: bytes) -> Any:
    """Best effort: find the request id near the start of a line we cannot parse whole."""
    match = _ID_PATTERN.search(head[:65536])
    if not match:
        return None
    try:
        return json.loads(match.group(1))
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------


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

    def chunk(self, index: int, samples: Any, sample_rate: int, encoding: str = "pcm_f32le") -> None:
        """Emit a ``chunk`` event carrying synthesis audio (chunks must come in order)."""
        self._emit({"id": self.id, "event": "chunk", "index": int(index),
                    "audio": encode_audio(samples, sample_rate, encoding)})

    def _emit(self, event: dict[str, Any]) -> None:
        if self.finished:
            log.warning("request %r emitted an event after it ended; dropped", self.id)
            return
        self.worker.write(event)


Handler = Callable[[Request], dict[str, Any] | None]


# ---------------------------------------------------------------------------
# Worker
# ---------------------------------------------------------------------------


class Worker:
    """The protocol engine of one worker process.

    ``kind`` goes into the ready line (``"whisper"``, ``"glmtts"``, ``"fake"``);
    ``log_name`` prefixes nothing (the supervisor prefixes stderr lines) but names the
    Python logger so several workers' logs stay apart.
    """

    def __init__(self, kind: str, *, log_name: str | None = None) -> None:
        self.kind = kind
        self.log_name = log_name or kind
        self.handlers: dict[str, Handler] = {}
        #: Returns whether a model is loaded; reported by the built-in ``health``.
        self.loaded_probe: Callable[[], bool] = lambda: False
        #: Extra fields merged into the ``health`` result (called on the reader thread).
        self.health_extra: Callable[[], dict[str, Any]] = lambda: {}
        self._out: Any = None
        self._write_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._queue: "queue.Queue[Request | None]" = queue.Queue()
        self._active: dict[Any, Request] = {}  # queued or running, by id
        self._running: Request | None = None
        self._main_done = threading.Event()
        self._stdout_broken = False
        self._shutting_down = False

    # -- registration -------------------------------------------------------

    def register(self, op: str, handler: Handler) -> None:
        """Register ``handler`` for ``op``. ``health`` handlers run on the reader thread."""
        if op == "cancel":
            raise ValueError("cancel is built in")
        self.handlers[op] = handler

    def handler(self, op: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`register`."""

        def decorate(fn: Handler) -> Handler:
            self.register(op, fn)
            return fn

        return decorate

    # -- output ---------------------------------------------------------------

    def _take_stdout(self) -> None:
        """Keep the real stdout for the protocol; point fd 1 and sys.stdout at stderr."""
        sys.stdout.flush()
        fd = os.dup(1)
        os.dup2(2, 1)
        self._out = os.fdopen(fd, "wb", buffering=0)
        sys.stdout = sys.stderr

    def write(self, obj: dict[str, Any]) -> None:
        """Write one protocol line (thread-safe, flushed)."""
        self.write_raw(_dumps(obj))

    def write_raw(self, line: str) -> None:
        """Write one raw line to the protocol stdout (tests use it to emit garbage)."""
        data = line.replace("\n", " ").encode("utf-8") + b"\n"
        with self._write_lock:
            if self._stdout_broken or self._out is None:
                return
            try:
                self._out.write(data)
                self._out.flush()
            except (BrokenPipeError, OSError) as exc:
                self._stdout_broken = True
                log.error("stdout closed (%s); further replies are dropped", exc)

    def _error(self, req_id: Any, code: str, message: str, retryable: bool = False) -> None:
        self.write({"id": req_id, "event": "error",
                    "error": {"code": code, "message": message, "retryable": retryable}})

    # -- main loop ----------------------------------------------------------------

    def run(self, *, write_ready: bool = True, exit_on_eof: bool = True) -> None:
        """Serve until end of stdin, then exit the process with status 0. Never returns.

        ``write_ready=False`` and ``exit_on_eof=False`` exist only for the fake worker's
        failure modes.
        """
        self._take_stdout()
        if write_ready:
            self.write({"event": "ready", "worker": self.kind, "protocol": PROTOCOL_VERSION,
                        "pid": os.getpid()})
        reader = threading.Thread(target=self._read_loop, args=(exit_on_eof,),
                                  name="stdin-reader", daemon=True)
        reader.start()
        try:
            while True:
                req = self._queue.get()
                if req is None:
                    break
                self._run_one(req)
        except KeyboardInterrupt:
            pass
        self._main_done.set()
        self._exit(0)

    def _exit(self, status: int) -> None:
        """Flush and leave now (no interpreter teardown: native libraries can hang there)."""
        try:
            sys.stderr.flush()
        finally:
            os._exit(status)

    def _run_one(self, req: Request) -> None:
        with self._state_lock:
            self._running = req
        try:
            req.check_cancelled()
            handler = self.handlers.get(req.op)
            if handler is None:
                raise BadRequest(f"unknown op '{req.op}'")
            result = handler(req)
            req.check_cancelled()
            reply: dict[str, Any] = {"id": req.id, "event": "result"}
            reply.update(result or {})
            reply["id"], reply["event"] = req.id, "result"
            self.write(reply)
        except WorkerError as exc:
            if exc.code == CANCELLED:
                if self._shutting_down:
                    exc.message = "cancelled: worker shutting down"
                log.info("request %r (%s) %s", req.id, req.op, exc.message)
            else:
                log.warning("request %r (%s) failed: %s: %s", req.id, req.op, exc.code, exc.message)
            self._error(req.id, exc.code, exc.message, exc.retryable)
        except Exception as exc:  # noqa: BLE001 - every failure must end the request
            log.error("request %r (%s) raised:\n%s", req.id, req.op, traceback.format_exc())
            self._error(req.id, INTERNAL, f"{type(exc).__name__}: {_first_line(str(exc))}")
        finally:
            req.finished = True
            with self._state_lock:
                self._running = None
                self._active.pop(req.id, None)

    # -- reader thread ------------------------------------------------------------

    def _read_loop(self, exit_on_eof: bool) -> None:
        stdin = sys.stdin.buffer
        while True:
            try:
                line = stdin.readline(MAX_LINE_BYTES + 1)
            except (OSError, ValueError) as exc:
                log.error("reading stdin failed: %s", exc)
                line = b""
            if not line:
                break
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                head = line[:65536]
                while line and not line.endswith(b"\n"):  # discard the rest of the line
                    line = stdin.readline(1 << 20)
                self._reject(head, f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            if not line.strip():
                continue
            try:
                self._accept(line)
            except Exception:  # noqa: BLE001 - the reader must survive anything
                log.error("dispatch failed:\n%s", traceback.format_exc())
        self._on_eof(exit_on_eof)

    def _reject(self, head: bytes, why: str) -> None:
        req_id = _salvage_id(head)
        if req_id is None:
            log.error("protocol error, no request id: %s", why)
        else:
            log.error("protocol error for request %r: %s", req_id, why)
            self._error(req_id, BAD_REQUEST, why)

    def _accept(self, line: bytes) -> None:
        try:
            obj = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            self._reject(line, f"line is not valid JSON ({_first_line(str(exc))})")
            return
        if not isinstance(obj, dict):
            log.error("protocol error, no request id: line is a JSON %s, not an object",
                      type(obj).__name__)
            return
        req_id = obj.get("id")
        if req_id is None or isinstance(req_id, (dict, list, bool)):
            log.error("protocol error: request without a usable id: %.200s", line[:200])
            return
        op = obj.get("op")
        if not isinstance(op, str):
            self._error(req_id, BAD_REQUEST, "missing or non-string 'op'")
            return
        if op == "cancel":
            self._cancel(req_id, obj.get("target"))
            return
        if op != "health" and op not in self.handlers:
            self._error(req_id, BAD_REQUEST, f"unknown op '{op[:100]}'")
            return
        req = Request(id=req_id, op=op, fields=obj, worker=self)
        if op == "health":
            self._health(req)
            return
        with self._state_lock:
            if req_id in self._active:
                duplicate = True
            else:
                duplicate = False
                self._active[req_id] = req
        if duplicate:
            self._error(req_id, BAD_REQUEST, "a request with this id is already in progress")
            return
        self._queue.put(req)

    def _health(self, req: Request) -> None:
        try:
            handler = self.handlers.get("health")
            if handler is not None:
                result = handler(req) or {}
            else:
                result = {"status": "ok", "loaded": bool(self.loaded_probe())}
                with self._state_lock:
                    running = self._running
                result["busy"] = running is not None
                if running is not None:
                    result["running"] = {"id": running.id, "op": running.op}
                result.update(self.health_extra())
        except WorkerError as exc:
            self._error(req.id, exc.code, exc.message, exc.retryable)
            return
        except Exception as exc:  # noqa: BLE001
            log.error("health raised:\n%s", traceback.format_exc())
            self._error(req.id, INTERNAL, f"{type(exc).__name__}: {_first_line(str(exc))}")
            return
        reply = {"id": req.id, "event": "result"}
        reply.update(result)
        reply["id"], reply["event"] = req.id, "result"
        self.write(reply)

    def _cancel(self, req_id: Any, target: Any) -> None:
        if target is None:
            self._error(req_id, BAD_REQUEST, "cancel needs a 'target'")
            return
        with self._state_lock:
            victim = self._active.get(target)
            state = None
            if victim is not None:
                state = "running" if victim is self._running else "queued"
                victim.cancelled.set()
        if victim is not None:
            log.info("cancel %r: target %r (%s) flagged", req_id, target, state)
        self.write({"id": req_id, "event": "result", "target": target,
                    "found": victim is not None, "state": state})

    def _on_eof(self, exit_on_eof: bool) -> None:
        if not exit_on_eof:
            log.info("stdin closed; staying alive (--ignore-eof)")
            return
        log.info("stdin closed; shutting down")
        self._shutting_down = True
        with self._state_lock:
            for req in self._active.values():
                req.cancelled.set()
        self._queue.put(None)
        if not self._main_done.wait(EOF_GRACE_SECONDS):
            log.warning("current request did not stop within %.1f s; abandoning it",
                        EOF_GRACE_SECONDS)
            with self._write_lock:  # do not cut a reply line in half
                self._exit(0)


def _first_line(text: str, limit: int = 500) -> str:
    """The first line of an exception message, shortened: never a traceback."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:limit]


def serve(kind: str, name: str, engine: Any, ops: dict[str, Handler], log: logging.Logger, note: str = "") -> None:
    """Runs a worker for ``engine`` until stdin ends: ``engine.is_loaded`` answers ``health``'s
    ``loaded``, ``engine.health_extra`` adds its fields, and ``ops`` maps op names to handlers."""
    worker = Worker(kind, log_name=name)
    worker.loaded_probe = engine.is_loaded
    worker.health_extra = engine.health_extra
    for op, handler in ops.items():
        worker.register(op, handler)
    log.info("%s worker starting (pid %d%s)", kind, os.getpid(), note)
    worker.run()


def setup_logging(name: str, level: int = logging.INFO) -> logging.Logger:
    """Log to stderr, one line per record, and return the logger for ``name``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return logging.getLogger(name)
