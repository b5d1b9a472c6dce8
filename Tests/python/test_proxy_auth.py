"""Open mode behind a proxy: a request that carries forwarding headers (X-Forwarded-For,
Forwarded, X-Real-IP, …) came through a proxy for someone else, so even a server in open
mode (no keys, loopback) treats it as remote: every operation that needs a key answers 401,
exactly as on a keyed server. A forwarded request with a valid key works as that key.
(test_deploy.py runs the same through the real nginx with deploy/nginx.conf.)"""
import requests

from conftest import assert_healthy, assert_problem, auth, create_key, operations

FORWARDING = [{"X-Forwarded-For": "203.0.113.7"}, {"Forwarded": "for=203.0.113.7;proto=https"},
              {"X-Real-IP": "203.0.113.7"}, {"X-Forwarded-Host": "tts.example.com"},
              {"X-Forwarded-Proto": "https"}, {"x-forwarded-for": "127.0.0.1"}]


def test_forwarded_requests_in_open_mode_need_a_key_on_every_protected_route(server):
    checked = 0
    for method, path, op, security in operations(server):
        for headers in FORWARDING:
            r = requests.request(method, server.url + path, headers=headers, timeout=60)
            if security == []:
                assert r.status_code != 401, (op, r.text[:200])
                continue
            assert r.status_code == 401, (op, path, headers, r.status_code, r.text[:200])
            assert r.headers.get("www-authenticate", "").startswith("Bearer"), op
            if not path.startswith("/v1/"):
                body = assert_problem(r, 401, "auth.required")
                assert "proxy" in body["detail"], body["detail"]
            checked += 1
    assert checked >= 25 * len(FORWARDING)
    assert_healthy(server)


def test_the_same_requests_without_forwarding_headers_stay_open(server):
    """The control: on loopback without forwarding headers open mode is open (so the 401s
    above are the headers' doing)."""
    assert requests.get(server.url + "/api/admin/keys", timeout=30).status_code == 200
    assert requests.get(server.url + "/api/voices", timeout=30).status_code == 200


def test_forwarded_request_with_a_valid_key_acts_as_that_key(server):
    key = create_key(server.data_dir, "proxied-reader", "read")
    headers = {"X-Forwarded-For": "203.0.113.7", **auth(key)}
    assert requests.get(server.url + "/api/voices", headers=headers, timeout=30).status_code == 200
    # A read key cannot do admin work, forwarded or not.
    refused = requests.post(server.url + "/api/admin/keys", json={"name": "x", "scopes": ["admin"]}, headers=headers, timeout=30)
    assert_problem(refused, 403, "auth.forbidden")
    wrong = requests.get(server.url + "/api/voices", headers={"X-Real-IP": "203.0.113.7", **auth("gtts_" + "0" * 12 + "_" + "f" * 64)},
                         timeout=30)
    assert_problem(wrong, 401, "auth.invalid")


def test_forwarded_admin_actions_are_refused_and_change_nothing(server):
    keys_before = requests.get(server.url + "/api/admin/keys", timeout=30).json()
    forwarded = {"X-Forwarded-For": "198.51.100.1"}
    assert requests.post(server.url + "/api/admin/keys", json={"name": "evil", "scopes": ["admin"]},
                         headers=forwarded, timeout=30).status_code == 401
    assert requests.post(server.url + "/api/admin/models/reload", headers=forwarded, timeout=30).status_code == 401
    assert requests.post(server.url + "/api/gpu/offload", headers=forwarded, timeout=30).status_code == 401
    assert requests.get(server.url + "/api/admin/keys", timeout=30).json() == keys_before
