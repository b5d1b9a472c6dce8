"""The Wyoming server's mDNS (zeroconf) announcement, with python-zeroconf (pinned; the library
Home Assistant discovers Wyoming servers with) as the peer: discovery and then a real Wyoming
conversation at the discovered address, the goodbye at shutdown, a name another device already
holds, a legacy unicast query, hostile and flooding packets, and the settings that refuse to
announce an unreachable server."""
import asyncio
import os
import secrets
import socket
import struct
import tempfile
import threading
import time
from pathlib import Path

import pytest
from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info
from zeroconf import (DNSIncoming, DNSOutgoing, DNSQuestion, DNSService, ServiceBrowser, ServiceInfo, ServiceListener,
                      Zeroconf)
from zeroconf.const import _CLASS_IN, _CLASS_UNIQUE, _FLAGS_AA, _FLAGS_QR_QUERY, _FLAGS_QR_RESPONSE, _TYPE_PTR, _TYPE_SRV

from conftest import Server, assert_healthy, free_port

SERVICE_TYPE = "_wyoming._tcp.local."
MDNS = ("224.0.0.251", 5353)


def lan_address() -> str:
    """The address this host sends multicast from (what the server announces)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(MDNS)
        return probe.getsockname()[0]


def unique_name(prefix: str = "GLM-TTS test") -> str:
    """An instance name no earlier run left in a cache."""
    return f"{prefix} {secrets.token_hex(3)}"


def start_announced(tmp: Path, name: str, extra: dict | None = None) -> Server:
    """A server with Wyoming on every address (its allow-list: this host) announced as `name`."""
    port = free_port()
    env = {"GLMTTS_WYOMING_PORT": str(port), "GLMTTS_WYOMING_HOST": "0.0.0.0",
           "GLMTTS_WYOMING_ALLOW": f"127.0.0.1,{lan_address()}", "GLMTTS_WYOMING_ZEROCONF": name, **(extra or {})}
    srv = Server(tmp, env=env).start()
    srv.wyoming_port = port
    return srv


def wait_for_log(srv: Server, text: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = srv.log_text()
        if text in log:
            return log
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in the log:\n{srv.log_text()[-3000:]}")


def mdns_socket() -> socket.socket:
    """A socket on port 5353 shared with the server (as any second responder would), joined to
    the mDNS group on the LAN interface: it hears every multicast answer."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("", 5353))
    interface = socket.inet_aton(lan_address())
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(MDNS[0]) + interface)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, interface)
    sock.settimeout(0.2)
    return sock


def ptr_query(query_id: int = 0) -> bytes:
    out = DNSOutgoing(_FLAGS_QR_QUERY, multicast=query_id == 0, id_=query_id)
    out.add_question(DNSQuestion(SERVICE_TYPE, _TYPE_PTR, _CLASS_IN))
    return out.packets()[0]


def answers_naming(packet: bytes, instance: str) -> list:
    """The records of a response that name our instance (or point at it)."""
    try:
        message = DNSIncoming(packet)
    except Exception:
        return []
    if not message.is_response():
        return []
    return [r for r in message.answers() if instance.lower() in (r.name.lower(), getattr(r, "alias", "").lower())]


@pytest.fixture(scope="module")
def announced():
    with tempfile.TemporaryDirectory(prefix="glmtts-zeroconf-") as tmp:
        name = unique_name()
        srv = start_announced(Path(tmp), name)
        wait_for_log(srv, "announced over mDNS")
        srv.instance = f"{name}.{SERVICE_TYPE}"
        yield srv
        srv.stop()
        assert srv.process.returncode == 0, srv.log_text()[-3000:]


def test_home_assistant_discovers_the_server_and_talks_to_it_at_the_announced_address(announced):
    zc = Zeroconf()
    try:
        info = zc.get_service_info(SERVICE_TYPE, announced.instance, timeout=5000)
    finally:
        zc.close()
    assert info is not None, announced.log_text()[-3000:]
    assert info.port == announced.wyoming_port
    addresses = info.parsed_addresses()
    assert addresses == [lan_address()]
    assert info.server.startswith("glmtts-") and info.server.endswith(".local.")

    async def describe():
        client = AsyncTcpClient(addresses[0], info.port)
        await client.connect()
        await client.write_event(Describe().event())
        while True:
            event = await client.read_event()
            assert event is not None
            if Info.is_type(event.type):
                await client.disconnect()
                return Info.from_event(event)

    described = asyncio.run(asyncio.wait_for(describe(), 60))
    assert described.tts and described.tts[0].voices, described
    assert_healthy(announced)


