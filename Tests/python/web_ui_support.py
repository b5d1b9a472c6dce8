"""Helpers for the browser tests of the web UI (Tests/python/test_web_ui.py): a page wrapper
that records console errors and requests, visible-string collection for the translation
check, screenshot and audio-file checks."""
import contextlib
import os
import re
import wave
from pathlib import Path

CHROMIUM = os.environ.get("GLMTTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# Every visible text node, placeholder, title and aria-label, except inside translate="no"
# (brand, server data, code): what a user reads in the page's own words.
VISIBLE_STRINGS_JS = """() => {
  const out = new Set();
  const ours = (el) => !el.closest('[translate=no]') && el.checkVisibility({ visibilityProperty: true });
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    const s = n.textContent.trim();
    if (s && ours(n.parentElement)) out.add(s);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
    if (!ours(el)) continue;
    for (const a of ['placeholder', 'title', 'aria-label']) if (el.getAttribute(a)) out.add(el.getAttribute(a).trim());
  }
  for (const sel of document.querySelectorAll('select')) {
    if (ours(sel)) for (const o of sel.options) out.add(o.textContent.trim());
  }
  return [...out];
}"""


class UI:
    """One browser context + page on the server, with console errors and requests recorded."""

    def __init__(self, browser, base_url: str, viewport=DESKTOP, **context_options):
        self.base_url = base_url
        context_options.setdefault("locale", "en-US")
        self.context = browser.new_context(viewport=viewport, accept_downloads=True, **context_options)
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.errors: list[str] = []
        self.requests = []
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r))

    def open(self):
        self.page.goto(self.base_url + "/")
        self.wait_booted()
        return self

    def wait_booted(self):
        # The model list comes from /api/engines: once it is filled, the page has talked to the server.
        self.page.wait_for_selector("#model option", state="attached")

    def wait_for(self, js: str, timeout: float = 60_000):
        """Waits until the JavaScript expression is truthy (an arrow function: the page's CSP forbids eval)."""
        return self.page.wait_for_function(f"() => {js}", timeout=timeout)

    def js(self, expression: str):
        return self.page.evaluate(f"() => {expression}")

    def choose_source(self, value: str):
        self.page.check(f"input[name=src][value={value}]")

    def open_advanced(self):
        if not self.js("document.getElementById('adv').open"):
            self.page.click("#adv summary")

    def set_streaming(self, on: bool):
        self.open_advanced()
        self.page.set_checked("#stream", on)

    def upload_clip(self, path):
        self.choose_source("clip")
        self.page.set_input_files("#file", str(path))
        self.page.wait_for_selector("#quality dl")

    def generate(self):
        self.page.click("#generate")

    def wait_result(self, timeout: float = 180_000):
        self.page.wait_for_selector("#result:not([hidden])", timeout=timeout)
        self.wait_for("!document.getElementById('generate').disabled", timeout)

    def wait_audio_playing(self, selector: str):
        """The <audio> has a duration, is playing, and its clock moves."""
        self.page.wait_for_function(
            """(sel) => { const a = document.querySelector(sel);
                          return a && a.duration > 0 && !a.paused && a.currentTime > 0.2; }""",
            arg=selector, timeout=60_000)

    def horizontal_overflow(self) -> int:
        return self.js("document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")

    def visible_strings(self) -> list[str]:
        return self.page.evaluate(VISIBLE_STRINGS_JS)

    def api_requests(self):
        return [r for r in self.requests if re.match(re.escape(self.base_url) + r"/(api|v1)/", r.url)]

    def close(self, allowed_errors: tuple[str, ...] = ()):
        """Closes the context and returns the console errors not matching `allowed_errors` (regexes)."""
        self.context.close()
        return [e for e in self.errors if not any(re.search(a, e) for a in allowed_errors)]


@contextlib.contextmanager
def chromium(*extra_args: str):
    """Debian's Chromium, headless, launched through Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + list(extra_args))
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def ui_page(browser, base_url, allowed_errors=(), open_page=True, **options):
    """A UI for one flow; at the end, asserts that the page logged no unexpected error."""
    ui = UI(browser, base_url, **options)
    try:
        if open_page:
            ui.open()
        yield ui
    except BaseException:
        ui.context.close()
        raise
    errors = ui.close(allowed_errors)
    assert not errors, errors


def http_error_logged(*statuses: int) -> str:
    """Chromium logs every 4xx/5xx fetch as a console error; a flow that expects one allows it."""
    return r"Failed to load resource: the server responded with a status of (%s)" % "|".join(map(str, statuses))


class Screenshots:
    """Writes PNGs of page states to GLMTTS_SCREENSHOTS, or a pytest temporary folder (never the repo)."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def take(self, ui: UI, name: str):
        size = ui.page.viewport_size
        path = self.folder / f"{name}-{size['width']}x{size['height']}.png"
        ui.page.screenshot(path=str(path), full_page=True)
        return path


def assert_wav(data: bytes, min_seconds: float = 0.2):
    import io
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", data[:16]
    with wave.open(io.BytesIO(data)) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        seconds = w.getnframes() / w.getframerate()
    assert seconds >= min_seconds, seconds
    return seconds


def assert_mp3(data: bytes):
    assert len(data) > 1000
    assert data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0), data[:8]


def sentences(n: int) -> str:
    return " ".join(f"This is sentence number {i + 1}, which keeps the voice busy for a little while." for i in range(n))
