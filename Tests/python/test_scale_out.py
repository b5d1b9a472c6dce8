"""Many nodes on one PostgreSQL and one S3 bucket: two API nodes (`--role api`) and two
synthesis workers (`--role worker`), each its own process with its own data directory, on
loopback, with a real PostgreSQL 15 (scripts/postgres-server) and a real SeaweedFS.

Jobs queued through either API node run on both workers and are read back through the
other; a worker killed with SIGKILL mid-job has its run rescued when its lease expires and
the job completes exactly once on the other worker; a worker frozen (SIGSTOP) past its lease
comes back to find its run taken over, and nothing it does afterwards counts; cutting every
database connection mid-job, or restarting PostgreSQL under load, loses nothing; an SSE client
that moves to the other API node with Last-Event-ID sees no gap and no repeat; a cancel sent
to one API node stops a job running on a worker; a worker answers only health, readiness
and metrics; `--role api` without a shared store stops the start with what to do.

The nodes poll the database only every POLL_SECONDS (600): everything above happens through
the database's notifications (LISTEN/NOTIFY), which every node gets again after its listening
connection is cut. Nodes told `listen=off` (for PgBouncer) work by polling alone."""
import json
import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from conftest import Server, assert_healthy, assert_problem, auth, binary, metric_values, sse_events, wait_for
from glmtts_support.postgres import PostgresServer
from glmtts_support.seaweedfs import SeaweedS3
from glmtts_support.sse import sse_blocks
from nginx_support import Nginx

#: A lease this short makes rescues quick to test (the default is 15 s).
LEASE_SECONDS = "3"
#: The poll while notifications arrive (default 2 s): so long that no test can pass by polling.
POLL_SECONDS = "600"
DATABASE = "scaleout"
LONG_TEXT = " ".join(f"This is sentence number {i} of a long text, read aloud by one of two workers." for i in range(1, 41))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(postgres, s3, {name: Server}) with api-a, api-b, worker-1 and worker-2 running."""
    postgres = PostgresServer().start()
    s3 = SeaweedS3(bucket="glmtts-cluster").start()
    nodes = {}
    try:
        for name, role in [("api-a", "api"), ("api-b", "api"), ("worker-1", "worker"), ("worker-2", "worker")]:
            nodes[name] = node(tmp_path_factory.mktemp(name), postgres, s3, name, role).start()
        yield postgres, s3, nodes
    finally:
        for srv in nodes.values():
            if srv.process is not None and srv.process.poll() is None:
                if srv.process.returncode is None:
                    os.kill(srv.process.pid, signal.SIGCONT)
                srv.stop()
        s3.cleanup()
        postgres.cleanup()


def node(data_dir, postgres, s3, name, role, database=DATABASE, store_options="") -> Server:
    return Server(data_dir, env={
        "GLMTTS_STORE": postgres.database_url(database) + store_options, **s3.blobs_setting(f"{database}/"),
        "GLMTTS_ROLE": role, "GLMTTS_NODE_NAME": name, "GLMTTS_LEASE_SECONDS": LEASE_SECONDS,
        "GLMTTS_POLL_SECONDS": POLL_SECONDS, "GLMTTS_CPU_SLOTS": "1", "GLMTTS_SHUTDOWN_GRACE_SECONDS": "2"})


def listener_pids(cluster) -> set:
    """The backends of the nodes' LISTEN connections (their only query is the LISTEN)."""
    out = sql(cluster, f"""SELECT pid FROM pg_stat_activity WHERE datname = '{DATABASE}' AND query = 'LISTEN "glmtts";'""")
    return set(out.split())


def store_listening(srv) -> float:
    return sum(metric_values(requests.get(srv.url + "/metrics", timeout=30).text, "glmtts_store_listening").values())


def sql(cluster, statement: str) -> str:
    return cluster[0].sql(statement, DATABASE)


def job(srv, job_id) -> dict:
    return requests.get(f"{srv.url}/api/tts/{job_id}", timeout=30).json()


def submit(srv, text: str = LONG_TEXT) -> dict:
    made = requests.post(srv.url + "/api/tts", json={"text": text, "async": True}, timeout=60)
    assert made.status_code in (200, 202), made.text
    return made.json()


