"""The web UI's Models panel (Public/models.js) in headless Chromium against the real server:
the catalogue filtered by language, capability and text, a pull of the joe voice from the
loopback mirror (model_pull_support.PullWorld) with its progress bar, speed and time left, a
cancelled pull that installs nothing, the voice picker following the installed models, removal
after confirm(), and the note a key without the admin scope gets. One browser for the module;
one context per flow (see test_web_ui.py and web_ui_support.py)."""
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import Server, create_key
from glmtts_support.server import TEST_MODELS
from model_file_server import Fault
from model_pull_support import PIPER_PATH, PullWorld, blob_entry, joe_entry
from web_ui_support import chromium, http_error_logged, ui_page

ONNX = PIPER_PATH + "en_US-joe-medium.onnx"
JOE = "#models-list li[data-id='joe-piper']"
LISTED = "[...document.querySelectorAll('#models-list li')].map(li => li.dataset.id)"
PICKER_HAS_JOE = "[...document.getElementById('model').options].some(o => o.value === 'joe-piper')"


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def world():
    """The joe voice and a Japanese blob in a test catalogue with a pack, served on loopback;
    a models directory holding the default voice (copied from the test models)."""
    with tempfile.TemporaryDirectory(prefix="glmtts-ui-models-") as tmp:
        w = PullWorld(Path(tmp))
        try:
            shutil.copytree(TEST_MODELS / "en_US-joe-medium", w.models / "en_US-joe-medium")
            w.add(joe_entry())
            blob, files = blob_entry("ja-blob", 4096)
            blob["languages"] = ["ja-JP"]
            w.add((blob, files))
            w.write(packs=[{"id": "joe-pack", "description": "The joe voice, as a pack", "members": ["joe-piper"]}])
            yield w
        finally:
            w.close()


@pytest.fixture
def pull_server(world):
    env = {k: world.env[k] for k in ("GLMTTS_MODELS_DIR", "GLMTTS_CATALOGUE", "GLMTTS_MODEL_MIRROR")}
    (world.root / "data").mkdir(exist_ok=True)
    srv = Server(world.root / "data", env=env).start()
    yield srv
    srv.stop()


def open_panel(ui):
    ui.page.click("#models-panel summary")
    ui.page.wait_for_selector(JOE)


def test_browse_pull_cancel_install_and_remove(browser, world, pull_server):
    with ui_page(browser, pull_server.url) as ui:
        page = ui.page
        assert not ui.js(PICKER_HAS_JOE)
        assert not [r for r in ui.api_requests() if "/api/admin/" in r.url]  # loaded only when opened
        open_panel(ui)
        assert page.get_attribute(JOE, "data-state") == "available"
        assert ui.js("[...document.getElementById('models-lang').options].map(o => o.value)") == ["all", "en", "ja"]
        assert "joe-piper" in page.inner_text("#packs-list")

        # Filters: language (primary subtag), cloning, text.
        page.select_option("#models-lang", "en")
        assert ui.js(LISTED) == ["joe-piper"]
        facts = page.inner_text(f"{JOE} .mfacts")
        assert "English" in facts and "MB" in facts and "CPU" in facts, facts
        page.select_option("#models-lang", "ja")
        assert ui.js(LISTED) == ["ja-blob"]
        page.select_option("#models-lang", "all")
        page.check("#models-clone")
        assert ui.js(LISTED) == [] and page.is_visible("#models-none")
        page.uncheck("#models-clone")
        page.fill("#models-search", "joe")
        assert ui.js(LISTED) == ["joe-piper"]
        page.fill("#models-search", "")
        page.select_option("#models-lang", "en")

        # A slow mirror: the pull shows its bytes and is cancelled; nothing is installed.
        world.server.faults[ONNX] = Fault(delay=0.05)
        page.click(f"{JOE} button[data-action=pull]")
        ui.wait_for("document.getElementById('pull-bar').value > 0")
        assert page.is_disabled(f"{JOE} button[data-action=pull]")  # one pull at a time
        ui.wait_for("document.getElementById('pull-bytes').textContent.includes(' of ')")
        page.click("#pull-cancel")
        page.wait_for_selector("#pull-box[data-state=cancelled]")
        assert "cancelled" in page.inner_text("#models-msg")
        page.wait_for_selector(f"{JOE}[data-state=available] button[data-action=pull]:not([disabled])")
        assert "joe-piper" not in world.installed()

        # A pull that goes through (it resumes the partial file), watched to the end.
        world.server.faults[ONNX] = Fault(delay=0.003)
        ui.js("""(window.bars = [], window.texts = [], new MutationObserver(() => {
                   window.bars.push(document.getElementById('pull-bar').value);
                   window.texts.push(document.getElementById('pull-bytes').textContent); })
                 .observe(document.getElementById('pull-box'), {attributes: true, childList: true, characterData: true, subtree: true}))""")
        page.click(f"{JOE} button[data-action=pull]")
        page.wait_for_selector("#pull-box[data-state=succeeded]", timeout=180_000)
        page.wait_for_selector(f"{JOE}[data-state=installed]")
        assert ui.js("document.getElementById('pull-bar').value") == 1
        bars = ui.js("window.bars")
        assert any(0 < v < 1 for v in bars), bars  # it moved, not just jumped to the end
        assert any(s.endswith(" left") and "/s" in s for s in ui.js("window.texts")), ui.js("window.texts")  # speed, time left
        assert page.inner_text("#pull-phase") == "Installed"
        assert "Installed: joe-piper" in page.inner_text("#models-msg")
        assert "joe-piper" in world.installed()
        ui.wait_for(PICKER_HAS_JOE)  # the voice picker follows

        # Removal asks first.
        asked = []
        page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
        page.click(f"{JOE} button[data-action=remove]")
        page.wait_for_selector(f"{JOE}[data-state=available]")
        assert asked and "joe-piper" in asked[0]
        assert "Removed: joe-piper" in page.inner_text("#models-msg")
        assert "joe-piper" not in world.installed()
        ui.wait_for(f"!{PICKER_HAS_JOE}")


def test_panel_is_translated(browser, world, pull_server):
    with ui_page(browser, pull_server.url) as ui:
        page = ui.page
        open_panel(ui)
        page.select_option("#lang", "ja")
        assert page.inner_text("#models-h") == "モデル"
        assert page.inner_text(f"{JOE} button[data-action=pull]") == "ダウンロード"
        assert page.inner_text(f"{JOE} .badge") == "ダウンロード可能"
        page.select_option("#lang", "zh-Hans")
        assert page.inner_text(f"{JOE} .badge") == "可下载"
        assert page.inner_text(f"{JOE} b") == "joe-piper"  # server data is shown as sent


def test_a_key_without_admin_scope_gets_a_clear_note(browser, fresh_server_dir):
    key = create_key(fresh_server_dir, "reader", "read")
    keyed = Server(fresh_server_dir, env={"GLMTTS_AUTH": "keys"}).start()
    try:
        with ui_page(browser, keyed.url, open_page=False, allowed_errors=(http_error_logged(401, 403),)) as ui:
            page = ui.page
            page.goto(keyed.url + "/")
            page.wait_for_selector("#key-dialog[open]")
            page.fill("#key-input", key)
            page.click("#key-dialog button[value=save]")
            ui.wait_booted()
            page.click("#models-panel summary")
            page.wait_for_selector("#models-denied:not([hidden])")
            assert "An admin key is needed to manage models." in page.inner_text("#models-denied")
            assert page.is_hidden("#models-body")
            assert not page.is_visible("#key-dialog[open]")  # a 403 is not a key prompt
    finally:
        keyed.stop()
