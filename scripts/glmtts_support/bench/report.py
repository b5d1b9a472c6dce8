"""The report of `scripts/bench`: the comparison table (ours, theirs, ratio, verdict), the load
levels and our own layers, as plain text for the terminal or Markdown for docs/PERFORMANCE.md."""
import sys
from pathlib import Path

from ..tables import md_table, text_table
from .common import MARK_BEGIN, MARK_END, NAN
from .kokoro import kokoro_rows


def fmt(value, unit):
    """`value` printed in `unit` (s, ms, rtf, MiB from KiB, %, x); "n/a" for None or NaN."""
    if value is None or value != value:
        return "n/a"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        if abs(value) >= 10:
            return f"{value:.1f} s"
        return f"{value * 1000:.1f} ms" if value < 0.1 else f"{value * 1000:.0f} ms"
    if unit == "rtf":
        return f"{value:.4f}"
    if unit == "MiB":
        return f"{value / 1024:.0f} MiB"  # value in KiB
    if unit == "%":
        return f"{value:+.1f}%"
    if unit == "x":
        return f"{value:.2f}"
    return f"{value:.3g}"


def verdict(ours, theirs, better):
    """(ratio text, word) for ours/theirs; better is 'lower' (times, memory) or 'higher' (rates)."""
    if ours is None or theirs is None or ours != ours or theirs != theirs or theirs == 0 or ours == 0:
        return "n/a", ""
    ratio = ours / theirs
    if 0.97 <= ratio <= 1.03:
        return f"{ratio:.2f}", "equal (±3%)"
    ahead = ratio < 1 if better == "lower" else ratio > 1
    factor = max(ratio, 1 / ratio)
    if better == "lower-mem":
        word = "less" if ratio < 1 else "more"
        ahead = ratio < 1
    elif better == "higher":
        word = "more" if ratio > 1 else "less"
    else:
        word = "faster" if ratio < 1 else "slower"
    return f"{ratio:.2f}", f"{factor:.2f}× {word}" + ("" if ahead else " — behind")


def comparison_row(figure, ours, theirs, form, unit, better="lower"):
    """[figure, ours, theirs, their form, ours/theirs, verdict]: one row of a comparison table."""
    return [figure, fmt(ours, unit), fmt(theirs, unit), form, *verdict(ours, theirs, better)]


def emphasise_behind(rows):
    """`rows` with the verdicts that say "behind" in bold (Markdown)."""
    return [row[:-1] + [row[-1].replace("— behind", "— **behind**")] for row in rows]


