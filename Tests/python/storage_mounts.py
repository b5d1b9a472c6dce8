"""Mounts for the storage fault tests (test_faults.py, test_models_pull.py): tmpfs and loop-mounted
ext4 file systems that a test makes, fills or breaks, undone in `finally`. They need root and
`mount`; `require_root_and_mount` skips the test with the reason where the machine refuses."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def require_root_and_mount(kind="tmpfs"):
    if os.geteuid() != 0:
        pytest.skip("storage fault tests need root (mount); run the tests as root to include them")
    probe = Path(tempfile.mkdtemp(prefix="glmtts-mount-probe-"))
    try:
        out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)], capture_output=True, text=True)
        if out.returncode != 0:
            pytest.skip(f"mounting a tmpfs is not permitted here: {out.stderr.strip()}")
        subprocess.run(["umount", str(probe)], check=True)
        if kind == "ext4":
            for tool in ("losetup", "mkfs.ext4", "e2fsck"):
                if shutil.which(tool) is None:
                    pytest.skip(f"{tool} is not installed")
            if not Path("/dev/loop-control").exists():
                pytest.skip("no loop devices (/dev/loop-control) here")
    finally:
        probe.rmdir()


class Mounts:
    """Mounts made by a test, undone (innermost first, lazily if busy) by `undo`."""

    def __init__(self):
        self.points: list[Path] = []

    def tmpfs(self, path: Path, size: str) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], check=True)
        self.points.append(path)
        return path

    def loop_ext4(self, image: Path, path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(["mount", "-o", "loop,errors=remount-ro", str(image), str(path)], capture_output=True, text=True)
        if out.returncode != 0:
            pytest.skip(f"loop-mounting an ext4 image is not permitted here: {out.stderr.strip()}")
        self.points.append(path)
        return path

    def remount(self, path: Path, mode: str):
        subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True)

    def unmount(self, path: Path):
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)
        if path in self.points:
            self.points.remove(path)

    def undo(self):
        for path in reversed(list(self.points)):
            self.unmount(path)
