"""kokoro-onnx, driven line by line: the peer of our Kokoro engine in `scripts/bench`.

Runs in .venv-bench (it imports kokoro_onnx, which the rest of the harness does not have):
`python kokoro_peer.py MODEL VOICES`. It loads the model, prints one JSON line
{"ready": load seconds}, then answers each JSON line on stdin, {"text", "voice", "lang",
"stream"}, with one JSON line: {"wall": s, "audio": s, "first": s}, where "first" is the first
chunk of `create_stream` when "stream" is true (else the whole call). "rss" lines answer
{"rss_kib", "peak_kib"}. Only the standard library and kokoro_onnx are imported."""
import asyncio
import json
import sys
import time


def status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def main():
    started = time.perf_counter()
    from kokoro_onnx import Kokoro

    kokoro = Kokoro(sys.argv[1], sys.argv[2])
    print(json.dumps({"ready": time.perf_counter() - started}), flush=True)
    for line in sys.stdin:
        ask = json.loads(line)
        if ask.get("rss"):
            print(json.dumps({"rss_kib": status_kib("VmRSS"), "peak_kib": status_kib("VmHWM")}), flush=True)
            continue
        start = time.perf_counter()
        if ask.get("stream"):
            async def stream():
                first, samples, rate = None, 0, 24000
                async for audio, rate in kokoro.create_stream(ask["text"], voice=ask["voice"], lang=ask["lang"]):
                    first = first if first is not None else time.perf_counter() - start
                    samples += len(audio)
                return first, samples / rate

            first, audio = asyncio.run(stream())
        else:
            samples, rate = kokoro.create(ask["text"], voice=ask["voice"], lang=ask["lang"])
            audio = len(samples) / rate
            first = None
        wall = time.perf_counter() - start
        print(json.dumps({"wall": wall, "audio": audio, "first": wall if first is None else first}), flush=True)


if __name__ == "__main__":
    main()
