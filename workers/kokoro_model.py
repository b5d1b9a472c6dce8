"""The Kokoro-82M ONNX model for the Kokoro worker: session, vocabulary, voices, inference,
and the audio-side helpers (cutting long phoneme strings, trimming silence, stopping a
running inference on cancel).
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from kokoro_text import PUNCTUATION, pack
from worker_protocol import Request

SAMPLE_RATE = 24_000
MAX_TOKENS = 510                      # phoneme tokens per inference (512 with the two pads)
TRIM_THRESHOLD = 0.01
TRIM_PAD = int(0.03 * SAMPLE_RATE)    # keep 30 ms around the speech
PIECE_GAP = int(0.1 * SAMPLE_RATE)    # between the pieces of one over-long sentence


def split_for_model(phonemes: str, limit: int = MAX_TOKENS) -> list[str]:
    """Cut a phoneme string into pieces of at most ``limit`` characters (= tokens).

    At punctuation first, then at spaces, then anywhere; pieces are packed greedily.
    """
    if len(phonemes) <= limit:
        return [phonemes]
    out: list[str] = []
    for clause in pack(re.split(r"(?<=[,.!?;:…—])\s+", phonemes), " ", limit):
        if len(clause) <= limit:
            out.append(clause)
            continue
        for piece in pack(clause.split(" "), " ", limit):
            out.extend(piece[i:i + limit] for i in range(0, len(piece), limit))
    return [p for p in (p.strip() for p in out) if p]


def trim_silence(audio: np.ndarray, threshold: float = TRIM_THRESHOLD, pad: int = TRIM_PAD) -> np.ndarray:
    """Drop leading and trailing near-silence, keeping ``pad`` samples around the speech."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio
    return audio[max(0, loud[0] - pad): loud[-1] + 1 + pad]


def has_sound(phonemes: str) -> bool:
    """Whether a phoneme string has anything but spaces and punctuation to say."""
    return any(c not in PUNCTUATION and c not in ' "“”()' for c in phonemes)


class Kokoro:
    """The ONNX session, vocabulary and voices."""

    def __init__(self, model: Path, voices: Path, vocab: Path, threads: int, spin: bool) -> None:
        self.session = self._session(model, threads, spin)
        self.vocab = self._vocab(vocab)
        self.voices = self._voices(voices)

    @staticmethod
    def _session(model: Path, threads: int, spin: bool) -> Any:
        import onnxruntime as ort  # noqa: PLC0415

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        options.log_severity_level = 3
        return ort.InferenceSession(str(model), sess_options=options,
                                    providers=["CPUExecutionProvider"])

    @staticmethod
    def _vocab(path: Path) -> dict[str, int]:
        data = json.loads(path.read_text(encoding="utf-8"))
        vocab = data.get("vocab", data) if isinstance(data, dict) else None
        if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
            raise ValueError("vocab file must map phonemes to ids (optionally under 'vocab')")
        return vocab

    @staticmethod
    def _voices(path: Path) -> dict[str, np.ndarray]:
        with np.load(path, allow_pickle=False) as npz:
            voices = {name: np.asarray(npz[name], dtype=np.float32).reshape(-1, 256)
                      for name in npz.files}
        if not voices:
            raise ValueError("the voices file holds no voices")
        return voices

    def filter(self, phonemes: str) -> str:
        """Only the characters the model knows."""
        return "".join(c for c in phonemes if c in self.vocab)

    @staticmethod
    def run_options() -> Any:
        """Fresh run options; setting their ``terminate`` stops a running inference."""
        import onnxruntime as ort  # noqa: PLC0415

        return ort.RunOptions()

    def infer(self, phonemes: str, voice: str, speed: float, run_options: Any = None) -> np.ndarray:
        """Audio (float32, 24 kHz) for at most :data:`MAX_TOKENS` known phonemes."""
        tokens = [self.vocab[c] for c in phonemes if c in self.vocab][:MAX_TOKENS]
        if not tokens:
            return np.zeros(0, np.float32)
        style = self.voices[voice]
        audio = self.session.run(None, {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": style[min(len(tokens), len(style)) - 1].reshape(1, 256),
            "speed": np.array([speed], dtype=np.float32),
        }, run_options)[0]
        return np.asarray(audio, dtype=np.float32).reshape(-1)


class CancelWatch:
    """While active, stops the running inference as soon as the request is cancelled.

    ``cancel`` only sets ``req.cancelled`` (on the reader thread); checking it between
    sentences would leave a long sentence running for seconds. This helper thread sets
    ONNX Runtime's ``RunOptions.terminate``, which makes ``session.run`` fail at once.
    """

    POLL_SECONDS = 0.05

    def __init__(self, req: Request, run_options: Any) -> None:
        self.req = req
        self.run_options = run_options
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="cancel-watch", daemon=True)

    def _watch(self) -> None:
        while not self._done.is_set():
            if self.req.cancelled.wait(self.POLL_SECONDS):
                self.run_options.terminate = True
                return

    def __enter__(self) -> "CancelWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
