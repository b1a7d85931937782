"""Our server in bench/peers.py: gunicorn with gunicorn.conf.py (tests/servers.py), driven by the
reference client (client.Client over HTTPTransport), on SQLite or PostgreSQL.

Records are saved (encrypted and signed) before any clock starts. Each new record carries one
change of 8 writes and 2 key wraps (for its author and the root coordinator), as every record
made by a field device does. Pushes go through Client.push (500 items a request, gzip above
8 KB); pulls are the raw pages (no verification, no local merge: that is client-side crypto).
"""

import os
import time

from benchlib import backend_url, drop_backend, new_workspace, record_fields
from client import Client, HTTPTransport
from peerlib import Autoanalyze, Wire
from servers import GunicornServer
from sync.b64 import b64decode
from sync.dense import decode_page


def id_bytes(changes=()):
    """The random bytes of the ids a change carries besides: each write's field id (16 bytes of
    HMAC, opaque since protocol 3) and the record's id (a UUID: 16 bytes) once."""
    return sum(16 + 16 * sum(1 for w in c["writes"] if len(w["field"]) == 22) for c in changes)


def random_bytes(changes=(), wraps=()):
    """The bytes no encoding can shrink in changes and wraps (logical, as pushed or decoded from a
    pull page): signatures, key commitments, nonces, ciphertexts, and each wrap's ephemeral key,
    nonce, wrapped key and signature. A pulled write that is not live carries only its hash `h`,
    which is not counted (it is there for the signature)."""
    n = 0
    for c in changes:
        n += len(b64decode(c["sig"])) + len(b64decode(c.get("kc") or ""))
        n += sum(len(b64decode(w["nonce"])) + len(b64decode(w["ct"])) for w in c["writes"] if "ct" in w)
    for w in wraps:
        n += sum(len(b64decode(w[k])) for k in ("epk", "nonce", "ct", "sig"))
    return n


def raw_pull(client, cursor, limit=None, pages=None):
    """Every page after `cursor` (`limit` a page: the server's default if None), decoded and
    unapplied. Returns (records seen, final cursor, errors); appends each page's logical changes
    and wraps to `pages` when given (their bytes are counted after the clock stops)."""
    records, errors = set(), 0
    while True:
        params = {"cursor": cursor}
        if limit:
            params["limit"] = limit
        status, page = client.transport.request("GET", "/api/sync/pull", None, client.token, params)
        if status != 200:
            return records, cursor, errors + 1
        logical = decode_page(page)
        records.update(c["record"] for c in logical["changes"])
        if pages is not None:
            pages.append((logical["changes"], logical["wraps"]))
        cursor = page["cursor"]
        if not page["more"]:
            return records, cursor, errors


