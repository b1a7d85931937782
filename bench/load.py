"""Load: many simulated devices syncing at once against gunicorn with 4 workers on PostgreSQL.

    .venv/bin/python bench/load.py [--devices 200] [--seconds 60] [--workers 4] [--backend postgresql]

Each device is a reference client in its own thread (spread over several processes, since the
clients sign and encrypt for real): it saves a record or edits a shared one, pushes, pulls, and
waits a moment as a person would. Prints requests per second, p50 and p99 latency per kind of
request, and the error count, which must be zero. A benchmark, not a test: it asserts nothing.
"""

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), os.path.join(os.path.dirname(HERE), "tests")]

from benchlib import backend_url, drop_backend, new_workspace  # noqa: E402
from client import Client, HTTPTransport  # noqa: E402
from servers import GunicornServer  # noqa: E402


class TimedTransport(HTTPTransport):
    """Records (kind, seconds, status) for every request."""

    def __init__(self, base_url, log):
        super().__init__(base_url, timeout=120)
        self.log = log

    def request(self, method, path, body=None, token=None, params=None):
        t = time.perf_counter()
        try:
            status, data = super().request(method, path, body, token, params)
        except Exception:
            self.log.append((path, time.perf_counter() - t, 0))
            raise
        self.log.append((path, time.perf_counter() - t, status))
        return status, data


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--backend", default="postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = backend_url(args.backend, tmp)
        try:
            with GunicornServer(url, tmp, workers=args.workers) as server:
                root = new_workspace(url, server.url)
                links = [root.create_invite("volunteer", base_url=server.url) for _ in range(args.devices)]
                ids, start, results = mp.Queue(), mp.Event(), mp.Queue()
                stop_file = os.path.join(tmp, "stop_at")
                procs = []
                for i in range(args.processes):
                    chunk = links[i::args.processes]
                    p = mp.Process(target=_proc, args=(chunk, ids, start, stop_file, results, i * 1000))
                    p.start()
                    procs.append(p)
                # The run starts once every device has enrolled and been certified.
                for _ in range(args.devices):
                    root.certify(ids.get(timeout=300))
                with open(stop_file, "w") as f:
                    f.write(str(time.time() + args.seconds))
                began = time.time()
                start.set()
                log = []
                for _ in procs:
                    log += results.get(timeout=args.seconds + 600)
                for p in procs:
                    p.join()
                elapsed = time.time() - began
        finally:
            drop_backend(args.backend, url)
    errors = [entry for entry in log if entry[2] != 200]
    print("%d devices, %d gunicorn workers, %s, %ds on loopback\n"
          % (args.devices, args.workers, args.backend, args.seconds))
    print("| requests | per second | p50 ms | p99 ms | errors |")
    print("| --- | --- | --- | --- | --- |")
    for kind in ("/api/sync/push", "/api/sync/pull", None):
        rows = [e for e in log if kind is None or e[0] == kind]
        lat = [e[1] * 1000 for e in rows]
        failed = sum(1 for e in rows if e[2] != 200)
        print("| %s | %.1f | %.1f | %.1f | %d |" % (kind or "all", len(rows) / elapsed,
                                                    statistics.median(lat), percentile(lat, 0.99), failed))
    if errors:
        print("\nerrors:", errors[:10])


def _proc(links, ids, start, stop_file, results, seed):
    """One process's share of the devices, each in a thread; returns the request log."""
    log = []

    def loop(link, i):
        rnd = random.Random(seed + i)
        client = Client.enroll_link(link, HTTPTransport(link.split("/join")[0], timeout=120))
        ids.put(client.replica.device)
        start.wait()
        with open(stop_file) as f:
            stop_at = float(f.read())
        client.transport = TimedTransport(client.transport.base_url, log)
        mine = []
        while time.time() < stop_at:
            if mine and rnd.random() < 0.4:
                client.save({"status": rnd.choice(["new", "triaged", "met"])}, record=rnd.choice(mine))
            else:
                mine.append(client.save({"category": "housing", "city": "Warsaw", "status": "new",
                                         "what_happened": "x" * rnd.randrange(50, 400)}))
            try:
                client.push()
                client.pull()
            except Exception:  # noqa: BLE001 - counted as errors through the log
                pass
            time.sleep(rnd.uniform(0.2, 1.5))

    threads = [threading.Thread(target=loop, args=(link, i)) for i, link in enumerate(links)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(log)


if __name__ == "__main__":
    main()