def running_on(cluster, job_id) -> str:
    """The node that holds the job's lease while it runs ('' when it does not run)."""
    return sql(cluster, f"SELECT lease_owner FROM jobs WHERE id = '{job_id}' AND state = 'running'")


def running_with_progress(cluster, job_id) -> str:
    """Waits until the job runs on a node and has stored its started event and some progress
    (a node killed between its claim and its first event would leave no `started` behind);
    returns that node's name."""
    def owner():
        return sql(cluster, f"SELECT lease_owner FROM jobs WHERE id = '{job_id}' AND state = 'running' AND event_seq >= 3")
    return wait_for(owner, "the job to run on a worker and report progress")


def events_of(srv, job_id, last_event_id=None) -> list:
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    with requests.get(f"{srv.url}/api/tts/progress/{job_id}", headers=headers, stream=True, timeout=300) as stream:
        return sse_events(stream)


def test_jobs_spread_over_both_workers_and_read_back_on_any_api_node(cluster):
    _, _, nodes = cluster
    texts = [f"Job {i} of the cluster test. It has two sentences to speak." for i in range(6)]
    jobs = [submit(nodes["api-a" if i % 2 else "api-b"], text) for i, text in enumerate(texts)]
    for made in jobs:
        wait_for(lambda: job(nodes["api-b"], made["id"])["status"] == "completed", "a job to complete")
    owners = sql(cluster, "SELECT DISTINCT lease_owner FROM jobs WHERE id IN ("
                 + ", ".join(f"'{made['id']}'" for made in jobs) + ") ORDER BY 1").splitlines()
    assert owners == ["worker-1", "worker-2"], owners  # both workers ran some; no API node ran any
    for made in jobs:
        audio = requests.get(f"{nodes['api-a'].url}/api/tts/{made['id']}/audio?format=wav", timeout=60)
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF" and len(audio.content) > 10_000
    # A synchronous request waits on an API node for a run on a worker, and gets the audio.
    direct = requests.post(nodes["api-a"].url + "/api/tts", json={"text": "Made on a worker, answered by an API node."},
                           timeout=300)
    assert direct.status_code == 200 and direct.content[:4] == b"RIFF", direct.text[:300]
    # So does OpenAI's streamed speech (its chunks stay on the worker: the result comes whole).
    speech = requests.post(nodes["api-b"].url + "/v1/audio/speech",
                           json={"model": "tts-1", "voice": "alloy", "input": "Streamed across nodes.", "response_format": "wav"},
                           timeout=300)
    assert speech.status_code == 200 and speech.content[:4] == b"RIFF" and len(speech.content) > 10_000
    for srv in nodes.values():
        assert_healthy(srv)


def test_a_worker_answers_only_health_readiness_and_metrics(cluster):
    _, _, nodes = cluster
    worker = nodes["worker-1"]
    assert requests.get(worker.url + "/ready", timeout=30).status_code == 200
    assert requests.get(worker.url + "/metrics", timeout=30).status_code == 200
    body = assert_problem(requests.post(worker.url + "/api/tts", json={"text": "Hello."}, timeout=30), 404, "server.worker_only")
    assert "API node" in body["detail"]
    assert_problem(requests.get(worker.url + "/", timeout=30), 404, "server.worker_only")
    assert_healthy(worker)


def test_an_api_node_loads_no_voice_and_is_ready_on_its_stores(cluster):
    _, _, nodes = cluster
    ready = requests.get(nodes["api-a"].url + "/ready", timeout=30)
    assert ready.status_code == 200, ready.text
    assert {c["name"] for c in ready.json()["checks"]} >= {"store", "blobs"}
    assert "default_engine" not in {c["name"] for c in ready.json()["checks"]}
    assert "default voice" not in nodes["api-a"].log_text()
    wait_for(lambda: "default voice" in nodes["worker-1"].log_text(), "the worker to load its default voice")


