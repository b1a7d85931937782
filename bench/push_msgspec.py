"""Decoding and validating a push: the server's hand-written fast path (json.loads, PushSchema,
load_change and load_wrap) against msgspec (typed dicts with the same patterns and bounds, then the
same base64url checks in Python), A/B interleaved in one process on one batch of realistic records.
Prints medians and minimums; asserts only that both give the same items.

    pip install --target bench/.env/msgspec msgspec==0.22.0     # once, outside the project's .venv
    .venv/bin/python bench/push_msgspec.py [--records 500] [--rounds 25]

msgspec is not a dependency of the server: this measures whether it should be (issue 16).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from typing import Annotated, Literal, TypedDict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(HERE, ".env", "msgspec"), ROOT, os.path.join(ROOT, "tests"), HERE]

import msgspec  # noqa: E402
from msgspec import Meta  # noqa: E402

from benchlib import record_fields  # noqa: E402
from server import create_app  # noqa: E402
from server.schemas import (  # noqa: E402
    DEVICE_RE,
    FIELD_RE,
    MAX_CT_CHARS,
    MAX_CTX,
    MAX_WRITES,
    UUID_RE,
    PushSchema,
    load_change,
    load_wrap,
)
from support import Workspace, _config, _migrate  # noqa: E402
from sync.b64 import decoded_length  # noqa: E402


def anchored(pattern):
    """The schema's pattern matching the whole string (msgspec searches, and `$` allows a final newline)."""
    return r"\A" + pattern[1:-1] + r"\Z"


Device = Annotated[str, Meta(pattern=anchored(DEVICE_RE))]
Counter = Annotated[int, Meta(ge=1, le=2**53 - 1)]
Uuid = Annotated[str, Meta(pattern=anchored(UUID_RE))]


class Write(TypedDict):
    field: Annotated[str, Meta(pattern=anchored(FIELD_RE))]
    dot: tuple[Device, Counter]
    ctx: Annotated[dict[Device, Counter], Meta(max_length=MAX_CTX)]
    nonce: str
    ct: Annotated[str, Meta(min_length=22, max_length=MAX_CT_CHARS)]


class Change(TypedDict):
    workspace: Uuid
    record: Uuid
    device: Device
    kc: str
    sig: str
    writes: Annotated[list[Write], Meta(min_length=1, max_length=MAX_WRITES)]


class Wrap(TypedDict):
    type: Literal["zapis/wrap/1"]
    workspace: Uuid
    record: Uuid
    recipient: Device
    sender: Device
    epk: str
    nonce: str
    ct: str
    sig: str


class Body(msgspec.Struct):
    changes: Annotated[list[msgspec.Raw], Meta(max_length=2000)] = []
    wraps: Annotated[list[msgspec.Raw], Meta(max_length=5000)] = []


CHANGE, WRAP, BODY = msgspec.json.Decoder(Change), msgspec.json.Decoder(Wrap), msgspec.json.Decoder(Body)
SCHEMA = PushSchema()


def ms_change(raw):
    c = CHANGE.decode(raw)
    if decoded_length(c["sig"]) != 64 or decoded_length(c["kc"]) != 32:
        raise ValueError("bad base64url")
    for w in c["writes"]:
        w["dot"] = list(w["dot"])
        if decoded_length(w["nonce"]) != 12 or decoded_length(w["ct"]) is None:
            raise ValueError("bad base64url")
    return c


def ms_wrap(raw):
    w = WRAP.decode(raw)
    if not (decoded_length(w["epk"]) == 65 and decoded_length(w["nonce"]) == 12
            and decoded_length(w["ct"]) == 48 and decoded_length(w["sig"]) == 64):
        raise ValueError("bad base64url")
    return w


def with_msgspec(body):
    b = BODY.decode(body)
    return [ms_change(r) for r in b.changes], [ms_wrap(r) for r in b.wraps]


def fast_path(body):
    data = SCHEMA.load(json.loads(body))
    return [load_change(c) for c in data["changes"]], [load_wrap(w) for w in data["wraps"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    url = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="push-msgspec-"), "m.sqlite3")
    _migrate(url)
    ws = Workspace(create_app(_config(url)))
    volunteer = ws.enroll("volunteer")
    for i in range(args.records):
        volunteer.save(record_fields(i))
    body, _ = volunteer.replica.push_batch()   # one batch as the client sends it
    text = json.dumps(body, separators=(",", ":")).encode()
    assert fast_path(text) == with_msgspec(text), "the two give different items"
    print("One push batch: %d changes, %d wraps, %d bytes; msgspec %s." % (
        len(body["changes"]), len(body["wraps"]), len(text), msgspec.__version__))
    times = {"fast path": [], "msgspec": []}
    for _ in range(args.rounds):
        for name, fn in (("fast path", fast_path), ("msgspec", with_msgspec)):
            t = time.perf_counter()
            fn(text)
            times[name].append((time.perf_counter() - t) * 1000)
    print()
    print("| decoder | median ms | min ms |")
    print("| --- | ---: | ---: |")
    for name, t in times.items():
        print("| %s | %.1f | %.1f |" % (name, statistics.median(t), min(t)))


if __name__ == "__main__":
    main()
