"""Shared pieces of bench/peers.py: the payload every server gets, bytes on the wire, timing,
the throwaway environment under bench/.env/, and many clients released at once.

The drivers (peer_zapis.py, peer_kinto.py, peer_pouchdb.py) all use requests sessions, so one
response hook counts the bytes of every request and response body as they crossed the socket
(after compression, when the client or the server compressed).
"""

import base64
import gzip
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import threading
import time
import traceback
import urllib.request

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENV = os.path.join(HERE, ".env")

FIELDS = 8
# A field of a Zapis record is AES-GCM ciphertext of a plaintext padded to 128 bytes: 144 bytes,
# 192 characters of base64url. Eight of them are the "about 1.2 KB of ciphertext" (1,152 bytes).
CT_BYTES = 144


def random_fields():
    """Eight fields of random base64url, each the size of one Zapis field's ciphertext."""
    return {"f%d" % i: base64.urlsafe_b64encode(os.urandom(CT_BYTES)).rstrip(b"=").decode()
            for i in range(FIELDS)}


_SHAPE = None


def b64len(text):
    """The bytes a base64url text (with or without padding) decodes to."""
    text = text.rstrip("=")
    return len(text) * 3 // 4


def record_shape():
    """The random bytes one of our records carries, as [(member, bytes)]: measured on a real one.

    A volunteer (the reference client, through Flask's test client) saves `record_fields(0)`: one
    change of 20 writes (the 8 values and the padding of a first change), each a 12-byte nonce
    and a 144-byte ciphertext, with its 64-byte signature and 32-byte key commitment, and two key
    wraps (for its author and the root coordinator), each an ephemeral public key, a nonce, the
    wrapped key and a signature. Everything else a push item holds (ids, dots, contexts, the epoch)
    is framing that any design would shape its own way. Wraps are members `w<i>_<part>`.
    Our code and tests/ must be on sys.path (peers.py puts the snapshot it runs there)."""
    global _SHAPE
    if _SHAPE is None:
        import tempfile

        from benchlib import record_fields
        from server import create_app
        from support import Workspace, _config, _migrate

        with tempfile.TemporaryDirectory(prefix="shape-") as tmp:
            url = "sqlite:///" + os.path.join(tmp, "shape.sqlite3")
            _migrate(url)
            ws = Workspace(create_app(_config(url)))
            volunteer = ws.enroll("volunteer")
            volunteer.save(record_fields(0))
            items = list(volunteer.replica.outbox)
        change = [i["change"] for i in items if "change" in i][0]
        wraps = [i["wrap"] for i in items if "wrap" in i]
        shape = [("sig", b64len(change["sig"])), ("kc", b64len(change["kc"]))]
        for i, w in enumerate(change["writes"]):
            shape += [("n%d" % i, b64len(w["nonce"])), ("c%d" % i, b64len(w["ct"]))]
        for i, w in enumerate(wraps):
            shape += [("w%d_%s" % (i, k), b64len(w[k])) for k in ("epk", "nonce", "ct", "sig")]
        _SHAPE = shape
    return _SHAPE


def same_payload():
    """A peer's document body: the random bytes one of our records carries (record_shape), each
    member its own base64url text of fresh random bytes (random bytes compress like ciphertext)."""
    return {name: base64.urlsafe_b64encode(os.urandom(n)).rstrip(b"=").decode() for name, n in record_shape()}


def payload_bytes(wraps=None):
    """The random bytes of one record (record_shape): all of them, or with `wraps` wraps only
    (a pull brings the puller its own wrap, not its author's)."""
    shape = record_shape()
    if wraps is not None:
        shape = [(k, n) for k, n in shape if not k.startswith("w") or int(k[1:k.index("_")]) < wraps]
    return sum(n for _, n in shape)


# -- bytes on the wire -------------------------------------------------------------------------

class Wire:
    """Counts request and response body bytes, as sent (compressed bodies count compressed)."""

    def __init__(self):
        self.sent = self.received = self.requests = 0
        self.lock = threading.Lock()  # a client may have two requests in flight

    def hook(self, response, *args, **kwargs):
        # Hooks run before requests reads the body: read it here as it came (de-chunked, still
        # compressed), count it, and hand requests the decoded content.
        raw = response.raw.read(decode_content=False)
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding == "gzip":
            response._content = gzip.decompress(raw)
        elif encoding in ("", "identity"):
            response._content = raw
        else:
            raise ValueError("unexpected Content-Encoding %r (only gzip is accepted)" % encoding)
        body = response.request.body
        with self.lock:
            if body is not None:
                self.sent += len(body.encode("utf-8") if isinstance(body, str) else body)
            self.received += len(raw)
            self.requests += 1
        return response

    def attach(self, session):
        session.hooks["response"].append(self.hook)
        return session

    def total(self):
        return self.sent + self.received

    def reset(self):
        self.sent = self.received = self.requests = 0


