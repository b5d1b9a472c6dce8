"""PostgreSQL for the tests and benchmarks: a throwaway cluster made and started by
scripts/postgres-server (Debian's postgresql-15, loopback only, its own port and socket folder,
fsync off), with a database per server under test."""
import os
import subprocess
import tempfile
from pathlib import Path

from . import ROOT

SCRIPT = ROOT / "scripts" / "postgres-server"


class PostgresServer:
    """One cluster in its own folder (readable by the `postgres` user when run as root).
    `url` is the maintenance database's URL; `database_url(name)` makes a database on first use."""

    def __init__(self, folder: Path | None = None):
        self._tmp = None if folder else tempfile.TemporaryDirectory(prefix="glmtts-postgres-")
        self.folder = Path(folder or self._tmp.name)
        os.chmod(self.folder, 0o755)  # the postgres user must reach its cluster folder inside
        self.cluster = self.folder / "cluster"
        self.url = None
        self.port = None
        self._made: set[str] = set()

    def start(self):
        """Starts the cluster (made on first start, same port on a restart); returns self."""
        args = [str(SCRIPT), "start", str(self.cluster)] + ([str(self.port)] if self.port else [])
        out = subprocess.run(args, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {out.stderr[-2000:]}")
        self.url = out.stdout.strip().splitlines()[-1]
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])
        return self

    def stop(self, how: str = "stop"):
        """Stops the cluster (`how="kill"`: SIGKILL, as a crash would)."""
        subprocess.run([str(SCRIPT), how, str(self.cluster)], capture_output=True, timeout=120)

    def sql(self, statement: str, database: str = "glmtts") -> str:
        """Runs `statement` with psql; its unaligned output."""
        out = subprocess.run(["psql", self.url.rsplit("/", 1)[0] + "/" + database, "-qAtX", "-v", "ON_ERROR_STOP=1",
                              "-c", statement], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        return out.stdout.strip()

    def database_url(self, name: str) -> str:
        """The URL of database `name` (letters and digits), made when missing."""
        assert name.isalnum()
        if name not in self._made:
            if not self.sql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
                self.sql(f"CREATE DATABASE {name}")
            self._made.add(name)
        return self.url.rsplit("/", 1)[0] + f"/{name}?sslmode=disable"

    def cleanup(self):
        """Stops the cluster and removes its folder (when it made one)."""
        self.stop()
        if self._tmp:
            self._tmp.cleanup()
