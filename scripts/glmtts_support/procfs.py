"""What Linux's /proc says about a process and the machine: resident and peak memory, CPU
time, children, load average, CPU model and memory size. Every reader returns None (or
"n/a") instead of raising when the figure cannot be read."""
import os
import subprocess
import time
from pathlib import Path


def proc_field(path, prefix: str):
    """The value after the first ':' of the first line of `path` that starts with `prefix`."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def proc_status_kib(pid, field: str = "VmRSS"):
    """A KiB field of /proc/<pid>/status: VmRSS (resident now), VmHWM (peak resident). None
    when `pid` is None or the process is gone."""
    if not pid:
        return None
    value = proc_field(f"/proc/{pid}/status", field + ":")
    return int(value.split()[0]) if value else None


def cpu_seconds(pid):
    """utime + stime of process `pid`, seconds; None when unknown."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def children(pid) -> list:
    """Process ids of the direct children of `pid` (e.g. a server's workers)."""
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages as one string, or "n/a"."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def cpu_model() -> str:
    """The CPU's model name, or "unknown"."""
    return (proc_field("/proc/cpuinfo", "model name") or "unknown").strip('"')


def memory_total_kib():
    """The machine's memory (MemTotal) in KiB, or None."""
    value = proc_field("/proc/meminfo", "MemTotal:")
    return int(value.split()[0]) if value else None


def run_threads(threads, pid):
    """Starts `threads`, waits for them all, and returns (wall seconds, CPU time of process
    `pid` over that wall time as a fraction: 2.0 = two cores busy; NaN when unknown)."""
    cpu0 = cpu_seconds(pid)
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu1 = cpu_seconds(pid)
    return elapsed, (cpu1 - cpu0) / elapsed if cpu0 is not None and cpu1 is not None else float("nan")
