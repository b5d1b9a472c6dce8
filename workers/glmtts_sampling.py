"""Synthesis parameters of the GLM-TTS worker and how they reach upstream's sampler.

``temperature``/``top_p``/``top_k`` go to upstream's RAS sampling (``ras_sampling``), which
has no knobs of its own: :func:`override_ras_sampling` replaces ``llm.sampling_ids_ras`` by
one that reads the current request's :class:`Sampling`. ``sampling_strategy`` chooses the
flow-matching steps; ``seed`` is reported (a random one when none is given); ``speed`` is
ignored and reported so (see the worker's docstring).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from worker_protocol import BadRequest, as_int

#: sampling_strategy → flow-matching steps (upstream default n_timesteps = 10).
FLOW_STEPS = {"fast": 5, "balanced": 10, "quality": 20}
DEFAULT_STRATEGY = "balanced"
#: Upstream ras_sampling defaults (cosyvoice/utils/common.py) and its implicit temperature.
DEFAULT_TEMPERATURE = 1.0
DEFAULT_TOP_P = 0.8
DEFAULT_TOP_K = 25


@dataclass
class Sampling:
    """Sampling values in force for the current request (read by the RAS override)."""

    temperature: float = DEFAULT_TEMPERATURE
    top_p: float = DEFAULT_TOP_P
    top_k: int = DEFAULT_TOP_K


def read_parameters(params: dict[str, Any],
                    sampling: Sampling) -> tuple[dict[str, Any], dict[str, str], int, int]:
    """Validate ``params``, set ``sampling``, return (applied, ignored, flow steps, seed)."""
    applied: dict[str, Any] = {}
    ignored: dict[str, str] = {}

    def number(name: str, default: float, low: float, high: float) -> float:
        value = params.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value <= high:
            raise BadRequest(f"parameters.{name} must be a number in ({low}, {high}]")
        return float(value)

    temperature = number("temperature", DEFAULT_TEMPERATURE, 0.0, 2.0)
    top_p = number("top_p", DEFAULT_TOP_P, 0.0, 1.0)
    top_k = params.get("top_k")
    top_k = DEFAULT_TOP_K if top_k is None else as_int(top_k, "parameters.top_k", 1, 1000)
    strategy = params.get("sampling_strategy") or DEFAULT_STRATEGY
    if strategy not in FLOW_STEPS:
        raise BadRequest(f"parameters.sampling_strategy must be one of {', '.join(FLOW_STEPS)}")
    seed = params.get("seed")
    if seed is None:
        seed = secrets.randbelow(2**31)
    else:
        seed = as_int(seed, "parameters.seed", 0, 2**32 - 1)

    sampling.temperature, sampling.top_p, sampling.top_k = temperature, top_p, top_k
    applied.update(temperature=temperature, top_p=top_p, top_k=top_k,
                   sampling_strategy=strategy, seed=seed)
    if "speed" in params and params["speed"] is not None:
        ignored["speed"] = ("GLM-TTS has no speaking-rate control; upstream only offers an "
                            "ffmpeg atempo post-process")
    for name in params:
        if name not in applied and name not in ignored and params[name] is not None:
            ignored[name] = "unknown to the GLM-TTS worker"
    return applied, ignored, FLOW_STEPS[strategy], seed


def override_ras_sampling(llm: Any, common: Any, sampling: Sampling) -> None:
    """Make upstream's ``llm`` sample with ``sampling``'s values (``common`` is upstream's
    ``cosyvoice.utils.common``, which holds ``ras_sampling``)."""

    def sampling_ids_ras(weighted_scores: Any, decoded_tokens: list[int], sampling_k: int) -> Any:
        """RAS as upstream, with the request's temperature/top_p/top_k."""
        return common.ras_sampling(weighted_scores, decoded_tokens, sampling_k,
                                   top_p=sampling.top_p, top_k=sampling.top_k,
                                   temperature=sampling.temperature)

    llm.sampling_ids_ras = sampling_ids_ras  # instance attribute shadows the method
