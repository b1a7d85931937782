"""A fleet of reference clients editing, pushing and pulling through faults, and the checks that
nothing acknowledged was lost or duplicated and that every replica converged."""

import random
import threading
import time

from sqlalchemy import create_engine, text

from client import APIError, Client, HTTPTransport, TransportError
from server.store import logical_writes
from support import live_writes
from sync.merge import covers


class Fleet:
    """A workspace with a coordinator and several field devices sharing a few records."""

    def __init__(self, base_url, ws, token, devices=4, shared=3, seed=0, timeout=5):
        self.rnd = random.Random(seed)
        self.timeout = timeout
        self.root = Client.bootstrap(HTTPTransport(base_url, timeout), token, ws)
        self.clients = [self.root]
        for i in range(devices):
            role = "volunteer" if i % 2 else "reporter"
            c = Client.enroll_link(self.root.create_invite(role, base_url=base_url),
                                   HTTPTransport(base_url, timeout))
            self.root.certify(c.replica.device)
            c.pull()
            self.clients.append(c)
        self.shared = [self.root.save({"status": "new"}) for _ in range(shared)]
        for record in self.shared:
            for c in self.clients[1:]:
                self.root.grant(record, c.replica.device)
        retry(self.root.push)
        for c in self.clients[1:]:
            retry(c.pull)
        self.acknowledged = []       # (record, field, dot) the server confirmed to a device
        self.lock = threading.Lock()
        self.errors = []

    def work(self, client, stop, rnd):
        """One device's loop: edit, push, pull, with retries, until `stop` is set."""
        mine = []
        while not stop.is_set():
            action = rnd.random()
            if action < 0.5:
                if mine and rnd.random() < 0.3:
                    record = rnd.choice(mine)
                elif rnd.random() < 0.5:
                    record = rnd.choice(self.shared)
                else:
                    record = None
                field = rnd.choice(["status", "notes", "city", "urgency"])
                rid = client.save({field: "%s-%d" % (client.replica.device[:4], rnd.randrange(10**6))},
                                  record=record)
                if record is None:
                    mine.append(rid)
            elif action < 0.8:
                self.push(client)
            else:
                try:
                    client.pull(limit=rnd.choice([5, 50, 500]))
                except (TransportError, APIError):
                    time.sleep(0.05)

    def push(self, client):
        """Push one batch; record what the server acknowledged."""
        body, items = client.replica.push_batch(rnd_batch(self.rnd))
        try:
            status, results = client.transport.request("POST", "/api/sync/push", body, client.token)
        except TransportError:
            time.sleep(0.05)
            return
        if status != 200:
            if status >= 500 or status == 503:
                time.sleep(0.05)
                return
            self.errors.append((status, results))
            return
        acked = []
        for item, res in zip([i for i in items if "change" in i], results["changes"]):
            if res["status"] != "ok":
                self.errors.append(res)
                continue
            change = item["change"]
            for w, wres in zip(change["writes"], res["writes"]):
                if wres["status"] in ("accepted", "duplicate", "stale"):
                    acked.append((change["record"], w["field"], tuple(w["dot"])))
        client.replica.apply_push_results(items, results)
        with self.lock:
            self.acknowledged.extend(acked)

    def run(self, seconds, during=None):
        """Let every device work for `seconds` while `during()` (the fault maker) runs."""
        stop = threading.Event()
        threads = [threading.Thread(target=self.work, args=(c, stop, random.Random(self.rnd.random())))
                   for c in self.clients]
        for t in threads:
            t.start()
        try:
            if during:
                during(seconds)
            else:
                time.sleep(seconds)
        finally:
            stop.set()
            for t in threads:
                t.join()

    def settle(self):
        """With faults over: everyone pushes everything and pulls until nothing changes."""
        for _ in range(3):
            for c in self.clients:
                while c.replica.outbox:
                    before = len(c.replica.outbox)
                    self.push(c)
                    if len(c.replica.outbox) == before:
                        time.sleep(0.1)
                retry(c.pull)

    def check(self, db_url, fresh):
        """Every acknowledged write is on the server once (live or covered), replicas agree."""
        assert not self.errors, self.errors[:3]
        assert all(not c.replica.refused for c in self.clients)
        assert len(self.acknowledged) > 50, "the run made too little progress to prove anything"
        engine = create_engine(db_url)
        with engine.connect() as conn:
            live = live_writes(conn)
            changes = conn.execute(text("SELECT device_id, writes FROM changes")).all()
        engine.dispose()
        # No write is kept twice, and no change is kept with nothing live in it.
        assert len(live) == len(set(live))
        assert all(any("ct" in w for w in logical_writes(writes, device)) for device, writes in changes)
        replicas = self.clients + [fresh]
        records = set(fresh.replica.records)
        for record, field, dot in self.acknowledged:
            live = fresh.replica.records[record]["fields"][field]
            assert any(tuple(v["dot"]) == dot or covers(v, {"dot": list(dot)}) for v in live), \
                "acknowledged write lost: %r" % ((record, field, dot),)
        for record in records:
            states = [sorted((f, tuple(v["dot"])) for f, live in c.replica.records.get(record, {"fields": {}})
                             ["fields"].items() for v in live) for c in replicas
                      if c.replica.role == "coordinator" or record in c.replica.records]
            assert all(s == states[0] for s in states), record
        readable = [c for c in self.clients if c.replica.role == "coordinator"]
        for record in self.root.replica.readable():
            views = [c.read(record) for c in readable]
            assert all(v == views[0] for v in views)


def rnd_batch(rnd):
    return rnd.choice([1, 3, 20, 500])


def retry(fn, attempts=200):
    """Call fn until it completes without a transport error or a server error."""
    for _ in range(attempts):
        try:
            return fn()
        except TransportError:
            time.sleep(0.1)
        except APIError as exc:
            if exc.status < 500:
                raise
            time.sleep(0.1)
    raise AssertionError("never succeeded")
