"""`scripts/bench-http`: an HTTP benchmark of `glmtts serve` (issue 4), through `requests`.

  calls     the requests it times (sync /api/tts, streamed /v1/audio/speech, /health) and
            the run's error log
  sections  the four measured sections, each returning its table and its numbers
"""
