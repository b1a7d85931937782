"""authority from certificates; stored data scanned once for what could never have been valid

Devices gain `certs` (every certificate stored for them, oldest first: certificates are added,
never replaced), `chained` (whether one of them chains to the workspace root through active
coordinators, as the server checks it), and `chained_seq` and `resync_cursor` (the fresh pull of
a coordinator once it becomes chained). Existing certificates become each
device's first entry of `certs`, and `chained` is computed with the clients' own rule
(sync/trust.py); `chained_seq` stays empty, since every coordinator was served the whole
workspace before this revision and needs no fresh pull.

Before this revision an identifier ending in "\\n" passed validation (marshmallow's Regexp uses
re.match, where `$` matches before a final newline), and the server wrote such identifiers into
the JSON it stores and serves without escaping, so one such write made every pull page that
carried it invalid JSON. This migration scans the stored data once and removes what a strict
check (the whole string matching the pattern) would have refused, and what is not valid JSON:

- devices whose id is not a device id (possible on SQLite only), with the changes they signed
  and the wraps they sent or received;
- records whose id is not a lowercase UUIDv4, with their changes and wraps;
- changes whose stored writes are not strict JSON (a raw control character), or name a field,
  a device in a dot or a context, or a record that is not valid;
- wraps naming an invalid record, sender or recipient.

Every record that lost a change, or whose live set (`records.state`) is not strict JSON with
valid field names, gets its live set rebuilt from the live writes of its remaining changes (a
write is live while its change keeps its ciphertext). Nothing removed here could ever have been
read by a client: a page carrying it did not parse. The downgrade drops the new columns; removed
rows do not come back.

Revision ID: 7f3e9a1c2b4d
Revises: e5a7c3d9b1f2
Create Date: 2026-12-03 05:00:00
"""
import base64
import hashlib
import json
import re

import sqlalchemy as sa
from alembic import op

revision = "7f3e9a1c2b4d"
down_revision = "e5a7c3d9b1f2"
branch_labels = None
depends_on = None

J = dict(separators=(",", ":"))
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
DEVICE = re.compile(r"[A-Za-z0-9_-]{22}")
FIELD = re.compile(r"[a-z_][a-z0-9_]{0,39}")
B64 = re.compile(r"[A-Za-z0-9_-]*")

devices = sa.table("devices", *(sa.column(c) for c in (
    "id", "workspace_id", "role", "sign_key", "ecdh_key", "cert", "certs", "chained", "chained_seq",
    "revoked")))
workspaces = sa.table("workspaces", sa.column("id"), sa.column("fingerprint"))
records = sa.table("records", sa.column("workspace_id"), sa.column("id"), sa.column("state"))
changes = sa.table("changes", *(sa.column(c) for c in ("workspace_id", "id", "record_id", "device_id", "sig",
                                                       "writes")))
wraps = sa.table("wraps", sa.column("workspace_id"), sa.column("record_id"), sa.column("recipient"),
                 sa.column("sender"))


def _ok(pattern, value):
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def _count(value):
    return type(value) is int and value >= 1


def _write_ok(w):
    return (isinstance(w, dict) and _ok(FIELD, w.get("field")) and isinstance(w.get("dot"), list)
            and len(w["dot"]) == 2 and _ok(DEVICE, w["dot"][0]) and _count(w["dot"][1])
            and isinstance(w.get("ctx"), dict)
            and all(_ok(DEVICE, d) and _count(n) for d, n in w["ctx"].items())
            and (_ok(B64, w.get("h")) if "ct" not in w else _ok(B64, w.get("nonce")) and _ok(B64, w["ct"])))


def _writes(text):
    """The writes of a stored change, or None if they are not strict JSON of valid writes."""
    try:
        writes = json.loads("[%s]" % text)   # strict: a raw control character fails
    except ValueError:
        return None
    return writes if writes and all(_write_ok(w) for w in writes) else None


def _state_ok(text):
    if not text:
        return True
    try:
        state = json.loads(text)
    except ValueError:
        return False
    return isinstance(state, dict) and all(
        _ok(FIELD, f) and isinstance(vals, list) and all(
            isinstance(v, list) and len(v) == 6 and _ok(DEVICE, v[0]) and isinstance(v[2], dict)
            and all(_ok(DEVICE, d) for d in v[2]) and _ok(B64, v[5]) for v in vals)
        for f, vals in state.items())


