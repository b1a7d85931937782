"""Would storing a record state's writes as arrays make a catch-up's IndexedDB writes cheaper?
In headless Chromium, a module worker (as the pull worker) puts pages of record states of the
realistic shape (20 live writes as core/record-state.js storedWrite makes them, a wrap) into
IndexedDB in one transaction each, in three forms:

    object  the state as stored today: each write {dot, ctx, nonce, ct}, the wrap an object
    arrays  each write [device, n, ctx, nonce, ct] and the wrap an array, converted just before
            the put (the conversion is timed with it)
    string  the whole state as one JSON string beside its id and version tag

and reports, per page of states (medians, the forms alternated): the time until every put is
queued (the worker's side: the conversion, V8's serialization, the request), the time until the
transaction completes (adds the browser process's side: IndexedDB's backend), and
`structuredClone` of the same page (what a postMessage to a crypto worker costs to serialize and
deserialize). Prints a table; asserts nothing.

    .venv/bin/python bench/state_form.py [--states 500] [--rounds 7]
"""

import argparse
import functools
import http.server
import os
import statistics
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from pwa_budget import ARGS, CHROMIUM  # noqa: E402

FORMS = ("object", "arrays", "string")

PAGE = """<!doctype html><meta charset=utf-8><title>state form</title><script type=module>
window.measure = (states, form, rounds) => new Promise((resolve, reject) => {
  const worker = new Worker('./worker.js', { type: 'module' });
  worker.onmessage = (e) => { resolve(e.data); worker.terminate(); };
  worker.onerror = (e) => reject(new Error(e.message));
  worker.postMessage({ states, form, rounds });
});
</script>"""

WORKER = """
const URL64 = { alphabet: 'base64url', omitPadding: true };
const text = (n) => crypto.getRandomValues(new Uint8Array(n)).toBase64(URL64);
const DEVICE = text(16);
const WORKSPACE = text(16);
function state(i) {
  const fields = {};
  for (let k = 0; k < 20; k++) {
    fields[text(16)] = [{ dot: [DEVICE, 1], ctx: {}, nonce: text(12), ct: text(144) }];
  }
  const id = crypto.randomUUID();
  const wrap = { type: 'zapis/wrap/1', workspace: WORKSPACE, record: id, recipient: DEVICE, sender: DEVICE,
    epk: text(65), nonce: text(12), ct: text(48), sig: text(64) };
  return { id, fields, kd: text(32), v: 'v' + i, wrap };
}
function arrays(s) {
  const f = {};
  for (const [k, live] of Object.entries(s.fields)) {
    f[k] = live.map((w) => [w.dot[0], w.dot[1], w.ctx, w.nonce, w.ct]);
  }
  const w = s.wrap;
  return { id: s.id, v: s.v, kd: s.kd, f,
    w: [w.type, w.workspace, w.record, w.recipient, w.sender, w.epk, w.nonce, w.ct, w.sig] };
}
const FORM = { object: (s) => s, arrays, string: (s) => ({ id: s.id, v: s.v, json: JSON.stringify(s) }) };
const open = (name) => new Promise((resolve, reject) => {
  const request = indexedDB.open(name, 1);
  request.onupgradeneeded = () => {
    request.result.createObjectStore('records', { keyPath: 'id' }).createIndex('v', 'v');
  };
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});
onmessage = async (e) => {
  const { states: n, form, rounds } = e.data;
  const as = FORM[form];
  const db = await open(form + '-' + Math.random());
  const out = { queued: [], done: [], clone: [] };
  for (let r = 0; r <= rounds; r++) {
    const page = Array.from({ length: n }, (_, i) => state(r * n + i));
    const t0 = performance.now();
    const tx = db.transaction('records', 'readwrite');
    const store = tx.objectStore('records');
    for (const s of page) store.put(as(s));
    const t1 = performance.now();
    await new Promise((resolve) => { tx.oncomplete = resolve; });
    const t2 = performance.now();
    structuredClone(page.map(as));
    const t3 = performance.now();
    if (r) { out.queued.push(t1 - t0); out.done.push(t2 - t0); out.clone.push(t3 - t2); } // round 0 warms up
  }
  db.close();
  postMessage(out);
};
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--states", type=int, default=500, help="states a page (500: a pull page's records)")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as root:
        for name, content in (("index.html", PAGE), ("worker.js", WORKER)):
            with open(os.path.join(root, name), "w") as f:
                f.write(content)
        handler = functools.partial(type("Quiet", (http.server.SimpleHTTPRequestHandler,),
                                         {"log_message": lambda *a: None}), directory=root)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        results = {form: {"queued": [], "done": [], "clone": []} for form in FORMS}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    page = browser.new_page()
                    page.goto("http://127.0.0.1:%d/index.html" % server.server_port)
                    for turn in range(2):
                        for form in FORMS if turn == 0 else reversed(FORMS):
                            got = page.evaluate("([n, f, r]) => measure(n, f, r)",
                                                [args.states, form, args.rounds])
                            for key in results[form]:
                                results[form][key] += got[key]
                    version = browser.version
                finally:
                    browser.close()
        finally:
            server.shutdown()
    print("Chromium %s, a module worker, pages of %d record states (20 live writes and a wrap each), "
          "medians of %d pages a form (ms a page):\n" % (version, args.states, 2 * args.rounds))
    print("| form | puts queued (worker) | transaction complete | structuredClone of the page |")
    print("| --- | ---: | ---: | ---: |")
    base = {key: statistics.median(results["object"][key]) for key in ("queued", "done", "clone")}
    for form in FORMS:
        cells = []
        for key in ("queued", "done", "clone"):
            ms = statistics.median(results[form][key])
            cells.append("%.1f" % ms if form == "object" else "%.1f (%.2f×)" % (ms, ms / base[key]))
        print("| %s | %s |" % (form, " | ".join(cells)))


if __name__ == "__main__":
    main()
