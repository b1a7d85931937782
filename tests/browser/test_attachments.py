"""Attachments in Chromium against gunicorn: a photo's EXIF and GPS never reach IndexedDB or the
server; a 10 MB file goes through a connection cut three times and arrives whole on another
device, no chunk stored twice; an attachment's plaintext is nowhere on the server or in a browser
profile on disk; an open attachment's object URL is revoked when its view closes."""

import base64
import hashlib
import io
import os

import pytest
from playwright.sync_api import expect

from client import attachments as ac
from drive import (
    APP_DATABASES,
    AXE,
    PASSPHRASE,
    axe,
    background_sync,
    count,
    db_rows,
    enroll_volunteer,
    horizontal_overflow,
    join,
    new_incident,
    read_store,
    wait_all_sent,
    wait_offline_ready,
)
from servers import GunicornServer
from sync.attachments import assemble, open_chunk

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The server of this module takes files up to 11 MB: the 10 MB test fits, a 12 MB file does not.
MAX_MB = 11


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    """gunicorn on a SQLite database of its own, with a per-attachment limit of MAX_MB."""
    import shutil

    folder = tmp_path_factory.mktemp("attachments")
    path = str(folder / "zapis.sqlite3")
    shutil.copy(sqlite_template, path)
    with GunicornServer("sqlite:///" + path, folder, env={"ZAPIS_ATTACHMENT_MAX_MB": str(MAX_MB)}) as srv:
        srv.db_url = "sqlite:///" + path
        yield srv

CAMERA = "QzCanaryCameraModel5150"
CANARY_TEXT = "QzCanaryAttachmentText7261"

# Every row of the chunks store, blobs as base64 (typed arrays do not cross into Python as bytes).
READ_CHUNKS = """async () => {
  const factory = await """ + APP_DATABASES + """('chunks');
  const db = await new Promise((ok, fail) => {
    const r = factory.open('zapis');
    r.onupgradeneeded = () => r.transaction.abort();
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  const rows = await new Promise((ok, fail) => {
    const r = db.transaction('chunks', 'readonly').objectStore('chunks').getAll();
    r.onsuccess = () => ok(r.result);
    r.onerror = fail;
  });
  db.close();
  const b64 = (u8) => { let s = ''; for (const b of u8) s += String.fromCharCode(b); return btoa(s); };
  return rows.map((r) => ({ ...r, blob: r.blob ? b64(r.blob) : null }));
}"""


# Whether an object URL still gives an image (the page's CSP lets images, not fetch, read blob: URLs).
LOADS = """(u) => new Promise((ok) => {
  const i = new Image(); i.onload = () => ok(true); i.onerror = () => ok(false); i.src = u;
})"""


def gps_jpeg():
    """A JPEG with GPS coordinates, a camera model and a date in its EXIF."""
    from PIL import Image

    img = Image.new("RGB", (640, 480), (200, 40, 40))
    for x in range(0, 640, 8):
        for y in range(0, 480, 8):
            img.putpixel((x, y), (x % 256, y % 256, 90))
    exif = Image.Exif()
    exif[0x010F] = "QzCanaryMaker"           # Make
    exif[0x0110] = CAMERA                     # Model
    exif[0x0132] = "2026:12:01 10:20:30"     # DateTime
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (53.0, 54.0, 7.5), 3: "E", 4: (27.0, 33.0, 42.25)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=95)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)[1] == "N"  # the control: it is there
    return data


def assert_no_metadata(data):
    from PIL import Image

    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG"
    assert dict(img.getexif()) == {} and "exif" not in img.info
    assert not img.getexif().get_ifd(0x8825)
    assert b"Exif" not in data and CAMERA.encode() not in data and b"QzCanaryMaker" not in data
    return img






def attach(page, files):
    page.get_by_label("Choose photos or files").set_input_files(files)
    expect(page.locator(".attachments .status")).to_have_text(
        "Attached and encrypted. It is sent with the next sync.", timeout=60000)


# Every "sending attachments: N%" the sync status line shows, in order.
WATCH_SENDING = """() => {
  const seen = window.__sending = [];
  const line = document.querySelector('.sync-line');
  new MutationObserver(() => {
    const m = line.textContent.match(/sending attachments: (\\d+)%/);
    if (m && Number(m[1]) !== seen.at(-1)) seen.push(Number(m[1]));
  }).observe(line, { subtree: true, childList: true, characterData: true, attributes: true });
}"""


