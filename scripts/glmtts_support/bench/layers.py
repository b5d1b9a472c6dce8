"""Our own layers, which have no piper counterpart: the cost of re-encoding a stored result per
format, automatic transcription of a reference clip, and `glmtts bench`'s engine-call overhead."""
import json
import shutil
import subprocess
import tempfile

from ..audio import wav_seconds
from ..httpclient import HttpClient
from ..stats import median as med
from .common import FAILURES, NAN, SHORT


def measure_encode(ours, jobs, text, out):
    """First fetch of a finished WAV job in another format encodes it; the second is served as is."""
    client = HttpClient(ours.url)
    rows = {}
    audio = []
    for _ in range(jobs):
        job = ours.synth(client, text)
        if not job or not job.get("task"):
            continue
        audio.append(job["audio"])
        for fmt_name in ("wav", "pcm", "flac", "mp3", "opus", "aac"):
            path = f"/api/tts/{job['task']}/audio?format={fmt_name}"
            first = client.request("GET", path)
            again = client.request("GET", path)
            if first.status != 200 or again.status != 200:
                FAILURES.add(f"glmtts GET {path}: HTTP {first.status}/{again.status}")
                continue
            rows.setdefault(fmt_name, []).append({"first": first.wall, "again": again.wall, "bytes": len(first.body)})
    out["audio"] = med(audio)
    for fmt_name, values in rows.items():
        first, again = med([v["first"] for v in values]), med([v["again"] for v in values])
        out[fmt_name] = {"first": first, "again": again, "encode": max(0.0, first - again),
                         "bytes": med([v["bytes"] for v in values])}


def measure_transcription(ours, reps, out):
    """POST /api/tts with a reference clip, with and without its transcript. Every clip differs in
    one sample so the server's transcript cache (keyed by content) never answers."""
    client = HttpClient(ours.url)
    reply = client.request("POST", "/api/tts", {"text": SHORT, "format": "wav"})
    if reply.status != 200:
        FAILURES.add("glmtts: no reference clip for the transcription test")
        return
    clip = bytearray(reply.body)
    header = 44

    def variant(i):
        data = bytearray(clip)
        pos = header + 2 * (len(data[header:]) // 4 + i)  # a sample in the middle of the speech
        value = int.from_bytes(data[pos:pos + 2], "little", signed=True)
        data[pos:pos + 2] = max(-32768, min(32767, value + 1 + i)).to_bytes(2, "little", signed=True)
        return bytes(data)

    rows = {"with_text": [], "without_text": []}
    for i in range(reps + 1):  # the first request without a transcript also starts the recognizer
        for kind in ("with_text", "without_text"):
            fields = {"text": SHORT, "format": "wav"}
            if kind == "with_text":
                fields["prompt_text"] = SHORT
            clip_file = ("ref.wav", variant(2 * i + (kind == "with_text")), "audio/wav")
            reply = client.post_multipart("/api/tts", fields, {"prompt_audio": clip_file})
            if reply.status != 200:
                FAILURES.add(f"glmtts POST /api/tts with prompt_audio ({kind}): HTTP {reply.status} {reply.body[:200]!r}")
                continue
            job = json.loads(client.request("GET", f"/api/tts/{reply.headers.get('x-task-id')}").body)
            transcribed = (job.get("reference") or {}).get("transcribed")
            if transcribed != (kind == "without_text"):
                FAILURES.add(f"glmtts: reference.transcribed is {transcribed} for a request {kind}")
            rows[kind].append(reply.wall)
    with_text = med(rows["with_text"][1:])
    out.update({"clip_seconds": wav_seconds(bytes(clip)), "n": reps, "with_text_p50": with_text,
                "without_text_p50": med(rows["without_text"][1:]),
                "first_without_text": rows["without_text"][0] if rows["without_text"] else NAN,
                "warm_cost": med(rows["without_text"][1:]) - with_text,
                "cold_cost": (rows["without_text"][0] - with_text) if rows["without_text"] else NAN})


def measure_engine_overhead(ours, iterations, out):
    """`glmtts bench --json`: our engine call against a direct sherpa-onnx call, same process."""
    tmp = tempfile.mkdtemp(prefix="bench-engine-")
    try:
        proc = subprocess.run([ours.binary, "bench", "--json", "--skip-recognizer", "--iterations", str(iterations)],
                              env=ours.cli_env(tmp), capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0:
            FAILURES.add(f"glmtts bench exited with {proc.returncode}: {proc.stderr[-300:]}")
            return
        report = json.loads(proc.stdout)["synthesis"]
        out.update({"overhead": report.get("overhead", {}), "threads": report.get("threads"),
                    "load_seconds": report.get("loadSeconds")})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
