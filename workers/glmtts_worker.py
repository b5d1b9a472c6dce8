"""GLM-TTS worker: the real zai-org/GLM-TTS model behind the worker protocol (docs/WORKERS.md).

This is a thin adapter around upstream's own inference code (``glmtts_inference.py``:
``load_models`` once, ``generate_long`` per request). It needs what upstream needs: an
NVIDIA GPU with CUDA, PyTorch 2.3 and the rest of upstream's ``requirements.txt``, and the
``zai-org/GLM-TTS`` weights in ``ckpt/``. ``--help`` and ``health`` work without any of that;
``load`` without it fails with a ``model_error`` that says what is missing.

How to run it for real (on a CUDA machine)::

    git clone https://github.com/zai-org/GLM-TTS.git /opt/GLM-TTS
    cd /opt/GLM-TTS
    python3.11 -m venv .venv && .venv/bin/pip install -r requirements.txt numpy
    .venv/bin/huggingface-cli download zai-org/GLM-TTS --local-dir ckpt
    # then point the Swift side at this interpreter and script, or by hand:
    /opt/GLM-TTS/.venv/bin/python /path/to/glmtts-swift/workers/glmtts_worker.py \\
        --repo /opt/GLM-TTS --device cuda:0

and send (one JSON object per line)::

    {"id": "1", "op": "load", "model": {}}
    {"id": "2", "op": "synthesize", "text": "Hello there.", "voice_key": "alice",
     "reference": {"text": "transcript of the clip",
                   "audio": {"encoding": "pcm_s16le", "sample_rate": 24000,
                             "channels": 1, "data": "<base64>"}},
     "parameters": {"temperature": 0.8, "top_p": 0.8, "top_k": 25,
                    "sampling_strategy": "balanced", "seed": 42}}

The worker runs from the repo root (upstream opens ``ckpt/...`` and ``frontend/...``
relative to the working directory) and puts it on ``sys.path``. ``--ckpt`` other than
``<repo>/ckpt`` is supported by creating the symlink ``<repo>/ckpt`` when it is absent.

What a ``synthesize`` does, mapped onto upstream:

- Text is normalised (``TextFrontEnd.text_normalize``) and split by
  ``TextFrontEnd.split_by_len`` (30–60 characters) exactly as ``generate_long`` does; each
  segment is streamed as a ``chunk`` (float32, 24 000 Hz, ``pcm_f32le``) as soon as its
  waveform exists, with ``progress`` events in between. Cancellation is checked before
  and after each segment's LLM and flow passes. Upstream's long-text prompt cache
  (previous segments become part of the prompt) is used, as in ``generate_long``.
- ``seed``: upstream's ``generate_long`` calls ``seed_util.set_seed(seed)`` before every
  segment. Absent → a random seed, reported in the result.
- ``temperature``/``top_p``/``top_k``: upstream RAS sampling (``ras_sampling``:
  nucleus sampling with top_p 0.8, top_k 25, temperature 1, plus a repetition-aware
  fallback) has no knobs; the worker replaces ``llm.sampling_ids_ras`` by one that passes
  the request's values to ``ras_sampling``. Defaults are upstream's (1.0 / 0.8 / 25).
- ``sampling_strategy`` → flow-matching Euler steps (``n_timesteps`` of
  ``Token2Wav.token2wav_with_cache``, upstream default 10): ``fast`` = 5,
  ``balanced`` = 10, ``quality`` = 20. The LLM pass is unchanged.
- ``speed``: ignored (upstream has no speaking-rate control in the model; its
  ``tools/ffmpeg_speech_control.py`` is an ffmpeg ``atempo`` post-process, which the
  Swift side can do itself). Reported under ``parameters.ignored``.
- Voice prompts (prompt text tokens, prompt speech tokens, prompt mel features, CAM++
  speaker embedding) are cached by ``voice_key`` in a small LRU (``--voice-cache``,
  default 8). With a cached ``voice_key`` the ``reference`` may be omitted; without a
  ``voice_key`` the prompt is computed for the request and not kept. The Swift side must
  change the key when the reference clip or its transcript changes.

The code: this file holds the op handlers (:class:`GLMTTSEngine`) and the command line;
``glmtts_sampling`` reads the parameters and overrides upstream's sampler, and
``glmtts_prompts`` computes and caches the voice prompts.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from glmtts_prompts import VoicePrompt, VoicePromptCache  # noqa: E402
from glmtts_sampling import FLOW_STEPS, Sampling, override_ras_sampling, read_parameters  # noqa: E402
from worker_protocol import (  # noqa: E402
    BadRequest,
    ModelError,
    NotLoaded,
    Request,
    WorkerError,
    first_line,
    serve,
    setup_logging,
)

SAMPLE_RATE = 24_000
#: Files upstream's load_models opens, relative to the checkpoint directory.
CKPT_FILES = (
    "llm/config.json",
    "flow/flow.pt",
    "flow/config.yaml",
    "hift/hift.pt",
    "speech_tokenizer",
    "vq32k-phoneme-tokenizer",
)
NOT_INSTALLED = ("GLM-TTS is not installed: set --repo to a GLM-TTS checkout with ckpt/ weights "
                 "and install its requirements on a CUDA machine")


class GLMTTSEngine:
    """Loaded GLM-TTS components and the per-voice prompt cache. Main thread only."""

    def __init__(self, args: argparse.Namespace, log: Any) -> None:
        self.args = args
        self.log = log
        self.components: dict[str, Any] | None = None
        self.info: dict[str, Any] | None = None
        self.prompts = VoicePromptCache(args.voice_cache, SAMPLE_RATE, log)
        self.sampling = Sampling()

    # -- health ----------------------------------------------------------------

    def is_loaded(self) -> bool:
        return self.components is not None

    def health_extra(self) -> dict[str, Any]:
        return {"device": self.args.device, "repo": self.args.repo,
                "voices_cached": len(self.prompts)}

    # -- load / unload ---------------------------------------------------------------

    def _paths(self, spec: dict[str, Any]) -> tuple[Path, Path]:
        """Resolve and check the repo and checkpoint directories (no heavy imports)."""
        if not self.args.repo:
            raise ModelError(NOT_INSTALLED)
        repo = Path(self.args.repo).expanduser().resolve()
        if not (repo / "glmtts_inference.py").is_file():
            raise ModelError(f"{NOT_INSTALLED} (no glmtts_inference.py in {repo})")
        ckpt_arg = spec.get("path") or self.args.ckpt
        ckpt = (Path(ckpt_arg).expanduser() if ckpt_arg else repo / "ckpt").resolve()
        missing = [name for name in CKPT_FILES if not (ckpt / name).exists()]
        if missing:
            raise ModelError(f"{NOT_INSTALLED} (checkpoint {ckpt} lacks {', '.join(missing)}; "
                             "download zai-org/GLM-TTS into it)")
        link = repo / "ckpt"
        if ckpt != link.resolve():
            if link.exists() or link.is_symlink():
                raise ModelError(f"upstream always reads {link}; it exists and is not {ckpt}: "
                                 f"remove it or pass --ckpt {link}")
            link.symlink_to(ckpt, target_is_directory=True)
            self.log.info("linked %s -> %s (upstream reads ckpt/ relative to the repo)", link, ckpt)
        return repo, ckpt

    def load(self, req: Request) -> dict[str, Any]:
        spec = req.get("model", {})
        if not isinstance(spec, dict):
            raise BadRequest("field 'model' must be an object")
        use_phoneme = spec.get("use_phoneme", False)
        if not isinstance(use_phoneme, bool):
            raise BadRequest("model.use_phoneme must be a boolean")
        if self.components is not None:
            return {"info": dict(self.info or {}, already_loaded=True)}

        repo, ckpt = self._paths(spec)
        device = self.args.device
        if not device.startswith("cuda"):
            raise ModelError(f"GLM-TTS needs a CUDA device, not {device} (upstream calls .cuda() directly)")
        try:
            import torch  # noqa: PLC0415 - heavy and optional: imported on load only
        except ImportError:
            raise ModelError(f"{NOT_INSTALLED} (PyTorch is not importable)") from None
        if not torch.cuda.is_available():
            raise ModelError(f"{NOT_INSTALLED} (torch.cuda.is_available() is False)")
        if ":" in device:
            try:
                torch.cuda.set_device(int(device.split(":", 1)[1]))
            except (ValueError, RuntimeError) as exc:
                raise BadRequest(f"bad --device {device}: {exc}") from None

        os.environ["HF_HUB_OFFLINE"] = "1"        # weights are local; never download
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.chdir(repo)                            # upstream opens ckpt/ and frontend/ relatively
        if str(repo) not in sys.path:
            sys.path.insert(0, str(repo))
        started = time.monotonic()
        try:
            import glmtts_inference as gi  # noqa: PLC0415
            from cosyvoice.utils import common  # noqa: PLC0415
        except ImportError as exc:
            raise ModelError(f"{NOT_INSTALLED} (import failed: {exc})") from None
        try:
            frontend, text_frontend, _speech_tokenizer, llm, token2wav = gi.load_models(
                use_phoneme=use_phoneme, sample_rate=SAMPLE_RATE)
        except Exception as exc:  # noqa: BLE001
            self.log.exception("load_models failed")
            raise ModelError(f"GLM-TTS load_models failed: {type(exc).__name__}: "
                             f"{first_line(str(exc), 300)}") from None

        override_ras_sampling(llm, common, self.sampling)

        self.components = {"gi": gi, "torch": torch, "frontend": frontend,
                           "text_frontend": text_frontend, "llm": llm, "flow": token2wav,
                           "use_phoneme": use_phoneme}
        self.info = {
            "repo": str(repo),
            "ckpt": str(ckpt),
            "device": device,
            "gpu": torch.cuda.get_device_name(),
            "sample_rate": SAMPLE_RATE,
            "use_phoneme": use_phoneme,
            "flow_steps": FLOW_STEPS,
            "voice_cache_size": self.args.voice_cache,
            "load_seconds": round(time.monotonic() - started, 2),
        }
        self.log.info("GLM-TTS loaded from %s on %s in %.1f s", repo, device,
                      self.info["load_seconds"])
        return {"info": self.info}

    def unload(self, req: Request) -> dict[str, Any]:
        was = self.components is not None
        torch = self.components["torch"] if self.components else None
        self.components = None
        self.info = None
        self.prompts.clear()
        gc.collect()
        if torch is not None:
            torch.cuda.empty_cache()
        return {"unloaded": was}

    # -- synthesize --------------------------------------------------------------------

    def synthesize(self, req: Request) -> dict[str, Any]:
        c = self.components
        if c is None:
            raise NotLoaded("GLM-TTS is not loaded: send load first")
        text = req.require("text", str)
        if not text.strip():
            raise BadRequest("text is empty")
        params = req.get("parameters", {})
        if not isinstance(params, dict):
            raise BadRequest("field 'parameters' must be an object")
        applied, ignored, steps, seed = read_parameters(params, self.sampling)
        voice_key = req.get("voice_key")
        if voice_key is not None and not isinstance(voice_key, str):
            raise BadRequest("voice_key must be a string")
        reference = req.get("reference")
        if reference is not None and not isinstance(reference, dict):
            raise BadRequest("reference must be an object with audio and text")

        torch = c["torch"]
        text_frontend = c["text_frontend"]
        started = time.monotonic()
        try:
            with torch.inference_mode():
                voice, cache_state = self.prompts.prompt_for(c, voice_key, reference)
                req.check_cancelled()
                synth_text = text_frontend.text_normalize(text)
                segments = text_frontend.split_by_len(synth_text) if synth_text else []
                segments = [s for s in segments if s.strip()]
                if not segments:
                    raise BadRequest("nothing to synthesise after text normalisation")
                total = self._generate(req, voice, synth_text, segments, steps, seed)
        except WorkerError:
            raise
        except Exception as exc:  # noqa: BLE001
            oom = type(exc).__name__ == "OutOfMemoryError"
            self.log.exception("synthesis failed")
            if oom:
                torch.cuda.empty_cache()
            raise ModelError(f"GLM-TTS synthesis failed: {type(exc).__name__}: {first_line(str(exc), 300)}",
                             retryable=oom) from None

        return {
            "sample_rate": SAMPLE_RATE,
            "chunks": len(segments),
            "samples": total,
            "duration": round(total / SAMPLE_RATE, 3),
            "segments": segments,
            "voice_key": voice_key,
            "voice_cache": cache_state,
            "parameters": {"applied": applied, "ignored": ignored},
            "flow_steps": steps,
            "elapsed": round(time.monotonic() - started, 3),
        }

    def _generate(self, req: Request, voice: VoicePrompt, synth_text: str,
                  segments: list[str], steps: int, seed: int) -> int:
        """Run upstream generate_long, streaming each segment as a chunk. Returns samples."""
        c = self.components
        assert c is not None
        gi = c["gi"]
        n = len(segments)
        state = {"segment": 0, "samples": 0}

        def llm_forward(llm: Any, prompt_text_token: Any, tts_text_token: Any,
                        prompt_speech_token: Any, beam_size: int = 1, sampling: int = 25,
                        sample_method: str = "ras") -> list[int]:
            req.check_cancelled()
            i = state["segment"]
            req.progress(i / n, "generating", f"segment {i + 1} of {n}: speech tokens")
            return gi.local_llm_forward(llm=llm, prompt_text_token=prompt_text_token,
                                        tts_text_token=tts_text_token,
                                        prompt_speech_token=prompt_speech_token,
                                        beam_size=beam_size, sampling=sampling,
                                        sample_method=sample_method)

        def flow_forward(flow: Any, token_list: list[int], prompt_speech_tokens: Any,
                         speech_feat: Any, embedding: Any) -> tuple[Any, Any]:
            req.check_cancelled()
            i = state["segment"]
            req.progress((i + 0.5) / n, "vocoding", f"segment {i + 1} of {n}: waveform")
            wav, full_mel = flow.token2wav_with_cache(
                token_list, n_timesteps=steps, prompt_token=prompt_speech_tokens,
                prompt_feat=speech_feat, embedding=embedding)
            wav = wav.detach().cpu()
            samples = wav.reshape(-1).float().numpy()
            req.chunk(i, samples, SAMPLE_RATE)
            state["samples"] += samples.size
            state["segment"] = i + 1
            req.progress((i + 1) / n, "synthesizing", f"segment {i + 1} of {n} done")
            req.check_cancelled()
            return wav, full_mel

        cache = {
            "cache_text": [voice.prompt_text],
            "cache_text_token": [voice.prompt_text_token],
            "cache_speech_token": [list(voice.speech_tokens)],
            "use_cache": True,
        }
        gi.generate_long(
            frontend=c["frontend"],
            text_frontend=c["text_frontend"],
            llm=c["llm"],
            flow=c["flow"],
            text_info=["", synth_text],
            cache=cache,
            device=gi.DEVICE,
            embedding=voice.embedding,
            seed=seed,
            sample_method="ras",
            flow_prompt_token=voice.flow_prompt_token,
            speech_feat=voice.speech_feat,
            local_llm_forward=llm_forward,
            local_flow_forward=flow_forward,
            use_phoneme=c["use_phoneme"],
        )
        if state["segment"] != n:
            self.log.warning("upstream produced %d segments, expected %d", state["segment"], n)
        return state["samples"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="GLM-TTS worker (JSON Lines on stdin/stdout; see docs/WORKERS.md). "
                    "Needs a CUDA GPU, a zai-org/GLM-TTS checkout with its requirements "
                    "installed in this Python, and the weights in <repo>/ckpt.")
    parser.add_argument("--repo", default=os.environ.get("GLMTTS_REPO"),
                        help="GLM-TTS checkout (default: $GLMTTS_REPO)")
    parser.add_argument("--ckpt", help="checkpoint directory (default: <repo>/ckpt)")
    parser.add_argument("--device", default="cuda:0", help="CUDA device (default cuda:0)")
    parser.add_argument("--voice-cache", type=int, default=8,
                        help="voices whose prompt features are kept (LRU, default 8)")
    parser.add_argument("--name", default="glmtts", help="name used in log lines")
    args = parser.parse_args(argv)
    log = setup_logging(args.name)
    engine = GLMTTSEngine(args, log)
    ops = {"load": engine.load, "unload": engine.unload, "synthesize": engine.synthesize}
    serve("glmtts", args.name, engine, ops, log, note=f", repo {args.repo}")


if __name__ == "__main__":
    main()
