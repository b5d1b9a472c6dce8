"""The machine and its processes as `scripts/bench` sees them: machine facts for the report,
dropping files from the page cache (cold starts), shared libraries of a binary, and timed
command-line runs with their peak memory."""
import ctypes
import os
import platform
import shutil
import subprocess
import threading
import time
from pathlib import Path

from ..procfs import cpu_model, loadavg, memory_total_kib


def ort_version_of(library):
    """ONNX Runtime version string of a libonnxruntime.so (OrtGetApiBase()->GetVersionString())."""
    try:
        lib = ctypes.CDLL(str(library))

        class ApiBase(ctypes.Structure):
            _fields_ = [("GetApi", ctypes.c_void_p), ("GetVersionString", ctypes.CFUNCTYPE(ctypes.c_char_p))]

        lib.OrtGetApiBase.restype = ctypes.POINTER(ApiBase)
        return lib.OrtGetApiBase().contents.GetVersionString().decode()
    except (OSError, AttributeError, ValueError):
        return "unknown"


def machine_facts(binary, venv_python):
    """CPU, cores, memory, OS, kernel, both products' versions and the load at start."""
    mem_kib = memory_total_kib()
    os_name = platform.system()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1]
    except OSError:
        pass
    try:
        swift = subprocess.run(["swift", "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        swift = "unknown"
    versions = subprocess.run(
        [venv_python, "-c", "import importlib.metadata as m, platform; "
         "print(platform.python_version(), *(m.version(p) for p in ('piper-tts', 'onnxruntime', 'Flask', 'Werkzeug')))"],
        capture_output=True, text=True).stdout.split()
    versions += ["?"] * (5 - len(versions))
    ours_ort = "unknown"
    for line in subprocess.run(["ldd", binary], capture_output=True, text=True).stdout.splitlines():
        if "libonnxruntime" in line and "=>" in line:
            ours_ort = ort_version_of(line.split("=>")[1].split("(")[0].strip())
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1048576, 1) if mem_kib else None,
        "os": os_name.strip('"'), "kernel": platform.release(),
        "glmtts": f"{binary} ({swift}), ONNX Runtime {ours_ort} via sherpa-onnx",
        "piper": f"piper-tts {versions[1]}, onnxruntime {versions[2]}, Flask {versions[3]}, "
                 f"Werkzeug {versions[4]}, Python {versions[0]}",
        "loadavg_start": loadavg(),
    }


def evict_from_page_cache(paths):
    """Drops the clean cached pages of every file under `paths` (posix_fadvise DONTNEED, no root
    needed). Pages mapped by a running process stay. Returns bytes covered."""
    total = 0
    for top in paths:
        top = Path(top)
        files = [top] if top.is_file() else [p for p in top.rglob("*") if p.is_file() and not p.is_symlink()]
        for path in files:
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                total += os.fstat(fd).st_size
            finally:
                os.close(fd)
    return total


def resident_bytes(path):
    """Bytes of `path` now in the page cache (util-linux fincore), or None."""
    if not shutil.which("fincore"):
        return None
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
                         capture_output=True, text=True).stdout.strip()
    return int(out) if out.isdigit() else None


def own_libraries(binary):
    """Shared libraries of `binary` other than the C/C++ runtime every program shares."""
    base = ("libc.so", "libm.so", "libpthread", "libdl.so", "librt.so", "libstdc++", "libgcc_s", "ld-linux")
    out = []
    for line in subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout.splitlines():
        if "=>" in line and not any(b in line for b in base):
            path = line.split("=>")[1].split("(")[0].strip()
            if path.startswith("/"):
                out.append(path)
    return out


def run_timed(argv, env=None, stdin_text=None):
    """Runs a command; returns (wall s, first stdout byte s or None, stdout bytes, exit code, peak RSS KiB).
    Raises RuntimeError, quoting its stderr's end, when it exits non-zero."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if stdin_text is not None:
        threading.Thread(target=lambda: (proc.stdin.write(stdin_text.encode()), proc.stdin.close()), daemon=True).start()
    err_chunks = []
    err_reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True)
    err_reader.start()
    first, size, fd = None, 0, proc.stdout.fileno()
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        if first is None:
            first = time.perf_counter() - t0
        size += len(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err_reader.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited with {proc.returncode}: {(err_chunks[0] or b'')[-800:].decode(errors='replace')}")
    return wall, first, size, proc.returncode, usage.ru_maxrss
