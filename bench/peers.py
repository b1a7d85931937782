"""Zapis side by side with the sync servers a team would deploy instead: Kinto (memory and
PostgreSQL) and PouchDB Server, each a real server on loopback, driven over HTTP with the same
records. Prints one markdown table; asserts nothing.

    .venv/bin/python bench/peers.py [--records 10000] [--big 100000] [--clients 50]
        [--client-records 100] [--rounds 200] [--servers zapis-sqlite,kinto-memory,...] [--out FILE]

Kinto and PouchDB Server install themselves into bench/.env/ (a venv and an npm prefix, from the
pinned bench/requirements-kinto.txt and bench/pouchdb/package-lock.json) on first use. Every
server gets the same number of worker processes as ours (WEB_CONCURRENCY, 2), except where it
cannot have them (PouchDB Server is one Node process; Kinto's memory backend lives in one
process, so it gets threads instead). See bench/README.md for what each column measures.
"""

import argparse
import datetime
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from peerlib import concurrently, median_ms, payload_bytes, timed  # noqa: E402

SERVERS = ["zapis-sqlite", "zapis-postgresql", "kinto-memory", "kinto-postgresql", "pouchdb-server"]
OURS = ("zapis-sqlite", "zapis-postgresql")


def make(name, workers, tmp, batch=None):
    if name.startswith("zapis-"):
        import peer_zapis

        return peer_zapis.make(name.split("-", 1)[1], workers, tmp, batch)
    if name.startswith("kinto-"):
        import peer_kinto

        return peer_kinto.make(name.split("-", 1)[1], workers, tmp, batch)
    if name == "pouchdb-server":
        import peer_pouchdb

        return peer_pouchdb.make(workers, tmp, batch)
    raise SystemExit("unknown server %r (choose from %s)" % (name, ", ".join(SERVERS)))


