"""Kinto (Mozilla's JSON sync server, Python/Pyramid) in bench/peers.py.

Installed from PyPI into its own venv, bench/.env/kinto/, from the pinned lock
bench/requirements-kinto.txt (kinto[postgresql]==26.5.0 and gunicorn==27.0.1, the same gunicorn
as ours). Served by gunicorn through its PasteDeploy ini:

- kinto-postgresql: storage, permissions and cache on PostgreSQL (what `kinto init --backend
  postgresql` writes), a database of its own made for the run; as many sync workers as ours.
- kinto-memory: the memory backend lives inside one process (two workers would be two separate
  databases), so it runs one worker with as many threads as we have workers.

Driven the way kinto-http and kinto.js drive it: basic auth (`multiauth.policies = basicauth`),
records in the personal default bucket, collection `bench`; pushes are POST /v1/batch of
`batch_max_requests` (25 by default, read from the server) PUTs with `If-None-Match: *` (kinto.js
creates records "safely"); pulls are GET .../records?_sort=-last_modified following Next-Page;
an incremental pull adds `_since=<ETag>`.
"""

import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from benchlib import PG_ADMIN
from peerlib import (
    ENV,
    HERE,
    Autoanalyze,
    Wire,
    free_port,
    installed,
    mark,
    random_fields,
    run,
    session,
    stop_group,
    wait_http,
)

KINTO_ENV = os.path.join(ENV, "kinto")
REQUIREMENTS = os.path.join(HERE, "requirements-kinto.txt")
RECORDS = "/v1/buckets/default/collections/bench/records"

INI = """[app:main]
use = egg:kinto
kinto.includes = kinto.plugins.default_bucket
kinto.storage_backend = kinto.core.storage.{backend}
kinto.storage_url = {url}
kinto.cache_backend = kinto.core.cache.{backend}
kinto.cache_url = {url}
kinto.permission_backend = kinto.core.permission.{backend}
kinto.permission_url = {url}
kinto.userid_hmac_secret = {secret}
kinto.default_bucket_hmac_secret = {secret2}
multiauth.policies = basicauth

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = WARNING
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)s %(name)s %(message)s
"""


def install():
    """The Kinto venv, from the pinned lock; reused while the lock is unchanged."""
    with open(REQUIREMENTS, encoding="utf-8") as f:
        spec = f.read()
    marker = os.path.join(KINTO_ENV, ".installed")
    if installed(marker, spec):
        return
    print("installing Kinto into %s ..." % KINTO_ENV, file=sys.stderr)
    run([sys.executable, "-m", "venv", "--clear", KINTO_ENV])
    run([os.path.join(KINTO_ENV, "bin", "pip"), "install", "-q", "--disable-pip-version-check",
         "-r", REQUIREMENTS])
    mark(marker, spec)


def version():
    out = run([os.path.join(KINTO_ENV, "bin", "python"), "-c",
               "import importlib.metadata as m; print(m.version('kinto'), m.version('gunicorn'))"])
    return out.split()


def push_records(s, base, records, batch):
    """POST /v1/batch in chunks of `batch`; returns the count of failed writes."""
    errors = 0
    for i in range(0, len(records), batch):
        body = {"defaults": {"method": "PUT"},
                "requests": [{"path": "%s/%s" % (RECORDS, rid), "body": {"data": data},
                              "headers": {"If-None-Match": "*"}} for rid, data in records[i:i + batch]]}
        r = s.post(base + "/v1/batch", json=body)
        if r.status_code != 200:
            errors += len(body["requests"])
            continue
        errors += sum(1 for sub in r.json()["responses"] if sub["status"] >= 400)
    return errors


def pull_records(s, base, since=None):
    """Every record (after `since`), following Next-Page. Returns (count, ETag, errors)."""
    url = base + RECORDS + "?_sort=-last_modified" + ("&_since=%s" % since if since is not None else "")
    count, etag = 0, since
    while url:
        r = s.get(url)
        if r.status_code != 200:
            return count, etag, 1
        if etag == since:
            etag = r.headers["ETag"].strip('"')
        count += len(r.json()["data"])
        url = r.headers.get("Next-Page")
    return count, etag, 0


