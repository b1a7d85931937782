"""A full pull through gunicorn, an earlier commit's server and the work tree's side by side, A/B
interleaved round by round (so that a busy machine's slow spells fall on both).

    .venv/bin/python bench/pull_ab.py --before REV [--records 10000] [--rounds 5]
                                      [--backends sqlite,postgresql]

`sync_bench.py --compare` runs the two one after the other; on a shared machine their runs differ
by more than the pull format does. Here both servers run at once, each as the README deploys it
(gunicorn, 2 workers) on a database of its own migrated by its own code, each holding the same
number of records of `record_fields` (8 fields, about 1.2 KB of ciphertext, two wraps), saved and
pushed by the work tree's reference client (the push is the same in both protocol versions).
Then a coordinator's fresh device pulls everything from 0 from each in turn:

- `full pull`: every page fetched (2,000 items a page, gzip) and parsed into logical changes and
  wraps: `json.loads` for the earlier commit's pages, `json.loads` and `sync.dense.decode_page`
  for the work tree's dense ones;
- `pull+verify`: the reference client's whole pull, verifying every signature and wrap.

Prints median records per second of each and the ratio (>1: the work tree is faster).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import servers  # noqa: E402
from benchlib import drop_backend, new_workspace, record_fields  # noqa: E402
from client import Client  # noqa: E402
from peerlib import Autoanalyze  # noqa: E402
from servers import GunicornServer  # noqa: E402
from sync.dense import decode_page  # noqa: E402
from sync_bench import snapshot  # noqa: E402


def migrated(code_dir, backend, tmp):
    """A fresh database of the backend, migrated by the code in `code_dir`."""
    script = "import sys; sys.path[:0] = ['bench', 'tests', '.']; from benchlib import backend_url; " \
             "print(backend_url(%r, %r))" % (backend, tmp)
    out = subprocess.run([sys.executable, "-c", script], cwd=code_dir, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip().splitlines()[-1]


def full_pull(client, dense):
    """Every page from 0, parsed (and decoded when dense); returns the records seen."""
    cursor, records = 0, set()
    while True:
        status, page = client.transport.request("GET", "/api/sync/pull", None, client.token,
                                                {"cursor": cursor})
        assert status == 200, page
        if dense:
            page = decode_page(page)
        records.update(c["record"] for c in page["changes"])
        cursor = page["cursor"]
        if not page["more"]:
            return len(records)


def side(name, code_dir, backend, records, tmp):
    """Start one side: its database, server, workspace, records and reader."""
    folder = os.path.join(tmp, name)
    os.makedirs(folder)
    url = migrated(code_dir, backend, folder)
    servers.ROOT = code_dir   # GunicornServer starts from servers.ROOT
    server = GunicornServer(url, folder).start()
    root = new_workspace(url, server.url)
    writer = Client.enroll_link(root.create_invite("volunteer", base_url=server.url))
    root.certify(writer.replica.device)
    writer.pull()
    for i in range(records):
        writer.save(record_fields(i))
    assert writer.push()["refused"] == 0
    reader = Client.enroll_link(root.create_invite("coordinator", base_url=server.url))
    root.certify(reader.replica.device)
    analyze = Autoanalyze(url) if backend == "postgresql" else None
    if analyze:
        analyze.start()
    return {"name": name, "url": url, "server": server, "reader": reader, "analyze": analyze,
            "pull": [], "verify": []}


def run(backend, before_dir, records, rounds, tmp):
    sides = []
    try:
        sides.append(side("before", before_dir, backend, records, tmp))
        sides.append(side("after", ROOT, backend, records, tmp))
        for r in range(rounds):
            for s in sides if r % 2 == 0 else reversed(sides):
                t = time.perf_counter()
                n = full_pull(s["reader"], s["name"] == "after")
                s["pull"].append(n / (time.perf_counter() - t))
                assert n == records
        for r in range(max(1, rounds // 2)):
            for s in sides if r % 2 == 0 else reversed(sides):
                reader = s["reader"]
                reader.replica.cursor, reader.replica.records = 0, {}   # a fresh device's replica
                t = time.perf_counter()
                reader.pull()
                s["verify"].append(records / (time.perf_counter() - t))
        return {s["name"]: {"full pull": statistics.median(s["pull"]),
                            "pull+verify": statistics.median(s["verify"])} for s in sides}
    finally:
        for s in sides:
            if s["analyze"]:
                s["analyze"].stop()
            s["server"].stop()
            drop_backend(backend, s["url"])
        servers.ROOT = ROOT


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, metavar="REV", help="the earlier commit")
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    before_dir = tempfile.mkdtemp(prefix="pull-ab-code-")
    commit = snapshot(args.before, before_dir)
    results = {}
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            results[backend] = run(backend, before_dir, args.records, args.rounds, tmp)
            print("done:", backend, results[backend], file=sys.stderr)
    print("%d records; medians of %d full pulls and %d pulls with verification, alternated." % (
        args.records, args.rounds, max(1, args.rounds // 2)))
    print()
    print("| backend | full pull rec/s @ %s | full pull rec/s @ work tree | ratio | pull+verify rec/s @ %s "
          "| pull+verify rec/s @ work tree | ratio |" % (commit, commit))
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for backend, r in results.items():
        b, a = r["before"], r["after"]
        print("| %s | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f |" % (
            backend, b["full pull"], a["full pull"], a["full pull"] / b["full pull"],
            b["pull+verify"], a["pull+verify"], a["pull+verify"] / b["pull+verify"]))


if __name__ == "__main__":
    main()
