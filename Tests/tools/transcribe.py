"""Transcribe audio files with Whisper tiny.en (faster-whisper), for intelligibility tests.

Usage: transcribe.py MODEL_DIR FILE...  — prints one JSON object per file: {"file", "text"}.
Runs fully offline (HF_HUB_OFFLINE=1); MODEL_DIR is the whisper-tiny.en model folder.
"""
import json
import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
from faster_whisper import WhisperModel  # noqa: E402

model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8")
for path in sys.argv[2:]:
    segments, _ = model.transcribe(path, language="en", beam_size=1)
    print(json.dumps({"file": path, "text": " ".join(s.text.strip() for s in segments)}))