class KintoPeer:
    def __init__(self, backend, workers, tmp):
        self.backend = backend
        self.name = "kinto-" + backend
        self.workers = workers
        self.tmp = tmp
        self.proc = self.db = None

    def start(self):
        install()
        kinto, gunicorn = version()
        url = ""
        if self.backend == "postgresql":
            self.db = "zapis_bench_kinto_%s" % uuid.uuid4().hex[:8]
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text('CREATE DATABASE "%s"' % self.db))
            admin.dispose()
            url = "postgresql://postgres@127.0.0.1:5432/" + self.db
        ini = os.path.join(self.tmp, "kinto.ini")
        with open(ini, "w", encoding="utf-8") as f:
            f.write(INI.format(backend=self.backend, url=url, secret=uuid.uuid4().hex,
                               secret2=uuid.uuid4().hex))
        log = os.path.join(self.tmp, "kinto.log")
        bin_ = os.path.join(KINTO_ENV, "bin")
        if self.backend == "postgresql":
            run([os.path.join(bin_, "kinto"), "migrate", "--ini", ini], cwd=self.tmp)
            self.analyze = Autoanalyze(PG_ADMIN.rsplit("/", 1)[0] + "/" + self.db)
            self.analyze.start()
            procs = ["-w", str(self.workers)]
            self.note = "gunicorn %s, %d sync workers, Kinto %s" % (gunicorn, self.workers, kinto)
        else:
            procs = ["-w", "1", "--threads", str(self.workers)]
            self.note = ("gunicorn %s, 1 worker x %d threads (memory is per process), Kinto %s"
                         % (gunicorn, self.workers, kinto))
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        with open(log, "w") as out:
            self.proc = subprocess.Popen(
                [os.path.join(bin_, "gunicorn"), "--paste", ini, "-b", "127.0.0.1:%d" % self.port,
                 "--no-control-socket", "--timeout", "60"] + procs,
                cwd=self.tmp, stdout=out, stderr=out, start_new_session=True)
        wait_http(self.base + "/v1/__heartbeat__", self.proc, log=log)
        self.auth = ("bench", "bench")
        self.batch = session().get(self.base + "/v1/").json()["settings"]["batch_max_requests"]
        self.push_wire, self.pull_wire = Wire(), Wire()
        self.writer = session(self.push_wire, self.auth)
        self.reader = session(self.pull_wire, self.auth)   # a fresh client with the same account
        return self

    def stop(self):
        if getattr(self, "analyze", None):
            self.analyze.stop()
        stop_group(self.proc)
        if self.db:
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.db))
            admin.dispose()

    def prepare(self, n):
        return [(str(uuid.uuid4()), random_fields()) for _ in range(n)]

    def push(self, records):
        return push_records(self.writer, self.base, records, self.batch)

    def full_pull(self):
        count, self.since, errors = pull_records(self.reader, self.base)
        return count, errors

    def noop(self):
        r = self.reader.get(self.base + RECORDS + "?_sort=-last_modified&_since=%s" % self.since)
        assert r.status_code == 200 and r.json()["data"] == [], r.text[:200]

    def fill(self, n, deadline):
        """Store n more records (untimed), then catch the reader up. Returns how many were stored.

        On PostgreSQL the stored records are copied in SQL (new ids, the same JSONB data, fresh
        increasing timestamps, exactly the rows Kinto writes): through HTTP, 90,000 records take
        Kinto the better part of an hour. The memory backend can only be filled through HTTP,
        with two writers at once, until `deadline` (time.monotonic()).
        """
        if self.backend == "postgresql":
            stored = self._fill_sql(n)
        else:
            stored = 0
            sessions = [session(auth=self.auth) for _ in range(self.workers)]
            with ThreadPoolExecutor(self.workers) as pool:
                while stored < n and time.monotonic() < deadline:
                    chunks = [self.prepare(min(500, n - stored - i))
                              for i in range(0, min(n - stored, 1000), 500)]
                    errors = sum(pool.map(lambda ic: push_records(sessions[ic[0]], self.base, ic[1],
                                                                  self.batch),
                                          enumerate(chunks)))
                    assert errors == 0, errors
                    stored += sum(len(c) for c in chunks)
        _, self.since, _ = pull_records(self.reader, self.base, self.since)
        return stored

    def _fill_sql(self, n):
        engine = create_engine(PG_ADMIN.rsplit("/", 1)[0] + "/" + self.db)
        left = n
        while left > 0:
            k = min(left, 10000)
            with engine.begin() as conn:
                parent = conn.execute(text("SELECT parent_id FROM objects WHERE resource_name = 'record' "
                                           "AND parent_id LIKE '%/collections/bench' LIMIT 1")).scalar_one()
                base = conn.execute(text("SELECT as_epoch(MAX(last_modified)) FROM objects "
                                         "WHERE parent_id = :p AND resource_name = 'record'"),
                                    {"p": parent}).scalar_one()
                conn.execute(text(
                    "INSERT INTO objects (id, parent_id, resource_name, data, last_modified, deleted) "
                    "SELECT gen_random_uuid()::text, parent_id, resource_name, data, "
                    "from_epoch(:base + row_number() OVER ()), FALSE FROM objects "
                    "WHERE parent_id = :p AND resource_name = 'record' LIMIT :k"),
                    {"p": parent, "k": k, "base": base})
            left -= k
        engine.dispose()
        return n

    # -- many clients: each its own account, so its own default bucket --------------------------

    def concurrent_states(self, clients, records):
        states = []
        for i in range(clients):
            auth = ("client%d" % i, "secret%d" % i)
            s = session(auth=auth)
            _, since, _ = pull_records(s, self.base)     # creates the bucket; the checkpoint
            s.close()
            states.append((auth, since, self.prepare(records)))
        return states

    def concurrent_work(self, state):
        auth, since, records = state
        wire = Wire()
        s = session(wire, auth)

        def ready():
            errors = push_records(s, self.base, records, self.batch)
            count, _, pull_errors = pull_records(s, self.base, since)
            if count != len(records):
                errors += 1
            return {"errors": errors + pull_errors, "sent": wire.sent, "received": wire.received}

        return ready


def make(backend, workers, tmp):
    os.makedirs(tmp, exist_ok=True)
    return KintoPeer(backend, workers, tmp)