def _hash(nonce, ct):
    raw = b"".join(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)) for t in (nonce, ct))
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).rstrip(b"=").decode("ascii")


def scan(bind):
    """Remove what could never have been valid; return the number of rows removed per table."""
    removed = {"devices": 0, "records": 0, "changes": 0, "wraps": 0}
    bad_devices = {(d.workspace_id, d.id)
                   for d in bind.execute(sa.select(devices.c.workspace_id, devices.c.id))
                   if not _ok(DEVICE, d.id)}
    bad_records = {(r.workspace_id, r.id)
                   for r in bind.execute(sa.select(records.c.workspace_id, records.c.id))
                   if not _ok(UUID, r.id)}
    touched = set()
    for c in bind.execute(sa.select(changes)).all():
        if (_ok(UUID, c.record_id) and _ok(DEVICE, c.device_id) and _ok(B64, c.sig)
                and (c.workspace_id, c.device_id) not in bad_devices
                and (c.workspace_id, c.record_id) not in bad_records and _writes(c.writes) is not None):
            continue
        bind.execute(changes.delete().where(changes.c.workspace_id == c.workspace_id, changes.c.id == c.id))
        removed["changes"] += 1
        touched.add((c.workspace_id, c.record_id))
    for w in bind.execute(sa.select(wraps)).all():
        if (_ok(UUID, w.record_id) and _ok(DEVICE, w.recipient) and _ok(DEVICE, w.sender)
                and (w.workspace_id, w.record_id) not in bad_records
                and (w.workspace_id, w.recipient) not in bad_devices
                and (w.workspace_id, w.sender) not in bad_devices):
            continue
        bind.execute(wraps.delete().where(wraps.c.workspace_id == w.workspace_id,
                                          wraps.c.record_id == w.record_id,
                                          wraps.c.recipient == w.recipient))
        removed["wraps"] += 1
    for ws, rid in bad_records:
        bind.execute(records.delete().where(records.c.workspace_id == ws, records.c.id == rid))
        removed["records"] += 1
    for ws, did in bad_devices:
        bind.execute(devices.delete().where(devices.c.workspace_id == ws, devices.c.id == did))
        removed["devices"] += 1
    for r in bind.execute(sa.select(records)).all():
        if (r.workspace_id, r.id) in touched or not _state_ok(r.state):
            bind.execute(records.update().where(records.c.workspace_id == r.workspace_id,
                                                records.c.id == r.id)
                         .values(state=_rebuilt_state(bind, r.workspace_id, r.id)))
    return removed


def _rebuilt_state(bind, ws, record):
    """A record's live sets from the live writes of its stored changes."""
    state = {}
    for c in bind.execute(sa.select(changes.c.id, changes.c.writes).where(
            changes.c.workspace_id == ws, changes.c.record_id == record).order_by(changes.c.id)):
        for idx, w in enumerate(json.loads("[%s]" % c.writes)):
            if "ct" in w:
                state.setdefault(w["field"], []).append(
                    [w["dot"][0], w["dot"][1], w["ctx"], c.id, idx, _hash(w["nonce"], w["ct"])])
    return json.dumps(state, **J) if state else None


def chain(bind):
    """Fill `certs` and `chained` from the stored certificates."""
    from sync.trust import verify_directory

    rows = bind.execute(sa.select(devices)).all()
    for d in rows:
        if d.cert:
            bind.execute(devices.update().where(devices.c.id == d.id).values(certs=json.dumps([d.cert])))
    for ws in bind.execute(sa.select(workspaces)).all():
        entries = [{"id": d.id, "role": d.role, "sign_key": d.sign_key, "ecdh_key": d.ecdh_key,
                    "cert": json.loads(d.cert)} for d in rows
                   if d.workspace_id == ws.id and d.cert and not d.revoked]
        chained = (set(verify_directory(entries, ws.id, ws.fingerprint, require_binding=False))
                   if ws.fingerprint else set())
        for did in chained:
            bind.execute(devices.update().where(devices.c.id == did).values(chained=True))


def upgrade():
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certs", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("chained", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("chained_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("resync_cursor", sa.BigInteger(), nullable=True))
    bind = op.get_bind()
    scan(bind)
    chain(bind)


def downgrade():
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("resync_cursor")
        batch_op.drop_column("chained_seq")
        batch_op.drop_column("chained")
        batch_op.drop_column("certs")
