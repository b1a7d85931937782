"""Rate limits keep no client address, believe X-Forwarded-For only from the proxy, and say
when to come back (Retry-After)."""

import os
import stat

import pytest

from addresses import address_forms, find_address
from server.extensions import address_key, limiter

REDIS_DB = 11  # this file's own Redis database on the local server


def limited_app(make_app, **config):
    app = make_app(RATELIMIT_ENABLED=True, ZAPIS_RATELIMIT_SECRET="s" * 32, **config)
    with app.app_context():
        limiter.reset()
    return app


def enroll(client, n, addr=None, forged=None):
    codes = []
    for i in range(n):
        headers = {"X-Forwarded-For": forged(i)} if forged else {}
        environ = {"REMOTE_ADDR": addr} if addr else {}
        codes.append(client.post("/api/enroll", json={"invite": "guess%d" % i}, headers=headers,
                                 environ_base=environ).status_code)
    return codes


def test_a_forged_forwarded_for_sent_straight_to_a_host_does_not_change_the_key(make_app):
    app = limited_app(make_app, ZAPIS_ENROLL_LIMIT="3/minute", ZAPIS_TRUSTED_PROXIES=1,
                      ZAPIS_FORWARDED_ALLOW_IPS="10.1.2.3")
    client = app.test_client()
    rotating = lambda i: "198.51.100.%d" % i  # noqa: E731
    # Straight to the host (the peer is not the proxy): every attempt counts against the peer.
    assert enroll(client, 5, addr="192.0.2.7", forged=rotating) == [400, 400, 400, 429, 429]
    # Without ZAPIS_TRUSTED_PROXIES nobody's X-Forwarded-For is believed.
    app = limited_app(make_app, ZAPIS_ENROLL_LIMIT="3/minute", ZAPIS_FORWARDED_ALLOW_IPS="192.0.2.7")
    assert enroll(app.test_client(), 4, addr="192.0.2.7", forged=rotating) == [400, 400, 400, 429]


def test_the_proxy_is_believed_and_each_client_behind_it_has_its_own_limit(make_app):
    app = limited_app(make_app, ZAPIS_ENROLL_LIMIT="3/minute", ZAPIS_TRUSTED_PROXIES=1,
                      ZAPIS_FORWARDED_ALLOW_IPS="10.1.2.0/24")
    client = app.test_client()
    assert enroll(client, 6, addr="10.1.2.3", forged=lambda i: "198.51.100.%d" % i) == [400] * 6
    assert enroll(client, 4, addr="10.1.2.3", forged=lambda i: "198.51.100.200") == [400, 400, 400, 429]


def test_forwarded_headers_from_another_peer_are_dropped(make_app):
    app = make_app(ZAPIS_TRUSTED_PROXIES=1, ZAPIS_FORWARDED_ALLOW_IPS="10.1.2.3")
    client = app.test_client()
    # A host reached directly cannot be told the request came over HTTPS.
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"},
                          environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert "Strict-Transport-Security" not in response.headers
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"},
                          environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_bad_allow_list_stops_the_app_at_start(make_app):
    with pytest.raises(SystemExit, match="ZAPIS_FORWARDED_ALLOW_IPS"):
        make_app(ZAPIS_TRUSTED_PROXIES=1, ZAPIS_FORWARDED_ALLOW_IPS="proxy.example")


def test_a_429_says_when_to_come_back(make_app):
    app = limited_app(make_app, ZAPIS_ENROLL_LIMIT="2/minute")
    client = app.test_client()
    for _ in range(2):
        client.post("/api/enroll", json={"invite": "guess"})
    response = client.post("/api/enroll", json={"invite": "guess"})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 61  # the window, rounded up
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_the_key_is_a_keyed_hash_that_changes_with_the_day_and_the_secret():
    key = address_key("192.0.2.7", b"one", "2026-12-01")
    assert key == address_key("192.0.2.7", b"one", "2026-12-01")
    assert key != address_key("192.0.2.7", b"one", "2026-12-02")
    assert key != address_key("192.0.2.7", b"two", "2026-12-01")
    assert key != address_key("192.0.2.8", b"one", "2026-12-01")
    assert not find_address(key.encode(), "192.0.2.7")


