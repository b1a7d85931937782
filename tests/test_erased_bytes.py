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


def ciphertexts(replica, record, wraps=True):
    """The ciphertexts of a record waiting in the outbox: its values' and its key wraps'."""
    out = []
    for item in replica.outbox:
        if "change" in item and item["change"]["record"] == record:
            out += [w["ct"] for w in item["change"]["writes"]]
        elif wraps and "wrap" in item and item["wrap"]["record"] == record:
            out.append(item["wrap"]["ct"])
    return out


def sqlite_files(app):
    path = app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]
    out = {}
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            with open(path + suffix, "rb") as f:
                out[suffix or "main"] = f.read()
    return out


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_purged_and_covered_ciphertext_leaves_every_sqlite_file(app):
    ws = Workspace(app)
    root = ws.root
    text = "word " * 300                      # values a few KB long: overflow pages too
    kept = root.save({"notes": text + "kept", "status": "new"})
    covered = root.save({"notes": text + "first", "status": "new"})
    purged = root.save({"notes": text + "purged", "status": "new"})
    secrets = {r: ciphertexts(root.replica, r) for r in (kept, covered, purged)}
    wraps_of_covered = set(secrets[covered]) - set(ciphertexts(root.replica, covered, wraps=False))
    root.push()
    before = sqlite_files(app)
    blob = b"".join(before.values())
    assert all(found(blob, ct) for cts in secrets.values() for ct in cts), "the scan must see stored values"

    root.save({"notes": text + "second", "status": "triaged"}, record=covered)
    second = ciphertexts(root.replica, covered)
    root.push()
    root.purge(purged)

    files = sqlite_files(app)
    for name, data in files.items():
        for ct in set(secrets[covered]) - wraps_of_covered:
            assert not found(data, ct), "a covered ciphertext is still in %s" % name
        for ct in secrets[purged]:
            assert not found(data, ct), "a purged ciphertext (value or key wrap) is still in %s" % name
    assert len(files.get("-wal", b"")) == 0, "the WAL is checkpointed and truncated"
    # The positive control: what is still live is found, by the same scan, in the same files.
    everything = b"".join(files.values())
    assert all(found(everything, ct) for ct in secrets[kept] + second + sorted(wraps_of_covered))
