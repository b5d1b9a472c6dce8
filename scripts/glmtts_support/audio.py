"""WAV helpers."""
import io
import wave


def wav_seconds(data: bytes) -> float:
    """The duration in seconds of a WAV file held in `data`."""
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()
