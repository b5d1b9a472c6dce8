"""A text/event-stream (Server-Sent Events) parser over decoded lines."""


def sse_blocks(lines):
    """Yields each event of an SSE stream as a dict of its fields ("event", "id", "data"; the
    "data" lines of one event joined with newlines), from `lines`: decoded text lines without
    their line ends (None items are skipped). Comments, field-less blocks and an unfinished last
    event (no blank line after it) yield nothing."""
    current = {}
    for line in lines:
        if line is None:
            continue
        if line == "":
            if current:
                yield current
            current = {}
            continue
        if line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        current[key] = f"{current[key]}\n{value}" if key == "data" and key in current else value


def response_lines(response):
    """The decoded lines (UTF-8, line ends stripped) of an `http.client.HTTPResponse`, read to
    its end."""
    for raw in iter(response.readline, b""):
        yield raw.decode("utf-8", "replace").rstrip("\r\n")