def test_a_legacy_unicast_query_gets_a_unicast_answer_with_its_id(announced):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("", 0))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(lan_address()))
        sock.settimeout(5)
        sock.sendto(ptr_query(0x4A2B), MDNS)
        while True:
            packet, _ = sock.recvfrom(9000)
            message = DNSIncoming(packet)
            if message.id == 0x4A2B and answers_naming(packet, announced.instance):
                break
    assert message.is_response()
    assert [q.name for q in message.questions] == [SERVICE_TYPE]  # the question is repeated
    records = message.answers()
    assert records and all(record.ttl <= 10 for record in records)  # short TTLs for a legacy resolver
    assert not any(record.unique for record in records)  # and no cache-flush bits
    assert any(getattr(record, "port", None) == announced.wyoming_port for record in records)


def hostile_packets() -> list[bytes]:
    header = lambda qd, an=0, ns=0, ar=0, flags=0: struct.pack("!HHHHHH", 0, flags, qd, an, ns, ar)  # noqa: E731
    loop = header(1) + b"\xc0\x0c" + b"\x00\x0c\x00\x01"  # a name that points at itself
    forward = header(1) + b"\xc0\x20" + b"\x00\x0c\x00\x01" + b"\x00" * 32  # points forward
    long_name = header(1) + b"\x3f" + b"a" * 63 + b"\x3f" + b"b" * 63 + b"\x3f" + b"c" * 63 + b"\x3f" + b"d" * 63 + b"\x00\x00\x0c\x00\x01"
    counts = header(65535, 65535, 65535, 65535) + b"\x00" * 20
    reserved_label = header(1) + b"\x80abc\x00\x00\x0c\x00\x01"
    truncated_record = header(0, 1, flags=0x8400) + b"\x00\x00\x21\x00\x01\x00\x00\x00\x78\x00\xff\x00"
    bad_ptr_rdata = header(0, 1, flags=0x8400) + b"\x00\x00\x0c\x00\x01\x00\x00\x00\x78\x00\x02\xc0\x0c"
    return [b"", b"\x00", b"\xff" * 11, header(0), loop, forward, long_name, counts, reserved_label, truncated_record,
            bad_ptr_rdata, os.urandom(1400), os.urandom(9000), b"\x00" * 9000]


def test_hostile_packets_are_ignored_and_the_server_still_answers(announced):
    sock = mdns_socket()
    try:
        for packet in hostile_packets() * 5:
            sock.sendto(packet, MDNS)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as legacy:  # and from a legacy port too
            legacy.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(lan_address()))
            for packet in hostile_packets():
                legacy.sendto(packet, MDNS)
    finally:
        sock.close()
    zc = Zeroconf()
    try:
        info = zc.get_service_info(SERVICE_TYPE, announced.instance, timeout=5000)
    finally:
        zc.close()
    assert info is not None and info.port == announced.wyoming_port, announced.log_text()[-3000:]
    assert_healthy(announced)


def test_a_flood_of_queries_gets_at_most_one_multicast_answer_a_second(announced):
    sock = mdns_socket()
    answers = []
    stop = threading.Event()

    def listen():
        # Drains the socket all along (it also hears its own queries): an answer is never
        # lost to a full receive buffer.
        while not stop.is_set():
            try:
                packet, _ = sock.recvfrom(9000)
            except socket.timeout:
                continue
            if any(r.type == _TYPE_PTR for r in answers_naming(packet, announced.instance)):
                answers.append(time.monotonic())

    listener = threading.Thread(target=listen)
    try:
        time.sleep(1.1)  # earlier tests' answers are over a second old
        listener.start()
        started = time.monotonic()
        for _ in range(2000):  # about two seconds of queries, a thousand a second
            sock.sendto(ptr_query(), MDNS)
            time.sleep(0.001)
        time.sleep(0.5)
        seconds = time.monotonic() - started
    finally:
        stop.set()
        listener.join()
        sock.close()
    # A record is multicast at most once a second (RFC 6762 §6), however many ask.
    assert 1 <= len(answers) <= int(seconds) + 2, (len(answers), seconds)
    assert all(b - a >= 0.9 for a, b in zip(answers, answers[1:])), answers
    assert_healthy(announced)


