"""Server processes under test: any server program run as a child with its output in a log
file (`ServerProcess`), and the real `glmtts serve` binary on a free loopback port over a data
directory, started and awaited until it answers `GET /health` (`GlmttsServer`)."""
import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from . import ROOT
from .httpclient import HttpClient
from .procfs import proc_status_kib

#: The only address the harnesses bind their servers to.
LOOPBACK = "127.0.0.1"
#: The models directory the tests and benchmarks use unless told otherwise.
TEST_MODELS = ROOT / "data" / "test" / "models"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that is free on `host` right now (the kernel's pick; another process could
    take it before the caller binds it, which on a loopback test machine does not happen)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def accepts_connections(port: int, host: str = LOOPBACK) -> bool:
    """Whether something accepts TCP connections on `host:port` (waits up to 1 s)."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def swift_bin_path(configuration: str = "debug") -> Path:
    """The `glmtts` binary of SwiftPM's `configuration` build folder (asks `swift build
    --show-bin-path`; does not build)."""
    argv = ["swift", "build", "--show-bin-path"]
    if configuration != "debug":
        argv[2:2] = ["-c", configuration]
    out = subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    return Path(out) / "glmtts"


def release_binary() -> str:
    """`.build/release/glmtts` when it exists, else the release binary SwiftPM would build."""
    candidate = ROOT / ".build" / "release" / "glmtts"
    return str(candidate) if candidate.exists() else str(swift_bin_path("release"))


def glmtts_environment(data_dir, models_dir, port: int, host: str = LOOPBACK, extra=None) -> dict:
    """The environment of a `glmtts serve` child: this process's environment, then its data and
    models directories, host and port, then `extra` (which may override any of them)."""
    env = dict(os.environ)
    env.update({"GLMTTS_DATA_DIR": str(data_dir), "GLMTTS_MODELS_DIR": str(models_dir),
                "GLMTTS_HOST": host, "GLMTTS_PORT": str(port)})
    env.update(extra or {})
    return env


class ServerStartError(RuntimeError):
    """A server exited (`returncode` set) or did not get ready in time (`returncode` None)
    while it was being started. The message ends with the tail of its log."""

    def __init__(self, message: str, returncode=None):
        super().__init__(message)
        self.returncode = returncode


class ServerProcess:
    """One server program run as a child process, its stdout and stderr in `log_path`.
    Can be stopped (any signal, SIGKILL after a grace time) and spawned again."""

    #: How much of the log's end an error message quotes.
    log_tail_chars = 3000

    def __init__(self, name: str = "server"):
        self.name = name
        self.process = None
        self.log = None
        self.log_path = None
        self.spawned_at = None

    @property
    def pid(self):
        """The child's process id, or None before the first spawn."""
        return self.process.pid if self.process else None

    def spawn(self, argv, env, cwd=None, append: bool = True):
        """Starts `argv` with `env`, output appended to (or, `append=False`, replacing)
        `log_path`. Returns the `subprocess.Popen`; `spawned_at` is its perf_counter time."""
        self.log = open(self.log_path, "ab" if append else "wb")
        self.spawned_at = time.perf_counter()
        self.process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT)
        return self.process

    def wait_until(self, ready, timeout: float, interval: float, failure: str = "did not become healthy") -> float:
        """Calls `ready()` every `interval` s until it is true; returns the seconds since the
        spawn. Raises `ServerStartError` when the child exits first or `timeout` s after the
        spawn have passed (`"<name> <failure>:"` and the log's tail); a child that is still
        running then is stopped first, so that a failed start leaves no process behind."""
        deadline = self.spawned_at + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}",
                                       self.process.returncode)
            if ready():
                return time.perf_counter() - self.spawned_at
            time.sleep(interval)
        self.stop(timeout=10)
        raise ServerStartError(f"{self.name} {failure}:\n{self.log_tail()}")

    def log_text(self) -> str:
        """The whole log so far ("" when it cannot be read)."""
        try:
            return Path(self.log_path).read_text(errors="replace")
        except (OSError, TypeError):
            return ""

    def log_tail(self) -> str:
        """The last `log_tail_chars` characters of the log."""
        return self.log_text()[-self.log_tail_chars:]

    def stop(self, sig=signal.SIGTERM, timeout: float = 60):
        """Sends `sig` to a running child and waits up to `timeout` s, then SIGKILLs it; closes
        the log. Harmless when the child never started or has already exited."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log:
            self.log.close()

    def kill9(self):
        """Stops the child with SIGKILL, as a crash or the OOM killer would."""
        self.stop(signal.SIGKILL)

    def rss_kib(self) -> int:
        """The child's resident memory (VmRSS) in KiB; 0 for a zombie. Raises OSError when the
        process is gone."""
        kib = proc_status_kib(self.pid, "VmRSS")
        if kib is None and not Path(f"/proc/{self.pid}/status").exists():
            raise ProcessLookupError(f"{self.name} (pid {self.pid}) is not running")
        return kib or 0


class GlmttsServer(ServerProcess):
    """The real `glmtts serve` binary on `host:port` (a free loopback port unless given) over
    `data_dir`, with `models_dir` (default: the test models) and the settings in `env`.
    `start()` waits until `GET /health` answers 200; `port` may be changed before a restart."""

    def __init__(self, binary, data_dir, *, models_dir=None, env=None, port=None, log_path=None,
                 host: str = LOOPBACK, name: str = "server"):
        super().__init__(name)
        self.binary = binary
        self.data_dir = Path(data_dir)
        self.models_dir = models_dir or TEST_MODELS
        self.extra_env = dict(env or {})
        self.host = host
        self.port = port or free_port(host)
        self.log_path = log_path or self.data_dir / "server.log"
        self.startup_seconds = None

    @property
    def url(self) -> str:
        """`http://host:port` of the server."""
        return f"http://{self.host}:{self.port}"

    def environment(self) -> dict:
        """The child's environment (see `glmtts_environment`)."""
        return glmtts_environment(self.data_dir, self.models_dir, self.port, self.host, self.extra_env)

    def healthy(self) -> bool:
        """Whether `GET /health` answers 200 within 2 s."""
        try:
            return HttpClient(self.url, timeout=2).request("GET", "/health").status == 200
        except (OSError, http.client.HTTPException):
            return False

    def start(self, timeout: float = 120, interval: float = 0.2, append_log: bool = True):
        """Spawns `glmtts serve` and waits until it is healthy; returns self, with
        `startup_seconds` from spawn to healthy. Raises `ServerStartError` on exit or timeout."""
        self.spawn([str(self.binary), "serve"], self.environment(), append=append_log)
        self.startup_seconds = self.wait_until(self.healthy, timeout, interval)
        return self
