"""The MCP server against the official Python client (`mcp`, pinned in requirements.txt) as
its peer: over stdio (`glmtts mcp`) and over streamable HTTP (`POST /mcp`). Every tool is
called, each with hostile arguments (path traversal, links out of the folder, a FIFO, huge
text, wrong types); keys and scopes apply over HTTP; the server stays healthy."""
import asyncio
import base64
import json
import os
import subprocess
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
import pytest
import requests
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from conftest import Server, auth, binary, create_key, words
from glmtts_support.server import glmtts_environment


@pytest.fixture(scope="module")
def files_dir(reference_wav):
    """The MCP folder: one clip, a hidden file, a FIFO, a link out of the folder and a secret beside it."""
    with tempfile.TemporaryDirectory(prefix="glmtts-mcp-") as tmp:
        root = Path(tmp)
        folder = root / "audio"
        (folder / "calls").mkdir(parents=True)
        (folder / "calls" / "clip.wav").write_bytes(reference_wav.read_bytes())
        (folder / ".hidden.wav").write_bytes(reference_wav.read_bytes())
        (root / "secret.wav").write_bytes(reference_wav.read_bytes())
        (folder / "escape.wav").symlink_to(root / "secret.wav")
        os.mkfifo(folder / "pipe.wav")
        yield folder


@pytest.fixture(scope="module")
def mcp_server(files_dir):
    """A server whose MCP tools may read `files_dir`."""
    with tempfile.TemporaryDirectory(prefix="glmtts-http-") as tmp:
        srv = Server(Path(tmp), env={"GLMTTS_MCP_FILES_DIR": str(files_dir)}).start()
        yield srv
        srv.stop()


@asynccontextmanager
async def http_session(url: str, headers: dict | None = None):
    async with httpx2.AsyncClient(headers=headers or {}, timeout=300) as client:
        async with streamable_http_client(url + "/mcp", http_client=client) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


