"""The four measured sections of `scripts/bench-http`. Each returns (table text, numbers)."""
import threading
import time

import requests

from ..procfs import run_threads
from ..stats import median, percentile, quantiles, summary
from ..tables import text_table
from ..texts import SHORT
from .calls import ERRORS, LONG10, MEDIUM, health_latencies, load_client, stream_speech, sync_tts


def ms(seconds):
    """Seconds as whole milliseconds ("n/a" for NaN)."""
    return f"{seconds * 1000:.0f}" if seconds == seconds else "n/a"


def ms1(seconds):
    """Seconds as milliseconds with one decimal ("n/a" for NaN)."""
    return f"{seconds * 1000:.1f}" if seconds == seconds else "n/a"


def bench_overhead(url, reps):
    """1. Sync /api/tts wall time against the engine's own synthesis time, short and medium text."""
    session = requests.Session()
    rows, data = [], {}
    for name, text, sentences in (("short", SHORT, 1), ("medium", MEDIUM, 5)):
        results = [r for r in (sync_tts(session, url, text) for _ in range(reps)) if r and r.get("engine") is not None]
        walls = [r["wall"] for r in results]
        engines = [r["engine"] for r in results]
        overheads = [(r["wall"] - r["engine"]) / r["wall"] for r in results]
        over_ms = [r["wall"] - r["engine"] for r in results]
        data[name] = {"sentences": sentences, "n": len(results), "audio_s": median([r["audio"] for r in results]),
                      "wall_p50": median(walls), "wall_p95": percentile(walls, 95), "engine_p50": median(engines),
                      "overhead_ms_p50": median(over_ms),
                      "overhead_pct_p50": 100 * median(overheads)}
        d = data[name]
        rows.append([f"{name} ({sentences} sent.)", d["n"], f"{d['audio_s']:.2f}", ms(d["wall_p50"]), ms(d["wall_p95"]),
                     ms(d["engine_p50"]), ms(d["overhead_ms_p50"]), f"{d['overhead_pct_p50']:.1f}%"])
    text = text_table(["text", "n", "audio s", "wall p50 ms", "wall p95 ms", "engine p50 ms", "overhead p50 ms",
                       "overhead %"], rows, title="1. POST /api/tts (sync, wav): wall time vs engine synthesis time")
    text += ("\n   engine = result.synthesis_seconds of the job; overhead = (wall - engine) / wall, median per request"
             "\n   (includes HTTP, queueing, loudness normalisation, WAV encoding and writing the file).")
    return text, data


def bench_stream(url, reps):
    """2. Time to the first streamed byte of /v1/audio/speech (pcm), against sync /api/tts."""
    session = requests.Session()
    results = [r for r in (stream_speech(session, url, LONG10) for _ in range(reps)) if r and r["first"] is not None]
    sync = [r for r in (sync_tts(session, url, LONG10, fetch_job=False) for _ in range(max(1, reps // 2))) if r]
    d = {"n": len(results), "headers_p50": median([r["headers"] for r in results]),
         "first_p50": median([r["first"] for r in results]), "total_p50": median([r["total"] for r in results]),
         "audio_s": median([r["audio"] for r in results]), "chunks_p50": median([r["chunks"] for r in results]),
         "sync_wav_total_p50": median([r["wall"] for r in sync]), "sync_n": len(sync)}
    rows = [["/v1/audio/speech pcm (stream)", d["n"], f"{d['audio_s']:.2f}", ms(d["headers_p50"]), ms(d["first_p50"]),
             ms(d["total_p50"]), f"{d['chunks_p50']:.0f}"],
            ["/api/tts wav (sync, same text)", d["sync_n"], "", "", ms(d["sync_wav_total_p50"]),
             ms(d["sync_wav_total_p50"]), ""]]
    text = text_table(["request", "n", "audio s", "headers ms", "first byte ms", "total ms", "chunks"], rows,
                      title="2. Streaming, 10-sentence text (medians)")
    return text, d


def bench_throughput(url, levels, per_client, pid):
    """3. Throughput and latency with each number of concurrent clients in `levels`."""
    rows, data = [], {}
    for clients in levels:
        results = []
        threads = [threading.Thread(target=load_client, args=(url, SHORT, per_client, results)) for _ in range(clients)]
        errors_before = len(ERRORS.items)
        elapsed, cpu_fraction = run_threads(threads, pid)
        cpu = 100 * cpu_fraction
        lat = [r["wall"] for r in results]
        engine = [r["engine_hdr"] for r in results if "engine_hdr" in r]
        waits = [r["wall"] - r["engine_hdr"] for r in results if "engine_hdr" in r]
        d = {"requests": len(results), "errors": len(ERRORS.items) - errors_before, "wall_s": elapsed,
             "rps": len(results) / elapsed, "audio_per_s": sum(r["audio"] for r in results) / elapsed,
             **quantiles(lat),
             "engine_p50": median(engine), "wait_p50": median(waits), "server_cpu_pct": cpu}
        data[clients] = d
        rows.append([clients, d["requests"], d["errors"], f"{elapsed:.1f}", f"{d['rps']:.2f}", f"{d['audio_per_s']:.1f}",
                     ms(d["p50"]), ms(d["p95"]), ms(d["p99"]), ms(d["engine_p50"]), ms(d["wait_p50"]), f"{cpu:.0f}%"])
    text = text_table(["clients", "ok", "errors", "wall s", "req/s", "audio s/s", "p50 ms", "p95 ms", "p99 ms",
                       "engine p50 ms", "not engine p50 ms", "server CPU"], rows,
                      title=f"3. Throughput: N clients x {per_client} sync POST /api/tts (short, wav) each")
    text += ("\n   engine = X-Real-Time-Factor x X-Audio-Duration of each response; not engine = wall - engine"
             "\n   (mostly waiting for the CPU slot behind other clients' jobs, plus the fixed overhead of test 1);"
             "\n   server CPU = server process CPU time / wall time (200% = both cores).")
    return text, data


def bench_health(url, count, load_clients):
    """4. /health latency at idle and while `load_clients` clients keep the engine busy."""
    session = requests.Session()
    health_latencies(session, url, 10)  # warm the connection
    idle = health_latencies(session, url, count)
    stop = threading.Event()
    results = []
    threads = [threading.Thread(target=load_client, args=(url, SHORT, 0, results, stop)) for _ in range(load_clients)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # let the queue fill
    loaded = health_latencies(session, url, count)
    stop.set()
    for t in threads:
        t.join()
    rows, data = [], {}
    for name, values in (("idle", idle), (f"{load_clients} clients synthesising", loaded)):
        d = summary(values)
        data[name] = d
        rows.append([name, d["n"], ms1(d["p50"]), ms1(d["p95"]), ms1(d["p99"]), ms1(d["max"])])
    data["load_requests_completed"] = len(results)
    text = text_table(["condition", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows,
                      title="4. GET /health latency (one keep-alive connection, sequential)")
    return text, data
