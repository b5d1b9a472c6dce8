"""`glmtts models pull` against a real HTTP server on loopback that serves files and archives
built here from real small files (the joe voice as a Piper catalogue entry): a clean pull that
then speaks, checksum mismatch, a connection cut and a resumed pull, 404, a full disk, Ctrl-C,
two concurrent pulls of one model, every hostile archive kind, air-gapped installs, and a
cloning pack installed up to its first inference. None of this reaches beyond loopback."""
import json
import os
import signal
import subprocess
import tarfile
import tempfile
import time
import wave
from pathlib import Path

import pytest

from model_file_server import Fault
from model_pull_support import BLOB_PATH, JOE, PIPER_PATH, SNAPSHOT_FILES, PullWorld, blob_entry, joe_entry, member, \
    snapshot_entry, tar_bz2, zipvoice_archive, zipvoice_entry
from storage_mounts import Mounts, require_root_and_mount
from conftest import binary

EXIT_INVALID, EXIT_NOT_FOUND, EXIT_UNAVAILABLE, EXIT_CANCELLED = 2, 3, 4, 130


@pytest.fixture
def world():
    with tempfile.TemporaryDirectory(prefix="glmtts-pull-") as tmp:
        w = PullWorld(Path(tmp))
        try:
            yield w
        finally:
            w.close()


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"still waiting for {what} after {seconds} s")


# --- the shipped catalogue ---------------------------------------------------------------

