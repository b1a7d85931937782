"""PouchDB Server (a CouchDB-compatible server on Node: express-pouchdb over LevelDB) in
bench/peers.py.

Installed from npm with `npm ci` into its own prefix, bench/.env/pouchdb/, from the pinned
package.json and package-lock.json in bench/pouchdb/ (pouchdb-server 4.2.0; LevelDB is leveldown's
prebuilt binary shipped inside its npm package). Run with its defaults: one Node process (it has
no workers), LevelDB files in a temporary directory, gzip responses (express `compression`).

Driven the way PouchDB's replicator drives a CouchDB: documents in database `bench`; pushes are
POST /bench/_bulk_docs of 100 documents (the replicator's default batch_size); pulls are
GET /bench/_changes?include_docs=true&since=<seq>&limit=100, repeated until a page is short.
The replicator also posts _revs_diff and checkpoints per batch; they are left out, which only
flatters PouchDB.
"""

import os
import shutil
import subprocess
import sys
import uuid

from peerlib import (
    ENV,
    HERE,
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

PREFIX = os.path.join(ENV, "pouchdb")
SOURCE = os.path.join(HERE, "pouchdb")
BATCH = 100


def install():
    """npm ci into bench/.env/pouchdb from the pinned lock; reused while the lock is unchanged."""
    with open(os.path.join(SOURCE, "package-lock.json"), encoding="utf-8") as f:
        spec = f.read()
    marker = os.path.join(PREFIX, ".installed")
    if installed(marker, spec):
        return
    print("installing PouchDB Server into %s (npm ci) ..." % PREFIX, file=sys.stderr)
    os.makedirs(PREFIX, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(SOURCE, name), os.path.join(PREFIX, name))
    # --ignore-scripts: leveldown finds its prebuilt binary at run time (node-gyp-build), and the
    # only other install script builds sqlite3 from source for --sqlite, which is not used.
    run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PREFIX)
    mark(marker, spec)


def version():
    node = run(["node", "--version"]).strip()
    with open(os.path.join(PREFIX, "node_modules", "pouchdb-server", "package.json"), encoding="utf-8") as f:
        import json

        return json.load(f)["version"], node


def push_docs(s, base, db, docs, batch=BATCH):
    """POST _bulk_docs in chunks; returns the count of failed documents."""
    errors = 0
    for i in range(0, len(docs), batch):
        chunk = docs[i:i + batch]
        r = s.post("%s/%s/_bulk_docs" % (base, db), json={"docs": chunk})
        if r.status_code != 201 and r.status_code != 200:
            errors += len(chunk)
            continue
        errors += sum(1 for d in r.json() if "error" in d)
    return errors


def pull_changes(s, base, db, since=0):
    """_changes with include_docs in pages of BATCH from `since`. Returns (count, last_seq, errors)."""
    count = 0
    while True:
        r = s.get("%s/%s/_changes" % (base, db),
                  params={"include_docs": "true", "since": since, "limit": BATCH})
        if r.status_code != 200:
            return count, since, 1
        page = r.json()
        count += len(page["results"])
        since = page["last_seq"]
        if len(page["results"]) < BATCH:
            return count, since, 0


class PouchPeer:
    name = "pouchdb-server"

    def __init__(self, workers, tmp):
        self.tmp = tmp
        self.proc = None

    def start(self):
        install()
        pouch, node = version()
        self.note = ("pouchdb-server %s on Node %s: one process (no workers), LevelDB, defaults"
                     % (pouch, node))
        data = os.path.join(self.tmp, "data")
        os.makedirs(data, exist_ok=True)
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        log = os.path.join(self.tmp, "pouchdb.log")
        with open(log, "w") as out:
            # It writes config.json and log.txt into its working directory: the temporary one.
            self.proc = subprocess.Popen(
                [os.path.join(PREFIX, "node_modules", ".bin", "pouchdb-server"), "--port", str(self.port),
                 "--host", "127.0.0.1", "--dir", data, "--no-stdout-logs", "--no-color"],
                cwd=self.tmp, stdout=out, stderr=out, start_new_session=True)
        wait_http(self.base + "/", self.proc, log=log)
        session().put(self.base + "/bench").raise_for_status()
        self.push_wire, self.pull_wire = Wire(), Wire()
        self.writer = session(self.push_wire)
        self.reader = session(self.pull_wire)
        return self

    def stop(self):
        stop_group(self.proc)

    def prepare(self, n):
        return [{"_id": str(uuid.uuid4()), **random_fields()} for _ in range(n)]

    def push(self, docs):
        return push_docs(self.writer, self.base, "bench", docs)

    def full_pull(self):
        count, self.since, errors = pull_changes(self.reader, self.base, "bench")
        return count, errors

    def noop(self):
        r = self.reader.get(self.base + "/bench/_changes",
                            params={"include_docs": "true", "since": self.since, "limit": BATCH})
        assert r.status_code == 200 and r.json()["results"] == [], r.text[:200]

    def fill(self, n, deadline):
        s = session()
        for i in range(0, n, 1000):
            assert push_docs(s, self.base, "bench", self.prepare(min(1000, n - i)), batch=1000) == 0
        _, self.since, _ = pull_changes(self.reader, self.base, "bench", self.since)
        return n

    # -- many clients: each its own database (CouchDB's database-per-user) ---------------------

    def concurrent_states(self, clients, records):
        states = []
        s = session()
        for i in range(clients):
            db = "client%d" % i
            s.put("%s/%s" % (self.base, db)).raise_for_status()
            _, since, _ = pull_changes(s, self.base, db)
            states.append((db, since, self.prepare(records)))
        return states

    def concurrent_work(self, state):
        db, since, docs = state
        wire = Wire()
        s = session(wire)

        def ready():
            errors = push_docs(s, self.base, db, docs)
            count, _, pull_errors = pull_changes(s, self.base, db, since)
            if count != len(docs):
                errors += 1
            return {"errors": errors + pull_errors, "sent": wire.sent, "received": wire.received}

        return ready


def make(workers, tmp):
    os.makedirs(tmp, exist_ok=True)
    return PouchPeer(workers, tmp)
