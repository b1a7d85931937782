"""Driving the app like a person would: helpers shared by the browser tests."""

import json
import os
import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

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


# Joining checks the passphrase (the estimator's dictionaries load first), derives the vault key
# (1.2 million PBKDF2 rounds) and enrolls; unlocking derives the key again. Seconds on a quiet
# machine, a minute or more on a loaded one (the travel-mode test's join timed out at 90 s). So the
# wait is for a state, the record list or the join or lock screen's error, not for a guess of the
# time: it fails at once on an error, and only gives up after OPEN_LIMIT_MS, a bound for a hang.
OPEN_LIMIT_MS = 300000
# A failed join says why on its screen; a failed unlock too, once the field is back and emptied
# (the error of an earlier attempt stays on the screen while the next one runs).
OPENED_OR_FAILED = """() => {
  const heading = [...document.querySelectorAll('main h1')].find((h) => h.textContent.trim() === 'Records');
  if (heading) return 'opened';
  const join = document.querySelector('.screen.join .error');
  if (join && join.textContent.trim()) return 'failed: ' + join.textContent.trim();
  const lock = document.querySelector('.lock-screen .error');
  const field = document.querySelector('.lock-screen input');
  if (lock && lock.textContent.trim() && field && !field.disabled && !field.value) {
    return 'failed: ' + lock.textContent.trim();
  }
  return null;
}"""


def wait_opened(page):
    """Wait until the join, setup or unlock submitted on this page ends: the record list, or an error."""
    outcome = page.wait_for_function(OPENED_OR_FAILED, timeout=OPEN_LIMIT_MS, polling=250).json_value()
    assert outcome == "opened", outcome
    page.get_by_role("heading", name="Records").wait_for()


def join(page, link, passphrase=PASSPHRASE):
    """Open an invite (or setup) link and choose the passphrase; wait for the record list."""
    page.goto(link)
    page.get_by_role("button", name="Type my own passphrase").click()  # a generated one is offered first
    field = page.get_by_label("Passphrase", exact=True)
    try:
        field.wait_for(state="visible")
    except PlaywrightTimeout as exc:
        # Seen once in CI (2026-12-04): the field stayed hidden. Say what the screen showed instead.
        raise AssertionError("the join screen shows no passphrase field; it says: %r"
                             % " ".join(page.locator("body").inner_text().split())[:600]) from exc
    field.fill(passphrase)
    page.get_by_label("Passphrase again").fill(passphrase)
    page.get_by_role("button", name=re.compile("^(Join|Set up)$")).click()
    wait_opened(page)


def setup_root(make_context, server, **options):
    """A fresh workspace set up in a browser: its first coordinator's (context, page)."""
    ctx = make_context(**options)
    page = ctx.new_page()
    join(page, setup_link(server)[0])
    return ctx, page


def join_invite(make_context, invite, offline_ready=True, **options):
    """Someone opens an invite in a browser of their own and joins: (context, page)."""
    ctx = make_context(**options)
    page = ctx.new_page()
    join(page, invite)
    if offline_ready:
        wait_offline_ready(page)
    return ctx, page


def enroll_volunteer(make_context, coordinator, server, **options):
    """A volunteer in a browser, certified by the reference client playing the coordinator:
    (context, page, device id, the enrollment's answer)."""
    ctx = make_context(**options)
    page = ctx.new_page()
    answers = []
    page.on("response", lambda r: answers.append(r.json()) if r.url.endswith("/api/enroll") else None)
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    device = read_store(page, "meta", "device")["device"]
    coordinator.certify(device)
    return ctx, page, device, answers[0]


def certify(coord, label, number=None):
    """A coordinator's browser certifies the device shown as `label` (after comparing its safety
    `number`, when given, out of band)."""
    open_settings_item(coord, "Devices")
    card = coord.locator(".device").filter(has_text=label)
    if number:
        card.get_by_text(number, exact=True).wait_for()
    card.get_by_role("button", name="Certify").click()
    card.get_by_role("button", name="They match: certify").click()
    verified = coord.locator(".device").filter(has_text=label).get_by_text("Verified", exact=True)
    expect(verified).to_be_visible()


def new_incident(page, description, city=None, tags=None):
    """Save a bank incident in Poland; returns the address the page shows (no record id in it)."""
    page.get_by_role("button", name="+ Incident").click()
    page.get_by_label("What kind of incident *").select_option("bank")
    page.get_by_label("Country *").select_option("PL")
    if city is not None:
        page.get_by_label("City or town").fill(city)
    page.get_by_label("What happened *").fill(description)
    if tags is not None:
        page.get_by_label("Tags").fill(tags)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Edit").wait_for()
    return page.evaluate("() => location.hash")


def new_need(page, description, category="accommodation", urgency=None, city=None, contact=None):
    """Save a need in Lithuania."""
    page.get_by_role("button", name="+ Need").click()
    page.get_by_label("What is needed *").select_option(category)
    if urgency is not None:
        page.locator(".option").get_by_text(urgency, exact=True).click()
    page.get_by_label("Country *").select_option("LT")
    if city is not None:
        page.get_by_label("City or town").fill(city)
    page.get_by_label("Details of the need *").fill(description)
    if contact is not None:
        page.get_by_label("Contact", exact=True).fill(contact)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Edit").wait_for()


def open_record(page, text):
    """The list, then the record that shows `text`."""
    page.get_by_role("button", name="Records", exact=True).click()
    page.locator(".record-item").filter(has_text=text).click()
    page.get_by_role("button", name="Edit").wait_for()


def check_screen(page, problems, name):
    """axe-core and the 360 px width on the screen shown now; what is wrong goes into `problems`."""
    overflow = horizontal_overflow(page)
    violations = axe(page, AXE)
    if overflow > 0 or violations:
        problems[name] = {"overflow": overflow, "violations": violations}


