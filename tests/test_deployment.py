"""The deployment as the README describes it, for real: Debian's nginx with TLS (deploy/nginx/
nginx.conf, with ports and paths of this test) in front of two gunicorn hosts on PostgreSQL,
rate limits in Redis. The reference client, its command line and the PWA (Chromium, over HTTP/2)
sync through it; one host is killed with SIGKILL in the middle of a push and nothing is lost or
duplicated; afterwards no log and no Redis key holds a client address.

Addresses on the loopback: nginx listens on 127.0.0.2 and reaches the hosts (on 127.0.0.3) from
127.0.0.2. The reference client connects from 127.77.0.9, another client from 127.77.0.10,
requests straight to a host come from 127.77.0.11, and everything else (the command line,
Chromium) from 127.0.0.1. No server listens on any of these client addresses, so finding one in a
log or a key means a client's address was kept."""

import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
from sqlalchemy import create_engine, text

from addresses import find_address
from client import Client, HTTPTransport
from server.extensions import address_key
from servers import ROOT, GunicornServer, _die_with_parent, free_port
from support import PG_ADMIN
from tlscert import self_signed

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = os.environ.get("ZAPIS_CHROMIUM", "/usr/bin/chromium")

REDIS_DB = 12                      # this test's own Redis database on the local server
PROXY, HOSTS = "127.0.0.2", "127.0.0.3"
CLIENT, OTHER, DIRECT, LOCAL = "127.77.0.9", "127.77.0.10", "127.77.0.11", "127.0.0.1"
SECRET = "deployment-test-secret-0123456789abcdef"
RECORDS = 3000
PASSPHRASE = "correct horse battery staple"


def _need(thing, why):
    if os.environ.get("CI"):
        raise RuntimeError("%s is missing: %s (scripts/test installs it)" % (thing, why))
    pytest.skip("%s is missing (scripts/test installs it)" % thing)


class FromAddress(requests.adapters.HTTPAdapter):
    """Connect from a given local address (a client somewhere else, as nginx sees it)."""

    def __init__(self, source):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def transport_from(source, base_url, ca):
    t = HTTPTransport(base_url, ca=ca)
    t.session.mount("https://", FromAddress(source))
    t.session.mount("http://", FromAddress(source))
    return t


def nginx_config(prefix, cert, key, ports, upstreams):
    """deploy/nginx/nginx.conf with this test's ports, paths and hosts; each change must apply."""
    with open(os.path.join(ROOT, "deploy", "nginx", "nginx.conf"), encoding="utf-8") as f:
        conf = f.read()
    edits = [
        ("user www-data;\n", ""),  # the test runs nginx as whoever it is
        ("pid /run/nginx.pid;", "pid %s/nginx.pid;" % prefix),
        ("listen 80;", "listen %s:%d;" % (PROXY, ports["http"])),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", "listen %s:%d ssl http2;" % (PROXY, ports["https"])),
        ("listen [::]:443 ssl http2;", ""),
        ("return 301 https://zapis.example.org$request_uri;",
         "return 301 https://%s:%d$request_uri;" % (PROXY, ports["https"])),
        ("/etc/letsencrypt/live/zapis.example.org/fullchain.pem", cert),
        ("/etc/letsencrypt/live/zapis.example.org/privkey.pem", key),
        ("server 10.0.0.11:8000", "server %s" % upstreams[0]),
        ("server 10.0.0.12:8000", "server %s" % upstreams[1]),
        # Added for the test: temporary files under the prefix, the proxy's own address towards
        # the hosts, and the positive controls (logs that do keep addresses, scanned separately).
        ("http {\n", ("http {\n"
                      f"    client_body_temp_path {prefix}/tmp/body; proxy_temp_path {prefix}/tmp/proxy;\n"
                      f"    fastcgi_temp_path {prefix}/tmp/fastcgi; uwsgi_temp_path {prefix}/tmp/uwsgi;\n"
                      f"    scgi_temp_path {prefix}/tmp/scgi;\n"
                      f"    proxy_bind {PROXY};\n"
                      "    log_format control '$remote_addr \"$request\" $status';\n"
                      f"    error_log {prefix}/control/error.log error;\n")),
        # ("access_log off" cancels every access log of its level: the control one is the server's.)
        ("        ssl_certificate_key", "        access_log %s/control/access.log control;\n"
         "        ssl_certificate_key" % prefix),
    ]
    for old, new in edits:
        assert conf.count(old) == 1, "deploy/nginx/nginx.conf changed: %r" % old
        conf = conf.replace(old, new)
    return conf