def test_sse_moves_to_the_other_api_node_with_last_event_id_and_misses_nothing(cluster):
    _, _, nodes = cluster
    made = submit(nodes["api-a"])
    seen = []
    with requests.get(f"{nodes['api-a'].url}/api/tts/progress/{made['id']}", stream=True, timeout=300) as stream:
        for block in sse_blocks(stream.iter_lines(decode_unicode=True)):
            if "id" in block:
                seen.append(int(block["id"]))
            if len(seen) >= 4:
                break  # the client drops this connection mid-job
    rest = events_of(nodes["api-b"], made["id"], last_event_id=seen[-1])
    sequence = seen + [int(event[1]) for event in rest]
    assert sequence == list(range(1, len(sequence) + 1)), sequence
    assert rest[-1][0] == "completed"
    # The whole history is the same on both nodes.
    assert [e[1] for e in events_of(nodes["api-a"], made["id"])] == [str(n) for n in sequence]


def test_a_cancel_sent_to_one_api_node_stops_the_run_on_a_worker(cluster):
    _, _, nodes = cluster
    made = submit(nodes["api-a"])
    wait_for(lambda: running_on(cluster, made["id"]).startswith("worker-"), "the job to run on a worker")
    cancelled = requests.delete(f"{nodes['api-b'].url}/api/tts/{made['id']}", timeout=30)
    assert cancelled.status_code == 200, cancelled.text
    events = events_of(nodes["api-a"], made["id"])
    assert events[-1][0] == "cancelled"
    assert job(nodes["api-b"], made["id"])["status"] == "cancelled"
    assert [e[0] for e in events].count("cancelled") == 1


def test_a_killed_worker_is_rescued_and_its_job_completes_exactly_once(cluster):
    _, _, nodes = cluster
    made = submit(nodes["api-b"])
    owner = running_with_progress(cluster, made["id"])
    nodes[owner].kill9()
    try:
        wait_for(lambda: job(nodes["api-a"], made["id"])["status"] == "completed", "the rescued job to complete")
        events = events_of(nodes["api-b"], made["id"])
        kinds = [e[0] for e in events]
        assert kinds.count("completed") == 1 and kinds.count("started") == 2, kinds
        retry = next(e[2] for e in events if e[0] == "retrying")
        assert "lease expired" in retry["problem"]["detail"]
        assert [int(e[1]) for e in events] == list(range(1, len(events) + 1))
        other = "worker-2" if owner == "worker-1" else "worker-1"
        assert sql(cluster, f"SELECT attempts, lease_owner FROM jobs WHERE id = '{made['id']}'") == f"2|{other}"
        alive = [n for n in nodes.values() if n.process.poll() is None]
        assert "rescued runs whose leases expired" in "".join(n.log_text() for n in alive)
        rescued = [metric_values(requests.get(n.url + "/metrics", timeout=30).text, "glmtts_rescued_runs") for n in alive]
        assert sum(sum(values.values()) for values in rescued) >= 1, rescued
    finally:
        nodes[owner].start()


def test_an_expired_run_that_was_cancelled_or_has_no_attempts_left_ends(cluster):
    """Runs of a node that vanished (made so in the database: two finished jobs put back to
    `running` under a ghost owner whose lease expired long ago): the one a client asked to
    cancel ends cancelled, the one with its attempts spent ends failed, saying why."""
    _, _, nodes = cluster
    made = [submit(nodes["api-a"], f"A job for a ghost, number {i}.") for i in range(2)]
    for job_made in made:
        wait_for(lambda: job(nodes["api-b"], job_made["id"])["status"] == "completed", "the job to complete")
    ghost = "state = 'running', lease_owner = 'ghost', lease_token = 1, lease_expires_at = 1, finished_at = NULL"
    sql(cluster, f"UPDATE jobs SET {ghost}, cancel_requested = true WHERE id = '{made[0]['id']}'")
    sql(cluster, f"UPDATE jobs SET {ghost}, attempts = max_attempts WHERE id = '{made[1]['id']}'")
    wait_for(lambda: sql(cluster, f"SELECT state FROM jobs WHERE id = '{made[0]['id']}'") == "cancelled", "the cancelled rescue")
    wait_for(lambda: sql(cluster, f"SELECT state FROM jobs WHERE id = '{made[1]['id']}'") == "failed", "the failed rescue")
    assert sql(cluster, f"SELECT convert_from(problem, 'UTF8') FROM jobs WHERE id = '{made[0]['id']}'").count("job.cancelled") == 1
    failed = sql(cluster, f"SELECT convert_from(problem, 'UTF8') FROM jobs WHERE id = '{made[1]['id']}'")
    assert "lease expired" in failed and "job.interrupted" in failed
    assert sql(cluster, f"SELECT count(*) FROM jobs WHERE lease_owner = 'ghost'") == "0"


