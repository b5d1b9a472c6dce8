"""Jobs and voices in PostgreSQL (GLMTTS_STORE=postgres://…): the real server against a real
PostgreSQL 15 on loopback (scripts/postgres-server). The rows are what the API says; a
restart keeps jobs and voices; a database that goes away gives clear 503s and the server
recovers when it is back; a bad setting stops the start without echoing the password; API keys,
their quotas and revocations are the same on every node. Many nodes running jobs on one
database: test_scale_out.py."""
import json
import os
import subprocess
import time

import pytest
import requests

from conftest import Server, assert_healthy, assert_problem, auth, binary
from glmtts_support.postgres import PostgresServer


@pytest.fixture(scope="module")
def postgres():
    database = PostgresServer().start()
    yield database
    database.cleanup()


@pytest.fixture
def pg_server(postgres, fresh_server_dir, request):
    name = "p" + str(abs(hash(request.node.name)))[:12]
    srv = Server(fresh_server_dir, env={"GLMTTS_STORE": postgres.database_url(name)}).start()
    srv.database = name
    yield srv
    srv.stop()


def wait_ready(server, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while True:
        ready = requests.get(server.url + "/ready", timeout=20)
        if ready.status_code == 200 or time.monotonic() > deadline:
            return ready
        time.sleep(0.3)


def test_jobs_and_voices_are_rows_that_survive_a_restart(pg_server, postgres, reference_wav):
    assert "stores opened" in pg_server.log_text() and "postgres://glmtts@127.0.0.1" in pg_server.log_text()
    made = requests.post(pg_server.url + "/api/tts", data={"text": "Stored in PostgreSQL."}, timeout=120)
    assert made.status_code == 200, made.text
    job_id = made.headers["x-task-id"]
    row = postgres.sql(f"SELECT state, attempts, lease_token IS NOT NULL FROM jobs WHERE id = '{job_id}'", pg_server.database)
    assert row == "completed|1|t"
    kinds = postgres.sql(f"SELECT convert_from(body, 'UTF8') FROM job_events WHERE job_id = '{job_id}' ORDER BY seq", pg_server.database)
    assert kinds.count("\n") >= 2 and "completed" in kinds.splitlines()[-1]  # queued … completed, in order
    with open(reference_wav, "rb") as clip:
        voice = requests.post(pg_server.url + "/api/voices", files={"audio": ("v.wav", clip, "audio/wav")},
                              data={"name": "pg voice", "text": "The quick brown fox."}, timeout=120).json()
    assert postgres.sql(f"SELECT name FROM voices WHERE id = '{voice['id']}'", pg_server.database) == "pg voice"
    assert postgres.sql("SELECT MAX(version) FROM schema_migrations", pg_server.database) == "6"
    pg_server.stop()
    assert pg_server.process.returncode == 0
    pg_server.start()
    job = requests.get(f"{pg_server.url}/api/tts/{job_id}", timeout=10).json()
    assert job["status"] == "completed"
    assert requests.get(f"{pg_server.url}/api/tts/{job_id}/audio?format=wav", timeout=30).content == made.content
    assert [v["id"] for v in requests.get(pg_server.url + "/api/voices", timeout=10).json()["voices"]] == [voice["id"]]
    assert postgres.sql("SELECT COUNT(*) FROM schema_migrations", pg_server.database) == "6"  # migrated once
    assert_healthy(pg_server)


def test_a_database_that_goes_away_gives_503s_then_the_server_recovers(pg_server, postgres):
    made = requests.post(pg_server.url + "/api/tts", data={"text": "Before the outage."}, timeout=120)
    assert made.status_code == 200
    postgres.stop()
    try:
        down = requests.post(pg_server.url + "/api/tts", data={"text": "During the outage."}, timeout=60)
        problem = assert_problem(down, 503)
        assert problem["type"].startswith("/problems/store.") and "GLMTTS_STORE" in problem["detail"]
        ready = requests.get(pg_server.url + "/ready", timeout=30)
        assert ready.status_code == 503
        store = next(c for c in ready.json()["checks"] if c["name"] == "store")
        assert store["ok"] is False and "cannot be used now" in store["detail"]
        assert requests.get(pg_server.url + "/health", timeout=10).status_code == 200
    finally:
        postgres.start()
    assert wait_ready(pg_server).status_code == 200
    after = requests.post(pg_server.url + "/api/tts", data={"text": "After the outage."}, timeout=120)
    assert after.status_code == 200 and after.content[:4] == b"RIFF", after.text
    assert requests.get(f"{pg_server.url}/api/tts/{made.headers['x-task-id']}", timeout=10).json()["status"] == "completed"
    assert_healthy(pg_server)


@pytest.mark.parametrize("value, needle", [
    ("mysql://u@h/db", "GLMTTS_STORE"),
    ("postgres://u:hunter2secret@127.0.0.1:1/db?sslmode=sometimes", "sslmode"),
    ("postgres://u:hunter2secret@127.0.0.1:1/", "database name"),
])
def test_a_bad_setting_stops_the_start_without_echoing_the_password(fresh_server_dir, value, needle):
    srv = Server(fresh_server_dir, env={"GLMTTS_STORE": value})
    with pytest.raises(Exception):
        srv.start(timeout=60)
    log = srv.log_text()
    assert needle in log and "hunter2secret" not in log, log[-2000:]


def test_an_unreachable_database_stops_the_start_with_the_reason(fresh_server_dir):
    srv = Server(fresh_server_dir, env={"GLMTTS_STORE": "postgres://glmtts:hunter2secret@127.0.0.1:9/glmtts?sslmode=disable"})
    with pytest.raises(Exception):
        srv.start(timeout=60)
    log = srv.log_text()
    assert "cannot be used now" in log and "hunter2secret" not in log, log[-2000:]


def keys_cli(database_url: str, data_dir, *args) -> subprocess.CompletedProcess:
    """`glmtts keys …` of an operator whose settings point at the shared database."""
    out = subprocess.run([binary(), "keys", *args], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "GLMTTS_DATA_DIR": str(data_dir), "GLMTTS_STORE": database_url})
    assert out.returncode == 0, out.stderr
    return out