def count(server, sql, **params):
    """The first column of the first row of a query on the server's database."""
    return db_rows(server.db_url, sql, **params)[0][0]


def background_sync(ctx, server, tag="zapis-push"):
    """Fire the service worker's Background Sync event `tag`, as the browser does once online, from
    a page of the origin where the app does not run (the calculator); returns that page."""
    calc = ctx.new_page()
    calc.goto(server.url + "/calc")
    cdp = ctx.new_cdp_session(calc)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    calc.wait_for_function("() => true")
    for _ in range(50):
        if registrations:
            break
        calc.wait_for_timeout(100)
    registration = next(r for r in registrations if r["scopeURL"] == server.url + "/")
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": server.url, "tag": tag, "lastChance": False,
                                                 "registrationId": registration["registrationId"]})
    return calc


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
    wait_opened(page)


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

# Records saved straight through the app's own modules (as bench/pwa_budget.py seeds them): the
# volunteer's session, a second one on the same store, saving `count` records of about 1.2 KB.
SEED = """async ([count, passphrase]) => {
  const { Session } = await import('/static/js/session.js');
  const { LocalStore } = await import('/static/js/store/local.js');
  const { openStorage } = await import('/static/js/store/buckets.js');
  const { OPTIONS, normalize, blank } = await import('/static/js/forms.js');
  const session = new Session(new LocalStore(openStorage()), { wipe: async () => {} });
  await session.init();
  if ((await session.unlock(passphrase)).status !== 'open') throw new Error('could not unlock');
  const words = ('bank account closed refused passport residence permit landlord flat school child '
    + 'border queue').split(' ');
  for (let i = 0; i < count; i++) {
    const kind = i % 3 ? 'incident' : 'need';
    const form = blank(kind, '2025-03-14');
    const text = Array.from({ length: 30 }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ');
    Object.assign(form, { category: OPTIONS[kind + '_category'][i % 13], country: OPTIONS.country[i % 30],
      city: 'City ' + (i % 50), description: text });
    await session.records.save({ values: normalize(kind, form) });
  }
  await session.lock();
}"""


# -- the chrome (the bar and the navigation), in every language ---------------------------------

LANGUAGES = ["be", "ru", "uk", "en", "pl", "lt"]
I18N = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pwa", "static", "i18n")


def messages(lang):
    with open(os.path.join(I18N, lang + ".json"), encoding="utf-8") as f:
        return json.load(f)


# Every problem of the chrome's rendering, in words: elements and letters outside the screen or
# outside their own box, and line breaks that fall inside a word. A line break is found by
# comparing the rendered line box of each letter (Range.getClientRects) with the previous letter's:
# it may only come after a space.
CHROME_PROBLEMS = """() => {
  const vw = document.documentElement.clientWidth;
  const problems = [];
  const name = (el) => `${el.tagName.toLowerCase()}.${(el.getAttribute('class') || '').replace(/ /g, '.')}`;
  const roots = [...document.querySelectorAll('header.bar, nav.tabs, .sync-line')]
    .filter((e) => e.checkVisibility());
  for (const root of roots) {
    for (const el of [root, ...root.querySelectorAll('*')]) {
      if (!el.checkVisibility()) continue;
      const r = el.getBoundingClientRect();
      if (r.width > vw + 0.5 || r.left < -0.5 || r.right > vw + 0.5) {
        const at = `${Math.round(r.left)}..${Math.round(r.right)}`;
        problems.push(`${name(el)} is ${Math.round(r.width)} px wide at ${at}, the screen ${vw}`);
      }
    }
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent.checkVisibility() || !node.data.trim()) continue;
      const box = parent.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1) continue; // words kept for screen readers only
      let block = parent;
      while (getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
      const room = block.getBoundingClientRect();
      let lastTop = null;
      let lastChar = ' ';
      for (let i = 0; i < node.data.length; i += 1) {
        const ch = node.data[i];
        if (/\\s/.test(ch)) { lastChar = ch; continue; }
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        if (rect.left < room.left - 0.5 || rect.right > room.right + 0.5 || rect.right > vw + 0.5) {
          problems.push(`"${node.data}": "${ch}" is outside its ${name(block)}`);
          break;
        }
        if (lastTop !== null && rect.top > lastTop + rect.height / 2 && !/\\s/.test(lastChar)) {
          problems.push(`"${node.data}" breaks inside a word before "${node.data.slice(i)}"`);
          break;
        }
        lastTop = rect.top;
        lastChar = ch;
      }
    }
  }
  return problems;
}"""


def settle(page):
    """Two animation frames and a moment: the layout has settled after a change."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.wait_for_timeout(50)


def open_tab(page, view):
    """Follow the navigation to `view`, through the menu when the navigation is folded into one."""
    if page.locator("nav.tabs").get_attribute("data-fit") == "menu":
        page.locator("nav.tabs .menu-toggle").click()
    page.locator(f'nav.tabs .tab[data-view="{view}"]').click()


# Draws `text` as a QR code on a canvas (vendored uqr, as the coordinator's invite screen does)
# and returns it as PNG bytes in base64: a "photo" of the code.
QR_PNG = """async (text) => {
  const { encode } = await import('/static/vendor/uqr/uqr.js');
  const { data, size } = encode(text, { ecc: 'M', border: 4 });
  const scale = 6;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size * scale;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000';
  data.forEach((row, y) => row.forEach((dark, x) => {
    if (dark) ctx.fillRect(x * scale, y * scale, scale, scale);
  }));
  const blob = await new Promise((ok) => canvas.toBlob(ok, 'image/png'));
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}"""