def test_a_frozen_worker_finds_its_run_taken_over_and_changes_nothing(cluster):
    _, _, nodes = cluster
    made = submit(nodes["api-a"])
    owner = running_with_progress(cluster, made["id"])
    frozen = nodes[owner]
    os.kill(frozen.process.pid, signal.SIGSTOP)
    try:
        wait_for(lambda: job(nodes["api-b"], made["id"])["status"] == "completed", "the job to complete elsewhere")
    finally:
        os.kill(frozen.process.pid, signal.SIGCONT)
    before = sql(cluster, f"SELECT state, attempts, lease_owner, lease_token, event_seq FROM jobs WHERE id = '{made['id']}'")
    wait_for(lambda: "lost its lease" in frozen.log_text(), "the frozen worker to notice it lost its lease", seconds=60)
    time.sleep(2 * float(LEASE_SECONDS))  # whatever the old run still does, it has done by now
    after = sql(cluster, f"SELECT state, attempts, lease_owner, lease_token, event_seq FROM jobs WHERE id = '{made['id']}'")
    assert after == before and after.startswith("completed|2|") and owner not in after
    kinds = [e[0] for e in events_of(nodes["api-b"], made["id"])]
    assert kinds.count("completed") == 1, kinds
    # Results are keyed by the lease of the run that made them: the audio served is the
    # completing run's, whatever the frozen run wrote under its own lease.
    token = sql(cluster, f"SELECT lease_token FROM jobs WHERE id = '{made['id']}'")
    prefix = f"{DATABASE}/outputs/{made['id']}."
    keys = cluster[1].keys(prefix)
    assert prefix + f"{token}.wav" in keys, keys
    served = requests.get(f"{nodes['api-a'].url}/api/tts/{made['id']}/audio?format=wav", timeout=60).content
    stored = cluster[1].client().get_object(Bucket=cluster[1].bucket, Key=prefix + f"{token}.wav")["Body"].read()
    assert served == stored
    assert_healthy(frozen)


def test_progress_goes_on_when_every_database_connection_is_cut(cluster):
    """pg_terminate_backend on every connection of every node, mid-job: the pools reconnect, the
    job completes once, and an SSE stream that was open through it sees every event in order."""
    _, _, nodes = cluster
    made = submit(nodes["api-a"])
    streamed = []
    reader = threading.Thread(target=lambda: streamed.extend(events_of(nodes["api-b"], made["id"])))
    reader.start()
    running_with_progress(cluster, made["id"])
    cut = sql(cluster, f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       f"WHERE datname = '{DATABASE}' AND pid <> pg_backend_pid()")
    assert int(cut) >= 4, cut  # at least one connection of each node
    reader.join(timeout=300)
    assert not reader.is_alive()
    kinds = [e[0] for e in streamed]
    assert kinds[-1] == "completed" and kinds.count("completed") == 1, kinds
    assert [int(e[1]) for e in streamed] == list(range(1, len(streamed) + 1))
    for srv in nodes.values():
        assert_healthy(srv)