def comparison_rows(r, levels):
    """[figure, glmtts, piper-tts, piper form, ours/theirs, verdict] rows of the main table."""
    rows = []

    def add(*row, **better):
        rows.append(comparison_row(*row, **better))

    g, p = "glmtts", "piper-tts"
    rtf = r["rtf"]
    for name, label in (("short", "1 sentence"), ("long", "20 sentences")):
        if name in rtf:
            add(f"RTF engine, {label}", rtf[name][g]["rtf_engine"], rtf[name][p]["rtf_engine"], "HTTP", "rtf")
            add(f"RTF whole request, {label}", rtf[name][g]["rtf_wall"], rtf[name][p]["rtf_wall"], "HTTP", "rtf")
            add(f"request wall time, {label}", rtf[name][g]["wall_p50"], rtf[name][p]["wall_p50"], "HTTP", "s")
    conc = r["concurrency"]
    for clients in levels:
        k = str(clients)
        if k not in conc.get(g, {}):
            continue
        a, b = conc[g][k], conc[p][k]
        for q in ("p50", "p95", "p99"):
            add(f"latency {q}, {clients} client{'s' if clients > 1 else ''}", a[q], b[q], "HTTP", "s")
        add(f"throughput, {clients} client{'s' if clients > 1 else ''} (audio s / s)", a["throughput"],
            b["throughput"], "HTTP", "x", "higher")
    fb = r["first_byte"]
    add("first audio byte, 20 sentences", fb[g]["first_p50"], fb[p]["first_p50"], "HTTP (piper: no streaming)", "s")
    cli = r.get("cli_long")
    if cli:
        add("first audio byte, 20 sentences, from process start", cli[g]["first_p50"], cli[p]["first_p50"],
            "CLI raw to stdout", "s")
    st = r["starts"]
    add("cold start to first synthesis", st[g]["cold"]["first_synthesis"], st[p]["cold"]["first_synthesis"],
        "HTTP", "s")
    add("warm start to first synthesis", st[g]["warm_first_synthesis_p50"], st[p]["warm_first_synthesis_p50"],
        "HTTP", "s")
    cs = r.get("cli_short")
    if cs:
        add("cold start, CLI: 1 sentence to WAV", cs[g]["cold"], cs[p]["cold"], "CLI", "s")
        add("warm start, CLI: 1 sentence to WAV", cs[g]["warm_p50"], cs[p]["warm_p50"], "CLI", "s")
    mem = r["memory"]
    add("steady RSS (after warm-up)", mem[g]["steady_kib"], mem[p]["steady_kib"], "HTTP", "MiB", "lower-mem")
    add("peak RSS (VmHWM, whole run)", mem[g]["peak_kib"], mem[p]["peak_kib"], "HTTP", "MiB", "lower-mem")
    leak = r.get("leak")
    if leak:
        n = leak[g]["requests"]
        add(f"RSS after {n} sequential requests", leak[g]["after_kib"], leak[p]["after_kib"], "HTTP", "MiB",
            "lower-mem")
        rows.append([f"RSS growth over {n} requests (limit 5%)", fmt(leak[g]["growth_pct"], "%"),
                     fmt(leak[p]["growth_pct"], "%"), "HTTP", "",
                     "ours " + ("PASS" if abs(leak[g]["growth_pct"]) < 5 else "FAIL")])
    if cs:
        add("peak RSS, CLI (1 sentence)", cs[g]["peak_rss_kib"], cs[p]["peak_rss_kib"], "CLI", "MiB", "lower-mem")
    if cli:
        add("peak RSS, CLI (20 sentences)", cli[g]["peak_rss_kib"], cli[p]["peak_rss_kib"], "CLI", "MiB", "lower-mem")
    if "short" in rtf:
        add("server overhead per request (wall − engine), 1 sentence", rtf["short"][g]["overhead_p50"],
            rtf["short"][p]["overhead_p50"], "HTTP", "ms")
    if "long" in rtf:
        add("server overhead per request (wall − engine), 20 sentences", rtf["long"][g]["overhead_p50"],
            rtf["long"][p]["overhead_p50"], "HTTP", "ms")
    tr = r["trivial"]
    add("trivial GET (ours /health, piper /voices) p50", tr[g]["p50"], tr[p]["p50"], "HTTP", "ms")
    return rows


def layer_rows(r):
    """[layer, cost, note] rows of our own layers."""
    rows = []
    eng = r.get("engine_overhead", {}).get("overhead", {})
    for label, value in sorted(eng.items(), reverse=True):
        rows.append([f"engine-call overhead vs direct sherpa-onnx call, {label}", f"{value * 100:+.1f}%",
                     "glmtts bench"])
    rtf = r["rtf"]
    if "short" in rtf:
        g = rtf["short"]["glmtts"]
        rows.append(["HTTP + job + normalise + WAV + file, 1 sentence", fmt(g["overhead_p50"], "ms"),
                     f"{100 * g['overhead_p50'] / g['wall_p50']:.1f}% of the request"])
    if "long" in rtf:
        g = rtf["long"]["glmtts"]
        rows.append(["HTTP + job + normalise + WAV + file, 20 sentences", fmt(g["overhead_p50"], "ms"),
                     f"{100 * g['overhead_p50'] / g['wall_p50']:.1f}% of the request"])
    rows.append(["queue wait, 1 client (mean, /metrics)", fmt(r["rtf"].get("queue_wait_mean"), "ms"), "uncontended"])
    rows.append(["trivial request GET /health p50", fmt(r["trivial"]["glmtts"]["p50"], "ms"), "HTTP stack floor"])
    enc = r.get("encode", {})
    for fmt_name in ("pcm", "flac", "mp3", "opus", "aac"):
        if fmt_name in enc:
            e = enc[fmt_name]
            per = e["encode"] / enc["audio"] * 1000 if enc.get("audio") else NAN
            rows.append([f"re-encode stored WAV → {fmt_name} ({enc['audio']:.1f} s of audio)", fmt(e["encode"], "ms"),
                         f"{per:.1f} ms per audio s; {e['bytes'] / 1024:.0f} KiB"])
    tr = r.get("transcription")
    if tr and tr.get("n"):
        rows.append([f"auto-transcription of a {tr['clip_seconds']:.1f} s clip, warm", fmt(tr["warm_cost"], "ms"),
                     "without − with prompt_text, medians"])
        rows.append(["auto-transcription, first request (starts Whisper)", fmt(tr["cold_cost"], "ms"),
                     "includes worker start and model load"])
    return rows


