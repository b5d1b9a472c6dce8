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

The weights are read without torch by a restricted unpickler (:func:`load_torch_state_dict`)
that understands both of torch's file formats (the legacy stream Resemblyzer ships and the
zip archive of newer torch versions) and resolves only the three names a float32
``state_dict`` needs (``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2`` and
``torch.FloatStorage``); any other global in the file makes loading fail.
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import pickle
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

# One BLAS thread unless the environment says otherwise (before numpy is imported). The
# matrices are small (a batch of partials x 256 x 1024 per LSTM step): more threads gain
# little on an idle machine, and OpenBLAS's spinning threads made it 5-10x slower when the
# cores were busy with anything else (a build, another worker).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from worker_protocol import (  # noqa: E402
    BadRequest,
    ModelError,
    NotLoaded,
    Request,
    serve,
    decode_audio,
    setup_logging,
)

# -- Resemblyzer hyper-parameters (hparams.py) --------------------------------------------

SAMPLE_RATE = 16_000
MEL_WINDOW_MS = 25
MEL_STEP_MS = 10
MEL_CHANNELS = 40
PARTIAL_FRAMES = 160            # 1.6 s per partial utterance
PARTIALS_PER_SECOND = 1.3       # embed_utterance(rate=1.3)
MIN_COVERAGE = 0.75             # embed_utterance(min_coverage=0.75)
VAD_WINDOW_MS = 30
VAD_MOVING_AVERAGE_WIDTH = 8
VAD_MAX_SILENCE_WINDOWS = 6
NORM_TARGET_DBFS = -30.0
HIDDEN = 256
EMBEDDING = 256
LAYERS = 3

N_FFT = SAMPLE_RATE * MEL_WINDOW_MS // 1000      # 400
HOP = SAMPLE_RATE * MEL_STEP_MS // 1000          # 160
VAD_WINDOW = SAMPLE_RATE * VAD_WINDOW_MS // 1000  # 480

# -- Our own choices ---------------------------------------------------------------------

MAX_INPUT_SECONDS = 60.0        # longer input: its first 60 s are used
MIN_SPEECH_SECONDS = 0.5        # less than this after trimming: bad_request
VAD_FLOOR_DBFS = -60.0          # a window quieter than this is never speech
VAD_NOISE_PERCENTILE = 10.0     # noise floor estimate: this percentile of window levels
VAD_ABOVE_NOISE_DB = 10.0       # voiced = this much above the noise floor
BATCH_PARTIALS = 40             # partials per LSTM batch (bounds memory: ~25 MB of gates)
CANCEL_CHECK_STEPS = 16         # check cancellation every this many time steps

#: Names and shapes the encoder needs from the checkpoint's state_dict.
EXPECTED_SHAPES: dict[str, tuple[int, ...]] = {}
for _layer in range(LAYERS):
    _inputs = MEL_CHANNELS if _layer == 0 else HIDDEN
    EXPECTED_SHAPES[f"lstm.weight_ih_l{_layer}"] = (4 * HIDDEN, _inputs)
    EXPECTED_SHAPES[f"lstm.weight_hh_l{_layer}"] = (4 * HIDDEN, HIDDEN)
    EXPECTED_SHAPES[f"lstm.bias_ih_l{_layer}"] = (4 * HIDDEN,)
    EXPECTED_SHAPES[f"lstm.bias_hh_l{_layer}"] = (4 * HIDDEN,)
EXPECTED_SHAPES["linear.weight"] = (EMBEDDING, HIDDEN)
EXPECTED_SHAPES["linear.bias"] = (EMBEDDING,)


# =========================================================================================
# Loading torch checkpoints without torch
# =========================================================================================

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
MAX_STORAGE_ELEMENTS = 1 << 28  # 1 GiB of float32: far above any encoder checkpoint


class CheckpointError(Exception):
    """The file is not a torch checkpoint this loader can (or is willing to) read."""


class _Refuse:
    """Objects the unpickler creates itself: a BUILD opcode may not change them."""

    def __setstate__(self, state: Any) -> None:
        raise CheckpointError("malformed checkpoint (state set on a storage or tensor)")