def test_keys_quotas_and_revocations_are_shared_by_every_node(postgres, tmp_path):
    url = postgres.database_url("sharedkeys")
    nodes = []
    try:
        for name in ("node-a", "node-b"):
            (tmp_path / name).mkdir()
        # A key made the single-node way, in node-a's SQLite file: not used, and the start says so.
        local = subprocess.run([binary(), "keys", "create", "--name", "local"], capture_output=True, text=True, timeout=60,
                               env={**os.environ, "GLMTTS_DATA_DIR": str(tmp_path / "node-a")})
        assert local.returncode == 0, local.stderr
        for name in ("node-a", "node-b"):
            # Nodes of one store share one blob store too (either may run the other's job).
            nodes.append(Server(tmp_path / name, env={"GLMTTS_STORE": url, "GLMTTS_AUTH": "keys",
                                                      "GLMTTS_BLOBS": f"file:{tmp_path / 'blobs'}"}).start())
        created = keys_cli(url, tmp_path / "operator", "create", "--name", "shared", "--scope", "synthesize",
                           "--quota", "30", "--json")
        key = json.loads(created.stdout)["key"]
        assert key not in "".join(srv.log_text() for srv in nodes)
        assert "1 API keys in the data directory's SQLite database are not used" in nodes[0].log_text()
        assert "are not used" not in nodes[1].log_text()
        for srv in nodes:
            assert requests.get(srv.url + "/api/voices", headers=auth(key), timeout=30).status_code == 200
            assert_problem(requests.get(srv.url + "/api/voices", timeout=30), 401)
        assert "shared" in keys_cli(url, tmp_path / "operator", "list").stdout
        # The day's characters count on every node: 20 on one, then 20 more on the other pass 30.
        spoken = requests.post(nodes[0].url + "/api/tts", json={"text": "Twenty characters ok"}, headers=auth(key), timeout=300)
        assert spoken.status_code == 200, spoken.text
        over = requests.post(nodes[1].url + "/api/tts", json={"text": "Twenty characters ok"}, headers=auth(key), timeout=60)
        assert_problem(over, 429, "quota.exceeded")
        # A revocation made once applies to every node's next request.
        keys_cli(url, tmp_path / "operator", "revoke", json.loads(created.stdout)["id"])
        for srv in nodes:
            assert_problem(requests.get(srv.url + "/api/voices", headers=auth(key), timeout=30), 401)
            assert_healthy(srv)
    finally:
        for srv in nodes:
            srv.stop()


def test_the_queue_benchmark_runs_every_job_through_the_real_store(postgres, fresh_server_dir):
    """`glmtts bench --queue` (scripts/bench-queue) measures real work: every job it times is a
    completed row with its events in the database it was given."""
    url = postgres.database_url("queuebenchtest")
    out = subprocess.run([binary(), "bench", "--queue", url, "--jobs", "50", "--slots", "2", "--json"],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "GLMTTS_DATA_DIR": str(fresh_server_dir)})
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["jobs"] == 50 and report["slots"] == 2 and report["store"] == "PostgreSQL"
    assert report["submitSeconds"] > 0 and report["drainSeconds"] > 0
    assert postgres.sql("SELECT state, count(*) FROM jobs GROUP BY state", "queuebenchtest") == "completed|52"  # + the 2 that held the slots
    assert postgres.sql("SELECT count(*) FROM job_events", "queuebenchtest") == str(52 * 3)  # queued, started, completed
