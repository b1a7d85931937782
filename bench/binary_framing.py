"""Would a binary framing bring "required random bytes ÷ bytes on the wire" to 0.95 (issue 16)?
One pull page and one push body of the realistic shape, as the JSON we send (gzip) and as CBOR
(RFC 8949) in which every canonical base64url string of 16 characters or more travels as a byte
string (the framing a binary encoding of today's data would be; `decode(encode(x)) == x` is
checked), side by side: bytes after gzip, the ratio with and without the ids, and what making and
reading each costs the server (Python), the reference client (Python) and the PWA (Node's V8, as
Chromium's; cbor-x without its native addon, as in a browser). Prints a table; asserts only that
both framings carry the same data.

    pip install --target bench/.env/cbor2 cbor2==6.3.0                          # once
    (mkdir -p bench/.env/cborx && cd bench/.env/cborx && npm install cbor-x@1.6.9)  # once
    .venv/bin/python bench/binary_framing.py [--records 2000] [--rounds 7]

Neither library is a dependency of the project: this measures whether a binary framing should be.
The page is the one `dense_page.py` serves (the work tree's server, `record_fields` records, one
change and one wrap a record, protocol version 3). The push body is the same records' logical
changes and wraps as the reference client sends them (`{"wraps": [...], "changes": [...]}`).
"""

import argparse
import binascii
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(HERE, ".env", "cbor2"), ROOT, os.path.join(ROOT, "tests"), HERE]

import cbor2  # noqa: E402
from isal import igzip  # noqa: E402

from dense_page import median_ms, page_of, random_bytes  # noqa: E402
from sync.b64 import b64decode  # noqa: E402
from sync.dense import decode_page  # noqa: E402

CBORX = os.path.join(HERE, ".env", "cborx", "node_modules", "cbor-x", "index.js")

# -- the framing: CBOR of the JSON data, base64url text as byte strings ----------------------------
_B64 = re.compile(r"[A-Za-z0-9_-]{16,}")
_LAST = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}   # zero unused bits (sync/b64.py)
_TO_STD, _TO_URL = str.maketrans("-_", "+/"), bytes.maketrans(b"+/", b"-_")


def _bytes_of(text):
    if not _B64.fullmatch(text):
        return None
    rest = len(text) % 4
    if rest == 1 or (rest and text[-1] not in _LAST[rest]):
        return None
    return binascii.a2b_base64(text.translate(_TO_STD) + "=" * (-len(text) % 4))


def _to_wire(v):
    t = type(v)
    if t is str:
        data = _bytes_of(v) if len(v) >= 16 else None
        return v if data is None else data
    if t is list:
        return [_to_wire(x) for x in v]
    if t is dict:
        return {k: _to_wire(x) for k, x in v.items()}
    return v


def _from_wire(v):
    t = type(v)
    if t is bytes:
        return binascii.b2a_base64(v, newline=False).translate(_TO_URL).rstrip(b"=").decode("ascii")
    if t is list:
        return [_from_wire(x) for x in v]
    if t is dict:
        return {k: _from_wire(x) for k, x in v.items()}
    return v


def cbor_encode(data):
    return cbor2.dumps(_to_wire(data))


def cbor_decode(body):
    return _from_wire(cbor2.loads(body))


NODE = """
process.env.CBOR_NATIVE_ACCELERATION_DISABLED = 'true';
const { readFileSync } = await import('node:fs');
const { decode } = await import(%s);
const rounds = Number(process.argv[4]);
const json = readFileSync(process.argv[2], 'utf8');
const cbor = readFileSync(process.argv[3]);
const text = (v) => {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64url');
  if (Array.isArray(v)) { for (let i = 0; i < v.length; i += 1) v[i] = text(v[i]); return v; }
  if (v && typeof v === 'object') { for (const k of Object.keys(v)) v[k] = text(v[k]); return v; }
  return v;
};
const time = (fn) => {
  for (let i = 0; i < 2; i += 1) fn();
  const ts = [];
  for (let i = 0; i < rounds; i += 1) { const t = performance.now(); fn(); ts.push(performance.now() - t); }
  return ts.sort((a, b) => a - b)[Math.floor(rounds / 2)];
};
const same = JSON.stringify(text(decode(cbor))) === JSON.stringify(JSON.parse(json));
if (!same) throw new Error('not the same data');
console.log(JSON.stringify({ json: time(() => JSON.parse(json)), cbor: time(() => text(decode(cbor))) }));
"""


def node_ms(json_text, cbor_body, rounds):
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, n) for n in ("body.json", "body.cbor", "bench.mjs")]
        with open(paths[0], "w") as f:
            f.write(json_text)
        with open(paths[1], "wb") as f:
            f.write(cbor_body)
        with open(paths[2], "w") as f:
            f.write(NODE % json.dumps("file://" + CBORX))
        out = subprocess.run(["node", paths[2], paths[0], paths[1], str(rounds)], capture_output=True,
                             text=True, check=True).stdout
    return json.loads(out)


def ids_bytes(changes):
    """The ids a record carries once that no encoding can shrink: its record id (16 bytes) and the
    opaque field ids of its first change (16 bytes each)."""
    records = {c["record"] for c in changes}
    fields = sum(len(b64decode(w["field"])) for c in changes for w in c["writes"] if len(w["field"]) == 22)
    return 16 * len(records) + fields


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    page_text = page_of(args.records)
    page = json.loads(page_text)
    logical = decode_page(page)
    push = {"wraps": logical["wraps"], "changes": logical["changes"]}
    records = len({c["record"] for c in logical["changes"]})
    random = random_bytes(logical)
    ids = ids_bytes(logical["changes"])
    rows = []
    for body_name, data, json_text, make_json in (
            ("pull page", page, page_text, None),
            ("push body", push, json.dumps(push, separators=(",", ":")),
             lambda: json.dumps(push, separators=(",", ":")))):
        cbor_body = cbor_encode(data)
        assert cbor_decode(cbor_body) == data, "CBOR did not give the same data back"
        node = node_ms(json_text, cbor_body, args.rounds)
        for framing, body, make, read in (
                ("JSON", json_text.encode(), make_json, lambda b: json.loads(b)),
                ("CBOR", cbor_body, lambda data=data: cbor_encode(data), cbor_decode)):
            gz = igzip.compress(body, compresslevel=1)
            rows.append({
                "body": body_name, "framing": framing, "B/rec": len(body) / records,
                "gzip B/rec": len(gz) / records,
                "random ÷ wire": random / len(gz), "random + ids ÷ wire": (random + ids) / len(gz),
                # The server formats a page's JSON by hand from stored text (no encoder runs); CBOR
                # needs the data encoded. A push body is made by the client.
                "make ms (Python)": median_ms(make, args.rounds) if make else 0.0,
                "gzip ms": median_ms(lambda body=body: igzip.compress(body, compresslevel=1), args.rounds),
                "read ms (Python)": median_ms(lambda read=read, body=body: read(body), args.rounds),
                "read ms (Node)": node["json" if framing == "JSON" else "cbor"],
            })
    print("%d records (a change of 20 writes and a wrap each): %.0f random bytes a record, %.0f more in ids; "
          "Python %s, cbor2 %s, node %s, cbor-x 1.6.9." % (
              records, random / records, ids / records, sys.version.split()[0], "6.3.0",
              subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()))
    print()
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("| --- | --- " + "| ---: " * (len(keys) - 2) + "|")
    for row in rows:
        print("| " + " | ".join(cell(k, row[k]) for k in keys) + " |")


def cell(key, value):
    if "÷" in key:
        return "%.3f" % value
    return "%.1f" % value if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