def snapshot(code, into):
    """Our server and client as of `code`: a git commit exported with `git archive` into `into`
    (the work tree is shared, and others edit server/ while a run takes an hour), or the work
    tree itself. Puts it first on sys.path (tests/servers.py then serves it) and says what it is."""
    if code == "worktree":
        root = ROOT
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "server", "sync", "wsgi.py",
                                "gunicorn.conf.py"], capture_output=True, text=True).stdout.split("\n")
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        what = "the work tree at %s%s" % (head, " with local edits to " + ", ".join(
            line[3:] for line in dirty if line) if any(dirty) else "")
    else:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", code],
                                capture_output=True, text=True,
                                check=True).stdout.strip()
        archive = subprocess.run(["git", "-C", ROOT, "archive", "--format=tar", commit], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
        root = into
        what = "commit %s (git archive)" % commit
    sys.path[1:1] = [root, os.path.join(root, "tests")]
    return what


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def log(*args):
    print("[%s load %s]" % (time.strftime("%H:%M:%S"), load()), *args, file=sys.stderr, flush=True)


def measure(peer, args, full=True):
    """Every column for one started server (`full`), or only the push's and the full pull's."""
    row, notes = {}, []
    n = args.records

    log(peer.name, "preparing", n, "records")
    prepared = peer.prepare(n)
    peer.push_wire.reset()
    elapsed, errors = timed(lambda: peer.push(prepared))
    row["push"] = n / elapsed
    row["push B/rec"] = peer.push_wire.total() / n
    row["push random"] = peer.push_random / peer.push_wire.total()
    if errors:
        notes.append("%s: %d errors in the push" % (peer.name, errors))
    client = getattr(peer, "client_seconds", None)
    if client:
        notes.append("%s: %.1f s of the %.1f s push were the reference client applying results "
                     "(Replica.apply_push_results); without them the push is %.0f rec/s"
                     % (peer.name, client, elapsed, n / (elapsed - client)))
    log(peer.name, "push %.0f rec/s" % row["push"])

    peer.pull_wire.reset()
    elapsed, (count, errors) = timed(peer.full_pull)
    row["pull"] = count / elapsed
    row["pull B/rec"] = peer.pull_wire.total() / max(count, 1)
    row["pull random"] = peer.pull_random / max(peer.pull_wire.total(), 1)
    if hasattr(peer, "push_ids"):
        notes.append("%s: with the ids (20 field ids and the record id, 16 random bytes each, %d B a record) "
                     "the random ÷ wire bytes are %.3f on the push and %.3f on the pull" % (
                         peer.name, peer.push_ids / n,
                         (peer.push_random + peer.push_ids) / peer.push_wire.total(),
                         (peer.pull_random + peer.pull_ids) / max(peer.pull_wire.total(), 1)))
    if errors or count != n:
        notes.append("%s: the full pull returned %d of %d records, %d errors" % (peer.name, count, n, errors))
    log(peer.name, "pull %.0f rec/s" % row["pull"])
    if not full:
        return row, notes

    row["noop"], samples = median_ms(peer.noop, args.rounds, args.noop_seconds)
    if samples < args.rounds:
        notes.append("%s: the no-op pull @%d is the median of %d requests (the %d s budget)"
                     % (peer.name, n, samples, args.noop_seconds))
    log(peer.name, "no-op %.2f ms (%d requests)" % (row["noop"], samples))

    if args.clients:
        log(peer.name, "preparing", args.clients, "clients")
        states = peer.concurrent_states(args.clients, args.client_records)
        wall, errors, wire, failures = concurrently(peer.concurrent_work, states)
        row["many s"], row["many errors"] = wall, errors
        for text in failures[:3]:
            notes.append("%s: a concurrent client failed: %s" % (peer.name, text.strip().splitlines()[-1]))
        log(peer.name, "%d clients: %.2f s, %d errors" % (args.clients, wall, errors))

    if args.big > n:
        log(peer.name, "filling to", args.big)
        deadline = time.monotonic() + args.fill_minutes * 60
        elapsed, stored = timed(lambda: peer.fill(args.big - n, deadline))
        log(peer.name, "stored %d more in %.0f s" % (stored, elapsed))
        row["noop big"], samples = median_ms(peer.noop, args.rounds, args.noop_seconds)
        if stored < args.big - n:
            row["noop big stored"] = n + stored
            notes.append("%s: the fill stopped after %d minutes at %d records: the no-op pull column "
                         "@%d holds its latency @%d" % (peer.name, args.fill_minutes, n + stored, args.big,
                                                        n + stored))
        if samples < args.rounds:
            notes.append("%s: the no-op pull @%d is the median of %d requests (the %d s budget)"
                         % (peer.name, n + stored, samples, args.noop_seconds))
        log(peer.name, "no-op at %d: %.2f ms (%d requests)" % (n + stored, row["noop big"], samples))
    return row, notes


# Columns: key, heading, format, True if larger is better.
def columns(args, full=True):
    k = lambda n: "%gk" % (n / 1000)  # noqa: E731
    cols = [("push", "push %s, rec/s" % k(args.records), "%.0f", True),
            ("pull", "full pull, rec/s", "%.0f", True)]
    random = [("push random", "push: random ÷ wire bytes", "%.3f", None),
              ("pull random", "pull: random ÷ wire bytes", "%.3f", None)]
    if not full:
        return cols + [("push B/rec", "push B/rec", "%.0f", False),
                       ("pull B/rec", "pull B/rec", "%.0f", False)] + random
    cols.append(("noop", "no-op pull @%s, ms" % k(args.records), "%.2f", False))
    if args.big > args.records:
        cols.append(("noop big", "no-op pull @%s, ms" % k(args.big), "%.2f", False))
    if args.clients:
        cols += [("many s", "%d×%d clients, s" % (args.clients, args.client_records), "%.2f", False),
                 ("many errors", "errors", "%d", None)]
    cols += [("push B/rec", "push B/rec", "%.0f", False), ("pull B/rec", "pull B/rec", "%.0f", False)]
    return cols + random


def cell(row, key, fmt):
    if key not in row:
        return "—"
    text = fmt % row[key]
    if key == "noop big" and "noop big stored" in row:
        text += " (@%d)" % row["noop big stored"]
    return text


def table(rows, args, full=True):
    cols = columns(args, full)
    out = ["| server | how it ran | " + " | ".join(c[1] for c in cols) + " |",
           "| --- | --- | " + " | ".join("---:" for _ in cols) + " |"]
    for name, (note, row) in rows.items():
        if "failed" in row:
            out.append("| %s | %s | %s |" % (name, note,
                                             " | ".join(["—"] * (len(cols) - 1) + [row["failed"]])))
            continue
        out.append("| %s | %s | %s |" % (name, note,
                                         " | ".join(cell(row, key, fmt) for key, _, fmt, _ in cols)))
    peers = {n: r for n, (_, r) in rows.items() if n not in OURS and "failed" not in r}
    for ours in [n for n in rows if n in OURS and "failed" not in rows[n][1]]:
        row = rows[ours][1]
        cells = []
        for key, _, _, larger in cols:
            values = [(r[key], n) for n, r in peers.items() if key in r]
            if larger is None or not values or key not in row:
                cells.append("—")
                continue
            best, who = max(values) if larger else min(values)
            ratio = (row[key] / best) if larger else (best / row[key] if row[key] else float("inf"))
            cells.append("%.2f× (%s)" % (ratio, who))
        out.append("| **%s ÷ best peer** | >1: ours better | %s |" % (ours, " | ".join(cells)))
    return "\n".join(out)


def run_servers(args, rows, notes, loads, batch=None, full=True):
    for name in args.servers.split(","):
        with tempfile.TemporaryDirectory(prefix="peers-") as tmp:
            peer = make(name, args.workers, os.path.join(tmp, "server"), batch)
            before = load()
            try:
                log(name, "starting", "(batch %s)" % (batch or "default"))
                peer.start()
                row, more = measure(peer, args, full)
                notes += more
                rows[name] = (peer.note, row)
            except Exception as exc:  # noqa: BLE001 - a server that fails is a row that says so
                traceback.print_exc()
                rows[name] = (getattr(peer, "note", name),
                              {"failed": "failed: %s" % str(exc).splitlines()[0][:200]})
                notes.append("%s failed: %s" % (name, str(exc)[:1000]))
            finally:
                peer.stop()
            loads.append("%s (batch %s): %s → %s" % (name, batch or "default", before, load()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10000, help="records pushed and pulled (10000)")
    parser.add_argument("--big", type=int, default=100000, help="records stored for the second no-op pull "
                        "(100000; 0 to skip)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50; 0 to skip)")
    parser.add_argument("--client-records", type=int, default=100,
                        help="records each concurrent client pushes")
    parser.add_argument("--rounds", type=int, default=200, help="no-op pulls whose median is taken")
    parser.add_argument("--noop-seconds", type=int, default=60, help="time budget of each no-op median "
                        "(at least 5 requests)")
    parser.add_argument("--fill-minutes", type=int, default=25, help="time budget of each fill to --big")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help="comma-separated, from: " + ", ".join(SERVERS))
    parser.add_argument("--batches", default="default,500,1000", help="one table each: 'default' (every "
                        "server at its own client's batch and page sizes, with every column), then numbers "
                        "(every server pushing that many a request and pulling pages of that many; push and "
                        "pull columns only); default,500,1000")
    parser.add_argument("--out", help="also write the report (markdown) to this file")
    parser.add_argument("--code", default="HEAD", help="our server and client: a commit (HEAD), exported "
                        "to a temporary directory, or 'worktree' for the files as they are")
    args = parser.parse_args()
    # Stopped with SIGTERM (or SIGINT, which a background job ignores): still stop the servers and
    # drop the databases on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    code_dir = tempfile.mkdtemp(prefix="peers-code-")
    code = snapshot(args.code, code_dir)
    log("our server and client:", code)
    payload_bytes()  # the record's shape is made with the snapshot's code, which is gone by the report
    started = datetime.datetime.now(datetime.UTC)
    loads = ["start: %s (%s)" % (load(),
                                 subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())]
    tables, notes = [], []
    try:
        for batch in args.batches.split(","):
            rows = {}
            size = None if batch == "default" else int(batch)
            run_servers(args, rows, notes, loads, size, full=size is None)
            tables.append((size, size is None, rows))
    finally:
        shutil.rmtree(code_dir, ignore_errors=True)
    finished = datetime.datetime.now(datetime.UTC)

    report = ["# Zapis and its peers, %s" % started.strftime("%Y-%m-%d"), "",
              "`%s` on %s, %d cores, Python %s; started %s, finished %s (UTC)." % (
                  " ".join(["bench/peers.py"] + sys.argv[1:]), platform.node() or "this machine",
                  os.cpu_count(),
                  platform.python_version(), started.strftime("%H:%M"), finished.strftime("%H:%M")),
              "Our server and client: %s." % code, "",
              "Every server stores the same payload: each record's or document's random bytes are those "
              "one of our records carries (%d pushed: 20 nonces and ciphertexts, signature, key "
              "commitment, two wraps; bench/peerlib.py, record_shape), the peers' as base64url members, "
              "so the bytes columns compare framing. Random ÷ wire bytes: those random bytes over the "
              "request and response body bytes as they crossed the socket (a pulled record of ours "
              "carries %d: the puller's own wrap only; a peer's document all %d)." % (
                  payload_bytes(), payload_bytes(1), payload_bytes()), ""]
    for size, full, rows in tables:
        report += ["## %s" % ("Every server at its own client's defaults" if size is None else
                              "Every server at batches and pages of %d" % size), "",
                   table(rows, args, full), ""]
    report += ["This machine's PostgreSQL runs with `autovacuum = off`; on the PostgreSQL rows an "
               "`ANALYZE` every 15 s stands in for autovacuum's analyze (bench/peerlib.py, Autoanalyze).", "",
               "Load average (1, 5, 15 min) before → after each server; the machine is shared, so "
               "compare rows of one run:", ""]
    report += ["- " + line for line in loads]
    if notes:
        report += ["", "Notes:", ""] + ["- " + n for n in notes]
    text = "\n".join(report) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
