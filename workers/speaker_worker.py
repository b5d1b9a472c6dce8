"""Speaker-embedding worker: Resemblyzer's GE2E voice encoder in plain numpy (docs/WORKERS.md).

Run (the Swift WorkerSupervisor does this)::

    .venv/bin/python workers/speaker_worker.py --name speaker --model PATH/pretrained.pt

then send ``load`` (``"model": {}``; an optional ``model.path`` overrides ``--model``) and
``embed`` requests::

    {"id": "2", "op": "embed", "audio": {"encoding": "pcm_s16le", "sample_rate": 16000,
     "channels": 1, "data": "<base64>"}}
    -> {"id": "2", "event": "result", "embedding": [256 floats], "seconds": 3.42, "partials": 3}

The embedding is a 256-d unit vector (all components >= 0, after the ReLU); the cosine
of two embeddings (their dot product) measures how alike two voices are. Measured on five
Kokoro voices (3-5 s sentences): one speaker, two sentences 0.87-0.94 (mean 0.91);
different speakers 0.45-0.88 (mean 0.66), the published figures being ~0.9 vs ~0.65.
``seconds`` is the length of what was embedded (the input after silence trimming),
``partials`` the number of 1.6 s partial utterances averaged.

What is reproduced exactly from Resemblyzer 0.1.4 (``voice_encoder.py``, ``audio.py``,
``hparams.py``), with the weights it ships (``pretrained.pt``):

- Features: a 40-band mel spectrogram of 16 kHz audio, 25 ms window (``n_fft`` = 400,
  periodic Hann), 10 ms hop, power 2, **linear (not log) magnitudes** - Resemblyzer calls
  ``librosa.feature.melspectrogram`` and uses its output as is. The mel filter bank is
  librosa's default: Slaney mel scale (``htk=False``), Slaney area normalisation, 0 Hz to
  8 kHz. Framing is librosa's ``center=True`` with **reflect** padding of ``n_fft // 2``:
  Resemblyzer 0.1.4 was written against librosa 0.7/0.8, whose ``melspectrogram`` default
  was ``pad_mode="reflect"`` (librosa 0.10 changed it to zeros; we keep the behaviour the
  weights were used with; it only touches the first and last 12.5 ms, and the embeddings
  of our fixtures agree to 5 decimals either way).
- Network: LSTM, 3 layers x 256 hidden, 40 inputs (PyTorch gate order i, f, g, o; bias
  ``b_ih + b_hh``; the rows are reordered to i, f, o, g at load time, which changes
  nothing but speed), the last layer's final hidden state -> Linear 256->256 -> ReLU -> L2
  normalisation.
- Utterance embedding (``embed_utterance``): partial utterances of 160 frames (1.6 s) at
  1.3 partials per second, the last one kept only if it covers at least 75 % of its
  window (``compute_partial_slices``, copied verbatim); the waveform is zero-padded to the
  end of the last partial before the mel spectrogram is taken; the partial embeddings are
  averaged and the mean is L2-normalised.
- Preprocessing (``preprocess_wav``): volume normalisation to -30 dBFS, increase only
  (the gain is computed over the whole clip, as upstream), then shortening of long
  silences with upstream's smoothing: 30 ms windows, a moving average over 8 windows,
  rounded, then dilated by 3 windows on each side, so each silence keeps at most 90 ms
  next to speech (180 ms between two voiced stretches).

  A consequence worth knowing (upstream's, kept): the features are linear, not log, and
  the volume normalisation only ever raises the level, so a clip louder than -30 dBFS RMS
  keeps its level and **loudness changes the embedding**: the same clip 20 dB quieter
  scored 0.82-0.94 against the original here. Compare clips at similar loudness.

What differs from Resemblyzer:

- **Voice activity**: upstream decides per 30 ms window with webrtcvad (mode 3). We use
  energy instead: a window is voiced when its RMS, measured on the input level, is above
  both -60 dBFS and the clip's noise floor (10th percentile of the window levels) + 10 dB.
  Smoothing and dilation afterwards are upstream's. This is cruder: steady noise or a
  steady tone is treated as silence, a loud non-speech sound as speech, and speech in heavy
  noise keeps only its louder parts. It matters little here: the Swift side trims the
  reference with Silero VAD before asking for an embedding, so this step mostly removes
  long pauses between sentences.
- Upstream converts to 16-bit after volume normalisation for webrtcvad, which wraps
  around for samples pushed past full scale; with no webrtcvad there is no such step.
- Resampling is not done here: audio must already be 16 kHz mono (the Swift side resamples).
- The input is capped at its first 60 s, and at least 0.5 s must remain after trimming.
- A partial whose ReLU output is all zero would make upstream divide by zero (NaN); here its
  norm is clamped to 1e-12, so it contributes a zero vector to the mean.
- float32 numpy instead of torch: results agree with upstream to float32 rounding, not
  bit for bit.

Speed: all partials of an utterance go through the LSTM together (one batch, in blocks of
``BATCH_PARTIALS``); each layer's input projection is one matrix product over all time
steps, so only the recurrent 160-step loop runs in Python, with in-place updates.
Cancellation is checked between blocks, layers and every 16 time steps. numpy's BLAS is
limited to one thread (``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``/``MKL_NUM_THREADS``
default to 1; set them in the worker's environment to change that).

The weights are read without torch by a restricted unpickler
(``speaker_checkpoint.load_torch_state_dict``) that understands both of torch's file
formats (the legacy stream Resemblyzer ships and the zip archive of newer torch versions)
and resolves only the three names a float32 ``state_dict`` needs
(``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2`` and
``torch.FloatStorage``); any other global in the file makes loading fail.

The code: this file holds the op handlers (:class:`SpeakerEngine`) and the command line;
``speaker_audio`` the preprocessing and features, ``speaker_encoder`` the network and
``speaker_checkpoint`` the restricted unpickler.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

# One BLAS thread unless the environment says otherwise (before numpy is imported). The
# matrices are small (a batch of partials x 256 x 1024 per LSTM step): more threads gain
# little on an idle machine, and OpenBLAS's spinning threads made it 5-10x slower when the
# cores were busy with anything else (a build, another worker).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from speaker_audio import SAMPLE_RATE, preprocess  # noqa: E402
from speaker_checkpoint import CheckpointError, load_torch_state_dict  # noqa: E402
from speaker_encoder import EMBEDDING, VoiceEncoder  # noqa: E402
from worker_protocol import (  # noqa: E402
    BadRequest,
    ModelError,
    NotLoaded,
    Request,
    serve,
    decode_audio,
    setup_logging,
)

MAX_INPUT_SECONDS = 60.0        # longer input: its first 60 s are used
MIN_SPEECH_SECONDS = 0.5        # less than this after trimming: bad_request


class SpeakerEngine:
    """One voice encoder, loaded on demand, used from the main thread only."""

    def __init__(self, log: Any, model_path: str | None) -> None:
        self.log = log
        self.default_path = model_path
        self.encoder: VoiceEncoder | None = None
        self.info: dict[str, Any] | None = None
        self.path: str | None = None
        self._lock = threading.Lock()  # guards the fields read by health on the reader thread

    def is_loaded(self) -> bool:
        return self.encoder is not None

    def health_extra(self) -> dict[str, Any]:
        path = self.path
        return {"model": path} if path else {}

    def load(self, req: Request) -> dict[str, Any]:
        spec = req.get("model", {})
        if not isinstance(spec, dict):
            raise BadRequest("model must be an object")
        path = spec.get("path", self.default_path)
        if not isinstance(path, str) or not path:
            raise BadRequest("no model: start the worker with --model PATH/pretrained.pt or give model.path")
        file = Path(path)
        if not file.is_file():
            raise BadRequest(f"speaker model not found: {path}")
        started = time.monotonic()
        try:
            encoder = VoiceEncoder(load_torch_state_dict(file))
        except CheckpointError as exc:
            raise ModelError(f"cannot load speaker model {path}: {exc}") from None
        except OSError as exc:
            raise ModelError(f"cannot read speaker model {path}: {exc.strerror or exc}") from None
        with self._lock:
            self.encoder = encoder
            self.path = str(file.resolve())
            self.info = {
                "dimensions": EMBEDDING,
                "sample_rate": SAMPLE_RATE,
                "load_seconds": round(time.monotonic() - started, 3),
            }
        self.log.info("loaded GE2E voice encoder %s in %.3f s", self.path, self.info["load_seconds"])
        return {"info": self.info}

    def unload(self, req: Request) -> dict[str, Any]:
        with self._lock:
            was = self.encoder is not None
            self.encoder = None
            self.info = None
            self.path = None
        self.log.info("unloaded (was loaded: %s)", was)
        return {"unloaded": was}

    def embed(self, req: Request) -> dict[str, Any]:
        encoder = self.encoder
        if encoder is None:
            raise NotLoaded("no speaker model loaded: send load first")
        samples, rate = decode_audio(req.require("audio"))
        if rate != SAMPLE_RATE:
            raise BadRequest(f"audio.sample_rate must be {SAMPLE_RATE} (got {rate}); resample first")
        if samples.size == 0:
            raise BadRequest("audio is empty")
        input_seconds = samples.size / SAMPLE_RATE
        limit = int(MAX_INPUT_SECONDS * SAMPLE_RATE)
        if samples.size > limit:
            samples = samples[:limit]
        started = time.monotonic()
        wav = preprocess(samples)
        seconds = len(wav) / SAMPLE_RATE
        if seconds < MIN_SPEECH_SECONDS:
            raise BadRequest(f"too little speech: {seconds:.2f} s left after trimming silences "
                             f"(of {min(input_seconds, MAX_INPUT_SECONDS):.2f} s), need at least "
                             f"{MIN_SPEECH_SECONDS} s")
        req.check_cancelled()
        embedding, partials = encoder.embed_utterance(wav, req.check_cancelled)
        if not np.isfinite(embedding).all():
            raise ModelError("the encoder produced a non-finite embedding")
        self.log.info("embedded %.2f s of speech (input %.2f s%s) in %d partials in %.3f s",
                      seconds, input_seconds,
                      f", first {MAX_INPUT_SECONDS:.0f} s used" if input_seconds > MAX_INPUT_SECONDS else "",
                      partials, time.monotonic() - started)
        return {
            "embedding": [round(float(v), 6) for v in embedding],
            "seconds": round(seconds, 3),
            "partials": partials,
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="GE2E speaker-embedding worker (JSON Lines on stdin/stdout)")
    parser.add_argument("--name", default="speaker", help="name used in log lines")
    parser.add_argument("--model", help="Resemblyzer's pretrained.pt (loaded on the 'load' op)")
    args = parser.parse_args(argv)
    log = setup_logging(args.name)
    engine = SpeakerEngine(log, args.model)
    ops = {"load": engine.load, "unload": engine.unload, "embed": engine.embed}
    serve("speaker", args.name, engine, ops, log)


if __name__ == "__main__":
    main()
