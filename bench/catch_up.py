"""A coordinator's new phone catches up (issue 16), side by side with PouchDB, in one Chromium.

    .venv/bin/python bench/catch_up.py [--n 1000,10000] [--cpu 1,4] [--runs 1] [--out FILE]

Zapis: gunicorn (tests/servers.py, 2 gthread workers of 4 threads, SQLite) holds N records of the
realistic shape (an incident of 8 fields, 1,152 bytes of ciphertext; the first change padded to 20
writes; two key wraps, for its author and the root coordinator), pushed by a certified volunteer
(the reference client) before any clock starts. The root coordinator is the PWA in headless Debian
Chromium: it set the workspace up and certified the volunteer before the records existed, then its
browser was closed, and that profile is copied afresh for every run. A run opens the app (the lock
screen), waits `--typing` seconds on it (3: a person typing a six-word passphrase; the app loads
its pull worker and crypto workers meanwhile), types the passphrase and clicks Unlock; timed
inside the page from the click:

- unlocked: the list screen is in the page (PBKDF2 and the vault: no catch-up yet);
- first listed: the list's count line says at least one record;
- all listed: it says N;
- searchable: then a search for the last record's own word (`z<N-1>q`, which no other record
  holds) until the list shows exactly one; "all listed + search" adds that answer's time.

PouchDB: PouchDB Server (npm, the one bench/peers.py runs) holds N documents carrying the same
random bytes as one of our records (bench/peerlib.py, record_shape: 20 nonces and ciphertexts,
signature, key commitment, two wraps, each its own base64url member), stored before any clock
starts. In the same Chromium (a fresh profile), a page of the server's own origin (served by
Playwright's routing: nothing of PouchDB is ever served by or to our app) loads PouchDB 9's
browser build (dist/pouchdb.min.js, npm `pouchdb@9.0.0`, into bench/.env/pouchdb/) and runs
`PouchDB.replicate(remote, new PouchDB('catchup'), {batch_size: 100})` (its defaults) into
IndexedDB; timed from the call to the first `change` event (first docs written), to `complete`
and `info().doc_count === N` (all in IndexedDB).

For both, over the same interval: peak JS heap (CDP Performance.getMetrics JSHeapUsedSize of the
page, plus Runtime.getHeapUsage of every dedicated worker, sampled every 250 ms: the peak of the
sum), and bytes received over the wire (CDP Network.loadingFinished encodedDataLength: bodies as
sent, compressed, with headers; the page's and its workers' requests, each request once).

Where the CPU went over the same interval (bench/cpu_split.py, from /proc): how busy the machine's
cores were, and the CPU seconds of each Chromium process (browser, renderer, network, ...), of each
thread of the page's renderer (its main thread; each worker, "worker 1" being the pull worker and
the others its crypto workers; the thread pool where V8 compiles and collects garbage
concurrently) and of the server; printed under Details.

CPU ×k is CDP Emulation.setCPUThrottlingRate on the page. Chromium refuses it for workers
("Operation is only supported for pages, not workers"): work moved into a Worker runs unthrottled
in the ×4 rows. The machine is shared, so read the ratios of one run (each Zapis run is followed
by its PouchDB run), not absolute figures of different runs. Asserts nothing; prints a table.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), os.path.join(ROOT, "tests", "browser"), HERE]

from benchlib import incident_fields  # noqa: E402
from cpu_split import CpuTally  # noqa: E402
from peerlib import payload_bytes, same_payload, session  # noqa: E402
from pwa_budget import ARGS, CHROMIUM, PASSPHRASE, migrated_sqlite  # noqa: E402
from servers import GunicornServer  # noqa: E402

WINDOW = "412,915"  # a phone's viewport
POUCH_BATCH = 100   # PouchDB's replicator default batch_size


def log(*args):
    print("[%s load %.2f]" % (time.strftime("%H:%M:%S"), os.getloadavg()[0]), *args, file=sys.stderr,
          flush=True)


# -- one Chromium, started by us and driven over CDP -------------------------------------------

class Chromium:
    """Debian's Chromium with the project's flags, headless, on a profile directory we choose
    (so the root coordinator's device can be copied), driven by Playwright over CDP."""

    def __init__(self, playwright, profile):
        self.playwright = playwright
        self.profile = profile
        self.proc = self.browser = None

    def start(self):
        os.makedirs(self.profile, exist_ok=True)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        if os.path.exists(port_file):
            os.remove(port_file)
        self.log = open(os.path.join(os.path.dirname(self.profile), "chromium.log"), "ab")
        self.proc = subprocess.Popen(
            [CHROMIUM, *ARGS, "--headless", "--remote-debugging-port=0", "--user-data-dir=" + self.profile,
             "--no-first-run", "--no-default-browser-check", "--window-size=" + WINDOW, "about:blank"],
            stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 60
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Chromium did not start (see %s)" % self.log.name)
            time.sleep(0.1)
        port = int(open(port_file).read().split()[0])
        self.browser = self.playwright.chromium.connect_over_cdp("http://127.0.0.1:%d" % port)
        self.context = self.browser.contexts[0]
        self.context.set_default_timeout(120000)
        return self

    def page(self):
        return self.context.pages[0] if self.context.pages else self.context.new_page()

    def stop(self):
        """Close the browser (it writes its profile out), then make sure it is gone."""
        if self.browser is not None:
            try:
                self.browser.new_browser_cdp_session().send("Browser.close")
            except Exception:  # noqa: BLE001 - the connection closes under the call
                pass
            self.browser = None
        if self.proc is not None:
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            self.proc = None
        self.log.close()


class Probe:
    """CPU throttling, the JS heap and the bytes received, for one page and its workers."""

    def __init__(self, chromium, page, rate, profile_workers=False):
        self.page = page
        self.profile_workers = profile_workers
        self.worker_profiles = {}  # sessionId -> CPU profile (asked by stop_profiles)
        self.workers = {}          # targetId -> sessionId
        self.worker_heap = {}      # sessionId -> used bytes
        self.received = {}         # requestId -> encodedDataLength
        self.urls = {}             # requestId -> path
        self.local = set()         # requestIds answered by the service worker or a cache
        self.counting = False
        self.peak = self.main_peak = 0
        self.lock = threading.Lock()
        self.msg_id = 0
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        self.cdp.send("Performance.enable")
        self.cdp.on("Network.loadingFinished", lambda e: self._finished(e))
        self.cdp.on("Network.requestWillBeSent", lambda e: self._sent(e))
        self.cdp.on("Network.responseReceived", lambda e: self._response(e))
        self.cdp.send("Network.enable")
        self.bcdp = chromium.browser.new_browser_cdp_session()
        self.bcdp.on("Target.receivedMessageFromTarget", lambda e: self._worker_message(e))

    def _finished(self, e):
        if self.counting:
            with self.lock:
                self.received[e["requestId"]] = e["encodedDataLength"]

    def _sent(self, e):
        if self.counting and e["request"]["url"].startswith("http"):
            from urllib.parse import urlsplit

            with self.lock:
                self.urls[e["requestId"]] = urlsplit(e["request"]["url"]).path

    def _response(self, e):
        r = e["response"]
        if r.get("fromServiceWorker") or r.get("fromDiskCache") or r.get("fromPrefetchCache"):
            with self.lock:
                self.local.add(e["requestId"])

    def _worker_message(self, e):
        import json

        msg = json.loads(e["message"])
        if msg.get("method") == "Network.loadingFinished":
            self._finished(msg["params"])
        elif msg.get("method") == "Network.requestWillBeSent":
            self._sent(msg["params"])
        elif msg.get("method") == "Network.responseReceived":
            self._response(msg["params"])
        elif "result" in msg and "usedSize" in msg["result"]:
            self.worker_heap[e["sessionId"]] = msg["result"]["usedSize"]
        elif "result" in msg and "profile" in msg["result"]:
            self.worker_profiles[e["sessionId"]] = msg["result"]["profile"]

    def _send(self, session_id, method, params=None):
        import json

        self.msg_id += 1
        self.bcdp.send("Target.sendMessageToTarget", {"sessionId": session_id, "message": json.dumps(
            {"id": self.msg_id, "method": method, "params": params or {}})})

    def sample(self):
        """One sample: attach to new workers, ask their heaps, read the page's."""
        for t in self.bcdp.send("Target.getTargets")["targetInfos"]:
            if t["type"] == "worker" and t["targetId"] not in self.workers:
                try:
                    sid = self.bcdp.send("Target.attachToTarget",
                                         {"targetId": t["targetId"], "flatten": False})
                except Exception:  # noqa: BLE001 - the worker ended meanwhile
                    continue
                self.workers[t["targetId"]] = sid["sessionId"]
                self._send(sid["sessionId"], "Network.enable")
                if self.profile_workers:
                    self._send(sid["sessionId"], "Profiler.enable")
                    self._send(sid["sessionId"], "Profiler.setSamplingInterval", {"interval": 1000})
                    self._send(sid["sessionId"], "Profiler.start")
        for sid in self.workers.values():
            try:
                self._send(sid, "Runtime.getHeapUsage")
            except Exception:  # noqa: BLE001 - the worker ended
                self.worker_heap.pop(sid, None)
        metrics = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        main = metrics.get("JSHeapUsedSize", 0)
        self.main_peak = max(self.main_peak, main)
        self.peak = max(self.peak, main + sum(self.worker_heap.values()))

    def stop_profiles(self, wait=10):
        """Stop the workers' CPU profilers; their profiles, as many as answered within `wait` s."""
        for sid in self.workers.values():
            try:
                self._send(sid, "Profiler.stop")
            except Exception:  # noqa: BLE001 - the worker ended
                pass
        deadline = time.monotonic() + wait
        while len(self.worker_profiles) < len(self.workers) and time.monotonic() < deadline:
            self.page.wait_for_timeout(100)  # Playwright's sync API delivers CDP events only inside its calls
        return list(self.worker_profiles.values())

    def bytes(self):
        """Bytes received over the network (not from the service worker or a cache), requests,
        and the requests by path: {path: [count, bytes]}."""
        with self.lock:
            paths = {}
            for rid, n in self.received.items():
                if rid in self.local or rid not in self.urls:
                    continue
                path = paths.setdefault(self.urls.get(rid, "?"), [0, 0])
                path[0] += 1
                path[1] += n
            return sum(v[1] for v in paths.values()), sum(v[0] for v in paths.values()), paths

    def close(self):
        for sid in list(self.workers.values()):
            try:
                self.bcdp.send("Target.detachFromTarget", {"sessionId": sid})
            except Exception:  # noqa: BLE001
                pass
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})