def scan_dump(conn):
    """Every key of the Redis database and every value it holds, as bytes."""
    dump = []
    for key in conn.scan_iter(count=1000):
        dump.append(key)
        kind = conn.type(key)
        if kind == b"string":
            dump.append(conn.get(key) or b"")
        elif kind == b"list":
            dump.extend(conn.lrange(key, 0, -1))
        elif kind == b"zset":
            dump.extend(m for m, _ in conn.zrange(key, 0, -1, withscores=True))
        elif kind == b"hash":
            for k, v in conn.hgetall(key).items():
                dump.extend((k, v))
        elif kind == b"set":
            dump.extend(conn.smembers(key))
    return b"\n".join(dump)


def read_all(paths):
    out = b""
    for path in paths:
        with open(path, "rb") as f:
            out += f.read() + b"\n"
    return out


def wait_for_port(host, port, proc, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("nginx exited with %s" % proc.returncode)
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nginx did not listen on %s:%d" % (host, port))


@pytest.fixture
def redis_conn():
    redis = pytest.importorskip("redis")
    conn = redis.Redis.from_url("redis://127.0.0.1:6379/%d" % REDIS_DB)
    try:
        conn.ping()
    except redis.ConnectionError:
        _need("Redis on 127.0.0.1:6379", "rate limits are shared through it")
    conn.flushdb()
    yield conn
    conn.flushdb()
    conn.close()


@pytest.fixture
def pg_database():
    name = "zapis_deploy_%d" % os.getpid()
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name))
        conn.execute(text('CREATE DATABASE "%s"' % name))
    yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name))
    admin.dispose()


def env_file(path, **values):
    """deploy/zapis.env.example with this test's values: each of its settings must be given one.
    Values it does not hold (the test's own) are added at the end."""
    out = []
    with open(os.path.join(ROOT, "deploy", "zapis.env.example"), encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                key = line.split("=", 1)[0]
                assert key in values, "deploy/zapis.env.example changed: %s" % key
                line = "%s=%s\n" % (key, shlex.quote(values.pop(key)))
            out.append(line)
    out += ["%s=%s\n" % (key, shlex.quote(value)) for key, value in values.items()]
    path.write_text("".join(out), encoding="utf-8")
    return path


def zapis(envfile, *args):
    """A server command as the README gives it, `(set -a && . zapis.env && set +a && zapis ...)`;
    `zapis` is `python -m server` here, the same command run from the checkout."""
    return ["sh", "-c", 'set -a && . "$0" && set +a && exec "$@"', str(envfile),
            sys.executable, "-m", "server", *args]


def run_zapis(envfile, *args):
    run = subprocess.run(zapis(envfile, *args), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def client_cli(args, cwd, cert):
    """The reference client's command from another directory, trusting the proxy by SSL_CERT_FILE."""
    env = {**os.environ, "PYTHONPATH": ROOT, "ZAPIS_PASSPHRASE": PASSPHRASE, "SSL_CERT_FILE": cert}
    env.pop("REQUESTS_CA_BUNDLE", None)
    run = subprocess.run([sys.executable, "-m", "client", "--state", "state.json"] + args, cwd=str(cwd),
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_nginx_tls_two_hosts_redis_a_host_killed_mid_push_and_no_address_kept(
        tmp_path, pg_database, redis_conn, playwright_api):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not nginx:
        _need("nginx", "the deployment runs behind it")
    cert, key = self_signed(tmp_path, addresses=(PROXY,))
    ports = {"http": free_port(PROXY), "https": free_port(PROXY)}
    public = "https://%s:%d" % (PROXY, ports["https"])
    db_url = pg_database.replace("postgresql+psycopg://", "postgresql://")  # as a person writes it

    # 1. Every host's environment from deploy/zapis.env.example; migrate and create the workspace
    # with the commands of the README.
    settings = {"DATABASE_URL": db_url, "WEB_CONCURRENCY": "2", "ZAPIS_THREADS": "4",
                "ZAPIS_PUBLIC_URL": public,
                "ZAPIS_TRUSTED_PROXIES": "1", "ZAPIS_FORWARDED_ALLOW_IPS": PROXY,
                "ZAPIS_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/%d" % REDIS_DB,
                "ZAPIS_RATELIMIT_SECRET": SECRET,
                "ZAPIS_INSTANCE": str(tmp_path / "instance"),
                # The test's own: limits on (the test servers turn them off), and a low one to meet;
                # the hour's counters keep the keys in Redis for the scan however slow the machine.
                "ZAPIS_RATELIMIT": "1", "ZAPIS_ENROLL_LIMIT": "5/minute;1000/hour"}
    run_zapis(env_file(tmp_path / "zapis.env", ZAPIS_BIND="%s:8000" % HOSTS, **settings), "db", "upgrade")
    out = run_zapis(tmp_path / "zapis.env", "create-workspace")
    setup_link = re.search(r"(https://\S+/setup#\S+)", out).group(1)
    assert setup_link.startswith(public + "/setup#t=")

    # 2. Two hosts on a private address (`zapis serve`), believing X-Forwarded-* only from the proxy.
    hosts = []
    for name in ("a", "b"):
        port = free_port(HOSTS)
        envfile = env_file(tmp_path / ("%s.env" % name), ZAPIS_BIND="%s:%d" % (HOSTS, port), **settings)
        hosts.append(GunicornServer(db_url, tmp_path / name, host=HOSTS, port=port,
                                    command=zapis(envfile, "serve")))
    try:
        for host in hosts:
            os.makedirs(host.log_dir)
            host.start()
        prefix = _behind_nginx(tmp_path, nginx, public, cert, key, ports, hosts, setup_link, db_url,
                               playwright_api)
    finally:
        for host in hosts:
            host.stop()
    _scan(prefix, hosts, redis_conn)


def _behind_nginx(tmp_path, nginx, public, cert, key, ports, hosts, setup_link, db_url, pw):
    """nginx in front, a child of this test on free ports, everything under a temporary prefix."""
    prefix = tmp_path / "nginx"
    for sub in ("tmp", "control", "logs"):
        os.makedirs(prefix / sub)
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_config(str(prefix), cert, key, ports, ["%s:%d" % (HOSTS, h.port) for h in hosts]))
    stderr_path = prefix / "logs" / "stderr.log"
    with open(stderr_path, "wb") as stderr:
        proxy = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                                 stdout=stderr, stderr=stderr, start_new_session=True,
                                 preexec_fn=_die_with_parent)
    try:
        wait_for_port(PROXY, ports["https"], proxy)
        _scenario(tmp_path, public, cert, hosts, ports, setup_link, db_url, pw)
    finally:
        os.killpg(proxy.pid, signal.SIGQUIT)
        try:
            proxy.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proxy.pid, signal.SIGKILL)
            proxy.wait()
    return prefix


