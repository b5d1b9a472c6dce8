"""A loopback HTTP file server standing in for the model publishers (Hugging Face, GitHub
releases) in the `models pull` tests: it serves files the tests built from real small files,
honours `Range: bytes=N-` as the publishers do, logs every request, and injects the faults a
real network has (a 404, a connection cut mid-file, a slow transfer). It binds 127.0.0.1 only;
nothing in these tests reaches beyond loopback."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Fault:
    """What goes wrong when a path is fetched: `status` answers that status instead;
    `cut_after` closes the connection after that many body bytes (for the next `times`
    requests); `delay` sleeps that long between 64 KiB chunks."""
    status: int | None = None
    cut_after: int | None = None
    times: int = 1
    delay: float = 0.0


@dataclass
class Request:
    """One request the server saw: path, its Range header, body bytes sent, status."""
    path: str
    range: str | None
    sent: int = 0
    status: int = 0


@dataclass
class ModelFileServer:
    """Serves `files` (URL path, with its query when the key has one -> bytes) on a free loopback
    port, with any extra `headers` per path; `base` is its URL, to be used as GLMTTS_MODEL_MIRROR
    so that publisher URLs map onto it with their paths unchanged."""
    files: dict[str, bytes] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self):
        owner = self
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet: the test asserts on `requests`
                pass

            def do_GET(self):
                path = self.path if self.path in owner.files else self.path.split("?", 1)[0]
                record = Request(path=path, range=self.headers.get("Range"))
                with owner.lock:
                    owner.requests.append(record)
                    fault = owner.faults.get(path)
                    body = owner.files.get(path)
                    extra = owner.headers.get(path, {})
                if fault and fault.status:
                    record.status = fault.status
                    self.send_error(fault.status)
                    return
                if body is None:
                    record.status = 404
                    self.send_error(404)
                    return
                start = 0
                if record.range and record.range.startswith("bytes="):
                    start = int(record.range[6:].split("-", 1)[0] or 0)
                    if start >= len(body):
                        record.status = 416
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(body)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    record.status = 206
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    record.status = 200
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.send_header("Accept-Ranges", "bytes")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                cut = None
                if fault and fault.cut_after is not None and fault.times > 0:
                    fault.times -= 1
                    cut = fault.cut_after
                position = start
                try:
                    while position < len(body):
                        end = min(position + 65536, len(body))
                        if cut is not None and end - start >= cut:
                            end = start + cut
                            self.wfile.write(body[position:end])
                            record.sent += end - position
                            self.wfile.flush()
                            self.close_connection = True
                            self.connection.shutdown(2)  # the cut: fewer bytes than Content-Length said
                            return
                        self.wfile.write(body[position:end])
                        record.sent += end - position
                        position = end
                        if fault and fault.delay:
                            time.sleep(fault.delay)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def sent(self, path: str) -> int:
        """Body bytes sent for `path` over all requests."""
        with self.lock:
            return sum(r.sent for r in self.requests if r.path == path)

    def of(self, path: str) -> list[Request]:
        """The requests for `path`."""
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