class _FloatStorageType(_Refuse):
    """Stands for ``torch.FloatStorage`` while unpickling (only ever compared by identity)."""


class _Storage(_Refuse):
    """A float32 storage whose bytes may arrive after the pickle (legacy format)."""

    def __init__(self, numel: int) -> None:
        self.numel = numel
        self.data: np.ndarray | None = None
        self.view_of: tuple[_Storage, int] | None = None  # (root, element offset)

    def array(self) -> np.ndarray:
        if self.view_of is not None:
            root, offset = self.view_of
            return root.array()[offset:offset + self.numel]
        if self.data is None:
            raise CheckpointError("a storage's data is missing from the file")
        return self.data


class _LazyTensor(_Refuse):
    """What ``_rebuild_tensor_v2`` returns: a strided view resolved once the data is read."""

    def __init__(self, storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...]) -> None:
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def materialise(self) -> np.ndarray:
        flat = self.storage.array()
        if any(s < 0 for s in self.size) or any(s < 0 for s in self.stride) or self.offset < 0:
            raise CheckpointError("negative tensor size, stride or offset")
        if 0 in self.size:
            return np.zeros(self.size, dtype=np.float32)
        if int(np.prod(self.size, dtype=object)) > MAX_STORAGE_ELEMENTS:
            raise CheckpointError("tensor too large")
        last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride))
        if last >= flat.size:
            raise CheckpointError("a tensor reaches past the end of its storage")
        item = flat.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[self.offset:], shape=self.size, strides=tuple(s * item for s in self.stride),
            writeable=False)
        return np.array(view, dtype=np.float32, order="C")  # a copy: the storage may be dropped


def _rebuild_tensor_v2(storage: Any, storage_offset: Any, size: Any, stride: Any,
                       requires_grad: Any = False, backward_hooks: Any = None,
                       metadata: Any = None) -> _LazyTensor:
    """Stand-in for ``torch._utils._rebuild_tensor_v2``: checks its arguments' types."""
    if not isinstance(storage, _Storage):
        raise CheckpointError("tensor without a storage")
    if not (isinstance(storage_offset, int) and isinstance(size, tuple) and isinstance(stride, tuple)
            and len(size) == len(stride) and all(isinstance(v, int) for v in size + stride)):
        raise CheckpointError("malformed tensor description")
    return _LazyTensor(storage, storage_offset, size, stride)


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles a float32 state_dict; refuses every global it does not know.

    ``storage_source`` is ``None`` for the legacy format (storages are filled in after the
    pickle) or a callable ``key -> bytes`` for the zip format.
    """

    ALLOWED = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch", "FloatStorage"): _FloatStorageType,
    }

    def __init__(self, file: BinaryIO, storage_source: Any = None) -> None:
        super().__init__(file)
        self.storage_source = storage_source
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise CheckpointError(f"refusing to load {module}.{name} from a model file") from None

    def persistent_load(self, pid: Any) -> _Storage:
        # Legacy: ('storage', type, root_key, location, numel, view_metadata)
        # Zip:    ('storage', type, key, location, numel)
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"):
            raise CheckpointError(f"unsupported persistent id {str(pid)[:80]}")
        storage_type, key, _location, numel = pid[1:5]
        if storage_type is not _FloatStorageType:
            raise CheckpointError("only float32 storages are supported")
        if not isinstance(key, str) or not isinstance(numel, int) or not 0 <= numel <= MAX_STORAGE_ELEMENTS:
            raise CheckpointError("malformed storage description")
        root = self.storages.get(key)
        if root is None:
            root = _Storage(numel)
            if self.storage_source is not None:
                raw = self.storage_source(key)
                if len(raw) != numel * 4:
                    raise CheckpointError(f"storage {key} holds {len(raw)} bytes, expected {numel * 4}")
                root.data = np.frombuffer(raw, dtype="<f4")
            self.storages[key] = root
        elif root.numel != numel:
            raise CheckpointError(f"storage {key} described with two sizes")
        view = pid[5] if len(pid) == 6 else None
        if view is None:
            return root
        if not (isinstance(view, tuple) and len(view) == 3 and isinstance(view[0], str)
                and isinstance(view[1], int) and isinstance(view[2], int)
                and 0 <= view[1] and view[1] + view[2] <= numel):
            raise CheckpointError("malformed storage view")
        view_key, offset, view_numel = view
        existing = self.storages.get(view_key)
        if existing is None:
            existing = _Storage(view_numel)
            existing.view_of = (root, offset)
            self.storages[view_key] = existing
        return existing


def _header_load(f: BinaryIO) -> Any:
    """One of the legacy format's small header pickles: no globals allowed at all."""
    unpickler = _RestrictedUnpickler(f)
    unpickler.ALLOWED = {}
    return unpickler.load()


