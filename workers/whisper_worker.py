"""Whisper recognizer worker: faster-whisper behind the worker protocol (docs/WORKERS.md).

Run (the Swift WorkerSupervisor does this)::

    .venv/bin/python workers/whisper_worker.py --name whisper

then send ``load`` with a local CTranslate2 Whisper model directory, e.g.::

    {"id": "1", "op": "load", "model": {"path": "data/models/whisper-tiny.en",
     "device": "cpu", "compute_type": "int8", "cpu_threads": 2}}

and ``transcribe`` requests. Nothing is ever downloaded: ``HF_HUB_OFFLINE=1`` is set
before faster-whisper is imported, the model must be a local directory holding
``model.bin``, ``config.json`` and ``tokenizer.json``, and it is opened with
``local_files_only=True``.

Decisions worth knowing on the Swift side:

- Audio must be 16 kHz mono (the rate Whisper works at); any other rate is rejected with
  ``bad_request``. The Swift side resamples (soxr) before sending.
- Decoding: ``vad_filter=False``, ``condition_on_previous_text=False``,
  ``beam_size`` default 1 (greedy), temperature 0 only: no fallback to sampling. faster-whisper's
  default fallback re-decodes a failing window at rising temperatures, which is random: the same
  clip (Mandarin played to tiny.en, say) then now and again came back as a sampled transcript that
  passed the server's trust checks. Without it a transcript is the same on every run and the
  checks judge what the model really heard.
  ``word_timestamps`` (optional, default false) adds ``words`` to each segment:
  ``[{"start", "end", "word", "probability"}]`` from faster-whisper's cross-attention
  alignment (the server maps them onto the input text for captions).
- ``language``: an ISO 639-1 code (a region suffix such as ``en-US`` is dropped). For an
  English-only model (``*.en``) only ``en`` is accepted (faster-whisper would silently
  switch to English otherwise). ``language_probability`` is ``null`` whenever the
  language was not detected (English-only model, or language given by the caller):
  faster-whisper reports a placeholder 1.0 in those cases, which is not a measurement.
- ``initial_prompt`` (optional, at most 500 characters) is passed on as Whisper's prompt;
  the Swift side sends a short Simplified-Chinese sentence for Mandarin, because Whisper
  otherwise writes Mandarin in Traditional or Simplified characters at random.
- ``detect_language`` answers the model's own language identification of the first 30 s
  (one encoder pass and one decoder step): ``language``, ``language_probability`` and the
  five likeliest ``candidates``. English-only models refuse it with ``bad_request``.
- Cancellation is checked between segments (faster-whisper decodes lazily, one 30 s
  window at a time), so a cancel takes effect within one window's decoding time.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ["HF_HUB_OFFLINE"] = "1"  # before anything can import huggingface_hub
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from worker_protocol import (  # noqa: E402
    BadRequest,
    ModelError,
    NotLoaded,
    Request,
    serve,
    WorkerError,
    as_int,
    decode_audio,
    first_line,
    setup_logging,
)

SAMPLE_RATE = 16_000
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
COMPUTE_TYPES = ("default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16",
                 "int16", "float16", "bfloat16", "float32")


class WhisperEngine:
    """One faster-whisper model, loaded on demand, used from the main thread only."""

    def __init__(self, log: Any) -> None:
        self.log = log
        self.model: Any = None
        self.info: dict[str, Any] | None = None
        self._lock = threading.Lock()  # guards self.model for health on the reader thread

    def is_loaded(self) -> bool:
        return self.model is not None

    def health_extra(self) -> dict[str, Any]:
        info = self.info
        return {"model": info["path"]} if info else {}

    # -- ops ------------------------------------------------------------------

    def load(self, req: Request) -> dict[str, Any]:
        spec = req.require("model", dict)
        path = spec.get("path")
        if not isinstance(path, str) or not path:
            raise BadRequest("model.path must be the directory of a CTranslate2 Whisper model")
        directory = Path(path)
        if not directory.is_dir():
            raise BadRequest(f"model directory not found: {path}")
        missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
        if missing:
            raise BadRequest(f"model directory lacks {', '.join(missing)}: {path}")
        device = spec.get("device", "cpu")
        if device not in ("cpu", "cuda", "auto"):
            raise BadRequest("model.device must be cpu, cuda or auto")
        compute_type = spec.get("compute_type", "int8")
        if compute_type not in COMPUTE_TYPES:
            raise BadRequest(f"model.compute_type must be one of {', '.join(COMPUTE_TYPES)}")
        threads = as_int(spec.get("cpu_threads", 0), "model.cpu_threads", 0, 256)

        try:
            from faster_whisper import WhisperModel  # noqa: PLC0415 - heavy, load lazily
        except ImportError as exc:
            raise ModelError(f"faster-whisper is not installed in this Python: {exc}") from None

        started = time.monotonic()
        self.unload_model()
        try:
            model = WhisperModel(str(directory), device=device, compute_type=compute_type,
                                 cpu_threads=threads, local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any library failure is a model error
            self.log.exception("loading %s failed", directory)
            raise ModelError(f"could not load Whisper model: {type(exc).__name__}: "
                             f"{first_line(str(exc), None)}") from None
        multilingual = bool(model.model.is_multilingual)
        with self._lock:
            self.model = model
            self.info = {
                "path": str(directory.resolve()),
                "device": device,
                "compute_type": compute_type,
                "cpu_threads": threads,
                "multilingual": multilingual,
                "languages": list(model.supported_languages),
                "sample_rate": SAMPLE_RATE,
                "load_seconds": round(time.monotonic() - started, 3),
            }
        self.log.info("loaded %s (%s, %s, multilingual=%s) in %.2f s", directory, device,
                      compute_type, multilingual, self.info["load_seconds"])
        return {"info": self.info}

    def unload_model(self) -> bool:
        with self._lock:
            was = self.model is not None
            self.model = None
            self.info = None
        return was

    def unload(self, req: Request) -> dict[str, Any]:
        was = self.unload_model()
        self.log.info("unloaded (was loaded: %s)", was)
        return {"unloaded": was}

    def _audio(self, req: Request) -> np.ndarray:
        samples, rate = decode_audio(req.require("audio"))
        if rate != SAMPLE_RATE:
            raise BadRequest(f"audio.sample_rate must be {SAMPLE_RATE} (got {rate}); resample first")
        if samples.size == 0:
            raise BadRequest("audio is empty")
        return samples

    def detect_language(self, req: Request) -> dict[str, Any]:
        model = self.model
        if model is None:
            raise NotLoaded("no Whisper model loaded: send load first")
        if not (self.info and self.info["multilingual"]):
            raise BadRequest("this model is English-only: it cannot identify languages")
        samples = self._audio(req)
        try:
            language, probability, ranked = model.detect_language(audio=samples)
        except Exception as exc:  # noqa: BLE001
            self.log.exception("language identification failed")
            raise ModelError(f"language identification failed: {type(exc).__name__}") from None
        return {
            "language": language,
            "language_probability": round(float(probability), 4),
            "candidates": [[code, round(float(p), 4)] for code, p in ranked[:5]],
        }

    def transcribe(self, req: Request) -> dict[str, Any]:
        model = self.model
        if model is None:
            raise NotLoaded("no Whisper model loaded: send load first")
        samples = self._audio(req)
        prompt = req.get("initial_prompt")
        if prompt is not None and (not isinstance(prompt, str) or len(prompt) > 500):
            raise BadRequest("initial_prompt must be a string of at most 500 characters")

        multilingual = bool(self.info and self.info["multilingual"])
        language = req.get("language")
        if language is not None:
            if not isinstance(language, str) or not language.strip():
                raise BadRequest("language must be a language code such as 'en'")
            language = language.strip().lower().replace("_", "-").split("-")[0]
            if language not in model.supported_languages:
                if multilingual:
                    raise BadRequest(f"language '{language}' is not supported by this model")
                raise BadRequest(f"this model is English-only: language must be 'en', not '{language}'")
        beam_size = as_int(req.get("beam_size", 1), "beam_size", 1, 16)
        words = req.get("word_timestamps", False)
        if not isinstance(words, bool):
            raise BadRequest("word_timestamps must be true or false")

        req.check_cancelled()
        started = time.monotonic()
        try:
            segments_iter, info = model.transcribe(
                samples,
                language=language,
                beam_size=beam_size,
                temperature=0.0,
                vad_filter=False,
                condition_on_previous_text=False,
                word_timestamps=words,
                initial_prompt=prompt or None,
            )
            segments: list[dict[str, Any]] = []
            for seg in segments_iter:  # decoded lazily: one window per step
                segment = {
                    "start": round(float(seg.start), 3),
                    "end": round(float(seg.end), 3),
                    "text": seg.text.strip(),
                    "avg_logprob": float(seg.avg_logprob),
                    "no_speech_prob": float(seg.no_speech_prob),
                    "compression_ratio": float(seg.compression_ratio),
                }
                if words:
                    segment["words"] = [{
                        "start": round(float(w.start), 3),
                        "end": round(float(w.end), 3),
                        "word": w.word,
                        "probability": round(float(w.probability), 4),
                    } for w in (seg.words or [])]
                segments.append(segment)
                req.check_cancelled()
        except WorkerError:  # cancelled between segments
            raise
        except Exception as exc:  # noqa: BLE001
            self.log.exception("transcription failed")
            raise ModelError(f"transcription failed: {type(exc).__name__}") from None

        detected = multilingual and language is None
        text = " ".join(s["text"] for s in segments if s["text"])
        elapsed = time.monotonic() - started
        self.log.info("transcribed %.2f s of audio in %.2f s (%d segments)",
                      info.duration, elapsed, len(segments))
        return {
            "text": text,
            "language": info.language,
            "language_probability": float(info.language_probability) if detected else None,
            "duration": round(float(info.duration), 3),
            "segments": segments,
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="faster-whisper worker (JSON Lines on stdin/stdout)")
    parser.add_argument("--name", default="whisper", help="name used in log lines")
    args = parser.parse_args(argv)
    log = setup_logging(args.name)
    engine = WhisperEngine(log)
    ops = {"load": engine.load, "unload": engine.unload, "transcribe": engine.transcribe, "detect_language": engine.detect_language}
    serve("whisper", args.name, engine, ops, log)


if __name__ == "__main__":
    main()