def test_without_a_configured_secret_one_is_made_once_in_the_instance_folder(make_app, tmp_path):
    from server.extensions import ratelimit_secret

    class App:
        instance_path = str(tmp_path / "instance")
        config = {"ZAPIS_RATELIMIT_SECRET": ""}

    first = ratelimit_secret(App)
    path = os.path.join(App.instance_path, "ratelimit.secret")
    assert len(first) == 64 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ratelimit_secret(App) == first
    App.config = {"ZAPIS_RATELIMIT_SECRET": "from the environment"}
    assert ratelimit_secret(App) == b"from the environment"


def test_the_scan_finds_an_address_in_any_of_its_forms():
    # Positive control for every address scan in the suite.
    for form in address_forms("192.0.2.7"):
        assert find_address(b"x " + form + b" y", "192.0.2.7"), form
    assert find_address(b'192.0.2.7 - - [01/Dec/2026] "GET / HTTP/1.1"', "192.0.2.7")
    assert not find_address(b"192.0.2.70 and 10.192.0.2.7x", "192.0.2.7")


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/%d" % REDIS_DB
    conn = redis.Redis.from_url(url)
    try:
        conn.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379 (scripts/test starts one)")
    conn.flushdb()
    yield url
    conn.flushdb()
    conn.close()


def test_redis_keeps_no_client_address_after_enrollments(make_app, redis_url):
    import redis

    app = limited_app(make_app, RATELIMIT_STORAGE_URI=redis_url, ZAPIS_ENROLL_LIMIT="3/minute",
                      ZAPIS_TRUSTED_PROXIES=1, ZAPIS_FORWARDED_ALLOW_IPS="10.1.2.3")
    client = app.test_client()
    clients = ["198.51.100.%d" % i for i in (7, 8, 9)]
    for addr in clients:
        assert enroll(client, 4, addr="10.1.2.3", forged=lambda i, a=addr: a) == [400, 400, 400, 429]
    # Failed authentications count too (the application-wide limit).
    client.get("/api/me", headers={"Authorization": "Bearer wrong", "X-Forwarded-For": clients[0]},
               environ_base={"REMOTE_ADDR": "10.1.2.3"})
    conn = redis.Redis.from_url(redis_url)
    dump = b""
    for key in conn.scan_iter(count=1000):
        dump += key + b"\n"
        kind = conn.type(key)
        if kind == b"string":
            dump += conn.get(key) + b"\n"
        elif kind == b"list":
            dump += b"\n".join(conn.lrange(key, 0, -1)) + b"\n"
        elif kind == b"zset":
            dump += b"\n".join(m for m, _ in conn.zrange(key, 0, -1, withscores=True)) + b"\n"
        elif kind == b"hash":
            dump += b"\n".join(k + b"=" + v for k, v in conn.hgetall(key).items()) + b"\n"
    conn.close()
    assert dump.count(b"enroll") >= 3, dump  # the limits are really in Redis, one key a client
    for addr in clients + ["10.1.2.3"]:
        assert find_address(dump, addr) == [], addr
    # Positive control: the same scan over the keys the old key function (the address) made.
    assert find_address(dump.replace(address_key(clients[0], b"s" * 32, _today()).encode(),
                                     clients[0].encode()), clients[0])


def _today():
    import time

    return time.strftime("%Y-%m-%d", time.gmtime())


def test_a_429_for_failed_authentications_says_when_to_come_back_too(make_app):
    app = limited_app(make_app, ZAPIS_AUTH_FAIL_LIMIT="2/minute")
    client = app.test_client()
    codes = [client.get("/api/me", headers={"Authorization": "Bearer wrong"}) for _ in range(3)]
    assert [r.status_code for r in codes] == [401, 401, 429]
    assert 1 <= int(codes[-1].headers["Retry-After"]) <= 61
