"""Deployment files (deploy/, .dockerignore) tested for real where this machine allows.

1. nginx (Debian nginx-light) runs deploy/nginx.conf as shipped, in front of the real server;
   only the listen address, the upstream address and nginx's own paths (pid, logs, temp
   folders) are substituted, inside an http{} that gzips event streams and audio as some
   hosts do (the client asks for gzip, as browsers do). Through it: live SSE progress and
   streamed audio arrive while the job is still running (checked against the job's state on
   the server, not against a clock), uploads up to the server's limit pass, /health
   answers, and the proxy headers (X-Forwarded-For …) reach the upstream.
2. No Docker daemon here: the Dockerfiles and docker-compose.yml are checked statically
   (parsed, required keys, every COPY source present in the build context, the builder runs
   the scripts CI runs), and the pieces they install (health check script, entrypoint,
   GLM-TTS manifest) are run against the real binary.
"""
from __future__ import annotations

import http.client
import http.server
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import wave
import zlib
from pathlib import Path

import pytest
import requests
import yaml

from conftest import ROOT, Server, auth, binary, create_key, free_port
from nginx_support import NGINX_CONF, Nginx

DEPLOY = ROOT / "deploy"
LONG_TEXT = " ".join(
    f"This is sentence number {i} of a long text, read aloud so that the job runs for a while."
    for i in range(1, 11))


# --------------------------------------------------------------------------------------
# nginx in front of a server, from deploy/nginx.conf


# A host-wide setting the shipped server block must survive: many nginx hosts compress more
# than HTML. Compressing a buffered event stream holds every event back until the end
# (measured: with `proxy_buffering on` and without the block's `gzip off`, the first
# progress event arrived after the job had completed).
SITE_WIDE_GZIP = "gzip on; gzip_types text/event-stream application/octet-stream audio/L16 audio/wav audio/mpeg;"


@pytest.fixture(scope="module")
def server():
    """The server as deploy/nginx.conf and docs/DEPLOY.md say to run it behind a proxy: on
    loopback with GLMTTS_AUTH=keys, with an admin key (`server.key_headers`)."""
    with tempfile.TemporaryDirectory(prefix="glmtts-deploy-") as tmp:
        data = Path(tmp)
        key = create_key(data, "admin", "admin")
        srv = Server(data, env={"GLMTTS_AUTH": "keys"}).start()
        srv.key_headers = auth(key)
        yield srv
        srv.stop()
        assert srv.process.returncode == 0, srv.log_text()[-3000:]


@pytest.fixture(scope="module")
def reference_wav(server, tmp_path_factory) -> Path:
    """A ~4 s clip made by the server's default voice."""
    response = requests.post(server.url + "/api/tts", json={"text": "The quick brown fox jumps over the lazy dog."},
                             headers=server.key_headers, timeout=300)
    assert response.status_code == 200, response.text
    path = tmp_path_factory.mktemp("ref") / "reference.wav"
    path.write_bytes(response.content)
    return path


@pytest.fixture(scope="module")
def proxy(server):
    nginx = Nginx(f"127.0.0.1:{server.port}", http_extra=SITE_WIDE_GZIP).start()
    yield nginx
    nginx.stop()


class EchoHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with what it received: version, path, headers, peer port."""
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = json.dumps({"version": self.request_version, "path": self.path,
                           "headers": {k.lower(): v for k, v in self.headers.items()},
                           "peer_port": self.client_address[1]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def echo_proxy():
    echo = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    thread = threading.Thread(target=echo.serve_forever, daemon=True)
    thread.start()
    nginx = Nginx(f"127.0.0.1:{echo.server_address[1]}").start()
    yield nginx
    nginx.stop()
    echo.shutdown()
    echo.server_close()


def open_stream(base_url: str, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    """A streamed response from http.client, which hands over exactly what has arrived."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=300)
    payload = json.dumps(body).encode() if body is not None else None
    all_headers = {"Content-Type": "application/json"} if body is not None else {}
    all_headers.update(headers or {})
    connection.request(method, path, body=payload, headers=all_headers)
    return connection, connection.getresponse()


