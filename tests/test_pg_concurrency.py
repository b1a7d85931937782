"""Concurrent pushers on PostgreSQL never make a reader miss a write (design §4).

Sequence numbers taken in one transaction can commit after a higher number taken in another;
a reader whose cursor passed the higher one would skip the lower for ever. The server takes the
workspace's counter row first in every push, so numbers are allocated and committed in order.
"""

import threading
import time

import pytest

from client import Client, HTTPTransport
from servers import GunicornServer
from support import new_workspace_on
from sync.field_ids import FIRST_CHANGE_WRITES


@pytest.fixture
def pg_server(request, tmp_path):
    from support import database_url

    url = database_url("postgresql", request, tmp_path)
    with GunicornServer(url, tmp_path, workers=4) as server:
        yield server, url


def setup(server, url, pushers):
    ws, token = new_workspace_on(url)
    root = Client.bootstrap(HTTPTransport(server.url), token, ws)
    devices = []
    for _ in range(pushers):
        device = Client.enroll_link(root.create_invite("volunteer", base_url=server.url))
        root.certify(device.replica.device)
        device.pull()
        devices.append(device)
    return root, devices


def test_a_reader_pulling_during_concurrent_pushes_misses_nothing(pg_server):
    server, url = pg_server
    root, pushers = setup(server, url, pushers=6)
    pushed = [set() for _ in pushers]
    errors = []

    def push_many(i, client):
        try:
            for batch in range(25):
                for _ in range(4):
                    pushed[i].add(client.save({"status": "p%d b%d" % (i, batch), "notes": "x"}))
                client.push()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=push_many, args=(i, c)) for i, c in enumerate(pushers)]
    for t in threads:
        t.start()
    reader = Client(root.replica, HTTPTransport(server.url), root.token)
    pulls = 0
    while any(t.is_alive() for t in threads):
        reader.pull(limit=50)
        pulls += 1
    for t in threads:
        t.join()
    reader.pull()
    assert not errors
    expected = set().union(*pushed)
    # At least two pulls overlapped the pushes (how many depends on the machine's speed).
    assert len(expected) == 6 * 25 * 4 and pulls >= 2
    seen = {r for r, s in reader.replica.records.items() if s["fields"]}
    assert seen == expected
    assert all(len(reader.replica.records[r]["fields"]) == FIRST_CHANGE_WRITES for r in expected)
    assert not reader.replica.problems


def test_a_push_that_commits_late_holds_back_every_later_number(pg_server):
    """Hold one push's transaction open; a second push waits, and the reader's cursor stops
    below both until they commit."""
    from server import create_app
    from server.extensions import db
    from server.models import Device
    from server.store import PushBatch, sequenced
    from support import _config

    server, url = pg_server
    root, (slow, fast) = setup(server, url, pushers=2)
    root.pull()
    start = root.replica.cursor
    slow_record = slow.save({"status": "slow"})
    fast_record = fast.save({"status": "fast"})
    body, _ = slow.replica.push_batch()

    app = create_app(_config(url))
    holding, release, committed = threading.Event(), threading.Event(), threading.Event()

    def slow_push():
        with app.app_context():
            device = db.session.get(Device, slow.replica.device)
            with sequenced(device.workspace_id) as seq:
                batch = PushBatch(device, seq)
                batch.load({slow_record})
                batch.wraps(body["wraps"], {slow.replica.device, root.replica.device})
                from sync.envelopes import change_header

                batch.changes(body["changes"],
                              [[w["h"] for w in change_header(c)["writes"]] for c in body["changes"]])
                holding.set()
                release.wait(30)
                batch.finish()
            committed.set()
            db.session.remove()
            db.engine.dispose()

    t = threading.Thread(target=slow_push)
    t.start()
    assert holding.wait(10)
    fast_thread = threading.Thread(target=fast.push)
    fast_thread.start()
    time.sleep(0.5)
    assert fast_thread.is_alive(), "the second push did not wait for the first to commit"
    root.pull()
    assert root.replica.cursor == start
    assert slow_record not in root.replica.records and fast_record not in root.replica.records
    release.set()
    t.join(10)
    fast_thread.join(10)
    assert committed.is_set() and not fast_thread.is_alive()
    root.pull()
    assert root.read(slow_record)["status"]["value"] == "slow"
    assert root.read(fast_record)["status"]["value"] == "fast"
