"""What every part of `scripts/bench` shares: paths, texts, the failure log, `say`."""
import sys

from .. import ROOT
from ..failures import FailureLog
from ..stats import NAN
from ..texts import SHORT

__all__ = ["ROOT", "VENV", "REQUIREMENTS", "MARK_BEGIN", "MARK_END", "SHORT", "LONG", "NAN",
           "OPENAI_PCM_RATE", "FAILURES", "say"]

VENV = ROOT / ".venv-bench"
REQUIREMENTS = ROOT / "scripts" / "bench-requirements.txt"
MARK_BEGIN = "<!-- bench results: begin -->"
MARK_END = "<!-- bench results: end -->"

#: The long text of `glmtts bench` (Sources/GLMTTSBenchmark/BenchmarkTexts.swift): 20 sentences.
LONG = " ".join([
    "The morning train left the station exactly on time.",
    "Passengers settled into their seats with coffee and newspapers.",
    "Outside, the fields were still covered in a thin layer of frost.",
    "A young woman by the window was reading a book about distant islands.",
    "Her brother, sitting across from her, tried to finish a crossword puzzle.",
    "The conductor walked slowly down the aisle, checking every ticket.",
    "Somewhere near the back, a baby laughed at a bright red balloon.",
    "The train crossed a long bridge over a wide and silent river.",
    "Fishermen on the bank waved as the carriages rushed past.",
    "Soon the countryside gave way to small towns and busy roads.",
    "An announcement said that the dining car was now open.",
    "Several travelers stood up at once and headed toward the front.",
    "The smell of fresh bread and soup drifted through the corridor.",
    "At noon the sun finally broke through the heavy clouds.",
    "Light poured across the tables and made the silverware sparkle.",
    "The young woman closed her book and watched the hills go by.",
    "Her brother announced, with great pride, that the puzzle was solved.",
    "Nobody believed him until he showed them the completed grid.",
    "By evening the train arrived in the city, tired but on schedule.",
    "Everyone stepped onto the platform, ready for whatever came next.",
])
OPENAI_PCM_RATE = 24_000  # /v1/audio/speech response_format=pcm: s16le mono 24 kHz

#: Everything that went wrong in this run; a non-empty log makes the run exit 1.
FAILURES = FailureLog()


def say(message):
    """A progress line on stderr, prefixed [bench]."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)
