"""The summary of a soak run: latency per request kind and status, /health under load, memory,
asynchronous jobs, throughput and the PASS/FAIL verdict (Markdown tables on stdout)."""
import shutil

from ..stats import nearest_rank
from ..tables import md_table


def report(soak) -> int:
    """Prints the summary of the finished run `soak` (a `run.Soak`), removes its temporary data
    directory unless --keep, and returns the exit status: 0 when no request got an undocumented
    answer, every accepted job completed, /health always answered 200 and the server stopped
    cleanly; 1 otherwise."""
    a = soak.args
    returncode = soak.server.process.returncode
    out = [f"soak: {soak.traffic_seconds:.0f} s of traffic, {a.clients} clients, binary {a.bin}", ""]
    groups = {}
    for kind, status, code, seconds in soak.results:
        groups.setdefault((kind, f"{status}{' ' + code if code else ''}"), []).append(seconds * 1000)
    rows = [[kind, status, len(values), *(f"{nearest_rank(values, q):.0f}" for q in (50, 95, 99))]
            for (kind, status), values in sorted(groups.items())]
    out.append(md_table(["requests", "status", "count", "p50 ms", "p95 ms", "p99 ms"], rows, "llrrrr"))
    out.append(f"| **all** | | {len(soak.results)} | | | |")
    h = [s * 1000 for s, status in soak.health if status == 200]
    bad_health = [status for _, status in soak.health if status != 200]
    out.append("")
    out.append(md_table(["/health", "probes", "non-200", "p50 ms", "p95 ms", "p99 ms", "max ms"],
                        [["under load", len(soak.health), len(bad_health),
                          *(f"{nearest_rank(h, q):.1f}" for q in (50, 95, 99)),
                          f"{max(h) if h else float('nan'):.1f}"]]))
    server_rss = [r for _, r, _ in soak.rss] or [0]
    worker_rss = [w for _, _, w in soak.rss] or [0]
    mib = lambda kib: f"{kib / 1024:.0f} MiB"  # noqa: E731
    out.append("")
    out.append(md_table(["memory (RSS)", "start", "peak", "end"],
                        [["server", mib(soak.rss_start), mib(max(server_rss + [soak.rss_start])), mib(soak.rss_end)],
                         ["workers (children)", mib(worker_rss[0]), mib(max(worker_rss)), mib(worker_rss[-1])]]))
    states = {}
    for state in soak.outcomes.values():
        states[state] = states.get(state, 0) + 1
    accepted = len(set(soak.accepted))
    completed = states.get("completed", 0)
    other = ", ".join(f"{k}: {v}" for k, v in sorted(states.items()) if k != "completed") or "none"
    out.append("")
    out.append(md_table(["async jobs", "accepted (202)", "completed", "other"], [["all", accepted, completed, other]],
                        "lrrl"))
    ok_answers = sum(1 for _, s, _, _ in soak.results if s in (200, 202))
    out.append("")
    out.append(f"throughput: {ok_answers / max(1, soak.traffic_seconds):.2f} successful requests/s; "
               f"server exit status {returncode}")
    failed = bool(soak.failures) or completed != accepted or soak.crashed or returncode != 0 or bad_health
    if soak.failures:
        out.append("")
        out.append(f"failures ({len(soak.failures)}):")
        out.extend(f"  {f}" for f in soak.failures.items[:20])
    out.append("")
    out.append("result: " + ("FAIL" if failed else "PASS") + f" (server log: {soak.log_path})")
    print("\n".join(out))
    if not a.keep and a.data_dir is None:
        shutil.rmtree(soak.data, ignore_errors=True)
    return 1 if failed else 0
