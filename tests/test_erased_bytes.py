"""Purge erases bytes (issue 10, point 4): once a purge or a push that covered stored values
answers, no purged or covered ciphertext is left in any file of the database.

SQLite: secure_delete zeroes freed space in the main file, and the WAL is checkpointed and
truncated after such commits, so the scan reads the main file, `-wal` and `-shm`. A positive
control proves the scan finds a ciphertext that is still live.
"""

import os

import pytest

from support import Workspace


def chunks(text, size=24):
    """Pieces of a base64url text: a long value may be split across database pages, but every
    page boundary cuts at most one piece, so some piece of a stored value is always whole."""
    return [text[i:i + size] for i in range(0, len(text) - size + 1, size)]


def found(blob, text):
    return any(piece.encode("ascii") in blob for piece in chunks(text))


def ciphertexts(replica, record, wraps=True, names=None):
    """The ciphertexts of a record waiting in the outbox: its values' (only those of the fields
    `names`, if given) and its key wraps'."""
    out = []
    fields = None if names is None else {replica.field_of(record, n) for n in names}
    for item in replica.outbox:
        if "change" in item and item["change"]["record"] == record:
            out += [w["ct"] for w in item["change"]["writes"] if fields is None or w["field"] in fields]
        elif wraps and "wrap" in item and item["wrap"]["record"] == record:
            out.append(item["wrap"]["ct"])
    return out


def sqlite_files(db_url):
    path = db_url[len("sqlite:///"):]
    out = {}
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            with open(path + suffix, "rb") as f:
                out[suffix or "main"] = f.read()
    return out


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_purged_and_covered_ciphertext_leaves_every_sqlite_file(live_server, db_url):
    """Over gunicorn (two workers, each with its own connections), as deployed."""
    from support import coordinator_and_volunteer

    root, _ = coordinator_and_volunteer(live_server.url, db_url)
    text = "word " * 300                      # values a few KB long: overflow pages too
    kept = root.save({"notes": text + "kept", "status": "new"})
    covered = root.save({"notes": text + "first", "status": "new"})
    purged = root.save({"notes": text + "purged", "status": "new"})
    secrets = {r: ciphertexts(root.replica, r) for r in (kept, purged)}
    # The second save covers these two fields; the first change's others (padding) stay live.
    secrets[covered] = ciphertexts(root.replica, covered, names=("notes", "status"))
    wraps_of_covered = set(secrets[covered]) - set(ciphertexts(root.replica, covered, wraps=False))
    root.push()
    before = sqlite_files(db_url)
    blob = b"".join(before.values())
    assert all(found(blob, ct) for cts in secrets.values() for ct in cts), "the scan must see stored values"

    root.save({"notes": text + "second", "status": "triaged"}, record=covered)
    second = ciphertexts(root.replica, covered)
    root.push()
    root.purge(purged)

    files = sqlite_files(db_url)
    for name, data in files.items():
        for ct in set(secrets[covered]) - wraps_of_covered:
            assert not found(data, ct), "a covered ciphertext is still in %s" % name
        for ct in secrets[purged]:
            assert not found(data, ct), "a purged ciphertext (value or key wrap) is still in %s" % name
    assert len(files.get("-wal", b"")) == 0, "the WAL is checkpointed and truncated"
    # The positive control: what is still live is found, by the same scan, in the same files.
    everything = b"".join(files.values())
    assert all(found(everything, ct) for ct in secrets[kept] + second + sorted(wraps_of_covered))


# -- PostgreSQL -------------------------------------------------------------------------------------
# PostgreSQL never overwrites a row in place: a delete leaves the row as a dead tuple until VACUUM,
# and VACUUM compacts each page without zeroing the space it frees. The pages are read through
# pageinspect (what the files hold after the next checkpoint; docs/server.md, Erased bytes, has the
# measurements on the files themselves).

def pg_pages(conn, tuples_only):
    """The raw pages (or only the tuples, live and dead) of the tables that hold ciphertext."""
    from sqlalchemy import text

    out = []
    for table in ("changes", "wraps"):
        toast = conn.execute(text("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = :t"),
                             {"t": table}).scalar()
        for rel in [table] + ([toast] if toast and toast != "-" else []):
            blocks = conn.execute(text("SELECT pg_relation_size(:r) / 8192"), {"r": rel}).scalar()
            for block in range(blocks):
                if tuples_only:
                    out += [bytes(d) for (d,) in conn.execute(text(
                        "SELECT t_data FROM heap_page_items(get_raw_page(:r, :b)) WHERE t_data IS NOT NULL"),
                        {"r": rel, "b": block})]
                else:
                    out.append(bytes(conn.execute(text("SELECT get_raw_page(:r, :b)"),
                                                  {"r": rel, "b": block}).scalar()))
    return b"\x00".join(out)


def purge_half(app, words):
    ws = Workspace(app)
    root = ws.root
    records = [root.save({"notes": ("n%d " % i) * words, "status": "new"}) for i in range(12)]
    secrets = {r: ciphertexts(root.replica, r) for r in records}
    root.push()
    # The newest rows lie lowest in their pages, in what a VACUUM's compaction leaves as free space.
    gone, kept = records[6:], records[:6]
    for r in gone:
        root.purge(r)
    return [ct for r in gone for ct in secrets[r]], [ct for r in kept for ct in secrets[r]]


def pageinspect(db_url):
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    except DBAPIError:
        engine.dispose()
        pytest.skip("pageinspect is not available to the test user")
    return engine


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("words", [10, 400], ids=["inline", "toasted"])
def test_after_a_purge_no_postgresql_tuple_keeps_the_record(app, db_url, words):
    """The default (lazy VACUUM after the purge): no tuple, live or dead, of the changes, the wraps
    or their TOAST table holds any of the purged ciphertext; what is kept is still found."""
    engine = pageinspect(db_url)
    gone, kept = purge_half(app, words)
    with engine.connect() as conn:
        tuples = pg_pages(conn, tuples_only=True)
    engine.dispose()
    assert [ct for ct in gone if found(tuples, ct)] == []
    assert all(found(tuples, ct) for ct in kept)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_full_vacuum_after_a_purge_leaves_no_byte_in_the_pages(make_app, db_url):
    engine = pageinspect(db_url)
    gone, kept = purge_half(make_app(ZAPIS_PURGE_VACUUM="full"), 10)
    with engine.connect() as conn:
        pages = pg_pages(conn, tuples_only=False)
    engine.dispose()
    assert [ct for ct in gone if found(pages, ct)] == []
    assert all(found(pages, ct) for ct in kept)


def test_the_purge_vacuum_setting_is_one_of_three():
    from server.config import from_env

    assert from_env({}, "/tmp")["ZAPIS_PURGE_VACUUM"] == "lazy"
    assert from_env({"ZAPIS_PURGE_VACUUM": " Full "}, "/tmp")["ZAPIS_PURGE_VACUUM"] == "full"
    with pytest.raises(SystemExit, match="ZAPIS_PURGE_VACUUM must be one of lazy, full, off"):
        from_env({"ZAPIS_PURGE_VACUUM": "sometimes"}, "/tmp")
