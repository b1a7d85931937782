"""Driving the app like a person would: helpers shared by the browser tests."""

import json
import os
import re

from playwright.sync_api import expect

PASSPHRASE = "kettle river seven mittens"
AXE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor", "axe-core", "axe.min.js")

# Everything the page can reach of its own storage, read raw: what a seized phone gives up.
DUMP_STORAGE = """async () => {
  const out = {local: {...localStorage}, session: {...sessionStorage}, databases: {}};
  const enc = (v) => {
    // Bytes are read as UTF-8 text, so a plaintext stored as bytes would still show.
    if (v instanceof ArrayBuffer) return new TextDecoder().decode(v);
    if (ArrayBuffer.isView(v)) return new TextDecoder().decode(v);
    if (v instanceof CryptoKey) return {cryptoKey: v.type, extractable: v.extractable};
    return v;
  };
  // The page's own databases, and those in each storage bucket (the app keeps its data in buckets
  // where the browser has them: store/buckets.js).
  const places = [['', indexedDB]];
  for (const b of navigator.storageBuckets ? await navigator.storageBuckets.keys() : []) {
    places.push([b + '/', (await navigator.storageBuckets.open(b)).indexedDB]);
  }
  for (const [where, factory] of places) for (const {name: dbName} of await factory.databases()) {
    const name = where + dbName;
    const db = await new Promise((ok, fail) => {
      const r = factory.open(dbName);
      r.onsuccess = () => ok(r.result);
      r.onerror = fail;
    });
    const stores = {};
    for (const s of db.objectStoreNames) {
      stores[s] = await new Promise((ok, fail) => {
        const rows = [];
        const req = db.transaction(s).objectStore(s).openCursor();
        req.onsuccess = () => {
          const c = req.result;
          if (!c) return ok(rows);
          rows.push([c.key, c.value]);
          c.continue();
        };
        req.onerror = fail;
      });
    }
    db.close();
    out.databases[name] = stores;
  }
  return JSON.stringify(out, (k, v) => enc(v));
}"""

LEFTOVERS = """async () => ({
  databases: (await indexedDB.databases()).map((d) => d.name),
  buckets: navigator.storageBuckets ? await navigator.storageBuckets.keys() : [],
  caches: await caches.keys(),
  workers: (await navigator.serviceWorker.getRegistrations()).length,
  local: localStorage.length,
  session: sessionStorage.length,
})"""


def join(page, link, passphrase=PASSPHRASE):
    """Open an invite (or setup) link and choose the passphrase; wait for the record list."""
    page.goto(link)
    page.get_by_role("button", name="Type my own passphrase").click()  # a generated one is offered first
    page.get_by_label("Passphrase", exact=True).fill(passphrase)
    page.get_by_label("Passphrase again").fill(passphrase)
    page.get_by_role("button", name=re.compile("^(Join|Set up)$")).click()
    # Joining checks the passphrase (the estimator's dictionaries load first), derives the vault
    # key (1.2 million PBKDF2 rounds) and enrolls: on a loaded CI machine more than 30 s at times.
    page.get_by_role("heading", name="Records").wait_for(timeout=90000)


def wait_offline_ready(page):
    """Wait until the service worker is active and its cache holds the shell."""
    page.evaluate("""async () => {
      await navigator.serviceWorker.ready;
      for (let i = 0; i < 100; i++) {
        const keys = await caches.keys();
        if (keys.length && await (await caches.open(keys[0])).match('/')) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the shell was never cached');
    }""")


def wait_all_sent(page, timeout=30000):
    """Wait until the outbox is empty and the sync line says everything was sent and a sync
    succeeded (the line alone may still show a run from before the last save)."""
    for _ in range(timeout // 100):
        if not page.evaluate(STORE_CALL, ["outbox", "count", [], "readonly"]):
            break
        page.wait_for_timeout(100)
    try:
        all_sent = page.locator(".sync-line").filter(has_text=re.compile(r"^All sent · last sync"))
        all_sent.wait_for(timeout=timeout)
    except Exception as e:
        raise AssertionError(f"the sync line still says: {page.locator('.sync-line').inner_text()!r}") from e


def unlock(page, passphrase=PASSPHRASE):
    """Type the passphrase on the lock screen and wait for the list."""
    page.get_by_label("Passphrase").fill(passphrase)
    page.get_by_role("button", name="Unlock").click()
    page.get_by_role("heading", name="Records").wait_for()


def storage_dump(page):
    """Every value in IndexedDB, local and session storage, as one string."""
    return page.evaluate(DUMP_STORAGE)


def leftovers(page):
    """What is left of the app in the browser: databases, caches, workers, storage."""
    return page.evaluate(LEFTOVERS)


def axe(page, path):
    """Run axe-core on the page; return its serious and critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        with open(path, encoding="utf-8") as f:
            page.evaluate(f.read() + "\n;0")
    result = page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({id: v.id, impact: v.impact,
                      nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}));
    }""")
    return result


