"""Benchmark the sync server through the reference client, against gunicorn on SQLite and
PostgreSQL, as the README deploys it. Prints a table; asserts nothing.

    .venv/bin/python bench/sync_bench.py [--records 10000] [--big 100000] [--backends sqlite,postgresql]
    .venv/bin/python bench/sync_bench.py --compare main --big 0    # an earlier commit, side by side

With --compare REV, each backend is run first with the code of REV (exported with `git archive`
into a temporary directory and run there, its own server and client) and then with the work
tree's, and a third row gives each column's ratio (>1: the work tree is better). With
--repeat N the two alternate N times and each column keeps its best (the machine may be busy).

Records have 8 fields holding about 1.2 KB of ciphertext in all. They are encrypted and signed
before any clock starts: what is measured is the server's cost (and HTTP on loopback).
"""

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), os.path.join(os.path.dirname(HERE), "tests")]

from benchlib import backend_url, drop_backend, new_workspace, record_fields  # noqa: E402
from client import Client  # noqa: E402
from peerlib import Autoanalyze  # noqa: E402
from servers import GunicornServer  # noqa: E402
from sync.dense import decode_page  # noqa: E402


def prepare(client, n):
    """Make n records of about 1.2 KB of ciphertext offline (encrypted and signed now)."""
    return [client.save(record_fields(i)) for i in range(n)]


def prepare_edits(client, records):
    """Edit two fields of every record offline: each write covers a stored value (its context
    names the record's earlier dots), so the push rewrites stored changes."""
    for i, record in enumerate(records):
        client.save(record_fields(i + 10**6, 2), record=record)


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def noop_latency(client, rounds=200):
    """Median and p95 milliseconds of a pull that finds nothing new."""
    client.pull()
    # The client process holds every record it pulled; without this, its own garbage
    # collector (scanning all of them) would be timed as the server's latency.
    gc.collect()
    gc.freeze()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        status, body = client.transport.request("GET", "/api/sync/pull", None, client.token,
                                                {"cursor": client.replica.cursor})
        times.append((time.perf_counter() - t) * 1000)
        assert status == 200 and not body["changes"]
    gc.unfreeze()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def raw_pull(client):
    """Fetch every page from 0 and decode it without applying it: the server's side of a full pull,
    and the client's parsing into the logical changes and wraps."""
    cursor, n = 0, 0
    while True:
        status, page = client.transport.request("GET", "/api/sync/pull", None, client.token,
                                                {"cursor": cursor})
        assert status == 200
        n += len({c["record"] for c in decode_page(page)["changes"]})
        cursor = page["cursor"]
        if not page["more"]:
            return n


