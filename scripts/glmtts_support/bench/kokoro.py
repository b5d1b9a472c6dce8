"""Kokoro against kokoro-onnx (issue 16): our server's Kokoro engine (`kokoro-jf_alpha`, the
Kokoro-82M v1.0 int8 model in its Python worker) and kokoro-onnx, the PyPI library that this
model file was exported for, driving the very same `model.onnx` and `voices.npz` in one process
(kokoro_peer.py). kokoro-onnx is a library, not a server: its figures are its own calls, with
no HTTP, queue or file in between, so every "whole request" row is ours against its bare call.
English text for both (kokoro-onnx phonemizes with espeak-ng, as our English front end does)."""
import json
import subprocess
from pathlib import Path

from ..httpclient import HttpClient
from ..procfs import children, proc_status_kib
from ..stats import median as med
from .common import FAILURES, LONG, NAN, SHORT, say

VOICE_MODEL = "kokoro-jf_alpha"
VOICE = "jf_alpha"
#: Five sentences: at Kokoro's CPU speed (RTF ≈ 0.4 here) twenty would take half a minute each.
MEDIUM = ". ".join(LONG.split(". ")[:5]).rstrip(".") + "."
PEER = Path(__file__).with_name("kokoro_peer.py")


class KokoroPeer:
    """kokoro_peer.py in .venv-bench: one JSON line per synthesis."""

    def __init__(self, python, model_dir):
        self.process = subprocess.Popen([python, str(PEER), str(model_dir / "model.onnx"), str(model_dir / "voices.npz")],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = self._answer()["ready"]

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"kokoro_peer.py ended (exit status {self.process.poll()})")
        return json.loads(line)

    def ask(self, **request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def synth(self, text, stream=False):
        return self.ask(text=text, voice=VOICE, lang="en-us", stream=stream)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def measure_kokoro(ours, python, models_dir, args, out):
    """Alternating sequential requests on both, a streamed first chunk, load and memory."""
    model_dir = Path(models_dir) / VOICE_MODEL
    if not (model_dir / "model.onnx").exists():
        FAILURES.add(f"Kokoro comparison skipped: {model_dir} has no model.onnx (run scripts/prepare-models)")
        return
    client = HttpClient(ours.url)
    say("kokoro: our first Kokoro request (starts its worker), then kokoro-onnx's load")
    first = ours.synth(client, SHORT, model=VOICE_MODEL)
    out["ours_first_request"] = first["wall"] if first else NAN
    peer = KokoroPeer(python, model_dir)
    try:
        out["peer_first_request"] = peer.ready + peer.synth(SHORT)["wall"]
        for name, text, reps in (("short", SHORT, args.kokoro_reps), ("medium", MEDIUM, args.kokoro_medium_reps)):
            say(f"kokoro: {reps} × {name} on each, alternating")
            rows = {"glmtts": [], "kokoro-onnx": []}
            for _ in range(reps):
                result = ours.synth(client, text, model=VOICE_MODEL)
                if result:
                    rows["glmtts"].append(result)
                peer_result = peer.synth(text)
                rows["kokoro-onnx"].append({**peer_result, "engine": peer_result["wall"]})
            out[name] = {who: {"n": len(rs), "audio": med([r["audio"] for r in rs]),
                               "wall_p50": med([r["wall"] for r in rs]),
                               "rtf_engine": med([r["engine"] / r["audio"] for r in rs]),
                               "rtf_wall": med([r["wall"] / r["audio"] for r in rs])} for who, rs in rows.items()}
        say("kokoro: first audio of the 5-sentence text, streamed")
        ours_stream = ours.stream_first_byte(client, MEDIUM, voice=VOICE_MODEL)
        peer_stream = peer.synth(MEDIUM, stream=True)
        out["first_chunk"] = {"glmtts": ours_stream["first"] if ours_stream else NAN, "kokoro-onnx": peer_stream["first"]}
        rss = peer.ask(rss=True)
        workers = children(ours.pid)  # the Kokoro worker (and any other worker the server runs)
        out["memory"] = {"glmtts": {"rss_kib": sum(proc_status_kib(p, "VmRSS") or 0 for p in [ours.pid, *workers]),
                                    "peak_kib": max([proc_status_kib(w, "VmHWM") or 0 for w in workers], default=NAN)},
                         "kokoro-onnx": rss}
    finally:
        peer.close()


def kokoro_rows(k, add):
    """The Kokoro table's rows, through report's `add(figure, ours, theirs, form, unit, better)`."""
    g, p = "glmtts", "kokoro-onnx"
    for name, label in (("short", "1 sentence"), ("medium", "5 sentences")):
        if name in k:
            add(f"RTF engine, {label}", k[name][g]["rtf_engine"], k[name][p]["rtf_engine"], "HTTP / library call", "rtf")
            add(f"RTF whole request, {label}", k[name][g]["rtf_wall"], k[name][p]["rtf_wall"], "HTTP / library call", "rtf")
            add(f"request wall time, {label}", k[name][g]["wall_p50"], k[name][p]["wall_p50"], "HTTP / library call", "s")
    if "first_chunk" in k:
        add("first audio, 5 sentences, streamed", k["first_chunk"][g], k["first_chunk"][p],
            "HTTP stream / create_stream", "s")
    add("first 1-sentence audio from cold (ours: first request, starting the worker; theirs: import, load, call)",
        k.get("ours_first_request"), k.get("peer_first_request"), "HTTP / library", "s")
    if "memory" in k:
        add("RSS after the runs (ours: server + worker)", k["memory"][g]["rss_kib"], k["memory"][p]["rss_kib"],
            "process", "MiB", "lower-mem")
        add("peak RSS of the process that synthesises (ours: the worker)", k["memory"][g]["peak_kib"],
            k["memory"][p]["peak_kib"], "process", "MiB", "lower-mem")
