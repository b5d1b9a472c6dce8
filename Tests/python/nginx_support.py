"""nginx (Debian's nginx-light) running deploy/nginx.conf as shipped in front of real servers:
only the listen address, the upstream servers and nginx's own paths (pid, logs, temp folders)
are substituted. Used by test_deploy.py (one server) and test_scale_out.py (two API nodes)."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, free_port

NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def nginx_binary() -> str:
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(path, os.X_OK):
        pytest.fail("nginx is not installed: scripts/bootstrap installs Debian's nginx-light")
    return path


def render_site(upstreams: list[str], port: int) -> str:
    """deploy/nginx.conf with only the listen address and the upstream server replaced."""
    text = NGINX_CONF.read_text()
    servers = " ".join(f"server {address};" for address in upstreams)
    text, n_upstream = re.subn(r"(?m)^(\s*)server\s+127\.0\.0\.1:8080;", rf"\g<1>{servers}", text)
    text, n_listen = re.subn(r"(?m)^(\s*listen\s+)80;", rf"\g<1>127.0.0.1:{port};", text)
    text, n_listen6 = re.subn(r"(?m)^\s*listen\s+\[::\]:80;\n", "", text)
    assert (n_upstream, n_listen, n_listen6) == (1, 1, 1), \
        "deploy/nginx.conf changed shape: update render_site() in this test"
    return text


class Nginx:
    """nginx in the foreground, with every path it writes inside a temporary folder."""

    def __init__(self, *upstreams: str, http_extra: str = ""):
        self.dir = Path(tempfile.mkdtemp(prefix="glmtts-nginx-"))
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        (self.dir / "logs").mkdir()
        (self.dir / "glmtts.conf").write_text(render_site(list(upstreams), self.port))
        temp = {name: self.dir / "temp" / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for folder in temp.values():
            folder.mkdir(parents=True)
        user = ""
        if os.geteuid() == 0:  # workers would switch to "nobody", who cannot write our temp folders
            user = "user root root;"
        self.conf = self.dir / "nginx.conf"
        self.conf.write_text(f"""
{user}
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/logs/error.log info;
events {{ worker_connections 256; }}
http {{
    {http_extra}
    access_log {self.dir}/logs/access.log;
    client_body_temp_path {temp['client_body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {self.dir}/glmtts.conf;
}}
""")
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        command = [nginx_binary(), "-p", str(self.dir), "-e", str(self.dir / "logs" / "error.log"), "-c", str(self.conf)]
        check = subprocess.run(command + ["-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(command + ["-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()}\n{self.error_log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start listening:\n" + self.error_log())

    def error_log(self) -> str:
        path = self.dir / "logs" / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