def run(backend, records, big, workers, tmp):
    url = backend_url(backend, tmp)
    row = {"backend": backend}
    # Stands in for autovacuum's analyze, off on this machine's PostgreSQL (bench/README.md).
    analyze = Autoanalyze(url) if backend == "postgresql" else None
    if analyze:
        analyze.start()
    try:
        with GunicornServer(url, tmp, workers=workers) as server:
            root = new_workspace(url, server.url)
            writer = Client.enroll_link(root.create_invite("volunteer", base_url=server.url))
            root.certify(writer.replica.device)
            writer.pull()
            made = prepare(writer, records)
            elapsed, counts = timed(writer.push)
            assert counts["refused"] == 0
            row["push rec/s"] = records / elapsed
            prepare_edits(writer, made)
            elapsed, counts = timed(writer.push)
            assert counts["refused"] == 0 and counts["accepted"] == 2 * records
            row["edit push rec/s"] = records / elapsed
            reader = Client.enroll_link(root.create_invite("coordinator", base_url=server.url))
            root.certify(reader.replica.device)
            elapsed, n = timed(lambda: raw_pull(reader))
            assert n >= records
            row["pull rec/s"] = n / elapsed
            reader.replica.cursor, reader.replica.records = 0, {}  # a fresh device's replica
            elapsed, _ = timed(reader.pull)
            row["pull+verify rec/s"] = records / elapsed
            row["no-op ms @%dk" % (records // 1000)], _ = noop_latency(reader)
            if big > records:
                for _ in range((big - records) // 10000):
                    prepare(writer, 10000)
                    writer.push()
                row["no-op ms @%dk" % (big // 1000)], _ = noop_latency(reader)
    finally:
        if analyze:
            analyze.stop()
        drop_backend(backend, url)
    return row


def snapshot(rev, into):
    """The code of `rev` exported into `into`; returns its short commit id."""
    root = os.path.dirname(HERE)
    commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", rev], capture_output=True, text=True,
                            check=True).stdout.strip()
    archive = subprocess.run(["git", "-C", root, "archive", "--format=tar", commit], capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    return commit


def run_at(code_dir, backend, args):
    """One backend's row measured by the sync_bench.py of an exported tree (its server, its client)."""
    out = subprocess.run([sys.executable, os.path.join(code_dir, "bench", "sync_bench.py"), "--records",
                          str(args.records), "--big", str(args.big), "--workers", str(args.workers),
                          "--backends", backend], cwd=code_dir, capture_output=True, text=True,
                         check=True).stdout
    lines = [line.strip("|").split("|") for line in out.splitlines() if line.startswith("| ")]
    head = [h.strip() for h in lines[0]]
    values = [v.strip() for v in lines[2]]
    return {h: (v if h == "backend" else float(v)) for h, v in zip(head, values) if h != "no-op ratio"}


def best(rows):
    """Each column's best of several runs: the highest rate, the lowest latency."""
    pick = {k: (min if k.startswith("no-op") else max) for k in rows[0] if k != "backend"}
    return {"backend": rows[0]["backend"], **{k: f(r[k] for r in rows) for k, f in pick.items()}}


def print_table(rows, keys):
    print("| backend | " + " | ".join(keys) + " | no-op ratio |")
    print("| --- " * (len(keys) + 2) + "|")
    for row in rows:
        noops = [row[k] for k in keys if k.startswith("no-op")]
        ratio = noops[-1] / noops[0] if len(noops) == 2 else float("nan")
        digits = "%.2f" if "÷" in row["backend"] else "%.1f"
        print("| %s | %s | %.2f |" % (row["backend"], " | ".join(digits % row[k] for k in keys), ratio))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--big", type=int, default=100000)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--compare", metavar="REV", help="also run this commit's code, side by side")
    parser.add_argument("--repeat", type=int, default=1, help="with --compare: runs of each, alternated; "
                        "each column keeps its best")
    args = parser.parse_args()
    rows, compared = [], []
    code_dir = tempfile.mkdtemp(prefix="sync-bench-code-") if args.compare else None
    commit = snapshot(args.compare, code_dir) if args.compare else None
    for backend in args.backends.split(","):
        befores, afters = [], []
        for _ in range(args.repeat if commit else 1):
            # Alternated, so that a busy machine's slow spells fall on both sides.
            if commit:
                befores.append(run_at(code_dir, backend, args))
                print("done (%s):" % commit, befores[-1], file=sys.stderr)
            with tempfile.TemporaryDirectory() as tmp:
                afters.append(run(backend, args.records, args.big, args.workers, tmp))
                print("done:", afters[-1], file=sys.stderr)
        rows.append(best(afters))
        if commit:
            before, after = best(befores), rows[-1]
            # Rates: after / before; latencies (ms): before / after. Above 1, the work tree is better.
            ratio = {k: (before[k] / after[k] if k.startswith("no-op") else after[k] / before[k])
                     for k in after if k != "backend" and k in before}
            compared += [{**before, "backend": "%s @ %s" % (backend, commit)},
                         {**after, "backend": "%s @ work tree" % backend},
                         {**ratio, "backend": "%s: work tree ÷ %s (>1 better)" % (backend, commit)}]
    keys = [k for k in rows[0] if k != "backend"]
    print_table(compared or rows, keys)


if __name__ == "__main__":
    main()
