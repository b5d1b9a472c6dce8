"""Shared support for the project's Python harnesses: `scripts/bench`, `scripts/bench-http`,
`scripts/soak` and the pytest fixtures of `Tests/python/conftest.py`.

The entry-point scripts find this package next to them (Python puts a script's own folder
first on `sys.path`); `conftest.py` adds `scripts/` to `sys.path` itself. Everything here
uses only the Python standard library, so each harness runs under any Python 3.10+.

Shared modules:
  server     the real `glmtts serve` on a free loopback port (start, wait, stop), `free_port`
  httpclient a timing keep-alive HTTP/1.1 client, JSON and multipart/form-data bodies
  stats      percentiles and summary statistics
  procfs     resident memory, CPU time, load average and machine facts from /proc
  tables     plain-text and Markdown tables
  sse        a text/event-stream parser
  audio      WAV helpers
  failures   a thread-safe list of what went wrong
  texts      the benchmark texts the harnesses share
Per harness (each entry script keeps only its options and `main`):
  bench/, bench_http/, soak/
"""
from pathlib import Path

#: The repository root (this file is `scripts/glmtts_support/__init__.py`).
ROOT = Path(__file__).resolve().parents[2]
