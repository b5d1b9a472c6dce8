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

The pieces live in focused modules and are all importable from here: the errors
(:mod:`worker_errors`), protocol audio (:mod:`worker_audio`), the line framing
(:mod:`worker_lines`) and :class:`Request` (:mod:`worker_request`).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sys
import threading
import traceback
from typing import Any, Callable

from worker_audio import AUDIO_ENCODINGS, decode_audio, encode_audio
from worker_errors import (
    BAD_REQUEST,
    CANCELLED,
    INTERNAL,
    MODEL_ERROR,
    NOT_LOADED,
    BadRequest,
    Cancelled,
    ModelError,
    NotLoaded,
    WorkerError,
    as_int,
    first_line,
)
from worker_lines import MAX_LINE_BYTES, dumps_line, salvage_id
from worker_request import Handler, Request

__all__ = [
    "AUDIO_ENCODINGS", "BAD_REQUEST", "CANCELLED", "CONCURRENT_OPS", "EOF_GRACE_SECONDS",
    "INTERNAL", "MAX_LINE_BYTES", "MODEL_ERROR", "NOT_LOADED", "PROTOCOL_VERSION",
    "BadRequest", "Cancelled", "Handler", "ModelError", "NotLoaded", "Request", "Worker",
    "WorkerError", "as_int", "decode_audio", "encode_audio", "first_line", "serve",
    "setup_logging",
]

PROTOCOL_VERSION = 1
EOF_GRACE_SECONDS = 1.5

#: Ops answered on the reader thread, while another request runs.
CONCURRENT_OPS = frozenset({"health", "cancel"})

log = logging.getLogger("worker")


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
        self.write_raw(dumps_line(obj))

    def write_raw(self, line: str) -> None:
        """Write one raw line to the protocol stdout (tests use it to emit garbage)."""
        data = line.replace("\n", " ").encode("utf-8") + b"\n"
        with self._write_lock:
            if self._stdout_broken or self._out is None:
                return
            try:
                self._write_all(data)
            except (BrokenPipeError, OSError) as exc:
                self._stdout_broken = True
                log.error("stdout closed (%s); further replies are dropped", exc)

    def _write_all(self, data: bytes) -> None:
        """Write every byte of ``data``. A pipe write can stop part way, and the rest of the line
        must follow: a stopped and continued process (SIGSTOP/SIGCONT, a debugger, a profiler,
        ``docker pause``) returns from a blocked write with what fitted so far."""
        view = memoryview(data)
        while view:
            written = self._out.write(view)
            if not written:
                raise OSError("stdout accepted no bytes")
            view = view[written:]

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
            self._error(req.id, INTERNAL, f"{type(exc).__name__}: {first_line(str(exc))}")
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
        req_id = salvage_id(head)
        if req_id is None:
            log.error("protocol error, no request id: %s", why)
        else:
            log.error("protocol error for request %r: %s", req_id, why)
            self._error(req_id, BAD_REQUEST, why)

    def _accept(self, line: bytes) -> None:
        try:
            obj = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            self._reject(line, f"line is not valid JSON ({first_line(str(exc))})")
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
            self._error(req.id, INTERNAL, f"{type(exc).__name__}: {first_line(str(exc))}")
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