def test_the_goodbye_at_shutdown_removes_the_server_from_browsers():
    with tempfile.TemporaryDirectory(prefix="glmtts-zeroconf-") as tmp:
        name = unique_name()
        instance = f"{name}.{SERVICE_TYPE}"
        added, removed = threading.Event(), threading.Event()

        class Listener(ServiceListener):
            def add_service(self, zc, type_, found):
                if found == instance:
                    added.set()

            def remove_service(self, zc, type_, found):
                if found == instance:
                    removed.set()

            def update_service(self, zc, type_, found):
                pass

        zc = Zeroconf()
        try:
            ServiceBrowser(zc, SERVICE_TYPE, Listener())
            srv = start_announced(Path(tmp), name)
            try:
                assert added.wait(15), srv.log_text()[-3000:]
            finally:
                srv.stop()
            assert srv.process.returncode == 0, srv.log_text()[-3000:]
            # Records of TTL 120 s and more would linger for minutes without the goodbye.
            assert removed.wait(10), "the browser still lists the stopped server"
        finally:
            zc.close()


def test_a_name_another_device_holds_is_given_up_for_the_next_free_one():
    with tempfile.TemporaryDirectory(prefix="glmtts-zeroconf-") as tmp:
        name = unique_name("Kitchen speaker")
        other_port = free_port()
        zc = Zeroconf()
        try:
            # Another device already announces this name (python-zeroconf probes and defends it).
            zc.register_service(ServiceInfo(SERVICE_TYPE, f"{name}.{SERVICE_TYPE}", port=other_port,
                                            addresses=[socket.inet_aton(lan_address())], server="other-device.local."))
            srv = start_announced(Path(tmp), name)
            try:
                log = wait_for_log(srv, "announced over mDNS")
                assert "another device on the network announces this Wyoming name" in log
                ours = zc.get_service_info(SERVICE_TYPE, f"{name} (2).{SERVICE_TYPE}", timeout=5000)
                theirs = zc.get_service_info(SERVICE_TYPE, f"{name}.{SERVICE_TYPE}", timeout=5000)
                assert ours is not None and ours.port == srv.wyoming_port, log[-3000:]
                assert theirs is not None and theirs.port == other_port  # theirs is left alone
            finally:
                srv.stop()
            assert srv.process.returncode == 0, srv.log_text()[-3000:]
        finally:
            zc.close()


def test_a_device_that_claims_the_name_later_without_probing_makes_the_server_move_on():
    with tempfile.TemporaryDirectory(prefix="glmtts-zeroconf-") as tmp:
        name = unique_name("Hallway")
        srv = start_announced(Path(tmp), name)
        try:
            wait_for_log(srv, "announced over mDNS")
            # A careless device announces our name with its own port, without probing first.
            claim = DNSOutgoing(_FLAGS_QR_RESPONSE | _FLAGS_AA)
            claim.add_answer_at_time(DNSService(f"{name}.{SERVICE_TYPE}", _TYPE_SRV, _CLASS_IN | _CLASS_UNIQUE, 120, 0, 0,
                                                free_port(), "careless.local."), 0)
            sock = mdns_socket()
            try:
                sock.sendto(claim.packets()[0], MDNS)
            finally:
                sock.close()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and srv.log_text().count("announced over mDNS") < 2:
                time.sleep(0.1)
            log = srv.log_text()
            assert log.count("announced over mDNS") == 2 and f'name="{name} (2)"' in log, log[-3000:]
            zc = Zeroconf()
            try:
                ours = zc.get_service_info(SERVICE_TYPE, f"{name} (2).{SERVICE_TYPE}", timeout=5000)
            finally:
                zc.close()
            assert ours is not None and ours.port == srv.wyoming_port
        finally:
            srv.stop()
        assert srv.process.returncode == 0, srv.log_text()[-3000:]


@pytest.mark.parametrize("env, says", [
    ({"GLMTTS_WYOMING_ZEROCONF": "GLM-TTS"}, "GLMTTS_WYOMING_PORT"),
    ({"GLMTTS_WYOMING_ZEROCONF": "GLM-TTS", "GLMTTS_WYOMING_PORT": "0"}, "loopback"),
    ({"GLMTTS_WYOMING_ZEROCONF": "a.b", "GLMTTS_WYOMING_PORT": "0", "GLMTTS_WYOMING_HOST": "0.0.0.0",
      "GLMTTS_WYOMING_ALLOW": "127.0.0.1"}, "without dots"),
    ({"GLMTTS_WYOMING_ZEROCONF": "x" * 64, "GLMTTS_WYOMING_PORT": "0", "GLMTTS_WYOMING_HOST": "0.0.0.0",
      "GLMTTS_WYOMING_ALLOW": "127.0.0.1"}, "1 to 63 bytes"),
])
def test_an_announcement_the_network_could_not_use_does_not_start(fresh_server_dir, env, says):
    srv = Server(fresh_server_dir, env=env)
    with pytest.raises(Exception) as failure:
        srv.start(timeout=60)
    assert "GLMTTS_WYOMING_ZEROCONF" in str(failure.value) and says in str(failure.value), str(failure.value)