def _scan(prefix, hosts, redis_conn):
    """6. No client address in nginx's logs (its stderr included), the hosts' logs, or Redis."""
    nginx_logs = [os.path.join(prefix, "logs", f) for f in os.listdir(prefix / "logs")]
    gunicorn_logs = [p for h in hosts for p in (h.access_log, h.error_log)]
    dumps = {"nginx": read_all(nginx_logs), "gunicorn": read_all(gunicorn_logs),
             "redis": scan_dump(redis_conn)}
    assert b"POST /api/sync/push" in dumps["gunicorn"] and b"enroll" in dumps["redis"]
    for where, data in dumps.items():
        for address in (CLIENT, OTHER, DIRECT, LOCAL):
            assert find_address(data, address) == [], (where, address)
    # Positive controls: the addresses did reach nginx and the app. A log written with an address
    # format has them; an error log at "error" (not "emerg") names the client of the cut push;
    # and Redis holds the keyed hashes of the very addresses the scan looked for.
    control = read_all([prefix / "control" / "access.log"])
    assert find_address(control, CLIENT) and find_address(control, OTHER)
    assert find_address(read_all([prefix / "control" / "error.log"]), CLIENT)
    day = time.strftime("%Y-%m-%d", time.gmtime())
    for address in (OTHER, DIRECT, LOCAL):  # LOCAL: the PWA's and the command line's enrollments
        assert address_key(address, SECRET.encode(), day).encode() in dumps["redis"], address


def _pwa_through_tls(public, root, pw):
    """The PWA in Chromium through TLS and HTTP/2: it joins, registers its service worker, saves
    a need and sends it; the coordinator (the reference client) reads it."""
    if not os.path.exists(CHROMIUM):
        _need("Chromium", "the PWA is tested in it")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser"))
    from drive import join, read_store, wait_all_sent, wait_offline_ready

    # The session's Playwright (tests/conftest.py): a second start in this thread is refused.
    with contextlib.nullcontext(pw) as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--no-first-run",
            # The context's ignore_https_errors covers pages and fetches, not the service worker's
            # script, which Chromium refuses to fetch over a certificate it does not trust.
            "--ignore-certificate-errors"])
        try:
            ctx = browser.new_context(ignore_https_errors=True, locale="en-GB")
            ctx.set_default_timeout(60000)
            page = ctx.new_page()
            join(page, root.create_invite("volunteer", base_url=public))
            wait_offline_ready(page)
            device = read_store(page, "meta", "device")["device"]
            root.certify(device)
            page.get_by_role("button", name="+ Need").click()
            page.get_by_label("What is needed *").select_option("accommodation")
            page.get_by_label("Country *").select_option("LT")
            page.get_by_label("Details of the need *").fill("A room in Vilnius, through nginx")
            page.get_by_role("button", name="Save").click()
            page.get_by_role("button", name="Edit").wait_for()
            wait_all_sent(page, timeout=60000)
            http2 = page.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol")
        finally:
            browser.close()
    assert http2 == "h2"
    root.pull()
    mine = [root.read(r) for r in root.replica.readable()]
    descriptions = [v["description"]["value"] for v in mine if v and "description" in v]
    assert descriptions == ["A room in Vilnius, through nginx"]