def _load_legacy(f: BinaryIO) -> Any:
    if _header_load(f) != LEGACY_MAGIC:
        raise CheckpointError("not a torch checkpoint (bad magic number)")
    if _header_load(f) != LEGACY_PROTOCOL:
        raise CheckpointError("unsupported torch serialization protocol")
    sys_info = _header_load(f)
    if not isinstance(sys_info, dict) or sys_info.get("little_endian") is not True:
        raise CheckpointError("only little-endian checkpoints are supported")
    main = _RestrictedUnpickler(f)
    result = main.load()
    keys = _header_load(f)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise CheckpointError("malformed storage key list")
    for key in keys:  # each: int64 element count, then the raw little-endian float32 data
        storage = main.storages.get(key)
        if storage is None or storage.view_of is not None:
            raise CheckpointError(f"storage {key} listed but never used")
        head = f.read(8)
        if len(head) != 8:
            raise CheckpointError("file ends inside the storage data")
        numel = int.from_bytes(head, "little", signed=True)
        if numel != storage.numel:
            raise CheckpointError(f"storage {key}: {numel} elements on disk, {storage.numel} expected")
        raw = f.read(numel * 4)
        if len(raw) != numel * 4:
            raise CheckpointError("file ends inside the storage data")
        storage.data = np.frombuffer(raw, dtype="<f4")
    return result


def _load_zip(path: Path) -> Any:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise CheckpointError("zip checkpoint without exactly one <archive>/data.pkl")
        prefix = pickles[0][: -len("data.pkl")]
        order = archive.read(prefix + "byteorder").decode() if prefix + "byteorder" in names else "little"
        if order != "little":
            raise CheckpointError("only little-endian checkpoints are supported")

        def read_storage(key: str) -> bytes:
            name = f"{prefix}data/{key}"
            if name not in names:
                raise CheckpointError(f"storage {key} missing from the archive")
            return archive.read(name)

        return _RestrictedUnpickler(io.BytesIO(archive.read(pickles[0])), read_storage).load()


def load_torch_state_dict(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The float32 ``state_dict`` in a torch checkpoint, as numpy arrays, without torch.

    Accepts a bare state_dict or a dict holding one under ``model_state`` / ``state_dict``
    (Resemblyzer's file is ``{"step", "model_state", "optimizer_state"}``: only
    ``model_state`` is materialised). Raises :class:`CheckpointError` for anything else.
    """
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            obj = _load_zip(path)
        else:
            with open(path, "rb") as f:
                obj = _load_legacy(f)
    except CheckpointError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, AttributeError,
            IndexError, OverflowError, RecursionError, MemoryError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"unreadable checkpoint: {type(exc).__name__}: {exc}") from None
    if isinstance(obj, dict):
        for key in ("model_state", "state_dict"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not all(isinstance(k, str) for k in obj):
        raise CheckpointError("the checkpoint holds no state_dict")
    return {k: v.materialise() for k, v in obj.items() if isinstance(v, _LazyTensor)}


# =========================================================================================
# Audio preprocessing and features (Resemblyzer's audio.py, librosa's defaults)
# =========================================================================================


def _hz_to_mel(freqs: np.ndarray) -> np.ndarray:
    """librosa.hz_to_mel(htk=False): linear below 1 kHz, logarithmic above (Slaney)."""
    freqs = np.asarray(freqs, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = freqs / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    log_t = freqs >= min_log_hz
    mels[log_t] = min_log_mel + np.log(freqs[log_t] / min_log_hz) / logstep
    return mels


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    """librosa.mel_to_hz(htk=False)."""
    mels = np.asarray(mels, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * mels
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    log_t = mels >= min_log_mel
    freqs[log_t] = min_log_hz * np.exp(logstep * (mels[log_t] - min_log_mel))
    return freqs


def mel_filter_bank(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = MEL_CHANNELS) -> np.ndarray:
    """librosa.filters.mel(sr, n_fft, n_mels) with its defaults (fmin 0, fmax sr/2,
    Slaney scale, Slaney norm): shape (n_mels, 1 + n_fft // 2)."""
    fft_freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(np.array([0.0]))[0],
                                   _hz_to_mel(np.array([sr / 2.0]))[0], n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fft_freqs)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]  # Slaney area norm
    return weights.astype(np.float32)


