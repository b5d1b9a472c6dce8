"""`scripts/bench`: glmtts against piper-tts, the Piper project's own Python package (issue 7).

  common    paths, texts, the run's failure log, progress messages
  system    machine facts, the page cache, timed command-line runs
  servers   the two servers under test (ours, piper-tts's Flask server) and .venv-bench
  measure   the side-by-side measurements (CLI, starts, RTF, latency, first byte, memory)
  layers    our own layers (encode per format, auto-transcription, engine-call overhead)
  report    the tables, as plain text or Markdown
"""
