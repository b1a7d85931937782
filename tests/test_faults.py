"""Crash and network faults: nothing acknowledged is lost or duplicated, replicas converge."""

import random
import time

import pytest

from client import Client, HTTPTransport
from fleet import Fleet, retry
from netproxy import FaultyProxy
from servers import GunicornServer
from support import new_workspace_on

pytestmark = pytest.mark.slow


def fresh_coordinator(fleet, base_url):
    """A coordinator enrolled and certified after the storm: it sees exactly what the server
    holds (an uncertified one would see only the directory and its own records)."""
    fresh = Client.enroll_link(fleet.root.create_invite("coordinator", base_url=base_url),
                               HTTPTransport(base_url))
    fleet.root.transport = HTTPTransport(base_url)   # straight to the server: a proxy may be gone
    retry(lambda: fleet.root.certify(fresh.replica.device))
    retry(fresh.pull)
    return fresh


def test_a_server_killed_fifty_times_mid_sync_loses_and_duplicates_nothing(db_url, tmp_path):
    ws, token = new_workspace_on(db_url)
    server = GunicornServer(db_url, tmp_path, workers=2, preload=True).start()
    kills = []

    def killer(seconds):
        rnd = random.Random(7)
        deadline = time.monotonic() + seconds
        while len(kills) < 50 or time.monotonic() < deadline:
            time.sleep(rnd.uniform(0.02, 0.5))
            server.kill()
            kills.append(time.monotonic())
            server.start()

    try:
        fleet = Fleet(server.url, ws, token, devices=4, seed=1)
        fleet.run(10, during=killer)
        fleet.settle()
        fleet.check(db_url, fresh_coordinator(fleet, server.url))
    finally:
        server.stop()
    assert len(kills) >= 50


def test_dropped_truncated_and_delayed_connections_lose_and_duplicate_nothing(db_url, tmp_path):
    ws, token = new_workspace_on(db_url)
    with GunicornServer(db_url, tmp_path, workers=2) as server:
        with FaultyProxy("127.0.0.1", server.port, seed=3) as proxy:
            fleet = Fleet(server.url, ws, token, devices=4, seed=2)
            for c in fleet.clients:
                c.transport = HTTPTransport(proxy.url, timeout=3)
            proxy.faulty = True
            fleet.run(20)
            proxy.faulty = False
            fleet.settle()
            counts = dict(proxy.counts)
        fleet.check(db_url, fresh_coordinator(fleet, server.url))
    for fault in ("drop_before", "drop_after", "truncate", "delay"):
        assert counts.get(fault, 0) >= 5, counts