def horizontal_overflow(page):
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def dumps(value):
    return json.dumps(value, ensure_ascii=False)



def new_workspace(db_url):
    """Create a workspace straight in the database; return (workspace id, setup token)."""
    from server import create_app
    from server.cli import new_workspace as create
    from server.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "TESTING": True})
    with app.app_context():
        ws, token = create()
        result = ws.id, token
        db.session.remove()
        db.engine.dispose()
    return result


# The IDBFactory that holds one of the app's object stores: the vault's bucket or the data's, where
# the browser has Storage Buckets (store/buckets.js); the page's own otherwise. As a JS expression.
APP_DATABASES = """(async (store) => navigator.storageBuckets
  ? (await navigator.storageBuckets.open(store === 'vault' ? 'zapis-vault' : 'zapis-data')).indexedDB
  : indexedDB)"""

# One request on one object store of the app's database, run in the page: (store, method, args).
STORE_CALL = """async ([store, method, args, mode]) => {
  const appDatabases = """ + APP_DATABASES + """;
  const factory = await appDatabases(store);
  const db = await new Promise((ok, fail) => {
    const r = factory.open('zapis');
    // Never make the database here (the app owns its schema), and never wait for ever.
    r.onupgradeneeded = () => r.transaction.abort();
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
    r.onblocked = () => fail(new Error('the database is blocked'));
  });
  const tx = db.transaction(store, mode);
  const result = await new Promise((ok, fail) => {
    const r = tx.objectStore(store)[method](...args);
    r.onsuccess = () => ok(r.result);
    r.onerror = fail;
  });
  await new Promise((ok) => { tx.oncomplete = ok; if (mode === 'readonly') ok(); });
  db.close();
  return result;
}"""


def read_store(page, store, key=None):
    """Every value of one object store of the app's database, or the value under `key`."""
    if key is None:
        return page.evaluate(STORE_CALL, [store, "getAll", [], "readonly"])
    return page.evaluate(STORE_CALL, [store, "get", [key], "readonly"])


def write_store(page, store, value, key):
    """Put a value straight into one object store (to set up a state a test needs)."""
    page.evaluate(STORE_CALL, [store, "put", [value, key], "readwrite"])


def setup_link(server):
    """A fresh workspace's setup link (its first coordinator is whoever opens it)."""
    workspace, token = new_workspace(server.db_url)
    return "%s/setup#t=%s&w=%s" % (server.url, token, workspace), workspace


def open_settings_item(page, name):
    """Settings, then one of its screens (Sync, Devices, Invites)."""
    page.get_by_role("button", name="Settings", exact=True).click()
    page.get_by_role("button", name=name, exact=True).click()
    page.get_by_role("heading", name=name, exact=True).wait_for()


def create_invite(page, role="Volunteer"):
    """A coordinator's browser makes an invite; returns the link it shows once."""
    open_settings_item(page, "Invites")
    page.get_by_label("Role of the person invited").select_option(label=role)
    page.get_by_role("button", name="Create the invite").click()
    field = page.get_by_role("textbox", name="Invite link")
    field.wait_for()
    expect(page.get_by_role("img", name="QR code of the invite link")).to_be_visible()
    return field.input_value()


def safety_number(page):
    """This device's safety number as its settings show it (what a coordinator compares)."""
    page.get_by_role("button", name="Settings", exact=True).click()
    row = page.locator(".row").filter(has=page.get_by_text("Safety number", exact=True))
    text = row.locator("code").inner_text()
    page.get_by_role("button", name="Records", exact=True).click()
    return text


def sync_runs(page):
    """How many sync runs this page has seen finish."""
    return int(page.locator(".sync-line").get_attribute("data-runs") or 0)


def wait_sync_run(page, after, timeout=30000):
    """Wait until a sync run later than the `after`-th has finished."""
    page.wait_for_function("(n) => Number(document.querySelector('.sync-line').dataset.runs) > n", arg=after,
                           timeout=timeout)


def sync_now(page, timeout=30000):
    """Open the sync screen from the status line and sync; wait for that run to end well."""
    before = sync_runs(page)
    page.locator(".sync-open").click()
    page.get_by_role("heading", name="Sync", exact=True).wait_for()
    page.get_by_role("button", name="Sync now").click()
    wait_sync_run(page, before, timeout=timeout)
    wait_all_sent(page, timeout=timeout)


def db_rows(db_url, sql, **params):
    """Rows of a query straight on the server's database (what someone who seized it would read)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()