def wait_sampling(probe, done, timeout, what, tick=None):
    """Sample every 250 ms until done() returns a true value; return it. `tick()`, if given, is
    called about once a minute."""
    deadline = time.monotonic() + timeout
    ticked = time.monotonic()
    while True:
        probe.sample()
        if tick and time.monotonic() - ticked > 60:
            tick()
            ticked = time.monotonic()
        value = done()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("%s: not done after %d s" % (what, timeout))
        time.sleep(0.25)


def stored_bytes(profile):
    """Bytes of IndexedDB on disk in a closed Chromium profile (its IndexedDB folder and its
    storage buckets' folders, where the app keeps its databases)."""
    total = 0
    for folder in ("IndexedDB", "WebStorage"):
        for root, _, files in os.walk(os.path.join(profile, "Default", folder)):
            for name in files:
                try:
                    total += os.path.getsize(os.path.join(root, name))
                except OSError:
                    pass
    return total


def keep_profiles(main, workers):
    """With ZAPIS_BENCH_PROFILES=DIR, write the raw CDP profiles there (main.cpuprofile,
    worker-1.cpuprofile, ...): DevTools' Performance panel opens them."""
    folder = os.environ.get("ZAPIS_BENCH_PROFILES")
    if not folder or main is None:
        return
    os.makedirs(folder, exist_ok=True)
    for name, prof in [("main", main)] + [("worker-%d" % (i + 1), p) for i, p in enumerate(workers)]:
        with open(os.path.join(folder, name + ".cpuprofile"), "w") as f:
            json.dump(prof, f)