def session(wire=None, auth=None):
    """A keep-alive session that accepts gzip (as every client here does), counted by `wire`."""
    s = requests.Session()
    s.headers["Accept-Encoding"] = "gzip"
    s.headers["Accept"] = "application/json"
    if auth:
        s.auth = auth
    if wire is not None:
        wire.attach(s)
    return s


# -- timing ------------------------------------------------------------------------------------

def timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def median_ms(fn, rounds, seconds=60):
    """Median milliseconds of `rounds` calls of fn (after one unmeasured call), or of as many as
    fit in `seconds` (at least 5). Returns (median, samples)."""
    fn()
    times = []
    deadline = time.monotonic() + seconds
    while len(times) < rounds and (len(times) < 5 or time.monotonic() < deadline):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), len(times)


# -- servers -----------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, proc, timeout=60, log=None):
    """Wait until `url` answers 200, or raise with the log if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited (%s):\n%s" % (proc.returncode, tail(log)))
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not answer %s in %ss:\n%s" % (url, timeout, tail(log)))


def tail(path, n=40):
    if not path or not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as f:
        return "".join(f.readlines()[-n:])


def stop_group(proc, timeout=20):
    """SIGTERM the process group we started, then SIGKILL it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run(cmd, **kw):
    """Run an install step; raise with its output if it fails."""
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if out.returncode != 0:
        raise RuntimeError("%s failed (%s):\n%s" % (" ".join(cmd), out.returncode, out.stdout[-4000:]))
    return out.stdout


def installed(marker, spec):
    """True if `marker` records that `spec` was installed."""
    try:
        with open(marker, encoding="utf-8") as f:
            return f.read() == spec
    except OSError:
        return False


def mark(marker, spec):
    with open(marker, "w", encoding="utf-8") as f:
        f.write(spec)


class Autoanalyze(threading.Thread):
    """ANALYZE a PostgreSQL database every `every` seconds while a server runs on it.

    PostgreSQL analyzes growing tables by itself (autovacuum, on by default and in any
    deployment), but this machine's PostgreSQL runs with `autovacuum = off` (conf.d/90-ci.conf).
    Without statistics its planner picks plans that scan a whole workspace or collection, and a
    push slows down with every record stored. This thread stands in for autovacuum's analyze,
    for Kinto and for us alike.
    """

    def __init__(self, url, every=15):
        super().__init__(daemon=True)
        self.url, self.every = url, every
        self.halt = threading.Event()
        self.runs = 0

    def run(self):
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            while True:
                with engine.connect() as conn:
                    conn.execute(text("ANALYZE"))
                self.runs += 1
                if self.halt.wait(self.every):
                    return
        except Exception:  # noqa: BLE001 - the database was dropped under it: done
            return
        finally:
            engine.dispose()

    def stop(self):
        self.halt.set()
        self.join(30)


# -- many clients at once ----------------------------------------------------------------------

def _child(work, state, barrier, queue):
    result = {"errors": 0, "sent": 0, "received": 0, "failed": None}
    try:
        ready = work(state)          # anything before the clock: sessions, nothing on the wire
        barrier.wait(120)
        out = ready()
        result.update(out)
    except Exception:  # noqa: BLE001 - a client that fails counts as an error, with its reason
        result["errors"] += 1
        result["failed"] = traceback.format_exc(limit=3)
    result["end"] = time.monotonic()
    queue.put(result)


def concurrently(work, states, timeout=900):
    """Run work(state)() in one forked process per state, all released at one instant.

    work(state) prepares a client (off the clock) and returns the callable that syncs it, which
    returns {"errors", "sent", "received"}. Returns (wall seconds from release to the last
    client's end, summed errors, summed bytes, failure texts).
    """
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(len(states) + 1)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(work, s, barrier, queue), daemon=True) for s in states]
    for p in procs:
        p.start()
    barrier.wait(300)
    t0 = time.monotonic()
    results = [queue.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join(30)
    wall = max(r["end"] for r in results) - t0
    errors = sum(r["errors"] for r in results)
    wire = sum(r["sent"] + r["received"] for r in results)
    return wall, errors, wire, [r["failed"] for r in results if r["failed"]]