def chunks(response):
    """The body as it arrives (each read returns what is there), gunzipped if it is gzip."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if response.getheader("content-encoding") == "gzip" else None
    while True:
        chunk = response.read1(65536)
        if not chunk:
            if decoder:
                yield decoder.flush()
            return
        data = decoder.decompress(chunk) if decoder else chunk
        if data:
            yield data


def read_sse(response):
    """Yields (event, data) for each Server-Sent Event as soon as its blank line arrives."""
    pending, current = b"", {}
    for data in chunks(response):
        pending += data
        while b"\n" in pending:
            raw, pending = pending.split(b"\n", 1)
            line = raw.decode().rstrip("\r")
            if line == "":
                if "data" in current:
                    data = json.loads(current["data"])
                    yield current.get("event") or data.get("type"), data  # unnamed events carry it in `type`
                current = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(":")
                current[key] = value[1:] if value.startswith(" ") else value


def job_status(server, job_id: str) -> str:
    """The job's state straight from the server (bypassing nginx)."""
    response = requests.get(f"{server.url}/api/tts/{job_id}", headers=server.key_headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["status"]


FINISHED = {"completed", "failed", "cancelled"}


def test_health_and_request_id_through_nginx(proxy):
    response = requests.get(proxy.url + "/health", headers={"X-Request-Id": "deploy-test-1"}, timeout=30)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"] == "deploy-test-1"


def test_sse_progress_arrives_unbuffered_through_nginx(server, proxy):
    submitted = requests.post(proxy.url + "/api/tts", json={"text": LONG_TEXT},
                              headers={"Prefer": "respond-async", **server.key_headers}, timeout=60)
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    connection, response = open_stream(proxy.url, "GET", job["progress_url"],
                                       headers={"Accept-Encoding": "gzip", **server.key_headers})
    try:
        assert response.status == 200
        assert response.getheader("content-type", "").startswith("text/event-stream")
        events, seen_while_running = [], []
        for event, data in read_sse(response):
            events.append(event)
            if event == "progress" and not seen_while_running:
                # This event came through nginx: is the job still going on the server?
                seen_while_running.append(job_status(server, job["id"]))
            if event in FINISHED:
                break
        assert events[-1] == "completed", events
        assert events.count("progress") >= 2, events
        assert seen_while_running and seen_while_running[0] not in FINISHED, \
            f"the first progress event reached the client only after the job had finished: " \
            f"nginx buffered the event stream (state then: {seen_while_running})"
    finally:
        connection.close()
    assert job_status(server, job["id"]) == "completed"


def test_streamed_speech_arrives_unbuffered_through_nginx(server, proxy):
    body = {"model": "tts-1", "voice": "alloy", "input": LONG_TEXT, "response_format": "pcm"}
    connection, response = open_stream(proxy.url, "POST", "/v1/audio/speech", body,
                                       headers={"Accept-Encoding": "gzip", **server.key_headers})
    try:
        assert response.status == 200, response.read()[:500]
        job_id = response.getheader("x-task-id")
        assert job_id
        stream = chunks(response)
        first = next(stream, b"")
        assert first, "no audio arrived"
        state_after_first_chunk = job_status(server, job_id)
        rest = b"".join(stream)
    finally:
        connection.close()
    assert state_after_first_chunk not in FINISHED, \
        "the first audio chunk reached the client only after synthesis had finished: nginx buffered the stream"
    total = len(first) + len(rest)
    assert len(rest) > 0 and total % 2 == 0
    assert total / 2 / 24000 > 20  # 24 kHz 16-bit mono: the whole long text came through
    assert job_status(server, job_id) == "completed"


def big_wav(speech: Path, target_size: int) -> bytes:
    """A WAV of about `target_size` bytes that is short to analyse: the speech clip as 32-bit
    float stereo at 8 times its rate (each sample held 8 times), repeated."""
    with wave.open(str(speech), "rb") as source:
        assert source.getsampwidth() == 2 and source.getnchannels() == 1
        rate, mono = source.getframerate(), source.readframes(source.getnframes())
    samples = struct.unpack(f"<{len(mono) // 2}h", mono)
    frames = b"".join(struct.pack("<ff", v / 32768, v / 32768) * 8 for v in samples)
    header_size = 58
    data = (frames * (target_size // len(frames) + 1))[: (target_size - header_size) // 8 * 8]
    fmt = struct.pack("<HHIIHHH", 3, 2, rate * 8, rate * 8 * 8, 8, 32, 0)  # WAVE_FORMAT_IEEE_FLOAT
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<II", 4, len(data) // 8) \
        + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_uploads_up_to_the_server_limit_pass_through_nginx(server, proxy, reference_wav):
    limit = requests.get(server.url + "/api/limits", headers=server.key_headers, timeout=30).json()["max_upload_bytes"]
    # Just under the limit, multipart overhead included: nginx passes it, the server takes it.
    clip = big_wav(reference_wav, limit - 64 * 1024)
    response = requests.post(proxy.url + "/api/reference/inspect", headers=server.key_headers,
                             files={"file": ("big.wav", clip, "audio/wav")}, timeout=300)
    assert response.status_code == 200, response.text[:500]
    assert response.json()["duration_seconds"] > 10
    # Just over the server's limit (but under nginx's): the server's own problem+json 413
    # comes back through nginx, not an nginx error page. (A raw body: the server refuses it
    # while it streams in, without parsing a multipart form first.)
    over = requests.post(proxy.url + "/api/transcribe", data=big_wav(reference_wav, limit + 64 * 1024),
                         headers={"Content-Type": "audio/wav", **server.key_headers}, timeout=300)
    assert over.status_code == 413, over.text[:500]
    assert over.headers["content-type"].startswith("application/problem+json"), over.headers
    assert requests.get(proxy.url + "/health", timeout=30).status_code == 200


def test_proxy_headers_reach_the_upstream(echo_proxy):
    sent = requests.get(echo_proxy.url + "/api/voices?x=1",
                        headers={"X-Forwarded-For": "203.0.113.9", "Host": "tts.example.com"}, timeout=30)
    assert sent.status_code == 200
    seen = sent.json()
    assert seen["version"] == "HTTP/1.1"
    assert seen["path"] == "/api/voices?x=1"
    headers = seen["headers"]
    # The address nginx saw replaces whatever the client claimed: it cannot be forged.
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-real-ip"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["host"] == "tts.example.com"
    assert headers.get("connection", "").lower() != "close"
    # keep-alive to the upstream: the next request reuses the connection.
    again = requests.get(echo_proxy.url + "/health", timeout=30).json()
    assert again["peer_port"] == seen["peer_port"]
    # /metrics is allowed from this host only; here the client is 127.0.0.1.
    assert requests.get(echo_proxy.url + "/metrics", timeout=30).status_code == 200


def test_open_mode_behind_nginx_gives_remote_clients_nothing(fresh_server_dir):
    """The mistake docs/DEPLOY.md warns against, made on purpose: a server on loopback in
    open mode (GLMTTS_AUTH=auto) behind deploy/nginx.conf. Through nginx every request
    arrives from loopback, but nginx adds X-Forwarded-For / X-Real-IP, so the server asks
    for a key: nobody gets admin through the proxy."""
    open_server = Server(fresh_server_dir).start()
    nginx = Nginx(f"127.0.0.1:{open_server.port}").start()
    try:
        for method, path in [("GET", "/api/admin/keys"), ("POST", "/api/admin/models/reload"), ("GET", "/api/voices"),
                             ("POST", "/api/gpu/offload"), ("DELETE", "/api/tts/0123456789abcdef0123456789abcdef")]:
            r = requests.request(method, nginx.url + path, timeout=30)
            assert r.status_code == 401, (path, r.status_code, r.text[:200])
        created = requests.post(nginx.url + "/api/admin/keys", json={"name": "evil", "scopes": ["admin"]}, timeout=30)
        assert created.status_code == 401
        assert requests.get(nginx.url + "/health", timeout=30).status_code == 200
        # Directly on loopback (no proxy) open mode is what it says.
        assert requests.get(open_server.url + "/api/admin/keys", timeout=30).json()["keys"] == []
    finally:
        nginx.stop()
        open_server.stop()


def test_deploy_recipes_require_keys():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert compose["x-glmtts-environment"]["GLMTTS_AUTH"] == "${GLMTTS_AUTH:-keys}"
    assert "GLMTTS_AUTH=keys" in (DEPLOY / "compose.env.example").read_text().splitlines()
    assert "GLMTTS_AUTH=keys" in NGINX_CONF.read_text()
    assert "GLMTTS_AUTH=keys" in (ROOT / "docs" / "DEPLOY.md").read_text()


def test_shipped_nginx_conf_matches_the_server_limits():
    text = NGINX_CONF.read_text()
    directives = dict(re.findall(r"(?m)^\s*(proxy_buffering|proxy_http_version|client_max_body_size|proxy_read_timeout)\s+([^;]+);", text))
    assert directives["proxy_buffering"] == "off"
    assert directives["proxy_http_version"] == "1.1"
    size = directives["client_max_body_size"]
    multiplier = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}.get(size[-1].lower(), 1)
    body_limit = int(size.rstrip("kKmMgG")) * multiplier
    assert 25 * 1024 ** 2 < body_limit <= 32 * 1024 ** 2  # a little above GLMTTS_MAX_UPLOAD_MB's default
    seconds = int(directives["proxy_read_timeout"].rstrip("s"))
    assert seconds > 600  # GLMTTS_SYNC_WAIT_SECONDS' default


# --------------------------------------------------------------------------------------
# Dockerfiles, docker-compose.yml and .dockerignore: static checks


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments dropped, continuation lines joined."""
    instructions, pending = [], ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue  # comments (also inside continuations) and blank lines
        if stripped.endswith("\\"):
            pending += stripped[:-1].rstrip() + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        if full:
            keyword, _, arguments = full.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    assert not pending, f"{path}: a continuation line ends the file"
    return instructions


def stages(instructions):
    """[(name, base, [instructions…])] per FROM."""
    result = []
    for keyword, arguments in instructions:
        if keyword == "FROM":
            parts = arguments.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            result.append((name, parts[0], []))
        elif result:
            result[-1][2].append((keyword, arguments))
    return result


def global_args(instructions) -> dict:
    defaults = {}
    for keyword, arguments in instructions:
        if keyword == "FROM":
            break
        if keyword == "ARG" and "=" in arguments:
            key, _, value = arguments.partition("=")
            defaults[key] = value
    return defaults


def copy_parts(arguments: str):
    """(flags, sources, destination) of a COPY (shell form)."""
    words = arguments.split()
    flags = [w for w in words if w.startswith("--")]
    rest = [w for w in words if not w.startswith("--")]
    return flags, rest[:-1], rest[-1]


def dockerignore_patterns():
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line)
    return patterns


def ignored(relative: str, patterns) -> bool:
    """Docker's .dockerignore matching, enough for our patterns (**, *, ! exceptions, parents)."""
    result = False
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            result = not negate
    return result


CI_SCRIPTS_CACHE: set[str] = set()


def ci_scripts() -> set[str]:
    """Every scripts/* that CI (.ci/run) runs, directly or through another script."""
    if not CI_SCRIPTS_CACHE:
        todo, seen = [ROOT / ".ci" / "run"], set()
        while todo:
            text = todo.pop().read_text()
            for name in re.findall(r"scripts/[A-Za-z0-9_.-]+", text):
                if name not in seen and (ROOT / name).is_file():
                    seen.add(name)
                    todo.append(ROOT / name)
        CI_SCRIPTS_CACHE.update(seen)
    return CI_SCRIPTS_CACHE


# Paths under /opt/glmtts in the builder that the build creates (everything else there is
# the build context, i.e. the repository).
BUILT_IN_BUILDER = {".venv", "vendor", "bin", "models", ".build"}


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.cuda"])
def test_dockerfile_structure(name):
    path = DEPLOY / name
    instructions = dockerfile_instructions(path)
    assert instructions[0][0] in ("ARG", "FROM")
    all_stages = stages(instructions)
    assert len(all_stages) >= 2, "multi-stage build expected"
    names = [stage[0] for stage in all_stages]
    assert "builder" in names
    args = global_args(instructions)
    bases = {stage[0]: re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), stage[1]) for stage in all_stages}
    assert bases["builder"].startswith("swift:6.3") and "bookworm" in bases["builder"]

    # The builder runs the scripts CI runs, in CI's order, and a release build in between.
    builder_runs = [a for k, a in all_stages[names.index("builder")][2] if k == "RUN"]
    joined = "\n".join(builder_runs)
    used_scripts = set(re.findall(r"scripts/[A-Za-z0-9_.-]+", "\n".join(a for k, a in instructions if k == "RUN")))
    assert used_scripts == {"scripts/bootstrap", "scripts/prepare-models"}, used_scripts
    assert used_scripts <= ci_scripts(), f"{used_scripts - ci_scripts()} are not run by CI"
    assert joined.index("scripts/bootstrap") < joined.index("swift build -c release") < joined.index("scripts/prepare-models")

    # The final stage: non-root user, health check on /health, port, data volume, bind address.
    final = all_stages[-1][2]
    keywords = [k for k, _ in final]
    users = [a for k, a in final if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), users
    healthchecks = [a for k, a in final if k == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and "CMD" in healthchecks[0]
    assert ["8080"] == [a for k, a in final if k == "EXPOSE"]
    assert any("/data" in a for k, a in final if k == "VOLUME")
    env = " ".join(a for k, a in final if k == "ENV")
    assert "GLMTTS_HOST=0.0.0.0" in env and "GLMTTS_DATA_DIR=/data" in env
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN"), \
        "every RUN of the final stage should come before USER (they need root)"
    # The health check's program is installed by this Dockerfile, and its interpreter too.
    check_program = json.loads(healthchecks[0].split("CMD", 1)[1].strip())[0]
    destinations = [copy_parts(a)[2] for k, a in final if k == "COPY"]
    assert check_program in destinations
    installs = " ".join(a for k, a in final if k == "RUN" and "apt-get install" in a)
    assert re.search(r"\bpython3\b", installs), "the health check script needs python3 in the runtime image"
    for library in ("libespeak-ng1", "libsndfile1", "libsoxr0", "ffmpeg", "libsqlite3-0"):
        assert library in installs

    # No model weights are fetched while building.
    for _, arguments in instructions:
        assert not re.search(r"huggingface-cli|hf download|modelscope download|snapshot_download|wget|curl ", arguments), arguments


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.cuda"])
def test_dockerfile_copies_exist_in_the_build_context(name):
    instructions = dockerfile_instructions(DEPLOY / name)
    all_stages = stages(instructions)
    names = [stage[0] for stage in all_stages]
    patterns = dockerignore_patterns()
    for stage_name, _, body in all_stages:
        for keyword, arguments in body:
            if keyword not in ("COPY", "ADD"):
                continue
            assert keyword == "COPY", "use COPY, not ADD"
            flags, sources, _ = copy_parts(arguments)
            source_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
            for source in sources:
                if source_stage is None:
                    if source == ".":
                        continue
                    matches = [p for p in ROOT.glob(source) if not ignored(str(p.relative_to(ROOT)), patterns)]
                    assert matches, f"{name}: COPY {source} matches nothing in the build context"
                else:
                    assert source_stage in names, f"{name}: COPY --from={source_stage}: no such stage"
                    if source.startswith("/opt/glmtts/"):
                        relative = source.removeprefix("/opt/glmtts/").rstrip("/")
                        if relative.split("/")[0] in BUILT_IN_BUILDER:
                            continue
                        assert (ROOT / relative).exists(), f"{name}: {source} comes from the repository, which lacks {relative}"
                        assert not ignored(relative, patterns), f"{name}: {relative} is excluded by .dockerignore"


def test_dockerignore_keeps_build_outputs_out_and_sources_in():
    patterns = dockerignore_patterns()
    for path in (".build", ".build-jobs/x", ".venv/bin/python", ".venv-tests", "vendor/sherpa-onnx", "data/models",
                 "tools/openapi-generator/.build/x", ".git/HEAD", "workers/__pycache__/a.pyc"):
        assert ignored(path, patterns), path
    for path in ("Package.swift", "Sources/glmtts", "scripts/bootstrap", "scripts/prepare-models", "workers/whisper_worker.py",
                 "workers/requirements.txt", "Public", "openapi/openapi.yaml", "deploy/docker-entrypoint.sh",
                 "deploy/healthcheck.py", "Tests/GLMTTSEngineTests"):
        assert not ignored(path, patterns), path


def interpolate(value, environment: dict):
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error} on strings."""
    if isinstance(value, dict):
        return {k: interpolate(v, environment) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, environment) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match):
        name, operator, argument = match.group(1), match.group(2) or "", match.group(3) or ""
        current = environment.get(name)
        if operator == ":-":
            return current if current else argument
        if operator == "-":
            return current if current is not None else argument
        if operator == ":?":
            assert current, f"{name} is required: {argument}"
            return current
        assert current is not None, f"${{{name}}} has no default"
        return current
    return re.sub(r"\$\{(\w+)(:-|-|:\?)?([^}]*)\}", replace, value)


def test_compose_file():
    raw = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    text = (DEPLOY / "docker-compose.yml").read_text()
    # Every variable has a default: `docker compose config` works with no .env at all.
    for match in re.finditer(r"\$\{(\w+)([^}]*)\}", text):
        assert match.group(2).startswith(":-"), f"${{{match.group(1)}}} needs a default"
    compose = interpolate(raw, {})
    services = compose["services"]
    assert set(services) >= {"glmtts", "glmtts-gpu"}
    for name, service in services.items():
        assert service["restart"] in ("unless-stopped", "always", "on-failure")
        assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
        assert service["init"] is True
        dockerfile = ROOT / "deploy" / ".." / service["build"]["dockerfile"]
        assert (DEPLOY / service["build"]["context"]).resolve() == ROOT
        assert dockerfile.is_file()
        # Host port and volumes come from variables.
        raw_service = raw["services"][name]
        assert all(re.search(r"\$\{GLMTTS_\w*PORT:-\d+\}:8080$", port) for port in raw_service["ports"]), raw_service["ports"]
        mounts = {interpolate(volume, {}).split(":")[1]: volume for volume in raw_service["volumes"]}
        assert mounts["/data"].startswith("${GLMTTS_") and mounts["/models"].startswith("${GLMTTS_")
        assert service["environment"]["GLMTTS_HOST"] == "0.0.0.0"
        assert service["environment"]["GLMTTS_DATA_DIR"] == "/data"
    assert "profiles" not in services["glmtts"]
    gpu = services["glmtts-gpu"]
    assert gpu["profiles"] == ["gpu"]
    devices = raw["services"]["glmtts-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and devices[0]["capabilities"] == ["gpu"]
    assert devices[0]["device_ids"] == ["${GLMTTS_GPU_IDS:-0}"]
    assert "count" not in devices[0]
    # Never a hard-coded GPU: the only GPU selection is GLMTTS_GPU_IDS.
    assert not re.search(r"(?m)^\s*(NVIDIA_VISIBLE_DEVICES|CUDA_VISIBLE_DEVICES)\s*[:=]", text)
    assert any(v.endswith(":/opt/GLM-TTS/ckpt:ro") for v in raw["services"]["glmtts-gpu"]["volumes"])
    # With values set, they land where they should.
    custom = interpolate(raw, {"GLMTTS_PORT": "9000", "GLMTTS_GPU_IDS": "1,2", "GLMTTS_DATA_PATH": "/srv/tts"})
    assert custom["services"]["glmtts"]["ports"] == ["0.0.0.0:9000:8080"]
    assert "/srv/tts:/data" in custom["services"]["glmtts"]["volumes"]
    assert custom["services"]["glmtts-gpu"]["deploy"]["resources"]["reservations"]["devices"][0]["device_ids"] == ["1,2"]


COMPOSE_FILES = ("docker-compose.yml", "compose.scale-out.yml")
#: The scale-out file's secrets have no default: compose refuses to start without them.
REQUIRED_SECRETS = ("GLMTTS_PG_PASSWORD", "GLMTTS_S3_SECRET_KEY")


def test_scale_out_compose_file():
    text = (DEPLOY / "compose.scale-out.yml").read_text()
    for match in re.finditer(r"\$\{(\w+)([^}]*)\}", text):
        expected = ":?" if match.group(1) in REQUIRED_SECRETS else ":-"
        assert match.group(2).startswith(expected), match.group(0)
    secrets = {"GLMTTS_PG_PASSWORD": "pg-secret", "GLMTTS_S3_SECRET_KEY": "s3-secret"}
    services = interpolate(yaml.safe_load(text), secrets)["services"]
    assert set(services) == {"postgres", "s3", "s3-bucket", "api-1", "api-2", "worker-cpu", "worker-gpu", "nginx"}
    nodes = {name: service for name, service in services.items() if service.get("command", [""])[0] == "serve"}
    assert {name: service["command"][1:] for name, service in nodes.items()} == {
        "api-1": ["--role", "api"], "api-2": ["--role", "api"],
        "worker-cpu": ["--role", "worker"], "worker-gpu": ["--role", "worker"]}
    nginx_address = services["nginx"]["networks"]["glmtts"]["ipv4_address"]
    for name, service in nodes.items():
        env = service["environment"]
        assert env["GLMTTS_STORE"] == "postgres://glmtts@postgres:5432/glmtts?sslmode=disable"  # no password in the URL
        assert env["PGPASSWORD"] == "pg-secret" and env["AWS_SECRET_ACCESS_KEY"] == "s3-secret"
        assert env["GLMTTS_BLOBS"].startswith("s3://glmtts?endpoint=http://s3:9000")
        assert env["GLMTTS_AUTH"] == "keys" and env["GLMTTS_TRUSTED_PROXIES"] == nginx_address
        assert "ports" not in service, name  # only nginx is published
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["init"] is True and service["healthcheck"]["test"][0] == "CMD"
        dockerfile = service["build"]["dockerfile"]
        assert (ROOT / dockerfile).is_file() and (DEPLOY / service["build"]["context"]).resolve() == ROOT
    assert nodes["api-1"]["environment"]["GLMTTS_NODE_NAME"] != nodes["api-2"]["environment"]["GLMTTS_NODE_NAME"]
    assert "GLMTTS_NODE_NAME" not in nodes["worker-cpu"]["environment"]  # replicas: host name and pid, unique
    assert services["worker-gpu"]["profiles"] == ["gpu"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "pg-secret"
    # nginx runs deploy/nginx.conf as shipped, its one upstream line swapped for both API nodes
    # (the same substitution test_scale_out.py runs against two real API nodes).
    old, new = re.search(r"sed 's/(.+?)/(.+?)/'", services["nginx"]["command"][0]).groups()
    assert old in NGINX_CONF.read_text()
    assert new == "server api-1:8080; server api-2:8080;"
    assert services["nginx"]["ports"] == ["0.0.0.0:8080:80"]


def test_compose_env_example_lists_every_compose_variable():
    texts = [(DEPLOY / name).read_text() for name in COMPOSE_FILES]
    variables = {v for text in texts for v in re.findall(r"\$\{(\w+)", text)}
    example = dict(line.split("=", 1) for line in (DEPLOY / "compose.env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    assert variables == set(example), variables ^ set(example)
    # ... with the same defaults as the compose files (the secrets: empty, to be set).
    for text in texts:
        for match in re.finditer(r"\$\{(\w+):-([^}]*)\}", text):
            assert example[match.group(1)] == match.group(2), match.group(1)
    assert all(example[name] == "" for name in REQUIRED_SECRETS)


def test_deploy_doc_covers_the_variables_and_files():
    doc = (ROOT / "docs" / "DEPLOY.md").read_text()
    for name in COMPOSE_FILES:
        for variable in set(re.findall(r"\$\{(\w+)", (DEPLOY / name).read_text())):
            assert variable in doc, f"docs/DEPLOY.md does not mention {variable}"
    for name in ("deploy/Dockerfile", "deploy/Dockerfile.cuda", "deploy/docker-compose.yml", "deploy/nginx.conf",
                 "deploy/compose.scale-out.yml", "keys create", "proxy_buffering off", "nvidia-container-toolkit"):
        assert name in doc, name


# --------------------------------------------------------------------------------------
# What the images install, run here against the real binary


def test_healthcheck_script(server):
    script = str(DEPLOY / "healthcheck.py")
    ok = subprocess.run(["python3", script], env=dict(os.environ, GLMTTS_PORT=str(server.port)),
                        capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    down = subprocess.run(["python3", script], env=dict(os.environ, GLMTTS_PORT=str(free_port())),
                          capture_output=True, text=True, timeout=30)
    assert down.returncode == 1 and "unhealthy" in down.stderr
    missing = subprocess.run(["python3", script, server.url + "/no-such-page"], capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1


def test_entrypoint_seeds_models_and_runs_glmtts(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "glmtts").symlink_to(binary())
    embedded = tmp_path / "embedded"
    shutil.copytree(ROOT / "data" / "test" / "models" / "silero-vad", embedded / "silero-vad")
    shutil.copytree(ROOT / "data" / "test" / "models" / "espeak-en-us", embedded / "espeak-en-us")
    shutil.copytree(DEPLOY / "models" / "glm-tts", embedded / "glm-tts")
    models = tmp_path / "data" / "models"
    (models / "espeak-en-us").mkdir(parents=True)
    (models / "espeak-en-us" / "manifest.json").write_text("{}")  # the user's own copy: left alone
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", GLMTTS_EMBEDDED_MODELS_DIR=str(embedded),
               GLMTTS_MODELS_DIR=str(models), GLMTTS_ROOT=str(ROOT))
    run = subprocess.run(["sh", str(DEPLOY / "docker-entrypoint.sh"), "models", "list"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert (models / "silero-vad" / "silero_vad.onnx").is_file()
    assert (models / "glm-tts" / "manifest.json").is_file()
    assert (models / "espeak-en-us" / "manifest.json").read_text() == "{}"
    assert not list(models.glob(".*partial"))
    assert "installed the embedded model silero-vad" in run.stderr
    # The GLM-TTS manifest the CUDA image installs is one the binary accepts.
    assert "glm-tts" in run.stdout and "glmtts" in run.stdout, run.stdout + run.stderr
    again = subprocess.run(["sh", str(DEPLOY / "docker-entrypoint.sh"), "models", "list"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert "installed" not in again.stderr


def test_glm_tts_manifest_matches_the_cuda_image():
    manifest = json.loads((DEPLOY / "models" / "glm-tts" / "manifest.json").read_text())
    dockerfile = (DEPLOY / "Dockerfile.cuda").read_text()
    assert manifest["engine"] == "glmtts"
    assert manifest["options"]["repo"] == "/opt/GLM-TTS" and "/opt/GLM-TTS" in dockerfile
    assert manifest["options"]["python"] == "/opt/GLM-TTS/.venv/bin/python" and "python3 -m venv .venv" in dockerfile
    assert manifest["options"]["device"] == "cuda:0"
    compose = (DEPLOY / "docker-compose.yml").read_text()
    assert ":/opt/GLM-TTS/ckpt:ro" in compose  # the weights are mounted where upstream reads them
