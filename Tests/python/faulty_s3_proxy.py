"""A loopback HTTP proxy in front of a real S3 store that answers chosen requests with S3's
500 InternalError instead of passing them on: the failure a store shows in passing (SeaweedFS
answers every object GET so for seconds after it restarts). Everything else, signed headers
and Host included, reaches the store unchanged, so SigV4 signatures still hold."""
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from glmtts_support.server import LOOPBACK

INTERNAL_ERROR = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>'
                  b"<Message>We encountered an internal error. Please try again.</Message></Error>")


class FaultyS3Proxy:
    """Forwards to `store_endpoint`; `fail(method, key_part, times)` makes the next `times`
    requests of `method` whose path contains `key_part` answer 500. `seen` counts every
    request by (method, path)."""

    def __init__(self, store_endpoint: str):
        target = urlsplit(store_endpoint)
        self._faults: list[list] = []  # [method, key_part, remaining]
        self._lock = threading.Lock()
        self.seen: dict[tuple[str, str], int] = {}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                path = self.path.split("?")[0]
                with proxy._lock:
                    proxy.seen[(self.command, path)] = proxy.seen.get((self.command, path), 0) + 1
                    fault = next((f for f in proxy._faults if f[0] == self.command and f[1] in path and f[2] > 0), None)
                    if fault:
                        fault[2] -= 1
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if fault:
                    self._answer(500, {"content-type": "application/xml"}, INTERNAL_ERROR)
                    return
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                try:
                    upstream.request(self.command, self.path, body=body or None, headers=dict(self.headers.items()))
                    answer = upstream.getresponse()
                    content = answer.read()
                    headers = {k: v for k, v in answer.getheaders() if k.lower() not in ("content-length", "transfer-encoding", "connection")}
                    self._answer(answer.status, headers, content, head=self.command == "HEAD")
                finally:
                    upstream.close()

            def _answer(self, status, headers, content, head=False):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(content)))
                self.end_headers()
                if not head:
                    self.wfile.write(content)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        """The proxy's URL, `http://127.0.0.1:PORT`."""
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    def fail(self, method: str, key_part: str, times: int):
        """Answers the next `times` `method` requests whose path contains `key_part` with 500."""
        with self._lock:
            self._faults.append([method, key_part, times])

    def requests_to(self, method: str, key_part: str) -> int:
        """How many `method` requests whose path contains `key_part` came in so far."""
        with self._lock:
            return sum(n for (m, path), n in self.seen.items() if m == method and key_part in path)

    def close(self):
        self._server.shutdown()
        self._server.server_close()