MEL_BASIS = mel_filter_bank()
MEL_BASIS_T64 = MEL_BASIS.T.astype(np.float64)
MEL_BLOCK_FRAMES = 1000
#: scipy.signal.get_window("hann", N_FFT, fftbins=True): the periodic Hann window.
HANN = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float64)


def mel_spectrogram(wav: np.ndarray) -> np.ndarray:
    """Resemblyzer's wav_to_mel_spectrogram: (frames, 40) float32, linear power mel.

    = librosa.feature.melspectrogram(y=wav, sr=16000, n_fft=400, hop_length=160, n_mels=40)
    with librosa 0.7/0.8 defaults (center=True, pad_mode="reflect", power=2), transposed.
    """
    padded = np.pad(np.asarray(wav, dtype=np.float32), N_FFT // 2, mode="reflect")
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:n_frames]
    mel = np.empty((n_frames, MEL_CHANNELS), np.float32)
    for start in range(0, n_frames, MEL_BLOCK_FRAMES):  # in blocks: bounded float64 temporaries
        block = frames[start:start + MEL_BLOCK_FRAMES]
        power = np.abs(np.fft.rfft(block * HANN, axis=1)) ** 2  # (frames, 201), float64
        mel[start:start + len(block)] = power @ MEL_BASIS_T64
    return mel


def normalize_volume(wav: np.ndarray, target_dbfs: float = NORM_TARGET_DBFS) -> np.ndarray:
    """Resemblyzer's normalize_volume(increase_only=True): gain up to ``target_dbfs`` RMS."""
    rms = float(np.sqrt(np.mean(np.square(wav, dtype=np.float64)))) if wav.size else 0.0
    if rms <= 0.0:
        return wav  # digital silence: upstream would produce NaN; it is rejected later
    change = target_dbfs - 20.0 * np.log10(rms)
    if change < 0:
        return wav
    return (wav * np.float32(10.0 ** (change / 20.0))).astype(np.float32)