def detail_rows(r, levels):
    """[server, clients, ok, wall, req/s, audio s/s, server CPU] rows of the load levels."""
    rows = []
    for who in ("glmtts", "piper-tts"):
        for k in [str(c) for c in levels]:
            d = r["concurrency"].get(who, {}).get(k)
            if d:
                rows.append([who, d["clients"], f"{d['ok']}/{d['requests']}", f"{d['wall']:.1f}", f"{d['rps']:.2f}",
                             f"{d['throughput']:.2f}", f"{d['server_cpu'] * 100:.0f}%"])
    return rows


def render(r, levels, markdown):
    """The whole report of the run `r`: plain text, or Markdown when `markdown`."""
    m = r["machine"]
    lines = []
    bullet = "- " if markdown else ""
    facts = (f"{bullet}Machine: {m['cpu_model']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, kernel {m['kernel']}; "
             f"load average at start {m['loadavg_start']}, at end {r.get('loadavg_end', 'n/a')}.\n"
             f"{bullet}glmtts: {m['glmtts']}; CPU lane slots: {r['cpu_slots']}.\n"
             f"{bullet}piper-tts: {m['piper']}.\n"
             f"{bullet}Run: {r['date']}, {r['duration_s'] / 60:.1f} min; command: `{r['command']}`.")
    lines.append(facts)
    lines.append("")

    def tab(headers, rows, align=None):  # text tables align the first column left, the rest right
        return md_table(headers, rows, align) if markdown else text_table(headers, rows)

    heading = (lambda t: f"#### {t}") if markdown else (lambda t: f"== {t}")
    rtf = r["rtf"]
    sizes = ", ".join(f"{k}: ours {rtf[k]['glmtts']['audio']:.2f} s / piper {rtf[k]['piper-tts']['audio']:.2f} s of audio"
                      for k in ("short", "long") if k in rtf)
    lines.append(heading("glmtts against piper-tts (same machine, same run)"))
    lines.append("")
    rows = comparison_rows(r, levels)
    if markdown:
        rows = emphasise_behind(rows)
    lines.append(tab(["figure", "glmtts", "piper-tts", "piper form", "ours/theirs", "verdict"], rows, "lrrlrl"))
    lines.append("")
    lines.append(f"Audio produced per text ({sizes}). RTF = seconds ÷ seconds of audio, lower is faster; "
                 f"ratios are ours ÷ theirs. Percentiles over {r['args']['requests_per_level']} requests per level "
                 f"(p99 ≈ the slowest of them).")
    lines.append("")
    if r.get("kokoro"):
        lines.append(heading("Kokoro (kokoro-jf_alpha) against kokoro-onnx (same model file and voice, same run)"))
        lines.append("")
        krows = []
        kokoro_rows(r["kokoro"], lambda *row, **better: krows.append(comparison_row(*row, **better)))
        if markdown:
            krows = emphasise_behind(krows)
        lines.append(tab(["figure", "glmtts", "kokoro-onnx", "kokoro-onnx form", "ours/theirs", "verdict"], krows,
                         "lrrlrl"))
        lines.append("")
        k = r["kokoro"]
        sizes = ", ".join(f"{name}: ours {k[name]['glmtts']['audio']:.2f} s / kokoro-onnx {k[name]['kokoro-onnx']['audio']:.2f} s"
                          for name in ("short", "medium") if name in k)
        lines.append(f"English text, voice jf_alpha, medians ({sizes} of audio). kokoro-onnx is a library: its times "
                     "are its own calls in one Python process, with no HTTP, queue or file.")
        lines.append("")
    lines.append(heading("Load levels (1-sentence requests)"))
    lines.append("")
    lines.append(tab(["server", "clients", "ok", "wall s", "req/s", "audio s/s", "server CPU"], detail_rows(r, levels)))
    lines.append("")
    lines.append(heading("Our own layers (no piper counterpart)"))
    lines.append("")
    lines.append(tab(["layer", "cost", "note"], layer_rows(r), "lrl"))
    if r["failures"]:
        lines.append("")
        lines.append(f"FAILURES ({len(r['failures'])}): " + "; ".join(r["failures"][:10]))
    return "\n".join(lines)


def write_markdown(path, body):
    """Replaces the part of file `path` between the bench markers with `body`."""
    path = Path(path)
    text = path.read_text()
    if MARK_BEGIN not in text or MARK_END not in text:
        sys.exit(f"{path} lacks the markers {MARK_BEGIN} … {MARK_END}")
    head, rest = text.split(MARK_BEGIN, 1)
    _, tail = rest.split(MARK_END, 1)
    path.write_text(f"{head}{MARK_BEGIN}\n{body}\n{MARK_END}{tail}")