@asynccontextmanager
async def stdio_session(env: dict):
    params = StdioServerParameters(command=binary(), args=["mcp"], env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


def error_of(result) -> dict:
    """The problem of a failed tool call (isError with structuredContent.error)."""
    assert result.is_error, result
    return result.structured_content["error"]


async def exercise_every_tool(session, reference_wav: Path, reference_transcript: str, file_name: str | None):
    tools = {tool.name for tool in (await session.list_tools()).tools}
    assert tools == {"synthesize", "transcribe", "list_voices", "list_models", "job_status"}

    spoken = await session.call_tool("synthesize", {"text": "Hello from the model context protocol.", "format": "wav"})
    assert not spoken.is_error, spoken
    audio = [c for c in spoken.content if c.type == "audio"][0]
    assert audio.mime_type == "audio/wav" and base64.b64decode(audio.data)[:4] == b"RIFF"
    summary = spoken.structured_content
    assert summary["status"] == "completed" and summary["duration_seconds"] > 0.5
    link = [c for c in spoken.content if c.type == "resource_link"][0]
    assert str(link.uri) == summary["resource_uri"] == f"glmtts://jobs/{summary['job_id']}/audio"

    resource = await session.read_resource(summary["resource_uri"])
    assert base64.b64decode(resource.contents[0].blob) == base64.b64decode(audio.data)

    status = await session.call_tool("job_status", {"job_id": summary["job_id"]})
    assert not status.is_error and status.structured_content["status"] == "completed"

    clip = base64.b64encode(reference_wav.read_bytes()).decode()
    heard = await session.call_tool("transcribe", {"audio": clip, "language": "en"})
    assert not heard.is_error, heard
    assert words(heard.structured_content["transcript"]["text"]) == words(reference_transcript)
    if file_name:
        from_file = await session.call_tool("transcribe", {"file": file_name})
        assert not from_file.is_error, from_file
        assert words(from_file.content[0].text) == words(reference_transcript)

    models = await session.call_tool("list_models", {})
    assert not models.is_error and any(e["kind"] == "recognizer" for e in models.structured_content["engines"])
    voices = await session.call_tool("list_voices", {})
    assert not voices.is_error and voices.structured_content["voices"] == []


def test_http_client_calls_every_tool(mcp_server, reference_wav, reference_transcript):
    async def main():
        async with http_session(mcp_server.url) as session:
            await exercise_every_tool(session, reference_wav, reference_transcript, "calls/clip.wav")
    asyncio.run(main())
    assert requests.get(mcp_server.url + "/health", timeout=10).status_code == 200


def test_stdio_client_calls_every_tool(mcp_server, reference_wav, reference_transcript, fresh_server_dir):
    env = glmtts_environment(fresh_server_dir, mcp_server.models_dir, 0)

    async def main():
        async with stdio_session(env) as session:
            await exercise_every_tool(session, reference_wav, reference_transcript, None)
            refused = await session.call_tool("transcribe", {"file": "clip.wav"})
            assert error_of(refused)["code"] == "mcp.file_refused"  # no folder configured for this one
    asyncio.run(main())


@pytest.mark.parametrize("name, code", [
    ("../secret.wav", "mcp.file_refused"),
    ("/etc/passwd", "mcp.file_refused"),
    ("calls/../../secret.wav", "mcp.file_refused"),
    (".hidden.wav", "mcp.file_refused"),
    ("escape.wav", "mcp.file_refused"),
    ("pipe.wav", "mcp.file_refused"),
    ("missing.wav", "not_found"),
    ("calls/clip.wav\u0000.txt", "mcp.file_refused"),
])
def test_transcribe_reads_only_plain_files_inside_the_folder(mcp_server, name, code):
    async def main():
        async with http_session(mcp_server.url) as session:
            return await session.call_tool("transcribe", {"file": name})
    assert error_of(asyncio.run(main()))["code"] == code
    assert requests.get(mcp_server.url + "/health", timeout=10).status_code == 200


@pytest.mark.parametrize("tool, arguments, code, field", [
    ("synthesize", {"text": 5}, "request.invalid_field", "text"),
    ("synthesize", {"text": "x" * 100_001}, "text.too_long", "text"),
    ("synthesize", {"text": "Hi.", "speed": "fast"}, "request.invalid_field", "speed"),
    ("synthesize", {"text": "Hi.", "format": "exe"}, None, None),
    ("synthesize", {"text": "Hi.", "model": "../../etc"}, None, None),
    ("synthesize", {"text": "Hi.", "shell": "rm -rf /"}, "request.invalid_field", "shell"),
    ("transcribe", {"audio": "not base64 !!"}, None, None),
    ("transcribe", {"audio": [1, 2]}, "request.invalid_field", "audio"),
    ("transcribe", {}, "request.missing_field", "audio"),
    ("job_status", {"job_id": "../../service.sqlite"}, "job.not_found", None),
    ("job_status", {"job_id": {"$ne": 1}}, "request.invalid_field", "job_id"),
    ("list_models", {"all": True}, "request.invalid_field", "all"),
])
def test_hostile_arguments_are_refused_with_our_problem_codes(mcp_server, tool, arguments, code, field):
    async def main():
        async with http_session(mcp_server.url) as session:
            return await session.call_tool(tool, arguments)
    error = error_of(asyncio.run(main()))
    if code:
        assert error["code"] == code, error
    if field:
        assert error.get("field") == field, error
    assert error["detail"] and 400 <= error["status"] < 500, error
    assert requests.get(mcp_server.url + "/health", timeout=10).status_code == 200


def test_unknown_tool_is_a_protocol_error(mcp_server):
    async def main():
        async with http_session(mcp_server.url) as session:
            try:
                await session.call_tool("run_shell", {"command": "id"})
            except MCPError as error:
                return error
    error = asyncio.run(main())
    assert error is not None and error.error.code == -32602 and "mcp.unknown_tool" in error.error.message


def test_keys_and_scopes_apply_over_http(fresh_server_dir):
    srv = Server(fresh_server_dir, env={"GLMTTS_AUTH": "keys"}).start()
    try:
        reader = create_key(fresh_server_dir, "reader", "read")
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        assert requests.post(srv.url + "/mcp", json=body, timeout=10).status_code == 401
        assert requests.post(srv.url + "/mcp", json=body, headers=auth("wrong"), timeout=10).status_code == 401

        async def main():
            async with http_session(srv.url, auth(reader)) as session:
                models = await session.call_tool("list_models", {})
                spoken = await session.call_tool("synthesize", {"text": "Hello."})
                return models, spoken
        models, spoken = asyncio.run(main())
        assert not models.is_error
        assert error_of(spoken)["code"] == "auth.forbidden"
    finally:
        srv.stop()


def test_malformed_http_bodies_get_json_rpc_errors(mcp_server):
    url = mcp_server.url + "/mcp"
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    for body in [b"", b"{", b"[]", b"\xff\xfe", json.dumps({"jsonrpc": "2.0"}).encode()]:
        response = requests.post(url, data=body, headers=headers, timeout=10)
        assert 400 <= response.status_code < 500, (body, response.status_code, response.text)
    ping = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()
    assert requests.post(url, data=ping, headers={"Content-Type": "text/plain"}, timeout=10).status_code == 415
    assert requests.post(url, data=ping, headers=headers, timeout=10).json()["id"] == 1
    assert requests.get(url, timeout=10).status_code == 405
    assert requests.get(mcp_server.url + "/health", timeout=10).status_code == 200


def test_stdio_skips_an_over_long_line_and_stays_usable(fresh_server_dir, mcp_server):
    env = glmtts_environment(fresh_server_dir, mcp_server.models_dir, 0, extra={"GLMTTS_MAX_UPLOAD_MB": "1"})
    process = subprocess.Popen([binary(), "mcp"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    try:
        huge = b'{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"x":"' + b"a" * (8 << 20) + b'"}}\n'
        process.stdin.write(huge)
        process.stdin.write(b'{"jsonrpc":"2.0","id":8,"method":"ping"}\n')
        process.stdin.flush()
        first = json.loads(process.stdout.readline())
        second = json.loads(process.stdout.readline())
        assert first["error"]["code"] == -32600 and "request.too_large" in first["error"]["message"]
        assert second["id"] == 8 and "result" in second
        process.stdin.close()
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_a_second_process_on_one_data_directory_is_refused(mcp_server):
    env = glmtts_environment(mcp_server.data_dir, mcp_server.models_dir, 0)
    out = subprocess.run([binary(), "mcp"], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode != 0
    assert "another glmtts process" in out.stderr and "/mcp" in out.stderr
    assert requests.get(mcp_server.url + "/health", timeout=10).status_code == 200