def _moving_average(array: np.ndarray, width: int) -> np.ndarray:
    """Verbatim from Resemblyzer's trim_long_silences."""
    array_padded = np.concatenate((np.zeros((width - 1) // 2), array, np.zeros(width // 2)))
    ret = np.cumsum(array_padded, dtype=float)
    ret[width:] = ret[width:] - ret[:-width]
    return ret[width - 1:] / width


def voice_flags(wav: np.ndarray) -> np.ndarray:
    """Per 30 ms window: is it voiced? (Our energy stand-in for webrtcvad, see the docstring.)

    ``wav`` must be a whole number of windows long and at its input level (before volume
    normalisation, so that the absolute floor means what it says).
    """
    windows = wav.reshape(-1, VAD_WINDOW).astype(np.float64)
    level = 10.0 * np.log10(np.mean(windows * windows, axis=1) + 1e-20)
    if level.size == 0:
        return np.zeros(0, dtype=bool)
    threshold = max(VAD_FLOOR_DBFS, float(np.percentile(level, VAD_NOISE_PERCENTILE)) + VAD_ABOVE_NOISE_DB)
    return level > threshold


def trim_long_silences(wav: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Resemblyzer's trim_long_silences, given per-window voice flags.

    Cuts ``wav`` to a whole number of 30 ms windows, smooths the flags (moving average of
    8, rounded), dilates them by 3 windows each side and keeps the samples they cover.
    """
    wav = wav[:len(wav) - (len(wav) % VAD_WINDOW)]
    if flags.size == 0:
        return wav[:0]
    mask = np.round(_moving_average(flags.astype(np.float64), VAD_MOVING_AVERAGE_WIDTH)).astype(bool)
    # scipy.ndimage.binary_dilation(mask, np.ones(7)): any voiced window within +-3 (a
    # "full" convolution cut back to the input's length; "same" would not be when the
    # input is shorter than the structure).
    reach = VAD_MAX_SILENCE_WINDOWS // 2
    dilated = np.convolve(mask.astype(np.int32), np.ones(VAD_MAX_SILENCE_WINDOWS + 1, np.int32), "full")
    mask = dilated[reach:reach + len(mask)] > 0
    return wav[np.repeat(mask, VAD_WINDOW)]


def preprocess(wav: np.ndarray) -> np.ndarray:
    """Resemblyzer's preprocess_wav for 16 kHz input: normalise volume, trim long silences."""
    whole = wav[:len(wav) - (len(wav) % VAD_WINDOW)]
    flags = voice_flags(whole)
    return trim_long_silences(normalize_volume(wav), flags)


def compute_partial_slices(n_samples: int, rate: float = PARTIALS_PER_SECOND,
                           min_coverage: float = MIN_COVERAGE) -> tuple[list[slice], list[slice]]:
    """Verbatim from Resemblyzer's VoiceEncoder.compute_partial_slices: (wav, mel) slices."""
    assert 0 < min_coverage <= 1
    samples_per_frame = int((SAMPLE_RATE * MEL_STEP_MS / 1000))
    n_frames = int(np.ceil((n_samples + 1) / samples_per_frame))
    frame_step = int(np.round((SAMPLE_RATE / rate) / samples_per_frame))
    assert 0 < frame_step <= PARTIAL_FRAMES
    wav_slices, mel_slices = [], []
    steps = max(1, n_frames - PARTIAL_FRAMES + frame_step + 1)
    for i in range(0, steps, frame_step):
        mel_range = np.array([i, i + PARTIAL_FRAMES])
        wav_range = mel_range * samples_per_frame
        mel_slices.append(slice(*mel_range))
        wav_slices.append(slice(*wav_range))
    last_wav_range = wav_slices[-1]
    coverage = (n_samples - last_wav_range.start) / (last_wav_range.stop - last_wav_range.start)
    if coverage < min_coverage and len(mel_slices) > 1:
        mel_slices = mel_slices[:-1]
        wav_slices = wav_slices[:-1]
    return wav_slices, mel_slices


# =========================================================================================
# The encoder
# =========================================================================================


class VoiceEncoder:
    """Resemblyzer's VoiceEncoder forward pass and embed_utterance, in float32 numpy."""

    def __init__(self, state: dict[str, np.ndarray]) -> None:
        missing = [k for k in EXPECTED_SHAPES if k not in state]
        if missing:
            raise CheckpointError(f"checkpoint lacks {', '.join(missing)}")
        for name, shape in EXPECTED_SHAPES.items():
            if tuple(state[name].shape) != shape:
                raise CheckpointError(f"{name} has shape {tuple(state[name].shape)}, expected {shape}")
            if not np.isfinite(state[name]).all():
                raise CheckpointError(f"{name} holds NaN or infinite values")
        f32 = np.float32
        # PyTorch stacks the gates as i, f, g, o; reorder the rows to i, f, o, g so that the
        # three sigmoid gates are one contiguous block (one call instead of three per step).
        order = np.r_[0:2 * HIDDEN, 3 * HIDDEN:4 * HIDDEN, 2 * HIDDEN:3 * HIDDEN]
        self.w_ih_t = [np.ascontiguousarray(state[f"lstm.weight_ih_l{i}"][order].T, dtype=f32) for i in range(LAYERS)]
        self.w_hh_t = [np.ascontiguousarray(state[f"lstm.weight_hh_l{i}"][order].T, dtype=f32) for i in range(LAYERS)]
        self.bias = [(state[f"lstm.bias_ih_l{i}"] + state[f"lstm.bias_hh_l{i}"])[order].astype(f32) for i in range(LAYERS)]
        self.lin_w_t = np.ascontiguousarray(state["linear.weight"].T, dtype=f32)
        self.lin_b = state["linear.bias"].astype(f32)

    def forward(self, mels: np.ndarray, check: Any = None) -> np.ndarray:
        """(batch, frames, 40) mel spectrograms -> (batch, 256) L2-normalised embeddings.

        ``check`` (optional callable) is called between layers and every few time steps;
        it may raise to abandon the computation (cancellation).
        """
        batch, steps, _ = mels.shape
        # Time-major for the recurrence: x[t] is one contiguous (batch, features) block.
        x = np.ascontiguousarray(mels.transpose(1, 0, 2), dtype=np.float32)
        gates = np.empty((batch, 4 * HIDDEN), np.float32)
        tmp = np.empty((batch, HIDDEN), np.float32)
        for layer in range(LAYERS):
            if check:
                check()
            # Input projection (and both biases) for every time step at once.
            proj = x.reshape(steps * batch, -1) @ self.w_ih_t[layer]
            proj += self.bias[layer]
            proj = proj.reshape(steps, batch, 4 * HIDDEN)
            w_hh_t = self.w_hh_t[layer]
            out = np.empty((steps, batch, HIDDEN), np.float32)
            h = np.zeros((batch, HIDDEN), np.float32)
            c = np.zeros((batch, HIDDEN), np.float32)
            sig = gates[:, :3 * HIDDEN]  # i, f, o after the reordering in __init__
            i, f, o = gates[:, :HIDDEN], gates[:, HIDDEN:2 * HIDDEN], gates[:, 2 * HIDDEN:3 * HIDDEN]
            g = gates[:, 3 * HIDDEN:]
            for t in range(steps):
                if check and t % CANCEL_CHECK_STEPS == 0:
                    check()
                np.matmul(h, w_hh_t, out=gates)
                gates += proj[t]
                # sigmoid(x) = 0.5 * (1 + tanh(x / 2)): no overflow, in place.
                sig *= 0.5
                np.tanh(sig, out=sig)
                sig += 1.0
                sig *= 0.5
                np.tanh(g, out=g)
                c *= f                    # c = f * c + i * g
                np.multiply(i, g, out=tmp)
                c += tmp
                np.tanh(c, out=tmp)       # h = o * tanh(c)
                h = out[t]
                np.multiply(o, tmp, out=h)
            del proj  # before the next layer allocates its own
            x = out
        embeds = np.maximum(h @ self.lin_w_t + self.lin_b, 0.0)  # final hidden state of the last layer
        norms = np.maximum(np.linalg.norm(embeds, axis=1, keepdims=True), 1e-12)
        return (embeds / norms).astype(np.float32)

    def embed_utterance(self, wav: np.ndarray, check: Any = None) -> tuple[np.ndarray, int]:
        """A preprocessed 16 kHz waveform -> (256-d unit embedding, number of partials)."""
        wav_slices, mel_slices = compute_partial_slices(len(wav))
        max_wave_length = wav_slices[-1].stop
        if max_wave_length >= len(wav):
            wav = np.pad(wav, (0, max_wave_length - len(wav)), "constant")
        mel = mel_spectrogram(wav)
        mels = np.stack([mel[s] for s in mel_slices])
        partial = [self.forward(mels[i:i + BATCH_PARTIALS], check)
                   for i in range(0, len(mels), BATCH_PARTIALS)]
        raw = np.concatenate(partial).mean(axis=0)
        return (raw / max(float(np.linalg.norm(raw)), 1e-12)).astype(np.float32), len(mel_slices)


# =========================================================================================
# Worker
# =========================================================================================


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
