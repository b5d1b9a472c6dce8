"""Percentiles and summary statistics of latency samples. NaN samples are ignored; an empty
sample gives NaN, which the harnesses print as "n/a" or "nan"."""
NAN = float("nan")


def _finite_sorted(values):
    return sorted(v for v in values if v == v)


def percentile(values, q: float) -> float:
    """The linear-interpolated percentile `q` (0..100) of `values` (numpy's default method)."""
    data = _finite_sorted(values)
    if not data:
        return NAN
    pos = (len(data) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def nearest_rank(values, q: float) -> float:
    """The percentile `q` (0..100) of `values` as the sample nearest to its rank: always one of
    the samples, never a value between two."""
    data = _finite_sorted(values)
    if not data:
        return NAN
    return data[max(0, min(len(data) - 1, round(q / 100 * (len(data) - 1))))]


def median(values) -> float:
    """The median (the linear-interpolated 50th percentile)."""
    return percentile(values, 50)


def quantiles(values, qs=(50, 95, 99)) -> dict:
    """{"p50": …, "p95": …, "p99": …} (one key per q in `qs`), linear-interpolated."""
    return {f"p{q}": percentile(values, q) for q in qs}


def summary(values, qs=(50, 95, 99)) -> dict:
    """{"n", "p50", "p95", "p99", "max"} of `values` (`max` NaN when there are none)."""
    data = _finite_sorted(values)
    return {"n": len(data), **quantiles(data, qs), "max": data[-1] if data else NAN}