def wait_uploaded(page, timeout=120000):
    """Wait until no chunk waits in the browser's store (each leaves once the server has it)."""
    for _ in range(timeout // 250):
        if not page.evaluate(READ_CHUNKS):
            return
        page.wait_for_timeout(250)
    raise AssertionError("chunks still wait in the browser: %d" % len(page.evaluate(READ_CHUNKS)))


def record_of(page):
    [record] = [r["id"] for r in read_store(page, "records")]
    return record


def test_a_photo_with_gps_exif_reaches_indexeddb_and_the_server_without_any_metadata(
        make_context, coordinator, server, tmp_path):
    ctx, page, *_ = enroll_volunteer(make_context, coordinator, server)
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(gps_jpeg())
    ctx.set_offline(True)
    new_incident(page, "a photo of the notice")
    record = record_of(page)
    attach(page, str(photo))
    # What reached IndexedDB: chunks, encrypted; nothing of the original in any readable form.
    rows = page.evaluate(READ_CHUNKS)
    assert rows and all(r["record"] == record for r in rows)
    blobs = {r["index"]: base64.b64decode(r["blob"]) for r in rows}
    raw = b"".join(blobs.values())
    assert CAMERA.encode() not in raw and b"Exif" not in raw and photo.read_bytes()[:64] not in raw
    expect(page.locator(".attachment")).to_contain_text("Waiting to be sent")
    assert horizontal_overflow(page) <= 0 and axe(page, AXE) == []
    ctx.set_offline(False)
    wait_all_sent(page)
    wait_uploaded(page)
    # Another device lists it at once, and decrypts it to a JPEG without EXIF, GPS or camera.
    coordinator.sync()
    [entry] = ac.listed(coordinator, record)
    assert entry["type"] == "image/jpeg" and entry["name"] == "IMG_0001.jpg" and "thumb" in entry
    from_server, _ = ac.fetch(coordinator, record, entry["id"])
    img = assert_no_metadata(from_server)
    assert img.size == (640, 480)
    # The chunks that were in IndexedDB decrypt, with the key from the record, to the same bytes.
    ws = coordinator.replica.workspace
    assert assemble(entry, ws, record, [blobs[i] for i in range(entry["chunks"])]) == from_server
    assert_no_metadata(open_chunk(entry, ws, record, -1, blobs[-1]))
    assert_no_metadata(ac.thumbnail(coordinator, record, entry))
    # The server's rows are the chunks as the browser made them.
    stored = dict(db_rows(server.db_url, "SELECT idx, data FROM attachment_chunks WHERE record_id = :r",
                          r=record))
    assert {i: bytes(d) for i, d in stored.items()} == blobs
    # The person opens it: shown from an object URL that is revoked when the view closes.
    page.get_by_role("button", name="Open").click()
    shown = page.get_by_role("img", name="IMG_0001.jpg")
    expect(shown).to_be_visible()
    url = shown.get_attribute("src")
    assert url.startswith("blob:")
    assert page.evaluate(LOADS, url)
    page.get_by_role("button", name="Close").click()
    assert not page.evaluate(LOADS, url)


def test_ten_megabytes_through_three_cut_connections_arrive_whole_and_no_chunk_twice(
        make_context, coordinator, server):
    ctx, page, *_ = enroll_volunteer(make_context, coordinator, server)
    data = b"%PDF-1.4\n" + os.urandom(10 * 1024 * 1024 - 9)
    puts = []

    def cut_three_times(route):
        if route.request.method != "PUT":
            return route.continue_()
        puts.append(route.request.url)
        n = len(puts)
        if n in (3, 17):
            return route.abort("connectionreset")      # cut before the server got it
        if n == 9:
            route.fetch()                              # the server stores it...
            return route.abort("connectionreset")      # ...and its answer is lost
        return route.continue_()

    ctx.route("**/attachments/*/chunks/*", cut_three_times)
    new_incident(page, "a bank's letter")
    record = record_of(page)
    page.evaluate(WATCH_SENDING)
    attach(page, [{"name": "letter.pdf", "mimeType": "application/pdf", "buffer": data}])
    expect(page.locator(".attachment")).to_contain_text("PDF document · 10 MB")
    page.locator(".sync-open").click()   # the sync screen shows a run's upload as a bar
    expect(page.get_by_role("progressbar", name="Sending attachments")).to_be_visible(timeout=120000)
    assert axe(page, AXE) == [] and horizontal_overflow(page) <= 0
    wait_uploaded(page, timeout=240000)
    # The status line said how far each run's upload had come, from 0% (a cut run starts again
    # with what is left) to 100%.
    sending = page.evaluate("window.__sending")
    assert sending[0] == 0 and 100 in sending, sending
    assert any(0 < p < 100 for p in sending), sending
    coordinator.sync()
    [entry] = ac.listed(coordinator, record)
    assert entry["chunks"] == 40 and entry["size"] == len(data)
    got, _ = ac.fetch(coordinator, record, entry["id"])
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest()
    # Every chunk once: 40 rows; 42 PUTs (two cut before the server, one answered duplicate-free:
    # the resumed upload asked which chunks the server held and did not send the stored one again).
    rows = db_rows(server.db_url, "SELECT idx, size FROM attachment_chunks WHERE attachment_id = :a",
                   a=entry["id"])
    assert sorted(i for i, _ in rows) == list(range(40))
    assert sum(s for _, s in rows) == len(data) + 40 * 28
    assert len(puts) == 42 and len(set(puts)) == 40


def test_a_locked_page_uploads_waiting_chunks_with_the_push_only_token(make_context, coordinator, server):
    ctx, page, *_ = enroll_volunteer(make_context, coordinator, server)
    # The page pushes while locked (the service worker's Background Sync is not there to do it first).
    ctx.add_init_script("Object.defineProperty(ServiceWorkerRegistration.prototype, 'sync', "
                        "{get: () => undefined})")
    page.reload()
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()
    page.get_by_role("heading", name="Records").wait_for()
    ctx.set_offline(True)
    new_incident(page, "attached offline, sent while locked")
    record = record_of(page)
    body = b"%PDF-1.4\n" + os.urandom(600_000)
    attach(page, [{"name": "notice.pdf", "mimeType": "application/pdf", "buffer": body}])
    page.get_by_role("button", name="Lock").click()
    page.get_by_role("heading", name="Locked").wait_for()
    tokens = []
    page.on("request",
            lambda r: tokens.append(r.headers.get("authorization")) if "/chunks/" in r.url else None)
    ctx.set_offline(False)
    wait_uploaded(page)
    assert len(tokens) == 3 and len(set(tokens)) == 1   # three chunks, all with the one (push-only) token
    coordinator.sync()
    [entry] = ac.listed(coordinator, record)
    assert ac.fetch(coordinator, record, entry["id"])[0] == body


def test_the_service_worker_uploads_waiting_chunks_while_the_app_is_closed(make_context, coordinator, server):
    ctx, page, _, answer = enroll_volunteer(make_context, coordinator, server)
    wait_offline_ready(page)
    ctx.set_offline(True)
    new_incident(page, "attached offline, sent with the app closed")
    record = record_of(page)
    body = b"%PDF-1.4\n" + os.urandom(600_000)
    attach(page, [{"name": "notice.pdf", "mimeType": "application/pdf", "buffer": body}])
    page.close()  # the tab closes with the record in the outbox and its three chunks waiting
    ctx.set_offline(False)
    sent = []
    ctx.on("request", lambda r: sent.append((r.method, r.headers.get("authorization")))
           if "/attachments/" in r.url else None)
    calc = background_sync(ctx, server)
    for _ in range(300):
        if count(server, "SELECT count(*) FROM attachment_chunks") == 3:
            break
        calc.wait_for_timeout(100)
    for _ in range(100):   # each chunk leaves the phone once the server answered for it
        if not calc.evaluate(READ_CHUNKS) and len(sent) == 4:
            break
        calc.wait_for_timeout(100)
    assert calc.evaluate(READ_CHUNKS) == []
    # The worker sent the record, then its chunks, with the push-only token: a GET of which
    # chunks the server holds, and one PUT each.
    assert sorted(m for m, _ in sent) == ["GET", "PUT", "PUT", "PUT"]
    assert {token for _, token in sent} == {"Bearer " + answer["push_token"]}
    coordinator.sync()
    [entry] = ac.listed(coordinator, record)
    got, _ = ac.fetch(coordinator, record, entry["id"])
    assert got == body


def test_an_oversize_file_is_refused_with_a_message_and_the_records_beside_it_still_sync(
        make_context, coordinator, server):
    _ctx, page, *_ = enroll_volunteer(make_context, coordinator, server)
    new_incident(page, "too large")
    big_record = record_of(page)
    big = os.urandom(12 * 1024 * 1024)
    attach(page, [{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": big}])
    # The server says no at the first chunk; the person reads why, in the attachment's row.
    expect(page.locator(".attachment .error")).to_have_text(
        "This file is larger than the server accepts for one attachment. It stays on this device only; "
        "attach a smaller file or a lower-quality photo.", timeout=60000)
    held = db_rows(server.db_url, "SELECT count(*) FROM attachment_chunks WHERE record_id = :r", r=big_record)
    assert held[0][0] == 0
    kept = page.evaluate(READ_CHUNKS)
    assert len(kept) == 48 and all(r["refused"]["code"] == "attachment_too_large" for r in kept)
    # A record saved after it syncs as ever, and the refused one's list reaches the coordinator.
    page.get_by_role("button", name="Records", exact=True).click()
    new_incident(page, "written after the refusal")
    # Every record is sent; the line does not say "all sent" while an attachment stays here.
    expect(page.locator(".sync-line")).to_contain_text("Attachments not sent yet: 1 · last sync",
                                                       timeout=60000)
    for _ in range(120):
        if not read_store(page, "outbox"):
            break
        page.wait_for_timeout(250)
    assert read_store(page, "outbox") == []
    coordinator.sync()
    texts = [coordinator.read(r)["description"]["value"] for r in coordinator.replica.readable()]
    assert "written after the refusal" in texts
    assert [e["name"] for e in ac.listed(coordinator, big_record)] == ["scan.pdf"]
    assert len(page.evaluate(READ_CHUNKS)) == 48  # still kept here, not sent again


def test_an_attachment_is_nowhere_in_plaintext_on_the_server_or_in_the_profile_on_disk(playwright_api, server,
                                                                                       coordinator, tmp_path):
    from forensic import scan
    from test_forensic import open_profile

    folder = tmp_path / "profile"
    ctx, page = open_profile(playwright_api, folder, server)
    try:
        join(page, coordinator.create_invite("volunteer", base_url=server.url))
        coordinator.certify(read_store(page, "meta", "device")["device"])
        new_incident(page, "a recording")
        record = record_of(page)
        body = ("%PDF-1.4\n" + (CANARY_TEXT + "\n") * 2000).encode()
        attach(page, [{"name": "canary.pdf", "mimeType": "application/pdf", "buffer": body}])
        wait_all_sent(page)
        wait_uploaded(page)
        page.get_by_role("button", name="Open").click()
        expect(page.locator(".attachment-viewer h3")).to_have_text("canary.pdf")
        page.get_by_role("button", name="Close").click()
        coordinator.sync()
        [entry] = ac.listed(coordinator, record)
        assert ac.fetch(coordinator, record, entry["id"])[0] == body  # the control: it is there, encrypted
        raw = [ac.chunk(coordinator, record, entry["id"], i) for i in range(entry["chunks"])]
        assert all(CANARY_TEXT.encode() not in r for r in raw)  # what the server answers is ciphertext
        assert ctx.errors == []
    finally:
        ctx.close()
    hits, files, read = scan(folder, [CANARY_TEXT])
    assert files > 20 and read > 100_000
    assert CANARY_TEXT not in hits, sorted({f for f, _v, _p in hits.get(CANARY_TEXT, [])})
    path = server.db_url[len("sqlite:///"):]
    for name in (path, path + "-wal", server.access_log, server.error_log):
        if os.path.exists(name):
            with open(name, "rb") as f:
                assert CANARY_TEXT.encode() not in f.read(), name
