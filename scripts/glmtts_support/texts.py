"""Texts the benchmarks share."""

#: One sentence: the short text of `glmtts bench` (Sources/GLMTTSBenchmark/BenchmarkTexts.swift),
#: of `scripts/bench` and of `scripts/bench-http`.
SHORT = "The quick brown fox jumps over the lazy dog near the quiet river bank."