def test_catalog_lists_the_shipped_catalogue_and_filters_it():
    env = {k: v for k, v in os.environ.items() if k not in ("GLMTTS_CATALOGUE", "GLMTTS_MODEL_MIRROR")}
    with tempfile.TemporaryDirectory() as tmp:
        env["GLMTTS_MODELS_DIR"] = tmp
        out = subprocess.run([binary(), "models", "catalog", "--json"], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        listing = json.loads(out.stdout)
        ids = {m["id"] for m in listing["models"]}
        assert {"zipvoice-zh-en", "pocket-tts-en", "zh_CN-huayan-medium", "whisper-small", "kokoro-zf_xiaobei"} <= ids
        assert not any(m["installed"] for m in listing["models"])
        clones = subprocess.run([binary(), "models", "catalog", "--clone"], env=env, capture_output=True, text=True, timeout=60)
        assert clones.returncode == 0 and "zipvoice-zh-en" in clones.stdout and "huayan" not in clones.stdout
        chinese = subprocess.run([binary(), "models", "catalog", "--language", "zh"], env=env, capture_output=True, text=True,
                                 timeout=60)
        assert "zh_CN-huayan-medium" in chinese.stdout and "en_US-lessac-medium" not in chinese.stdout


def test_unknown_ids_get_suggestions_and_nothing_is_fetched(world):
    world.add(joe_entry())
    out = world.cli("models", "pull", "joe")
    assert out.returncode == EXIT_NOT_FOUND, out.stderr
    assert "joe-piper" in out.stderr and "models catalog" in out.stderr
    assert world.server.requests == []


# --- a clean pull, then speech -----------------------------------------------------------

def test_clean_pull_installs_verifies_speaks_and_removes(world):
    world.add(joe_entry())
    out = world.cli("models", "pull", "joe-piper")
    assert out.returncode == 0, out.stderr
    assert "Installed joe-piper" in out.stdout
    assert world.installed() == ["joe-piper"] and world.leftovers() == [] and world.partials() == []
    manifest = json.loads((world.models / "joe-piper" / "manifest.json").read_text())
    assert manifest["engine"] == "piper" and manifest["source"]["publisherDigestsChecked"] is True
    assert {"model.onnx", "tokens.txt", "piper.json", "MODEL_CARD"} <= set(manifest["digests"])
    assert all(r.path.startswith(PIPER_PATH) for r in world.server.requests)

    verify = world.cli("models", "verify", "joe-piper")
    assert verify.returncode == 0 and "joe-piper: ok" in verify.stdout, verify.stdout + verify.stderr

    wav = world.root / "out.wav"
    speak = world.cli("synth", "The pulled voice speaks.", "--model", "joe-piper", "-o", str(wav), "--quiet")
    assert speak.returncode == 0, speak.stderr
    with wave.open(str(wav)) as w:
        assert w.getframerate() == 22050 and w.getnframes() / w.getframerate() > 0.8

    again = world.cli("models", "pull", "joe-piper")
    assert again.returncode == 0 and "installed already" in again.stdout
    (world.models / "joe-piper" / "tokens.txt").write_text("tampered\n")
    broken = world.cli("models", "verify", "joe-piper")
    assert broken.returncode == EXIT_UNAVAILABLE and "tokens.txt has changed" in broken.stdout

    removed = world.cli("models", "remove", "joe-piper")
    assert removed.returncode == 0 and world.installed() == []


def test_pull_from_a_folder_needs_no_network(world):
    entry = world.add(joe_entry())
    world.server.files.clear()  # the "publisher" has nothing: only --from can work
    folder = world.root / "downloaded"
    folder.mkdir()
    for f in entry["files"]:
        (folder / f["name"]).write_bytes((JOE / f["name"]).read_bytes())
    out = world.cli("models", "pull", "joe-piper", "--from", str(folder))
    assert out.returncode == 0, out.stderr
    assert world.installed() == ["joe-piper"] and world.server.requests == []
    assert sorted(p.name for p in folder.iterdir()) == sorted(f["name"] for f in entry["files"]), "--from only reads"


# --- what goes wrong ---------------------------------------------------------------------

def test_checksum_mismatch_installs_nothing_and_says_so(world):
    entry, files = joe_entry()
    onnx_path = PIPER_PATH + "en_US-joe-medium.onnx"
    damaged = bytearray(files[onnx_path])
    damaged[len(damaged) // 2] ^= 0xFF
    files[onnx_path] = bytes(damaged)
    world.add((entry, files))
    out = world.cli("models", "pull", "joe-piper")
    assert out.returncode == EXIT_UNAVAILABLE, out.stderr
    assert "MD5" in out.stderr and "nothing was installed" in out.stderr
    assert world.installed() == [] and world.leftovers() == [] and world.partials() == []


def test_a_cut_connection_fails_clearly_and_the_next_pull_resumes(world):
    entry = world.add(blob_entry("blob-cut", 3 << 20))
    path = BLOB_PATH + "blob-cut.onnx"
    world.server.faults[path] = Fault(cut_after=1 << 20)
    first = world.cli("models", "pull", "blob-cut")
    assert first.returncode == EXIT_UNAVAILABLE, first.stderr
    assert "connection broke" in first.stderr or "sent" in first.stderr, first.stderr
    assert world.installed() == []
    [partial] = world.partials()
    kept = partial.stat().st_size
    assert 0 < kept <= 1 << 20
    second = world.cli("models", "pull", "blob-cut")
    assert second.returncode == 0, second.stderr
    resumed = world.server.of(path)[-1]
    assert resumed.range == f"bytes={kept}-" and resumed.status == 206
    assert resumed.sent == entry["files"][0]["size"] - kept, "resumed, not downloaded again"
    assert world.installed() == ["blob-cut"] and world.partials() == []


def test_a_missing_file_is_a_clear_404(world):
    world.add(blob_entry("blob-404", 1000))
    world.server.faults[BLOB_PATH + "blob-404.onnx"] = Fault(status=404)
    out = world.cli("models", "pull", "blob-404")
    assert out.returncode == EXIT_UNAVAILABLE
    assert "HTTP 404" in out.stderr and "not there" in out.stderr
    assert world.installed() == []


def test_a_first_seen_digest_is_recorded_and_enforced(world):
    entry = world.add(blob_entry("blob-tofu", 5000, sha=False))
    assert world.cli("models", "pull", "blob-tofu").returncode == 0
    seen = json.loads((world.models / ".pull" / "seen-digests.json").read_text())
    assert list(seen) == [entry["files"][0]["url"]]
    world.server.files[BLOB_PATH + "blob-tofu.onnx"] = b"y" * 5000  # the publisher's file changed
    out = world.cli("models", "pull", "blob-tofu", "--force")
    assert out.returncode == EXIT_UNAVAILABLE and "first download" in out.stderr
    assert world.cli("models", "verify", "blob-tofu").returncode == 0, "the installed copy was not touched"


def test_ctrl_c_cancels_installs_nothing_and_the_next_pull_resumes(world):
    world.add(blob_entry("blob-slow", 4 << 20))
    path = BLOB_PATH + "blob-slow.onnx"
    world.server.faults[path] = Fault(delay=0.05)
    pull = world.start("models", "pull", "blob-slow")
    try:
        wait_for(lambda: world.partials() and world.partials()[0].stat().st_size > 0, 60, "the download to start")
        pull.send_signal(signal.SIGINT)
        _, err = pull.communicate(timeout=60)
    finally:
        pull.kill()
    assert pull.returncode == EXIT_CANCELLED, err
    assert "cancelled" in err
    assert world.installed() == [] and world.leftovers() == []
    kept = world.partials()[0].stat().st_size
    assert 0 < kept < 4 << 20
    world.server.faults.clear()
    assert world.cli("models", "pull", "blob-slow").returncode == 0
    assert world.server.of(path)[-1].range == f"bytes={kept}-"


def test_two_concurrent_pulls_of_one_model_download_it_once(world):
    entry = world.add(blob_entry("blob-twice", 2 << 20))
    path = BLOB_PATH + "blob-twice.onnx"
    world.server.faults[path] = Fault(delay=0.02)
    pulls = [world.start("models", "pull", "blob-twice") for _ in range(2)]
    outs = [p.communicate(timeout=180) for p in pulls]
    assert [p.returncode for p in pulls] == [0, 0], outs
    said = "".join(o for o, _ in outs)
    assert said.count("Installed blob-twice") == 1 and said.count("installed already") == 1, said
    assert world.server.sent(path) == entry["files"][0]["size"]
    assert world.installed() == ["blob-twice"]


# --- hostile archives --------------------------------------------------------------------

def hostile(kind: str, top: str, outside: Path) -> bytes:
    """A pack with one hostile entry of `kind` among good ones."""
    good = [member(top + "/", kind=tarfile.DIRTYPE), member(f"{top}/tokens.txt", b"a\t1\n")]
    bad = {
        "dot-dot": member(f"{top}/../../{outside.name}", b"escaped"),
        "absolute": member(str(outside), b"escaped"),
        "symlink": member(f"{top}/link", kind=tarfile.SYMTYPE, link=str(outside)),
        "hard-link": member(f"{top}/hard", kind=tarfile.LNKTYPE, link="/etc/passwd"),
        "device": member(f"{top}/null", kind=tarfile.CHRTYPE),
        "fifo": member(f"{top}/pipe", kind=tarfile.FIFOTYPE),
        "oversized": member(f"{top}/huge.onnx", b"\0" * (3 << 20)),
    }[kind]
    return tar_bz2(good + [bad])


@pytest.mark.parametrize("kind", ["dot-dot", "absolute", "symlink", "hard-link", "device", "fifo", "oversized"])
def test_hostile_archives_are_refused_and_write_nothing_outside(world, kind):
    outside = world.root / f"escaped-{kind}"
    world.extra_env["GLMTTS_MODEL_UNPACK_LIMIT_MB"] = "1"
    world.add(zipvoice_entry("pack-hostile", hostile(kind, "pack", outside)))
    before = sorted(p.name for p in world.root.iterdir())
    out = world.cli("models", "pull", "pack-hostile")
    assert out.returncode == EXIT_UNAVAILABLE, out.stdout + out.stderr
    assert "Refused to unpack" in out.stderr and "Nothing was installed" in out.stderr, out.stderr
    assert not outside.exists() and not Path("/" + outside.name).exists()
    assert sorted(p.name for p in world.root.iterdir()) == before
    assert world.installed() == [] and world.leftovers() == []


def test_a_damaged_archive_is_reported_not_unpacked(world):
    entry, files = zipvoice_entry("pack-damaged", b"BZh91AY&SY" + b"\x00" * 200)
    world.add((entry, files))
    out = world.cli("models", "pull", "pack-damaged")
    assert out.returncode == EXIT_UNAVAILABLE and "cannot be unpacked" in out.stderr, out.stderr
    assert world.installed() == []


# --- cloning, as far as it goes here -----------------------------------------------------

def test_a_cloning_pack_installs_and_its_first_inference_fails_clearly(world, tmp_path):
    world.add(zipvoice_entry("zipvoice-test", zipvoice_archive()))
    out = world.cli("models", "pull", "zipvoice-test")
    assert out.returncode == 0, out.stderr
    folder = world.models / "zipvoice-test"
    assert (folder / "encoder.int8.onnx").exists() and (folder / "vocos_24khz.onnx").exists()
    assert (folder / "test_wavs" / "prompt.txt").exists(), "the top folder was stripped, the rest kept"
    listed = json.loads(world.cli("models", "list", "--json").stdout)
    assert any(m["id"] == "zipvoice-test" and m["capabilities"]["canClone"] for m in listed["models"])
    reference = tmp_path / "reference.wav"
    with wave.open(str(reference), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(b"\x10\x00\xf0\xff" * 24000)
    speak = world.cli("synth", "你好，世界。", "--model", "zipvoice-test", "--voice", str(reference), "--prompt-text", "hello",
                      "-o", str(tmp_path / "clone.wav"), "--quiet")
    assert speak.returncode != 0
    assert "zipvoice-test" in speak.stderr and "could not be loaded" in speak.stderr, speak.stderr


# --- a full disk -------------------------------------------------------------------------

@pytest.fixture
def small_disk(world):
    """The models directory on a 160 MiB loop-mounted ext4 file system."""
    require_root_and_mount("ext4")
    mounts = Mounts()
    image = world.root / "models.ext4"
    with open(image, "wb") as f:
        f.truncate(160 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], check=True, capture_output=True)
    mounts.loop_ext4(image, world.models)
    try:
        yield world.models
    finally:
        mounts.undo()


def test_a_pull_that_cannot_fit_is_refused_before_downloading(world, small_disk):
    entry, files = blob_entry("blob-huge", 1000)
    entry["files"][0]["size"] = 400 << 20  # stated larger than the disk: nothing is fetched
    world.add((entry, files))
    out = world.cli("models", "pull", "blob-huge")
    assert out.returncode == EXIT_UNAVAILABLE and "Not enough free space" in out.stderr, out.stderr
    assert world.server.requests == [] and world.installed() == []


def test_the_disk_filling_during_a_pull_fails_cleanly(world, small_disk):
    world.add(blob_entry("blob-fill", 24 << 20))
    world.server.faults[BLOB_PATH + "blob-fill.onnx"] = Fault(delay=0.03)
    pull = world.start("models", "pull", "blob-fill")
    filler = small_disk / "filler"
    try:
        wait_for(lambda: world.partials() and world.partials()[0].stat().st_size > (1 << 20), 60, "the download to start")
        stats = os.statvfs(small_disk)
        with open(filler, "wb") as f:  # another program takes the rest of the disk
            try:
                f.write(b"\0" * (stats.f_bavail * stats.f_frsize - (256 << 10)))
            except OSError:
                pass
        _, err = pull.communicate(timeout=120)
    finally:
        pull.kill()
    assert pull.returncode == EXIT_UNAVAILABLE, err
    assert "Not enough free space" in err or "disk" in err, err
    assert world.installed() == []
    assert not (small_disk / "blob-fill").exists() and world.leftovers() == []
    filler.unlink()
    world.server.faults.clear()
    again = world.cli("models", "pull", "blob-fill")
    assert again.returncode == 0, again.stderr
    assert "blob-fill" in world.installed()


# --- a repository snapshot (GLM-TTS's weights) -------------------------------------------

def add_snapshot(world, **kwargs):
    entry, served, headers = snapshot_entry(**kwargs)
    world.add((entry, served))
    world.server.headers.update(headers)
    return entry


def test_a_repository_snapshot_is_listed_checked_and_installed_into_its_folder(world):
    add_snapshot(world)
    out = world.cli("models", "pull", "glm-test")
    assert out.returncode == 0, out.stderr
    ckpt = world.models / "glm-test" / "ckpt"
    for path, data in SNAPSHOT_FILES.items():
        assert (ckpt / path).read_bytes() == data
    assert not (ckpt / ".gitattributes").exists()
    manifest = json.loads((world.models / "glm-test" / "manifest.json").read_text())
    assert manifest["source"]["publisherDigestsChecked"] is True
    assert manifest["options"]["ckpt"] == "ckpt" and set(manifest["digests"]) == {f"ckpt/{p}" for p in SNAPSHOT_FILES}
    assert any("cursor=page2" in r.path for r in world.server.requests), "the second listing page was read"
    assert world.cli("models", "verify", "glm-test").returncode == 0


@pytest.mark.parametrize("hostile", ["../escaped", "/etc/escaped", "a/../../escaped"])
def test_a_hostile_listing_installs_nothing(world, hostile):
    add_snapshot(world, hostile=hostile)
    out = world.cli("models", "pull", "glm-test")
    assert out.returncode == EXIT_UNAVAILABLE and "not a safe relative path" in out.stderr, out.stderr
    assert world.installed() == [] and not (world.root / "escaped").exists()


def test_a_snapshot_file_that_differs_from_its_stated_sha256_installs_nothing(world):
    add_snapshot(world, wrong_sha=True)
    out = world.cli("models", "pull", "glm-test")
    assert out.returncode == EXIT_UNAVAILABLE and "SHA-256" in out.stderr, out.stderr
    assert world.installed() == []


def test_a_snapshot_from_a_downloaded_folder_needs_no_network(world):
    add_snapshot(world)
    world.server.files.clear()
    folder = world.root / "ckpt-downloaded"
    for path, data in SNAPSHOT_FILES.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    (folder / ".cache" / "huggingface").mkdir(parents=True)
    (folder / ".cache" / "huggingface" / "junk").write_text("skipped")
    out = world.cli("models", "pull", "glm-test", "--from", str(folder))
    assert out.returncode == 0, out.stderr
    assert world.server.requests == []
    assert sorted(p.relative_to(world.models / "glm-test" / "ckpt").as_posix()
                  for p in (world.models / "glm-test" / "ckpt").rglob("*") if p.is_file()) == sorted(SNAPSHOT_FILES)
