"""Audio preprocessing and features for the speaker worker, as Resemblyzer 0.1.4 computes
them (its ``audio.py`` and ``hparams.py``, librosa's defaults), in numpy.

Volume normalisation and long-silence trimming (with our energy-based stand-in for
webrtcvad), the linear 40-band mel spectrogram, and the partial-utterance slices. The
speaker worker's docstring says what is reproduced exactly and what differs.
"""

from __future__ import annotations

import numpy as np

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

N_FFT = SAMPLE_RATE * MEL_WINDOW_MS // 1000      # 400
HOP = SAMPLE_RATE * MEL_STEP_MS // 1000          # 160
VAD_WINDOW = SAMPLE_RATE * VAD_WINDOW_MS // 1000  # 480

# -- Our own choices ---------------------------------------------------------------------

VAD_FLOOR_DBFS = -60.0          # a window quieter than this is never speech
VAD_NOISE_PERCENTILE = 10.0     # noise floor estimate: this percentile of window levels
VAD_ABOVE_NOISE_DB = 10.0       # voiced = this much above the noise floor


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