class ZapisPeer:
    def __init__(self, backend, workers, tmp, batch=None):
        self.backend = backend
        self.batch = batch
        self.name = "zapis-" + backend
        self.workers = workers
        self.tmp = tmp
        self.note = "gunicorn -c gunicorn.conf.py, %d workers (its worker class), %s; %s" % (
            workers, backend, "push %d records (%d items) a request, pull pages of %d, body limit 64 MB" % (
                batch, 3 * batch, batch) if batch
            else "the reference client's push of 500 items (about 167 records) a request, the server's "
                 "pull pages of 2,000")
        self.db_url = self.server = None
        self.seed = 0

    # -- lifecycle --------------------------------------------------------------------------

    def start(self):
        self.db_url = backend_url(self.backend, self.tmp)
        # At a batch size of B records (the batch tables), a push carries 3B items (a record's change
        # and its two wraps): the server's body limit (ZAPIS_MAX_BODY_BYTES, 2 MB by default, about
        # 300 records of this shape) is raised for it, as Kinto's batch_max_requests is for Kinto.
        env = {"ZAPIS_MAX_BODY_BYTES": str(64 * 1024 * 1024)} if self.batch else None
        self.server = GunicornServer(self.db_url, self.tmp, workers=self.workers, env=env).start()
        if self.backend == "postgresql":
            self.analyze = Autoanalyze(self.db_url)
            self.analyze.start()
        self.root = new_workspace(self.db_url, self.server.url)
        self.writer = Client.enroll_link(self.root.create_invite("volunteer", base_url=self.server.url))
        self.root.certify(self.writer.replica.device)
        self.writer.pull()
        # The full pull is the root coordinator's from cursor 0 (what a coordinator's new device
        # pulls): since authority follows certificates, a coordinator that no coordinator
        # certified sees no one's records but its own, and a certified second one would make the
        # writer wrap every record three times instead of two.
        self.reader = self.root
        self.push_wire, self.pull_wire = Wire(), Wire()
        self.push_wire.attach(self.writer.transport.session)
        self.pull_wire.attach(self.reader.transport.session)
        return self

    def stop(self):
        if getattr(self, "analyze", None):
            self.analyze.stop()
        if self.server:
            self.server.stop()
        if self.db_url:
            drop_backend(self.backend, self.db_url)

    # -- one client -------------------------------------------------------------------------

    def prepare(self, n):
        """Save n records offline: encrypted and signed now, pushed later."""
        for _ in range(n):
            self.writer.save(record_fields(self.seed))
            self.seed += 1
        return n

    def push(self, n):
        """Client.push, timing on the side how long the client spends applying the results
        (Replica.apply_push_results), which is the client's bookkeeping, not the server."""
        replica, spent = self.writer.replica, [0.0]
        apply = replica.apply_push_results

        def timed_apply(items, results):
            t = time.perf_counter()
            try:
                return apply(items, results)
            finally:
                spent[0] += time.perf_counter() - t

        replica.apply_push_results = timed_apply
        # What is pushed, counted only when peers.py asks (push_random, push_ids): after the clock.
        self.pushed = list(replica.outbox)
        try:
            counts = self.writer.push(batch=3 * self.batch if self.batch else 500)
        finally:
            del replica.apply_push_results
        self.client_seconds = spent[0]
        return counts["refused"]

    def full_pull(self):
        self.pulled = []
        records, self.cursor, errors = raw_pull(self.reader, 0, self.batch, self.pulled)
        return len(records), errors

    # The bytes of what was pushed and pulled, counted when asked, after the timed call: decoding
    # every nonce and ciphertext once more took a fifth of the timed full pull (the peers count
    # theirs by multiplying).
    @property
    def push_random(self):
        return random_bytes([i["change"] for i in self.pushed if "change" in i],
                            [i["wrap"] for i in self.pushed if "wrap" in i])

    @property
    def push_ids(self):
        return id_bytes([i["change"] for i in self.pushed if "change" in i])

    @property
    def pull_random(self):
        return sum(random_bytes(changes, wraps) for changes, wraps in self.pulled)

    @property
    def pull_ids(self):
        return sum(id_bytes(changes) for changes, _ in self.pulled)

    def noop(self):
        status, body = self.reader.transport.request("GET", "/api/sync/pull", None, self.reader.token,
                                                     {"cursor": self.cursor})
        assert status == 200 and not body["changes"] and not body["more"], (status, body)

    def fill(self, n, deadline):
        """Store n more records (untimed) through the client, then bring the reader's cursor up
        to date. Returns how many were stored."""
        stored = 0
        while stored < n and time.monotonic() < deadline:
            chunk = min(n - stored, 5000)
            self.prepare(chunk)
            counts = self.writer.push()
            assert counts["refused"] == 0, counts
            stored += chunk
        _, self.cursor, _ = raw_pull(self.reader, self.cursor)
        return stored

    # -- many clients -----------------------------------------------------------------------

    def concurrent_states(self, clients, records):
        """`clients` field devices of one new workspace, each with `records` records saved and
        its cursor up to date with the directory."""
        root = new_workspace(self.db_url, self.server.url)
        devices = [Client.enroll_link(root.create_invite("volunteer", base_url=self.server.url))
                   for _ in range(clients)]
        for c in devices:
            c.pull()
            for _ in range(records):
                c.save(record_fields(self.seed))
                self.seed += 1
            c.transport.session.close()
        return devices

    def concurrent_work(self, client):
        base_url = self.server.url

        def ready():
            counts = client.push()
            _, _, errors = raw_pull(client, client.replica.cursor)
            return {"errors": counts["refused"] + errors, "sent": wire.sent, "received": wire.received}

        wire = Wire()
        client.transport = HTTPTransport(base_url)
        wire.attach(client.transport.session)
        return ready


def make(backend, workers, tmp, batch=None):
    os.makedirs(tmp, exist_ok=True)
    return ZapisPeer(backend, workers, tmp, batch)
