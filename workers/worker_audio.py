"""Audio as it travels inside protocol messages: base64 mono PCM objects (docs/WORKERS.md).

``{"encoding": "pcm_s16le" | "pcm_f32le", "sample_rate": N, "channels": 1, "data": "<base64>"}``
in, float32 numpy samples out, and back.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import numpy as np

from worker_errors import BadRequest, as_int

AUDIO_ENCODINGS = ("pcm_s16le", "pcm_f32le")


def decode_audio(obj: Any, *, what: str = "audio") -> tuple[np.ndarray, int]:
    """Decode a protocol audio object into ``(samples, sample_rate)``.

    ``samples`` is a 1-D float32 array in [-1, 1] (pcm_s16le is scaled by 1/32768;
    pcm_f32le is passed through). Raises :class:`BadRequest` for anything malformed:
    unknown encoding, channels other than 1, bad base64, a byte count that is not a
    whole number of samples, or non-finite float samples.
    """
    if not isinstance(obj, dict):
        raise BadRequest(f"{what} must be an object")
    encoding = obj.get("encoding")
    if encoding not in AUDIO_ENCODINGS:
        raise BadRequest(f"{what}.encoding must be one of {', '.join(AUDIO_ENCODINGS)}")
    rate = as_int(obj.get("sample_rate"), f"{what}.sample_rate", 1, 768_000)
    channels = obj.get("channels", 1)
    if channels is None or isinstance(channels, bool) or channels != 1:
        raise BadRequest(f"{what}.channels must be 1 (mono)")
    data = obj.get("data")
    if not isinstance(data, str):
        raise BadRequest(f"{what}.data must be a base64 string")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"{what}.data is not valid base64") from None
    if encoding == "pcm_s16le":
        if len(raw) % 2:
            raise BadRequest(f"{what}.data length is not a multiple of 2 bytes")
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    else:
        if len(raw) % 4:
            raise BadRequest(f"{what}.data length is not a multiple of 4 bytes")
        samples = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        if samples.size and not np.isfinite(samples).all():
            raise BadRequest(f"{what}.data contains NaN or infinite samples")
    return samples, rate


def encode_audio(samples: Any, sample_rate: int, encoding: str = "pcm_f32le") -> dict[str, Any]:
    """Encode mono samples (any float array-like, nominally [-1, 1]) as a protocol audio object.

    pcm_s16le clips to [-1, 1] and rounds; pcm_f32le keeps the values as float32.
    """
    if encoding not in AUDIO_ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}")
    arr = np.asarray(samples, dtype=np.float32).reshape(-1)
    if encoding == "pcm_s16le":
        raw = (np.clip(arr, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()
    else:
        raw = arr.astype("<f4").tobytes()
    return {
        "encoding": encoding,
        "sample_rate": int(sample_rate),
        "channels": 1,
        "data": base64.b64encode(raw).decode("ascii"),
    }
