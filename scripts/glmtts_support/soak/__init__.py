"""`scripts/soak`: mixed traffic against one `glmtts serve` for a while, then a summary.

  run     the server, the traffic mix, /health probes and RSS samples, awaiting the jobs
  report  the summary tables and the PASS/FAIL verdict
"""
