"""The side-by-side measurements of `scripts/bench`, ours against piper-tts on the same machine
in the same run. Each fills a part of the report dict `out`."""
import http.client
import shutil
import tempfile
import threading
import time
from pathlib import Path

from ..audio import wav_seconds
from ..httpclient import HttpClient
from ..procfs import proc_status_kib, run_threads
from ..stats import median as med, percentile, quantiles
from .common import FAILURES, LONG, NAN, SHORT, say
from .servers import Piper
from .system import evict_from_page_cache, resident_bytes, run_timed


def measure_cli(ours, piper, args, out):
    """Command lines: one process per synthesis (each run is a cold start of the program)."""
    tmp = tempfile.mkdtemp(prefix="bench-cli-")
    try:
        ours_argv = lambda text, *extra: [ours.binary, "synth", text, "-q", *extra]  # noqa: E731
        piper_argv = [str(piper.venv / "bin" / "piper"), "-m", str(piper.voice)]
        env = ours.cli_env(tmp)
        runs = {
            "glmtts": lambda: run_timed(ours_argv(SHORT, "-o", f"{tmp}/o.wav"), env=env),
            "piper-tts": lambda: run_timed([*piper_argv, "-f", f"{tmp}/p.wav"], stdin_text=SHORT + "\n"),
        }
        cold, warm, rss = ({who: [] for who in runs} for _ in range(3))
        # Short text to a WAV file. Cold: each run after dropping both products' files from the page
        # cache, the two taking turns at going first. Warm: the runs after, back to back.
        for i in range(args.cli_cold_reps):
            for who in (list(runs) if i % 2 == 0 else list(runs)[::-1]):
                evict_from_page_cache(ours.own_files())
                evict_from_page_cache(piper.own_files())
                wall, _, _, _, peak = runs[who]()
                cold[who].append(wall)
                rss[who].append(peak)
        for _ in range(args.cli_reps):
            for who, run in runs.items():
                wall, _, _, _, peak = run()
                warm[who].append(wall)
                rss[who].append(peak)
        out["cli_short"] = {k: {"cold": med(cold[k]), "cold_runs": cold[k], "warm_p50": med(warm[k]),
                                "runs": warm[k], "peak_rss_kib": max(rss[k])} for k in runs}
        out["cli_short"]["audio"] = {"glmtts": wav_seconds(Path(f"{tmp}/o.wav").read_bytes()),
                                     "piper-tts": wav_seconds(Path(f"{tmp}/p.wav").read_bytes())}
        # Long text as raw PCM on stdout: time to the first byte and to the end.
        long_runs = {"glmtts": [], "piper-tts": []}
        for _ in range(args.cli_long_reps):
            wall, first, size, _, peak = run_timed(ours_argv(LONG, "--format", "pcm", "-o", "-"), env=env)
            long_runs["glmtts"].append({"wall": wall, "first": first, "bytes": size, "peak": peak})
            wall, first, size, _, peak = run_timed([*piper_argv, "--output-raw"], stdin_text=LONG + "\n")
            long_runs["piper-tts"].append({"wall": wall, "first": first, "bytes": size, "peak": peak})
        out["cli_long"] = {k: {"first_p50": med([r["first"] for r in v]), "wall_p50": med([r["wall"] for r in v]),
                               "audio": med([r["bytes"] for r in v]) / 2 / 22050,
                               "peak_rss_kib": max(r["peak"] for r in v)} for k, v in long_runs.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure_starts(server, starts, out, keep_last):
    """Cold start (product files dropped from the page cache), then warm restarts."""
    cold_files = server.own_files()
    runs = []
    residency = None
    for i in range(1 + starts):
        if i == 0:
            evict_from_page_cache(cold_files)
            model = server.voice if isinstance(server, Piper) else Path(server.models_dir) / "en_US-joe-medium/model.onnx"
            residency = resident_bytes(model)
        listening, first = server.start()
        runs.append({"listening": listening, "first_synthesis": first})
        if not (keep_last and i == starts):
            server.stop()
    out[server.name] = {"cold": runs[0], "warm": runs[1:], "model_resident_after_eviction_bytes": residency,
                        "warm_first_synthesis_p50": med([r["first_synthesis"] for r in runs[1:]]),
                        "warm_listening_p50": med([r["listening"] for r in runs[1:]])}


def measure_rtf(ours, piper, args, out):
    """Sequential synthesis, one client, requests alternating between the two servers."""
    co, cp = HttpClient(ours.url), HttpClient(piper.url)
    queue_before = ours.queue_wait(co)
    for name, text, reps in (("short", SHORT, args.reps), ("long", LONG, args.long_reps)):
        rows = {"glmtts": [], "piper-tts": []}
        for _ in range(reps):
            for server, client in ((ours, co), (piper, cp)):
                result = server.synth(client, text)
                if result:
                    rows[server.name].append(result)
        out[name] = {}
        for who, results in rows.items():
            audio = med([r["audio"] for r in results])
            out[name][who] = {
                "n": len(results), "audio": audio,
                "wall_p50": med([r["wall"] for r in results]),
                "engine_p50": med([r["engine"] for r in results]),
                "rtf_engine": med([r["engine"] / r["audio"] for r in results]),
                "rtf_wall": med([r["wall"] / r["audio"] for r in results]),
                "overhead_p50": med([r["wall"] - r["engine"] for r in results]),
            }
        if name == "short":
            queue_after = ours.queue_wait(co)
            n = queue_after[1] - queue_before[1]
            out["queue_wait_mean"] = (queue_after[0] - queue_before[0]) / n if n else NAN


def measure_trivial(ours, piper, count, out):
    """`count` of each server's cheapest request on one connection: the HTTP stack's floor."""
    for server in (ours, piper):
        client = HttpClient(server.url)
        times = []
        for _ in range(count):
            reply = server.trivial(client)
            if reply.status == 200:
                times.append(reply.wall)
        out[server.name] = {"n": len(times), "p50": med(times), "p95": percentile(times, 95)}


def measure_first_byte(ours, piper, reps, out):
    """First audio byte of the long text: ours streamed (/v1/audio/speech pcm), piper's whole WAV."""
    co, cp = HttpClient(ours.url), HttpClient(piper.url)
    rows = {"glmtts": [], "piper-tts": []}
    for _ in range(reps):
        r = ours.stream_first_byte(co, LONG)
        if r:
            rows["glmtts"].append(r)
        r = piper.synth(cp, LONG, engine=False)
        if r:
            rows["piper-tts"].append(r)
    for who, results in rows.items():
        out[who] = {"n": len(results), "first_p50": med([r["first"] for r in results]),
                    "wall_p50": med([r["wall"] for r in results]), "audio": med([r["audio"] for r in results])}


def run_level(server, clients, total):
    """`total` short syntheses from `clients` concurrent clients: the latency of each, the
    seconds it all took, the audio seconds made and the server's CPU seconds."""
    lock = threading.Lock()
    issued = [0]
    results = []

    def worker():
        client = HttpClient(server.url)
        while True:
            with lock:
                if issued[0] >= total:
                    break
                issued[0] += 1
            try:
                r = server.synth(client, SHORT, engine=False)
            except (OSError, http.client.HTTPException) as error:
                FAILURES.add(f"{server.name}: {error!r}")
                r = None
            if r:
                with lock:
                    results.append(r)
        client.close()

    elapsed, server_cpu = run_threads([threading.Thread(target=worker) for _ in range(clients)], server.pid)
    return {"latencies": [r["wall"] for r in results], "wall": elapsed, "requests": total,
            "audio": sum(r["audio"] for r in results), "cpu_seconds": server_cpu * elapsed}


def level_summary(clients, halves):
    """One level's figures from its runs (latency quantiles over all of them, throughput over
    their summed time, CPU as a share of it)."""
    latencies = [x for h in halves for x in h["latencies"]]
    wall = sum(h["wall"] for h in halves)
    return {"clients": clients, "ok": len(latencies), "requests": sum(h["requests"] for h in halves), "wall": wall,
            **quantiles(latencies), "throughput": sum(h["audio"] for h in halves) / wall,
            "rps": len(latencies) / wall, "server_cpu": sum(h["cpu_seconds"] for h in halves) / wall}


def measure_concurrency(ours, piper, levels, per_level, out):
    """Each concurrency level on both servers, in two halves run A B B A (ours, piper, piper,
    ours), so that a machine that speeds up or slows down during a level (this shared VM
    drifts by 10-20 % over minutes) weighs on both alike rather than on whoever went first."""
    for clients in levels:
        total = max(per_level, 2 * clients)
        first, second = total // 2, total - total // 2
        halves = {ours.name: [], piper.name: []}
        for server, n in ((ours, first), (piper, first), (piper, second), (ours, second)):
            say(f"  {clients} client(s), {n} requests: {server.name}")
            halves[server.name].append(run_level(server, clients, n))
        for name, runs in halves.items():
            out.setdefault(name, {})[str(clients)] = level_summary(clients, runs)


#: How long both servers are left idle before each sample of the leak check.
IDLE_SECONDS = 4.0


def measure_leak(ours, piper, count, out):
    """Resident memory before and after `count` sequential requests to each server, each sample
    taken once both servers have been idle for `IDLE_SECONDS`: a leak stays, but memory a server
    keeps only while it works does not (ours gives the inference heap back two seconds after the
    last run, InferenceThreads), so an early sample would count the working set as growth."""
    co, cp = HttpClient(ours.url), HttpClient(piper.url)
    time.sleep(IDLE_SECONDS)
    before = {s.name: proc_status_kib(s.pid, "VmRSS") for s in (ours, piper)}
    t0 = time.perf_counter()
    for i in range(count):
        ours.synth(co, SHORT)
        piper.synth(cp, SHORT, engine=False)
        if (i + 1) % 100 == 0:
            say(f"  leak check: {i + 1}/{count} ({time.perf_counter() - t0:.0f} s)")
    time.sleep(IDLE_SECONDS)
    for s in (ours, piper):
        after = proc_status_kib(s.pid, "VmRSS")
        out[s.name] = {"requests": count, "before_kib": before[s.name], "after_kib": after,
                       "growth_pct": 100 * (after - before[s.name]) / before[s.name] if before[s.name] else NAN}