def _scenario(tmp_path, public, cert, hosts, ports, setup_link, db_url, pw):
    # Port 80 redirects; no version anywhere; the app's headers through the proxy, and on nginx's
    # own error pages.
    r = requests.get("http://%s:%d/api/me?x=1" % (PROXY, ports["http"]), allow_redirects=False, timeout=10)
    assert r.status_code == 301 and r.headers["Location"] == public + "/api/me?x=1"
    assert r.headers["Server"] == "nginx"
    r = requests.get(public + "/healthz", verify=cert, timeout=10)
    assert r.json() == {"status": "ok"} and r.headers["Server"] == "nginx"
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")  # the app saw HTTPS
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]

    # 4. The first coordinator and a volunteer join through TLS; the command-line client trusts the
    # self-signed proxy through SSL_CERT_FILE and runs from another directory.
    root_dir, vol_dir = tmp_path / "root", tmp_path / "volunteer"
    os.makedirs(root_dir)
    os.makedirs(vol_dir)
    client_cli(["setup", setup_link], root_dir, cert)
    invite = client_cli(["invite", "volunteer"], root_dir, cert).strip()
    assert invite.startswith(public + "/join#c=")
    volunteer = Client.enroll_link(invite, transport_from(CLIENT, public, cert))
    root = Client.load_state(str(root_dir / "state.json"), PASSPHRASE, ca=cert)
    root.certify(volunteer.replica.device)
    volunteer.pull()

    # Rate limits: shared by both hosts through Redis, keyed by the client behind the proxy; a
    # forged X-Forwarded-For sent straight to a host does not change the key.
    other = requests.Session()
    other.mount("https://", FromAddress(OTHER))
    codes = [other.post(public + "/api/enroll", json={"invite": "guess%d" % i}, verify=cert, timeout=30)
             for i in range(7)]
    assert [c.status_code for c in codes] == [400] * 5 + [429] * 2
    assert 1 <= int(codes[-1].headers["Retry-After"]) <= 61
    served = [h for h in hosts if b"POST /api/enroll" in read_all([h.access_log])]
    assert len(served) == 2, "both hosts served enrollments, and counted them together"
    straight = requests.Session()
    straight.mount("http://", FromAddress(DIRECT))
    direct = [straight.post(hosts[0].url + "/api/enroll", json={"invite": "x"}, timeout=30,
                            headers={"X-Forwarded-For": "198.51.100.%d" % i}).status_code for i in range(7)]
    assert direct == [400] * 5 + [429] * 2

    _pwa_through_tls(public, root, pw)

    # 5. A push of 3,000 records; host a is killed (SIGKILL) while it is under way.
    for i in range(RECORDS):
        volunteer.save({"kind": "need", "category": "legal", "n": i})
    results = {}
    pushing = threading.Thread(target=lambda: results.update(first=volunteer.sync()))
    # Host a is frozen first (SIGSTOP): its kernel still accepts connections, so the requests
    # nginx sends it wait there, mid-push; the kill then cuts them whatever the machine's speed
    # (waiting for its access log instead let a loaded machine kill it between two requests).
    os.killpg(hosts[0].proc.pid, signal.SIGSTOP)
    pushing.start()
    time.sleep(3)  # the first two batches are on their way; round robin sent one to host a
    hosts[0].kill()
    pushing.join(300)
    first = results["first"]
    assert first["errors"], "the kill fell between two requests: the push was not cut"
    assert re.search(r"502|unavailable", first["errors"][0]["message"]), first["errors"]
    assert volunteer.replica.outbox, "what the server did not confirm stays in the outbox"
    second = volunteer.sync()
    assert second["ok"] and not second["errors"], second
    assert not volunteer.replica.outbox

    # Nothing lost, nothing duplicated: one change a save on the server, every record read back.
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*), count(DISTINCT record_id) FROM changes "
                                 "WHERE device_id = :d"), {"d": volunteer.replica.device}).one()
    engine.dispose()
    assert tuple(rows) == (RECORDS, RECORDS)
    root.pull()
    numbers = sorted(v["n"] for v in root.export().values() if "n" in v)
    assert numbers == list(range(RECORDS))