def test_every_node_listens_and_listens_again_when_its_connection_is_cut(cluster):
    """Each node holds one LISTEN connection; pg_terminate_backend of all four: each node
    connects and listens again, and a job queued on one API node runs on a worker and its
    progress reaches the other API node, through notifications alone (the poll is 600 s)."""
    _, _, nodes = cluster
    wait_for(lambda: len(listener_pids(cluster)) == 4, "every node to listen")
    assert all(store_listening(srv) == 1 for srv in nodes.values())
    before = listener_pids(cluster)
    cut = sql(cluster, f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid IN ({','.join(before)})")
    assert cut == "4", cut
    wait_for(lambda: len(listener_pids(cluster) - before) == 4, "every node to listen again")
    wait_for(lambda: all(store_listening(srv) == 1 for srv in nodes.values()), "every node to say it listens")
    made = submit(nodes["api-b"], "Queued after the listeners came back. It runs on a worker.")
    kinds = [e[0] for e in events_of(nodes["api-a"], made["id"])]
    assert kinds[0] == "queued" and kinds[-1] == "completed" and "started" in kinds, kinds
    assert "notifications stopped" in "".join(srv.log_text() for srv in nodes.values())


def test_the_database_notifies_queued_jobs_new_events_and_cancel_requests(cluster):
    """A psql session listening on the nodes' channel hears what the triggers send: q:…:LANE when
    a job is queued, e:…:JOB:SEQ for each event, c:…:JOB when a cancel is asked for a running
    job, each naming the node that made the change."""
    postgres, _, nodes = cluster
    url = postgres.url.rsplit("/", 1)[0] + f"/{DATABASE}"
    listener = subprocess.Popen(["psql", url, "-qAtX", "-c", "LISTEN glmtts", "-c", "SELECT pg_sleep(120)"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: sql(cluster, "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(120)'") == "1",
                 "psql to listen")
        made = submit(nodes["api-a"])
        running_with_progress(cluster, made["id"])
        assert requests.delete(f"{nodes['api-b'].url}/api/tts/{made['id']}", timeout=30).status_code == 200
        wait_for(lambda: job(nodes["api-a"], made["id"])["status"] == "cancelled", "the job to be cancelled")
        last = int(sql(cluster, f"SELECT event_seq FROM jobs WHERE id = '{made['id']}'"))
    finally:
        sql(cluster, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(120)'")
        heard = listener.communicate(timeout=60)[0]
    # KIND:SENDER:…, SENDER the changing node's application_name (a node skips its own).
    payloads = [line.split('with payload "', 1)[1].split('"', 1)[0] for line in heard.splitlines() if "with payload" in line]
    fields = [p.split(":", 2) for p in payloads]
    assert all(len(f) == 3 and f[1].startswith("glmtts-") for f in fields), payloads
    assert ["q", "cpu"] in [[f[0], f[2]] for f in fields], heard
    events = [f[2] for f in fields if f[0] == "e" and f[2].startswith(made["id"])]
    assert events == [f"{made['id']}:{n}" for n in range(1, last + 1)], payloads
    assert [f[2] for f in fields if f[0] == "c"].count(made["id"]) == 1, payloads
    senders = {f[1] for f in fields if f[0] == "e" and f[2].startswith(made["id"])}
    assert len(senders) == 2, senders  # the API node that queued it and the worker that ran it


def test_nodes_told_not_to_listen_work_by_polling(cluster, tmp_path):
    """`listen=off` in GLMTTS_STORE (for a pooler in transaction mode): no LISTEN connection,
    `glmtts_store_listening 0`, and jobs still run on the worker and stream their progress."""
    postgres, s3, _ = cluster
    pair = {}
    try:
        for name, role in [("poll-api", "api"), ("poll-worker", "worker")]:
            (tmp_path / name).mkdir()
            pair[name] = node(tmp_path / name, postgres, s3, name, role, database="pollonly", store_options="&listen=off").start()
        made = submit(pair["poll-api"], "Two nodes that only poll. They still work together.")
        kinds = [e[0] for e in events_of(pair["poll-api"], made["id"])]
        assert kinds[-1] == "completed" and "started" in kinds, kinds
        assert all(store_listening(srv) == 0 for srv in pair.values())
        assert postgres.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'pollonly' AND query LIKE 'LISTEN%'") == "0"
    finally:
        for srv in pair.values():
            srv.stop()


def test_postgres_restarted_under_load_loses_no_accepted_job(cluster):
    """The database stops and starts again while jobs queue and run: every job accepted before
    completes exactly once; requests during the outage are refused with 503, not lost."""
    postgres, _, nodes = cluster
    # Long jobs, so that some are certainly running and some queued when the database goes.
    accepted = [submit(nodes["api-a" if i % 2 else "api-b"]) for i in range(4)]
    wait_for(lambda: sql(cluster, "SELECT count(*) FROM jobs WHERE state = 'running'") != "0", "a job to run")
    postgres.stop()
    try:
        down = requests.post(nodes["api-a"].url + "/api/tts", json={"text": "During the outage.", "async": True}, timeout=60)
        assert_problem(down, 503)
    finally:
        postgres.start()
    for made in accepted:
        wait_for(lambda: job(nodes["api-b"], made["id"])["status"] == "completed", "every accepted job to complete")
        kinds = [e[0] for e in events_of(nodes["api-a"], made["id"])]
        assert kinds.count("completed") == 1, kinds
    for srv in nodes.values():
        assert wait_for(lambda: requests.get(srv.url + "/ready", timeout=30).status_code == 200, "every node to be ready")
        assert_healthy(srv)


def test_nginx_in_front_of_both_api_nodes_spreads_requests_and_streams_progress(cluster):
    """deploy/nginx.conf with both API nodes as upstreams (what compose.scale-out.yml runs):
    requests reach both nodes, a key made once works on both (proxied requests need one even
    in open mode), and a job queued and followed through it completes."""
    postgres, _, nodes = cluster
    made_key = subprocess.run([binary(), "keys", "create", "--name", "proxy", "--json"], capture_output=True, text=True,
                              timeout=60, env={**os.environ, "GLMTTS_DATA_DIR": str(nodes["api-a"].data_dir),
                                               "GLMTTS_STORE": postgres.database_url(DATABASE)})
    assert made_key.returncode == 0, made_key.stderr
    key = auth(json.loads(made_key.stdout)["key"])
    proxy = Nginx(f"127.0.0.1:{nodes['api-a'].port}", f"127.0.0.1:{nodes['api-b'].port}").start()
    try:
        assert_problem(requests.get(proxy.url + "/api/voices", timeout=30), 401)
        before = {name: nodes[name].log_text().count("path=/api/voices") for name in ("api-a", "api-b")}
        for _ in range(8):
            assert requests.get(proxy.url + "/api/voices", headers=key, timeout=30).status_code == 200
        after = {name: nodes[name].log_text().count("path=/api/voices") for name in ("api-a", "api-b")}
        assert all(after[name] > before[name] for name in after), (before, after)
        made = requests.post(proxy.url + "/api/tts", json={"text": "Through the proxy to a worker.", "async": True},
                             headers=key, timeout=60).json()
        with requests.get(f"{proxy.url}/api/tts/progress/{made['id']}", headers=key, stream=True, timeout=300) as stream:
            events = sse_events(stream)
        assert events[-1][0] == "completed"
        assert [int(e[1]) for e in events] == list(range(1, len(events) + 1))
    finally:
        proxy.stop()


def listed_nodes(cluster, data_dir, *args) -> subprocess.CompletedProcess:
    """`glmtts nodes …` of an operator whose GLMTTS_STORE is the cluster's."""
    return subprocess.run([binary(), "nodes", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "GLMTTS_DATA_DIR": str(data_dir), "GLMTTS_STORE": cluster[0].database_url(DATABASE)})


def test_glmtts_nodes_lists_every_node_with_its_role_and_slots(cluster, tmp_path):
    """Every node reports with its heartbeat: `glmtts nodes` shows the two API nodes (no slots)
    and the two workers (their CPU slot), each seen within the last seconds."""
    def reported():
        out = listed_nodes(cluster, tmp_path, "--json", "--within", "30")
        assert out.returncode == 0, out.stderr
        return {node["name"]: node for node in json.loads(out.stdout)}
    wait_for(lambda: {"api-a", "api-b", "worker-1", "worker-2"} <= set(reported()), "every node to report")
    nodes = reported()
    assert nodes["api-a"]["role"] == "api" and nodes["api-a"]["slots"] == {}
    assert nodes["worker-1"]["role"] == "worker" and nodes["worker-1"]["slots"]["cpu"] == 1
    text = listed_nodes(cluster, tmp_path).stdout
    assert "worker-2" in text and "s ago" in text
    refused = subprocess.run([binary(), "nodes"], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "GLMTTS_DATA_DIR": str(tmp_path)})
    assert refused.returncode != 0 and "GLMTTS_STORE=postgres://" in refused.stderr


def test_roles_other_than_all_need_a_shared_store(fresh_server_dir):
    out = subprocess.run([binary(), "serve", "--role", "worker", "--port", "0"],
                         env={**os.environ, "GLMTTS_DATA_DIR": str(fresh_server_dir)}, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode != 0
    assert "GLMTTS_STORE=postgres://" in out.stderr + out.stdout