def split_profile(profile):
    """The main thread's time by where it went, from a CDP CPU profile: idle, garbage collection,
    the browser's own work ("(program)": layout, IndexedDB and fetch glue, ...), and script by file
    and by function. Returns (total ms, [(what, ms)] by file, [(function @ file, ms)] top 12)."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    self_ms = {}
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"]):
        self_ms[node_id] = self_ms.get(node_id, 0) + delta / 1000
    by_file, by_fn = {}, {}
    for node_id, ms in self_ms.items():
        frame = nodes[node_id]["callFrame"]
        name = frame["functionName"] or "(anonymous)"
        url = frame["url"].split("/static/")[-1].removeprefix("js/") if frame["url"] else ""
        key = url or (name if name.startswith("(") else "(native: %s)" % name)
        by_file[key] = by_file.get(key, 0) + ms
        fn = "%s @ %s" % (name, url) if url else key
        by_fn[fn] = by_fn.get(fn, 0) + ms
    total = sum(self_ms.values())
    top = lambda d, k: sorted(d.items(), key=lambda kv: -kv[1])[:k]  # noqa: E731
    return total, top(by_file, 12), top(by_fn, 12)


# -- Zapis -------------------------------------------------------------------------------------

# From the click on Unlock (a capturing listener) until the list's count line says n.
WATCH = """([n]) => {
  const s = window.__catchUp = { start: 0, opened: 0, first: 0, all: 0, counts: [], last: -1 };
  document.addEventListener('click', () => { if (!s.start) s.start = performance.now(); }, { capture: true });
  const check = () => {
    if (!s.start) return;
    if (!s.opened && document.querySelector('.list-screen')) s.opened = performance.now();
    const el = document.querySelector('.list-screen .count');
    const c = el ? Number(el.textContent.replace(/[^0-9]/g, '')) || 0 : -1;
    if (c !== s.last) { s.counts.push([Math.round(performance.now() - s.start), c]); s.last = c; }
    if (c > 0 && !s.first) s.first = performance.now();
    if (c >= n && !s.all) { s.all = performance.now(); observer.disconnect(); }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
}"""

# From the input event in the search field until the count line says one record, then a frame.
SEARCH = """() => {
  const s = window.__search = { start: 0, found: 0 };
  document.addEventListener('input', () => { if (!s.start) s.start = performance.now(); }, { capture: true });
  const observer = new MutationObserver(() => {
    const el = document.querySelector('.list-screen .count');
    if (!s.start || !el || Number(el.textContent.replace(/[^0-9]/g, '')) !== 1) return;
    observer.disconnect();
    requestAnimationFrame(() => { s.found = performance.now(); });
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
}"""


class ZapisSide:
    """Our server with n records waiting, and a copy of the root coordinator's device before them."""

    def __init__(self, playwright, tmp, typing=3.0):
        self.playwright = playwright
        self.tmp = tmp
        self.typing = typing
        self.server = None

    def start(self, n):
        from client import Client
        from drive import create_invite, join, open_settings_item, wait_offline_ready
        from server import create_app
        from server.cli import new_workspace
        from server.extensions import db

        self.n = n
        folder = os.path.join(self.tmp, "zapis-%d" % n)
        os.makedirs(folder)
        url = migrated_sqlite(folder)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            ws, token = new_workspace()
            workspace = ws.id
            db.session.remove()
            db.engine.dispose()
        self.server = GunicornServer(url, folder).start()
        self.template = os.path.join(folder, "root", "profile")
        chromium = Chromium(self.playwright, self.template).start()
        try:
            page = chromium.page()
            log("zapis: the root coordinator sets the workspace up in Chromium")
            join(page, "%s/setup#t=%s&w=%s" % (self.server.url, token, workspace))
            wait_offline_ready(page)
            volunteer = Client.enroll_link(create_invite(page, "Volunteer"))
            number = volunteer.safety_number()
            open_settings_item(page, "Devices")
            card = page.locator(".device").filter(has_text="Volunteer")
            card.get_by_text(number, exact=True).wait_for()
            card.get_by_role("button", name="Certify").click()
            card.get_by_role("button", name="They match: certify").click()
            card = page.locator(".device").filter(has_text="Volunteer")
            card.get_by_text("Verified", exact=True).wait_for()
            page.wait_for_timeout(1000)
        finally:
            chromium.stop()
        volunteer.pull()
        log("zapis: the volunteer saves and pushes %d records" % n)
        t = time.monotonic()
        for start in range(0, n, 5000):
            for i in range(start, min(n, start + 5000)):
                volunteer.save(incident_fields(i))
            counts = volunteer.push()
            assert counts["refused"] == 0, counts
        log("zapis: %d records stored in %.0f s" % (n, time.monotonic() - t))
        return self

    def run(self, rate, timeout, cpu_profile=False):
        out = self._run(rate, timeout, cpu_profile)
        out["stored"] = stored_bytes(os.path.join(self.tmp, "run", "profile"))
        return out

    def _run(self, rate, timeout, cpu_profile=False):
        profile = os.path.join(self.tmp, "run", "profile")
        shutil.rmtree(os.path.dirname(profile), ignore_errors=True)
        shutil.copytree(self.template, profile, symlinks=True,
                        ignore=shutil.ignore_patterns("Singleton*", "DevToolsActivePort"))
        chromium = Chromium(self.playwright, profile).start()
        try:
            page = chromium.page()
            page.goto(self.server.url + "/")
            field = page.get_by_label("Passphrase")
            field.wait_for()
            # A person takes seconds to type six words; the app uses them (its crypto workers load
            # on the lock screen). --typing 0 clicks at once.
            page.wait_for_timeout(self.typing * 1000)
            field.fill(PASSPHRASE)
            probe = Probe(chromium, page, rate, profile_workers=cpu_profile)
            page.evaluate(WATCH, [self.n])
            probe.counting = True
            if cpu_profile:
                probe.cdp.send("Profiler.enable")
                probe.cdp.send("Profiler.setSamplingInterval", {"interval": 1000})
                probe.cdp.send("Profiler.start")
            cpu = CpuTally({"chromium": chromium.proc.pid, "gunicorn": self.server.proc.pid}).start()
            page.get_by_role("button", name="Unlock").click()
            try:
                # A person watching the count touches the screen now and then; without it the
                # app's idle lock (5 minutes by default) would lock it mid-catch-up.
                state = wait_sampling(probe, lambda: (lambda s: s if s["all"] else None)(
                    page.evaluate("window.__catchUp")), timeout, "zapis catch-up",
                    tick=lambda: page.evaluate("window.dispatchEvent(new Event('scroll'))"))
            except TimeoutError:
                s = page.evaluate("window.__catchUp")
                raise TimeoutError("not done after %d s: the list said %d of %d records "
                                   "(first listed at %.1f s)"
                                   % (timeout, max(s["last"], 0), self.n, (s["first"] - s["start"]) / 1000
                                      if s["first"] else float("nan"))) from None
            cpu.stop()
            main_profile = probe.cdp.send("Profiler.stop")["profile"] if cpu_profile else None
            worker_profiles = probe.stop_profiles() if cpu_profile else []
            keep_profiles(main_profile, worker_profiles)
            split = split_profile(main_profile) if cpu_profile else None
            worker_split = [split_profile(p) for p in worker_profiles]
            received, requests, paths = probe.bytes()
            probe.counting = False
            # Searchable: the last record's own word finds exactly it.
            page.evaluate(SEARCH)
            page.get_by_label("Search").fill("z%dq" % (self.n - 1))
            page.wait_for_function("() => window.__search && window.__search.found > 0",
                                   timeout=timeout * 1000)
            search = page.evaluate("window.__search.found - window.__search.start")
            probe.sample()
            probe.close()
            return {"unlocked": state["opened"] - state["start"], "first": state["first"] - state["start"],
                    "all": state["all"] - state["start"], "search": search,
                    "done": state["all"] - state["start"] + search,
                    "heap": probe.peak, "main heap": probe.main_peak, "workers": len(probe.workers),
                    "bytes": received, "requests": requests, "counts": state["counts"], "paths": paths,
                    "split": split, "worker split": worker_split, "cpu": cpu.summary()}
        except TimeoutError:
            raise
        except Exception:
            try:
                page.screenshot(path=os.path.join(self.tmp, "zapis-fail.png"))
                log("zapis run failed; the page says:", page.locator("body").inner_text()[:400])
            except Exception:  # noqa: BLE001
                pass
            raise
        finally:
            chromium.stop()

    def stop(self):
        if self.server:
            self.server.stop()


# -- PouchDB -----------------------------------------------------------------------------------

POUCH_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>PouchDB catch-up</title>
<script src="/_bench/pouchdb.min.js"></script><body><p>PouchDB</p></body></html>"""

REPLICATE = """([remote, n, batch]) => {
  const s = window.__pouch = { start: performance.now(), first: 0, complete: 0, all: 0, count: 0,
    error: null };
  const local = new PouchDB('catchup');
  PouchDB.replicate(remote, local, { batch_size: batch })
    .on('change', (info) => { if (!s.first && info.docs_written > 0) s.first = performance.now(); })
    .on('complete', async () => {
      s.complete = performance.now();
      s.count = (await local.info()).doc_count;
      s.all = performance.now();
    })
    .on('error', (err) => { s.error = String(err && (err.message || err.name || err)); });
  return local.adapter;
}"""


class PouchSide:
    """PouchDB Server with n documents of our records' bytes, and PouchDB in Chromium pulling them."""

    def __init__(self, playwright, tmp):
        self.playwright = playwright
        self.tmp = tmp
        self.peer = None

    def start(self, n):
        import peer_pouchdb

        self.n = n
        self.peer = peer_pouchdb.make(1, os.path.join(self.tmp, "pouch-%d" % n)).start()
        self.script = os.path.join(peer_pouchdb.PREFIX, "node_modules", "pouchdb", "dist", "pouchdb.min.js")
        with open(os.path.join(peer_pouchdb.PREFIX, "node_modules", "pouchdb", "package.json")) as f:
            import json

            self.version = json.load(f)["version"]
        log("pouchdb: storing %d documents" % n)
        s = session()
        for start in range(0, n, 1000):
            docs = [{"_id": "r%07d" % i, **same_payload()} for i in range(start, min(n, start + 1000))]
            assert peer_pouchdb.push_docs(s, self.peer.base, "bench", docs, batch=1000) == 0
        return self

    def run(self, rate, timeout):
        out = self._run(rate, timeout)
        out["stored"] = stored_bytes(os.path.join(self.tmp, "run", "profile"))
        return out

    def _run(self, rate, timeout):
        profile = os.path.join(self.tmp, "run", "profile")
        shutil.rmtree(os.path.dirname(profile), ignore_errors=True)
        chromium = Chromium(self.playwright, profile).start()
        try:
            page = chromium.page()
            base = self.peer.base
            page.route(base + "/_bench/page.html", lambda route: route.fulfill(
                status=200, content_type="text/html", body=POUCH_PAGE))
            page.route(base + "/_bench/pouchdb.min.js", lambda route: route.fulfill(
                status=200, content_type="text/javascript", path=self.script))
            page.goto(base + "/_bench/page.html")
            page.wait_for_function("() => typeof PouchDB === 'function'")
            probe = Probe(chromium, page, rate)
            probe.counting = True
            cpu = CpuTally({"chromium": chromium.proc.pid, "pouchdb-server": self.peer.proc.pid}).start()
            adapter = page.evaluate(REPLICATE, [base + "/bench", self.n, POUCH_BATCH])

            def done():
                s = page.evaluate("window.__pouch")
                if s["error"]:
                    raise RuntimeError("PouchDB: " + s["error"])
                return s if s["all"] else None

            state = wait_sampling(probe, done, timeout, "pouchdb replication")
            cpu.stop()
            received, requests, paths = probe.bytes()
            probe.close()
            if state["count"] != self.n:
                raise RuntimeError("PouchDB holds %d of %d documents" % (state["count"], self.n))
            return {"first": state["first"] - state["start"], "all": state["all"] - state["start"],
                    "done": state["all"] - state["start"], "heap": probe.peak, "main heap": probe.main_peak,
                    "bytes": received, "requests": requests, "adapter": adapter, "paths": paths,
                    "cpu": cpu.summary()}
        finally:
            chromium.stop()

    def stop(self):
        if self.peer:
            self.peer.stop()


# -- the report --------------------------------------------------------------------------------

def med(runs, key):
    return statistics.median(r[key] for r in runs)


def secs(ms):
    return "%.1f s" % (ms / 1000)


def table(results, ns, rates):
    out = ["| N | CPU | Zapis: unlock → first listed | Zapis: unlock → all listed + search (of which "
           "unlock; search) | Zapis peak JS heap | Zapis received | PouchDB: replicate → first docs | "
           "PouchDB: replicate → all N in IndexedDB | PouchDB peak JS heap | PouchDB received | "
           "Zapis ÷ PouchDB, time | Zapis ÷ PouchDB, bytes |",
           "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n in ns:
        for rate in rates:
            z, p = results.get((n, rate, "zapis")), results.get((n, rate, "pouchdb"))
            zc = ["—"] * 4 if not z else [
                secs(med(z, "first")),
                "%s (%s; %d ms)" % (secs(med(z, "done")), secs(med(z, "unlocked")), med(z, "search")),
                "%.0f MB" % (med(z, "heap") / 1e6), "%.1f MB" % (med(z, "bytes") / 1e6)]
            pc = ["—"] * 4 if not p else [
                secs(med(p, "first")), secs(med(p, "done")), "%.0f MB" % (med(p, "heap") / 1e6),
                "%.1f MB" % (med(p, "bytes") / 1e6)]
            ratio = ["—", "—"]
            if z and p:
                ratio = ["%.2f×" % (med(z, "done") / med(p, "done")),
                         "%.2f" % (med(z, "bytes") / med(p, "bytes"))]
            out.append("| {:,} | ×{} | {} |".format(n, rate, " | ".join(zc + pc + ratio)))
    return "\n".join(out)


def growth(results, ns, rates):
    if len(ns) < 2:
        return ""
    a, b = ns[0], ns[-1]
    out = ["| CPU | Zapis %s→%s | PouchDB %s→%s | records ×%g |" % (f"{a:,}", f"{b:,}",
                                                                    f"{a:,}", f"{b:,}", b / a),
           "| ---: | ---: | ---: | ---: |"]
    for rate in rates:
        cells = []
        for side in ("zapis", "pouchdb"):
            x, y = results.get((a, rate, side)), results.get((b, rate, side))
            cells.append("%.2f×" % (med(y, "done") / med(x, "done")) if x and y else "—")
        out.append("| ×%d | %s | %s | %g |" % (rate, cells[0], cells[1], b / a))
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", default="1000", help="record counts, comma-separated (1000; the issue's "
                        "rows: 10000,50000)")
    parser.add_argument("--cpu", default="1,4", help="CPU throttling rates (1,4)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each row, median taken (1)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds one run may take (1800); a run "
                        "that takes longer is a note saying how far it got")
    parser.add_argument("--sides", default="zapis,pouchdb")
    parser.add_argument("--typing", type=float, default=3.0, help="seconds the lock screen shows before "
                        "the passphrase is typed and Unlock clicked, as a person types one (3; 0: at once)")
    parser.add_argument("--profile", action="store_true", help="also take CPU profiles of the main "
                        "thread and the crypto workers in each Zapis run and print where their time went "
                        "(the profiler slows it)")
    parser.add_argument("--out", help="also write the report (markdown) to this file")
    args = parser.parse_args(argv)
    ns = [int(x) for x in args.n.split(",")]
    rates = [int(x) for x in args.cpu.split(",")]
    sides = args.sides.split(",")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from playwright.sync_api import sync_playwright

    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "pwa", "server", "sync"],
                           capture_output=True, text=True).stdout.strip()
    started = datetime.datetime.now(datetime.UTC)
    loads = ["start: %.2f %.2f %.2f" % os.getloadavg()]
    results, notes, versions = {}, [], {}
    tmp = tempfile.mkdtemp(prefix="catch-up-")
    try:
        with sync_playwright() as p:
            for n in ns:
                made = {}
                try:
                    if "zapis" in sides:
                        made["zapis"] = ZapisSide(p, tmp, args.typing).start(n)
                    if "pouchdb" in sides:
                        made["pouchdb"] = PouchSide(p, tmp).start(n)
                        versions["pouchdb"] = made["pouchdb"].version
                    for rate in rates:
                        for r in range(args.runs):
                            for name, side in made.items():
                                before = "%.2f" % os.getloadavg()[0]
                                log("%s: N=%d CPU ×%d, run %d" % (name, n, rate, r + 1))
                                try:
                                    out = (side.run(rate, args.timeout, args.profile) if name == "zapis"
                                           else side.run(rate, args.timeout))
                                except Exception as exc:  # noqa: BLE001 - a failed run is a note
                                    traceback.print_exc()
                                    notes.append("%s N=%d ×%d run %d failed: %s" % (name, n, rate, r + 1,
                                                                                  str(exc).splitlines()[0][:300]))
                                    continue
                                results.setdefault((n, rate, name), []).append(out)
                                loads.append("%s N=%d ×%d run %d: %s → %.2f" % (name, n, rate, r + 1, before,
                                                                              os.getloadavg()[0]))
                                log(name, {k: (round(v) if isinstance(v, float) else v)
                                           for k, v in out.items() if k != "counts"})
                finally:
                    for side in made.values():
                        side.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finished = datetime.datetime.now(datetime.UTC)

    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    report = ["# A coordinator's phone catches up: Zapis and PouchDB, %s" % started.strftime("%Y-%m-%d"), "",
              "`%s` on %s, %d cores; %s; started %s, finished %s (UTC)." % (
                  " ".join(["bench/catch_up.py"] + (argv if argv is not None else sys.argv[1:])),
                  platform.node() or "this machine", os.cpu_count(), chromium, started.strftime("%H:%M"),
                  finished.strftime("%H:%M")),
              "Our code: the work tree at %s%s; PouchDB %s (browser build) replicating from "
              "pouchdb-server 4.2.0, batch_size %d. Medians of %d run(s) a row. The Zapis lock screen showed "
              "for %g s before Unlock was clicked (`--typing`)." % (
                  commit, " with local edits" if dirty else "", versions.get("pouchdb", "—"), POUCH_BATCH,
                  args.runs, args.typing), "",
              "A record carries %d random bytes pushed (%d pulled by the root: its own wrap only); a PouchDB "
              "document carries the same %d as base64url members." % (payload_bytes(), payload_bytes(1),
                                                                      payload_bytes()), "",
              table(results, ns, rates), ""]
    g = growth(results, ns, rates)
    if g:
        report += ["How the time grows (all listed + search; PouchDB all in IndexedDB):", "", g, ""]
    report += ["Load average (1 min) before → after each run; the machine is shared, so read each row's "
               "ratio (its two runs were back to back), not absolute figures across rows:", ""]
    report += ["- " + line for line in loads]
    details = []
    for (n, rate, name), runs in sorted(results.items()):
        for r in runs:
            top = sorted(r["paths"].items(), key=lambda kv: -kv[1][1])[:4]
            where = "; ".join("%s ×%d %.1f MB" % (path, c, b / 1e6) for path, (c, b) in top)
            if name == "zapis":
                counts = r["counts"]
                step = max(1, len(counts) // 12)
                details.append("zapis N={:,} ×{}: {} requests ({}); workers {}; main-thread heap peak "
                               "{:.0f} MB; count line over time (ms: count): {}".format(
                                   n, rate, r["requests"], where, r["workers"], r["main heap"] / 1e6,
                                   ", ".join("%d: %d" % tuple(c) for c in counts[::step] + [counts[-1]])))
                details.append("zapis N={:,} ×{} CPU from the click to all listed: {}; IndexedDB on disk "
                               "after the run {:.0f} MB".format(n, rate, r["cpu"], r["stored"] / 1e6))
            else:
                details.append("pouchdb N={:,} ×{}: {} requests ({}); adapter {}; first docs at {:.1f} s"
                               .format(n, rate, r["requests"], where, r["adapter"], r["first"] / 1000))
                details.append("pouchdb N={:,} ×{} CPU from the call to all in IndexedDB: {}; IndexedDB on "
                               "disk after the run {:.0f} MB".format(n, rate, r["cpu"], r["stored"] / 1e6))
    report += ["", "Details:", ""] + ["- " + d for d in details]
    for (n, rate, _name), runs in sorted(results.items()):
        for r in runs:
            if r.get("split"):
                total, files, fns = r["split"]
                report += ["", f"Where the main thread's time went, Zapis N={n:,} ×{rate} (CPU profile, "
                           f"{total / 1000:.1f} s sampled; self time):", "",
                           "| by file | s | share |", "| --- | ---: | ---: |"]
                report += ["| %s | %.1f | %.0f%% |" % (k, ms / 1000, 100 * ms / total) for k, ms in files]
                report += ["", "| by function | s | share |", "| --- | ---: | ---: |"]
                report += ["| %s | %.1f | %.0f%% |" % (k.replace("|", "/"), ms / 1000, 100 * ms / total)
                           for k, ms in fns]
            for i, (total, _files, fns) in enumerate(r.get("worker split") or []):
                report += ["", f"Where crypto worker {i + 1}'s time went, Zapis N={n:,} ×{rate} "
                           f"({total / 1000:.1f} s sampled; self time):", "",
                           "| by function | s | share |", "| --- | ---: | ---: |"]
                report += ["| %s | %.1f | %.0f%% |" % (k.replace("|", "/"), ms / 1000, 100 * ms / total)
                           for k, ms in fns]
    if notes:
        report += ["", "Notes:", ""] + ["- " + n for n in notes]
    text = "\n".join(report) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
