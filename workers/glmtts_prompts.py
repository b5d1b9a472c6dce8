"""Voice prompts of the GLM-TTS worker: the features upstream derives from a reference clip
(prompt text tokens, prompt speech tokens, prompt mel features, CAM++ speaker embedding),
computed as upstream's callers do and kept in a small LRU by ``voice_key``.
"""

from __future__ import annotations

import os
import tempfile
import wave
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from worker_protocol import BadRequest, decode_audio

#: Upstream keeps LLM input under 750 tokens (25 speech tokens per second).
LONG_REFERENCE_SECONDS = 20.0


@dataclass
class VoicePrompt:
    """Prompt features of one reference clip, as upstream's callers compute them."""

    prompt_text: str            # normalised transcript of the reference
    prompt_text_token: Any      # torch int32 [1, T] (transcript + " ")
    speech_tokens: list[int]    # prompt speech tokens (speech tokenizer, 25 Hz)
    flow_prompt_token: Any      # torch int32 [1, N] of speech_tokens, on the device
    speech_feat: Any            # prompt mel features [1, frames, 80]
    embedding: Any              # CAM++ speaker embedding [1, 192]
    seconds: float


class VoicePromptCache:
    """The prompts of the last ``size`` voices, by ``voice_key``. Main thread only.

    ``sample_rate`` is the rate upstream's mel features are computed at (the model's).
    """

    def __init__(self, size: int, sample_rate: int, log: Any) -> None:
        self.size = size
        self.sample_rate = sample_rate
        self.log = log
        self.voices: "OrderedDict[str, VoicePrompt]" = OrderedDict()

    def __len__(self) -> int:
        return len(self.voices)

    def clear(self) -> None:
        """Forget every prompt (their tensors go with the unloaded model)."""
        self.voices.clear()

    def prompt_for(self, components: dict[str, Any], voice_key: str | None,
                   reference: dict[str, Any] | None) -> tuple[VoicePrompt, str]:
        """The prompt for a request, and ``"hit"``, ``"miss"`` or ``"none"``: from the LRU by
        voice_key, or computed from ``reference`` (and kept when there is a voice_key)."""
        if voice_key is not None and voice_key in self.voices:
            self.voices.move_to_end(voice_key)
            return self.voices[voice_key], "hit"
        if reference is None:
            if voice_key is not None:
                raise BadRequest(f"voice '{voice_key}' is not cached here: send its reference")
            raise BadRequest("GLM-TTS clones a voice: a reference {audio, text} is required")
        ref_text = reference.get("text")
        if not isinstance(ref_text, str) or not ref_text.strip():
            raise BadRequest("reference.text (the transcript of the clip) is required")
        samples, rate = decode_audio(reference.get("audio"), what="reference.audio")
        seconds = samples.size / rate
        if seconds < 0.5:
            raise BadRequest("reference.audio is shorter than 0.5 s")
        if seconds > LONG_REFERENCE_SECONDS:
            self.log.warning("reference is %.1f s long; upstream prompts are 3-10 s and the LLM "
                             "input is capped at 750 tokens (30 s)", seconds)
        voice = self.extract(components, samples, rate, ref_text)
        if voice_key is None:
            return voice, "none"
        self.voices[voice_key] = voice
        while len(self.voices) > max(0, self.size):
            evicted, _ = self.voices.popitem(last=False)
            self.log.info("voice cache: evicted %s", evicted)
        return voice, "miss"

    def extract(self, components: dict[str, Any], samples: np.ndarray, rate: int,
                ref_text: str) -> VoicePrompt:
        """Prompt features exactly as upstream's jsonl_generate computes them from a file."""
        torch, gi = components["torch"], components["gi"]
        frontend, text_frontend = components["frontend"], components["text_frontend"]
        # Upstream's extractors take a file path (and resample with torchaudio on CUDA).
        fd, path = tempfile.mkstemp(prefix="glmtts-ref-", suffix=".wav")
        os.close(fd)
        try:
            write_wav(path, samples, rate)
            prompt_text = text_frontend.text_normalize(ref_text)
            prompt_text_token = frontend._extract_text_token(prompt_text + " ")
            prompt_speech_token = frontend._extract_speech_token([path])
            speech_feat = frontend._extract_speech_feat(path, sample_rate=self.sample_rate)
            embedding = frontend._extract_spk_embedding(path)
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass
        speech_tokens = [int(t) for t in prompt_speech_token.reshape(-1).tolist()]
        if not speech_tokens:
            raise BadRequest("no speech tokens could be extracted from reference.audio")
        flow_prompt_token = torch.tensor([speech_tokens], dtype=torch.int32).to(gi.DEVICE)
        return VoicePrompt(prompt_text=prompt_text, prompt_text_token=prompt_text_token,
                           speech_tokens=speech_tokens, flow_prompt_token=flow_prompt_token,
                           speech_feat=speech_feat, embedding=embedding,
                           seconds=samples.size / rate)


def write_wav(path: str, samples: np.ndarray, rate: int) -> None:
    """Write mono float samples as a 16-bit PCM WAV (what upstream's loaders read)."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
