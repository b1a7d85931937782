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
from sync.dense import decode_page


def raw_pull(client, cursor, wire=None):
    """Every page after `cursor`, unapplied. Returns (records seen, final cursor, errors)."""
    records, errors = set(), 0
    while True:
        status, page = client.transport.request("GET", "/api/sync/pull", None, client.token,
                                                {"cursor": cursor})
        if status != 200:
            return records, cursor, errors + 1
        records.update(c["record"] for c in decode_page(page)["changes"])
        cursor = page["cursor"]
        if not page["more"]:
            return records, cursor, errors


class ZapisPeer:
    def __init__(self, backend, workers, tmp):
        self.backend = backend
        self.name = "zapis-" + backend
        self.workers = workers
        self.tmp = tmp
        self.note = "gunicorn -c gunicorn.conf.py, %d sync workers, %s" % (workers, backend)
        self.db_url = self.server = None
        self.seed = 0

    # -- lifecycle --------------------------------------------------------------------------

    def start(self):
        self.db_url = backend_url(self.backend, self.tmp)
        self.server = GunicornServer(self.db_url, self.tmp, workers=self.workers).start()
        if self.backend == "postgresql":
            self.analyze = Autoanalyze(self.db_url)
            self.analyze.start()
        self.root = new_workspace(self.db_url, self.server.url)
        self.writer = Client.enroll_link(self.root.create_invite("volunteer", base_url=self.server.url))
        self.root.certify(self.writer.replica.device)
        self.writer.pull()
        # A coordinator that has pulled nothing yet: the fresh client of the full pull. Left
        # uncertified, so the writer wraps each record for itself and the root only.
        self.reader = Client.enroll_link(self.root.create_invite("coordinator", base_url=self.server.url))
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
        try:
            counts = self.writer.push()
        finally:
            del replica.apply_push_results
        self.client_seconds = spent[0]
        return counts["refused"]

    def full_pull(self):
        records, self.cursor, errors = raw_pull(self.reader, 0)
        return len(records), errors

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


def make(backend, workers, tmp):
    os.makedirs(tmp, exist_ok=True)
    return ZapisPeer(backend, workers, tmp)
