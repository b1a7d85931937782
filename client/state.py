"""The device's state file: one JSON document written atomically, its private keys and bearer
token encrypted with a key derived from the passphrase (PBKDF2-SHA256, at least 600,000
iterations; AES-256-GCM with the associated data `zapis/state/1`). Everything else in it (the
cursor, the outbox, the directory, the records' encrypted fields and wraps, attachments' sealed
chunks not yet uploaded) is what the server holds or will hold anyway.
"""

import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from sync import keys
from sync.b64 import b64decode, b64encode
from sync.envelopes import ProtocolError, key_commitment, unwrap_keys
from sync.gc_pause import gc_paused
from sync.replica import Replica

PBKDF2_ITERATIONS = 600_000
AAD = b"zapis/state/1"


class StateFileError(Exception):
    """The state file is missing or is not one (one line for a person)."""


def passphrase_key(passphrase, salt, iterations):
    if iterations < PBKDF2_ITERATIONS:
        raise ProtocolError("weak_kdf", "state files use at least 600,000 PBKDF2 iterations")
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(passphrase.encode("utf-8"))


def save(path, replica, token, base_url, passphrase, iterations=PBKDF2_ITERATIONS):
    """Write the state file atomically (a temporary file, fsync, rename)."""
    r = replica
    secret = json.dumps({"sign_key": b64encode(keys.private_to_pkcs8(r.sign_key)),
                         "ecdh_key": b64encode(keys.private_to_pkcs8(r.ecdh_key)),
                         "token": token}).encode("utf-8")
    salt, nonce = os.urandom(16), os.urandom(12)
    ct = AESGCM(passphrase_key(passphrase, salt, iterations)).encrypt(nonce, secret, AAD)
    state = {"version": 1, "base_url": base_url,
             "workspace": r.workspace, "device": r.device, "role": r.role, "fingerprint": r.fingerprint,
             "secret": {"kdf": "PBKDF2-SHA256", "iterations": iterations, "salt": b64encode(salt),
                        "nonce": b64encode(nonce), "ct": b64encode(ct)},
             "cursor": r.cursor, "outbox": r.outbox, "directory": r.directory, "quarantine": r.quarantine,
             "refused": r.refused, "problems": r.problems, "revoked": r.revoked,
             "revocations": r.revocations, "rewrap": {c: sorted(d) for c, d in r.rewrap.items()},
             "rotating": sorted(r.rotating), "rotated": r.rotated,
             # Sealed chunks still to upload: ciphertext under keys only the records' values hold.
             "uploads": {aid: {**{k: u[k] for k in ("record", "count", "size")},
                               "blobs": {str(i): b64encode(b) for i, b in u["blobs"].items()}}
                         for aid, u in r.uploads.items()},
             "records": {rid: {"wrap": s["wrap"], "fields": s["fields"], "issued": s.get("issued", {}),
                               "wraps": s.get("wraps", []), "kcs": s.get("kcs", {})}
                         for rid, s in r.records.items()}}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read(path):
    """The state file's JSON, or StateFileError saying why not."""
    try:
        # Every command starts here, and a workspace's state is tens of megabytes of small
        # objects: parsed with the cycle collector paused, 10,000 records load in 0.45 times
        # the time (sync/gc_pause.py).
        with open(path, encoding="utf-8") as f, gc_paused():
            state = json.load(f)
    except FileNotFoundError:
        raise StateFileError("there is no state file %s: join first with `setup` or `enroll`"
                             % path) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StateFileError("%s cannot be read as a state file (%s)" % (path, type(exc).__name__)) from exc
    if not isinstance(state, dict) or state.get("version") != 1 or not isinstance(state.get("secret"), dict):
        raise StateFileError("%s is not a Zapis state file" % path)
    return state


def load(path, passphrase):
    """Open a state file with its passphrase: (replica, token, base_url)."""
    state = read(path)
    box = state["secret"]
    try:
        secret = json.loads(AESGCM(passphrase_key(passphrase, b64decode(box["salt"]), box["iterations"]))
                            .decrypt(b64decode(box["nonce"]), b64decode(box["ct"]), AAD))
    except ProtocolError:
        raise
    except Exception as exc:
        raise ProtocolError("wrong_passphrase", "the passphrase does not open this state file") from exc
    r = Replica(workspace=state["workspace"], device=state["device"], role=state["role"],
                fingerprint=state["fingerprint"],
                sign_key=keys.private_from_pkcs8(b64decode(secret["sign_key"])),
                ecdh_key=keys.private_from_pkcs8(b64decode(secret["ecdh_key"])))
    r.cursor, r.outbox, r.directory = state["cursor"], state["outbox"], state["directory"]
    r.quarantine = [tuple(q) for q in state["quarantine"]]
    r.refused, r.problems, r.revoked = state["refused"], state["problems"], state["revoked"]
    r.revocations = state.get("revocations", [])
    r.rewrap = {c: set(d) for c, d in state.get("rewrap", {}).items()}
    r.rotating, r.rotated = set(state.get("rotating", [])), state.get("rotated", 0)
    r.uploads = {aid: {**{k: u[k] for k in ("record", "count", "size")},
                       "blobs": {int(i): b64decode(b) for i, b in u["blobs"].items()}}
                 for aid, u in state.get("uploads", {}).items()}
    r.update_trust()
    for rid, s in state["records"].items():
        chain = unwrap_keys(s["wrap"], r.ecdh_key) if s["wrap"] else None
        r.records[rid] = {"key": chain[0] if chain else None, "wrap": s["wrap"], "fields": s["fields"],
                          "issued": s.get("issued", {}), "wraps": s.get("wraps", []),
                          "kcs": s.get("kcs", {})}
        if chain is not None:
            r.records[rid]["keys"] = {key_commitment(k): k for k in chain}
            r.records[rid]["chain"] = chain
        if r.records[rid]["wraps"]:
            r._settle(rid)
    return r, secret["token"], state.get("base_url")
