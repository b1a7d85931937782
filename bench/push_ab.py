"""What the bounded-context check and the post-commit erasure cost a push, A/B in one process.

    .venv/bin/python bench/push_ab.py [--records 200] [--rounds 12] [--backends sqlite,postgresql]

sync_bench.py measures through gunicorn, and on a shared machine its runs differ by more than
what is measured here. This runs the server in-process (Flask's test client) and interleaves the
variants round by round, each pushing edits of two fields of every record (each write covers a
stored value, so its context is checked and stored changes are rewritten):

- `before`: neither the context check nor the erasure (SQLite: secure_delete off too);
- `check`: the context check (and on SQLite secure_delete), no WAL checkpoint;
- `after`: everything, as shipped.

Prints the median wall-clock and CPU milliseconds a push (CPU is this process's: on PostgreSQL
the database's own work is not in it), each variant's ratio to `before`, and the median time of
the post-commit erasure itself (the WAL checkpoint on SQLite; nothing after a push on PostgreSQL).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), os.path.join(os.path.dirname(HERE), "tests")]

from benchlib import backend_url, drop_backend, record_fields  # noqa: E402


def make_app(url, secure_delete):
    import server
    from support import _config

    original = server._sqlite_pragmas

    def pragmas(conn, record):
        original(conn, record)
        if not secure_delete:
            conn.execute("PRAGMA secure_delete=OFF")

    server._sqlite_pragmas = pragmas
    try:
        return server.create_app(_config(url))
    finally:
        server._sqlite_pragmas = original


def run(backend, records, rounds, tmp):
    import server.store.push as store
    from client import Client
    from server.cli import new_workspace
    from support import FlaskTransport

    url = backend_url(backend, tmp)
    apps = {"before": make_app(url, False), "check": make_app(url, True), "after": make_app(url, True)}
    real_unseen, real_erase = store.unseen, store.erase_freed
    erasing = []

    def timed_erase(*a, **k):
        t = time.perf_counter()
        try:
            return real_erase(*a, **k)
        finally:
            erasing.append((time.perf_counter() - t) * 1000)

    patches = {"before": (lambda *a: None, lambda *a, **k: True),
               "check": (real_unseen, lambda *a, **k: True),
               "after": (real_unseen, timed_erase)}
    try:
        with apps["after"].app_context():
            ws, token = new_workspace()
            ws_id = ws.id
        writer = Client.bootstrap(FlaskTransport(apps["after"].test_client()), token, ws_id)
        made = [writer.save(record_fields(i)) for i in range(records)]
        writer.push()
        times = {k: [] for k in apps}
        for r in range(rounds):
            for name in (["before", "check", "after"] if r % 2 else ["after", "check", "before"]):
                for i, record in enumerate(made):
                    writer.save(record_fields(r * records + i + 10**6, 2), record=record)
                writer.transport = FlaskTransport(apps[name].test_client())
                store.unseen, store.erase_freed = patches[name]
                wall, cpu = time.perf_counter(), time.process_time()
                counts = writer.push()
                times[name].append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
                store.unseen, store.erase_freed = real_unseen, real_erase
                assert counts["accepted"] == 2 * records and counts["refused"] == 0, counts
        out = {}
        for name, samples in times.items():
            out[name] = (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples))
        out["erase"] = statistics.median(erasing) if erasing else 0.0
        return out
    finally:
        store.unseen, store.erase_freed = real_unseen, real_erase
        for app in apps.values():
            from server.extensions import db

            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        drop_backend(backend, url)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print("| backend | variant | wall ms a push | CPU ms a push | wall ratio | CPU ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(backend, args.records, args.rounds, tmp)
        erase = result.pop("erase")
        base = result["before"]
        for name, (wall, cpu) in result.items():
            print("| %s | %s | %.1f | %.1f | %.2f | %.2f |" % (backend, name, wall, cpu, wall / base[0],
                                                               cpu / base[1]))
        print("| %s | the erasure alone, after commit (median) | %.1f | | | |" % (backend, erase))


if __name__ == "__main__":
    main()
