"""A small timing HTTP/1.1 client over `http.client` (one keep-alive connection, reopened
when the server closed it) and multipart/form-data encoding."""
import http.client
import json
import os
import time

#: Errors that mean a kept-alive connection had gone stale: the request never reached the
#: server, so sending it once more on a new connection is safe.
STALE_CONNECTION = (http.client.RemoteDisconnected, http.client.CannotSendRequest, BrokenPipeError,
                    ConnectionResetError)


class Reply:
    """A whole response: `status`, `headers` (lower-cased names), `body` bytes, and the seconds
    from sending to the response head (`head_s`), to the first body byte (`first_s`) and to
    the end (`wall`)."""
    __slots__ = ("status", "headers", "body", "head_s", "first_s", "wall")

    def __init__(self, status, headers, body, head_s=None, first_s=None, wall=None):
        self.status, self.headers, self.body = status, headers, body
        self.head_s, self.first_s, self.wall = head_s, first_s, wall


def encode_multipart(fields: dict, files: dict):
    """(body, Content-Type) of a multipart/form-data form: `fields` maps names to values,
    `files` maps names to (filename, bytes) or (filename, bytes, content type; default
    application/octet-stream)."""
    boundary = "glmtts" + os.urandom(12).hex()
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data, *ctype) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {ctype[0] if ctype else 'application/octet-stream'}\r\n\r\n".encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class HttpClient:
    """One keep-alive connection to `url` (`http://host:port`), `timeout` s per socket
    operation. Not thread-safe: one client per thread."""

    def __init__(self, url: str, timeout: float = 1800):
        self.host, port = url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
        self.port = int(port)
        self.timeout = timeout
        self.conn = None

    def close(self):
        """Closes the connection; the next request opens a new one."""
        if self.conn:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body=None, headers=None, stream: bool = False):
        """Sends one request and returns its `Reply`, timed. A dict or list `body` is sent as
        JSON. With `stream=True` returns the open `http.client.HTTPResponse` instead, which the
        caller reads to its end before the next request. A stale kept-alive connection is
        replaced and the request sent once more; other errors propagate."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                if stream:
                    return response
                head = time.perf_counter() - t0
                first_byte = response.read(1)
                first = time.perf_counter() - t0
                data = first_byte + response.read()
                wall = time.perf_counter() - t0
            except STALE_CONNECTION:
                self.close()
                if attempt:
                    raise
                continue
            if response.will_close:
                self.close()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data, head, first, wall)

    def post_multipart(self, path: str, fields: dict, files: dict, headers=None):
        """POSTs a multipart/form-data form (see `encode_multipart`); returns the `Reply`."""
        body, content_type = encode_multipart(fields, files)
        return self.request("POST", path, body, {**(headers or {}), "Content-Type": content_type})

