"""Tables as the harnesses print them: aligned plain text, and GitHub-flavoured Markdown."""


def text_table(headers, rows, title=None) -> str:
    """Aligned columns under a dashed rule: the first column left-aligned, the rest right;
    `title`, when given, is the first line."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(r):
        return "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))

    out = [line(headers), "  ".join("-" * w for w in widths)] + [line(r) for r in cells]
    return "\n".join(([title] if title is not None else []) + out)


def md_table(headers, rows, align=None) -> str:
    """A Markdown table; `align` has one letter per column, l or r (default: the first left,
    the rest right). A '|' inside a cell is escaped."""
    align = align or "l" + "r" * (len(headers) - 1)
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" if a == "l" else "---:" for a in align) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)
