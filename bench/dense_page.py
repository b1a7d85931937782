"""One pull page of the realistic shape in protocol version 2 (objects) and 3 (dense arrays), side
by side: bytes, gzip bytes, and the time to make logical changes and wraps of it in the reference
client (Python) and in the PWA's decoder (Node's V8, as Chromium's). Prints a table; asserts nothing.

    .venv/bin/python bench/dense_page.py [--records 2000] [--rounds 15]

The page is served by the work tree's server (Flask's test client, SQLite): `--records` records of
`record_fields` (8 fields, about 1.2 KB of ciphertext, two wraps), saved by a volunteer, pulled
by the root coordinator in one page (a change and a wrap a record). The version 2 text is the
same logical page as the version 2 server wrote it (`json.dumps`, compact): same members, same
order, same bytes.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from isal import igzip

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from benchlib import record_fields  # noqa: E402
from sync.b64 import b64decode  # noqa: E402
from sync.dense import decode_page  # noqa: E402

NODE = """
import { readFileSync } from 'node:fs';
import { decodePage } from '%s';
const [v2, v3] = [readFileSync(process.argv[2], 'utf8'), readFileSync(process.argv[3], 'utf8')];
const rounds = Number(process.argv[4]);
const time = (fn) => {
  for (let i = 0; i < 3; i += 1) fn();
  const ts = [];
  for (let i = 0; i < rounds; i += 1) { const t = performance.now(); fn(); ts.push(performance.now() - t); }
  return ts.sort((a, b) => a - b)[Math.floor(rounds / 2)];
};
console.log(JSON.stringify({ v2: time(() => JSON.parse(v2)), v3: time(() => decodePage(JSON.parse(v3))) }));
"""


def median_ms(fn, rounds):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def page_of(records):
    """The dense page text the server serves for `records` records, and the pulling device's id."""
    from server import create_app
    from support import Workspace, _config, _migrate

    tmp = tempfile.mkdtemp(prefix="dense-page-")
    url = "sqlite:///" + os.path.join(tmp, "page.sqlite3")
    _migrate(url)
    ws = Workspace(create_app(_config(url)))
    volunteer = ws.enroll("volunteer")
    for i in range(records):
        volunteer.save(record_fields(i))
    volunteer.push()
    headers = {"Authorization": "Bearer " + ws.root.token, "Zapis-Protocol": "3"}
    response = ws.transport.client.get("/api/sync/pull", query_string={"cursor": 0, "limit": 10000},
                                       headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def random_bytes(page):
    """The bytes no encoding can shrink: nonces, ciphertexts, signatures, key commitments, wraps."""
    n = sum(len(b64decode(c["sig"])) + len(b64decode(c.get("kc") or "")) for c in page["changes"])
    n += sum(len(b64decode(w["nonce"])) + len(b64decode(w["ct"])) for c in page["changes"]
             for w in c["writes"] if "ct" in w)
    n += sum(len(b64decode(w[k])) for w in page["wraps"] for k in ("epk", "nonce", "ct", "sig"))
    return n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    v3 = page_of(args.records)
    logical = decode_page(json.loads(v3))
    page = {k: logical[k] for k in ("cursor", "more", "changes", "wraps", "tombstones", "devices")}
    v2 = json.dumps(page, separators=(",", ":"))
    records = len({c["record"] for c in page["changes"]})
    rows = {}
    for name, text, decode in (("2 (objects)", v2, json.loads),
                               ("3 (dense)", v3, lambda t: decode_page(json.loads(t)))):
        raw = text.encode()
        gz = igzip.compress(raw, compresslevel=1)
        rows[name] = {
            "bytes": len(raw), "gzip bytes": len(gz),
            "gzip B/rec": len(gz) / records,
            "random ÷ gzip bytes": random_bytes(page) / len(gz),
            "server gzip ms": median_ms(lambda raw=raw: igzip.compress(raw, compresslevel=1), args.rounds),
            "Python gunzip+parse+decode ms": median_ms(
                lambda decode=decode, gz=gz: decode(igzip.decompress(gz)), args.rounds),
        }
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, n) for n in ("v2.json", "v3.json", "bench.mjs")]
        for path, text in zip(paths, (v2, v3, NODE % os.path.join(ROOT, "pwa/static/js/core/dense.js"))):
            with open(path, "w") as f:
                f.write(text)
        node = json.loads(subprocess.run(["node", paths[2], paths[0], paths[1], str(args.rounds)],
                                         capture_output=True, text=True, check=True).stdout)
    rows["2 (objects)"]["Node parse+decode ms"] = node["v2"]
    rows["3 (dense)"]["Node parse+decode ms"] = node["v3"]
    keys = list(rows["2 (objects)"])
    print("One page: %d records (%d changes, %d wraps), Python %s, node %s." % (
        records, len(page["changes"]), len(page["wraps"]), sys.version.split()[0],
        subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()))
    print()
    print("| protocol | " + " | ".join(keys) + " |")
    print("| --- " + "| ---: " * len(keys) + "|")
    for name, row in rows.items():
        print("| %s | %s |" % (name, " | ".join(
            ("%.3f" % row[k]) if k.startswith("random") else ("%.1f" % row[k]) if isinstance(row[k], float)
            else f"{row[k]:,}" for k in keys)))
    before, after = rows["2 (objects)"], rows["3 (dense)"]
    print("| 3 ÷ 2 | " + " | ".join("%.2f" % (after[k] / before[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
