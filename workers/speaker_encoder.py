"""The GE2E voice encoder for the speaker worker: Resemblyzer's VoiceEncoder (3-layer LSTM,
256 hidden, Linear 256->256, ReLU, L2 norm) and its embed_utterance, in float32 numpy.

All partials of an utterance go through the LSTM together (in blocks of
:data:`BATCH_PARTIALS`); each layer's input projection is one matrix product over all time
steps, so only the recurrent loop runs in Python, with in-place updates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from speaker_audio import MEL_CHANNELS, compute_partial_slices, mel_spectrogram
from speaker_checkpoint import CheckpointError

# -- Resemblyzer hyper-parameters (hparams.py) --------------------------------------------

HIDDEN = 256
EMBEDDING = 256
LAYERS = 3

# -- Our own choices ---------------------------------------------------------------------

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
