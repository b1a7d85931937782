"""The storage contract: what the server keeps, what becomes a tombstone, which seq is bumped.

Every mutation of a workspace runs inside `Sequencer`, which takes the workspace's counter row
first (an UPDATE, so it is a row lock on PostgreSQL and the write lock on SQLite) and writes the
new counter just before commit. Sequence numbers are therefore allocated and committed in one
order, per workspace: a reader that sees counter N sees every row numbered up to N. The same lock
is the merge lock: two pushes never read and rewrite a record's live sets at the same time.

What is kept, per record:
- `records.state`: the live set of every field as merge metadata only (dot, context, the hash of
  the ciphertext, and where the value lies: change and position). The push merges against it.
- `changes`: one row a save that still holds a live value, numbered by a seq when accepted. Its
  `writes` are the text a pull delivers: live writes in full (nonce and ciphertext), the others
  as their signed hash. When a later write covers a value, that write's text becomes its hash
  form; when none of a change's writes is live any more, the row is deleted.
- a key wrap: numbered when accepted; one per (record, recipient, sender), taken only from the
  record's creator or a coordinator; a sender's later wrap replaces its own earlier one, unless
  it is of a lower key epoch (then it is a `duplicate`: the newer key list stays);
- a device: numbered on enrollment, certification and revocation;
- a tombstone: numbered when a record is purged (its changes, state and wraps are deleted).
Pulls never return a row above the counter they read at their start.
"""

import json
import re

from flask import current_app
from sqlalchemy import and_, delete, select, union, update
from sqlalchemy.exc import SQLAlchemyError

from sync.merge import ACCEPTED, EQUIVOCATION, merge, unseen

from .authority import has_authority
from .extensions import db
from .models import Change, Device, Record, Workspace, Wrap

CHUNK = 500


class Sequencer:
    """The workspace lock and counter for one transaction."""

    def __init__(self, workspace_id):
        self.workspace_id = workspace_id
        stmt = (update(Workspace).where(Workspace.id == workspace_id)
                .values(seq=Workspace.seq).returning(Workspace.seq))
        self.value = db.session.execute(stmt).scalar_one()

    def next(self):
        """The next sequence number."""
        self.value += 1
        return self.value

    def finish(self):
        """Store the counter: the last statement before commit."""
        db.session.execute(update(Workspace).where(Workspace.id == self.workspace_id)
                           .values(seq=self.value))


def _chunks(items):
    items = list(items)
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def _executemany(sql, rows):
    """Run `sql` (with {} where each parameter mark goes) once a row, through the driver's own
    executemany: SQLAlchemy's bulk paths spent more time building parameters than the database
    spent storing them."""
    mark = "?" if db.session.get_bind().dialect.paramstyle == "qmark" else "%s"
    db.session.connection().exec_driver_sql(sql.replace("{}", mark), rows)


def insert_tuples(model, columns, rows):
    """Insert tuple rows (in the order of `columns`): COPY on PostgreSQL, executemany on SQLite.

    COPY streams the rows in one statement; psycopg's pipelined executemany still had the server
    parse, plan and answer each row, a quarter of a push on PostgreSQL.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy("COPY %s (%s) FROM STDIN" % (model.__table__.name, ", ".join(columns))) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    _executemany("INSERT INTO %s (%s) VALUES (%s)" % (model.__table__.name, ", ".join(columns),
                                                      ", ".join(["{}"] * len(columns))), rows)


# -- the text of writes ------------------------------------------------------------------------
# Every piece was validated at the edge (field names, device ids, integers, base64url), so the JSON
# is made by formatting: json.dumps for each of a push's writes was a tenth of its cost. Each text
# still passes through `_s`, which lets identifier and base64url text through as it is and escapes
# anything else: one missed check upstream must never put an unescaped character into stored or
# served JSON (a newline in a field name once made every pull page invalid JSON).

_PLAIN = re.compile(r"[A-Za-z0-9_-]*")


def _s(text):
    """`text` as the inside of a JSON string."""
    if _PLAIN.fullmatch(text):
        return text
    return json.dumps(str(text), ensure_ascii=True)[1:-1]


def _ctx_text(ctx):
    return "{%s}" % ",".join('"%s":%d' % (_s(d), n) for d, n in ctx.items())


def write_text(field, dot, ctx, nonce, ct):
    """A live write as a pull delivers it."""
    return '{"field":"%s","dot":["%s",%d],"ctx":%s,"nonce":"%s","ct":"%s"}' % (
        _s(field), _s(dot[0]), dot[1], _ctx_text(ctx), _s(nonce), _s(ct))


def hash_text(field, dot, ctx, h):
    """A write that is not live, as a pull delivers it: its hash keeps the signature checkable."""
    return '{"field":"%s","dot":["%s",%d],"ctx":%s,"h":"%s"}' % (
        _s(field), _s(dot[0]), dot[1], _ctx_text(ctx), _s(h))


def _any_live(texts):
    """True when any of a change's write texts still carries its ciphertext."""
    return any('"ct":"' in t for t in texts)


def change_text(workspace, record, device, sig, writes, kc=None, e=None):
    """A stored change as the JSON text of a pull (`writes` is stored JSON text, made by
    write_text and hash_text; `kc` and `e` only on changes stored with them)."""
    return '{"workspace":"%s","record":"%s","device":"%s",%s%s"sig":"%s","writes":[%s]}' % (
        _s(workspace), _s(record), _s(device), '"kc":"%s",' % _s(kc) if kc else "",
        '"e":%d,' % e if e is not None else "", _s(sig), writes)


# A record's state: {field: [[[device, n, ctx, change id, position in the change, h], ...],
# {device: highest n accepted}]}: the field's live set, then the highest dot of each device ever
# accepted for the field (covered values included), which bounds the contexts of later writes.

def _state_load(text):
    """(live sets {field: [value, ...]}, highest accepted dots {field: {device: n}})."""
    if not text:
        return {}, {}
    live, seen = {}, {}
    for f, (vals, top) in json.loads(text).items():
        live[f] = [{"dot": [v[0], v[1]], "ctx": v[2], "change": v[3], "idx": v[4], "h": v[5]} for v in vals]
        seen[f] = top
    return live, seen


def _state_dump(state, seen):
    # Formatted like the writes' text (validated parts only): json.dumps was a twentieth of a push.
    return "{%s}" % ",".join('"%s":[[%s],%s]' % (_s(f), ",".join('["%s",%d,%s,%d,%d,"%s"]' % (
        _s(v["dot"][0]), v["dot"][1], _ctx_text(v["ctx"]), v["change"], v["idx"], _s(v["h"])) for v in vals),
        _ctx_text(seen.get(f, {}))) for f, vals in state.items() if vals)


# -- push -------------------------------------------------------------------------------------------

class _Rec:
    __slots__ = ("creator", "purged_seq", "text", "state", "seen", "new", "dirty")

    def __init__(self, creator, purged_seq, text, new):
        self.creator, self.purged_seq, self.text, self.new = creator, purged_seq, text, new
        self.state, self.seen, self.dirty = None, None, False

    def live(self):
        if self.state is None:
            self.state, self.seen = _state_load(self.text)
        return self.state

    def dump(self):
        return _state_dump(self.state, self.seen)


class PushBatch:
    """Applies one device's verified wraps and changes in one transaction.

    Results are tuples (status, code) for wraps and, per change, either ("refused", code) or a
    list of (status, code) per write. Everything is written by `finish`; nothing is committed here.
    """

    def __init__(self, device):
        self.device = device
        self.ws = device.workspace_id
        # Only a coordinator whose certificate chains to the root writes any record; one that is
        # not certified (yet) writes like a field device.
        self.coordinator = has_authority(device)
        self.seq = Sequencer(self.ws)
        self.records = {}
        self.readable = set()
        self.wrap_rows = []
        self.replaced = []         # (record, recipient, sender) of wraps a later one replaces
        self.change_rows = {}      # change id -> [record, device, sig, [write texts], kc, e]
        self.covered = {}          # stored change id -> {position: hash text}

    def load(self, record_ids):
        """Load the records named in the batch, and which of them this device has a key for."""
        for chunk in _chunks(record_ids):
            for rec in db.session.execute(select(Record.id, Record.creator, Record.purged_seq, Record.state)
                                          .where(Record.workspace_id == self.ws, Record.id.in_(chunk))):
                self.records[rec.id] = _Rec(rec.creator, rec.purged_seq, rec.state, False)
            if not self.coordinator:
                self.readable.update(db.session.execute(
                    select(Wrap.record_id).where(Wrap.workspace_id == self.ws, Wrap.recipient == self.device.id,
                                                 Wrap.record_id.in_(chunk))).scalars())

    def access(self, record_id):
        """None if this device may write the record (creating it if new), else a refusal code."""
        rec = self.records.get(record_id)
        if rec is None:
            self.records[record_id] = _Rec(self.device.id, None, None, True)
            return None
        if rec.purged_seq is not None:
            return "record_purged"
        if self.coordinator or rec.creator == self.device.id or record_id in self.readable:
            return None
        return "no_access"

    def wraps(self, wraps, recipients):
        """Take new key wraps. `recipients` are the active device ids of the workspace.

        Only the record's creator or a coordinator may wrap its key (a wrap from anyone else
        could only be a wrong key or a key the recipient already holds). A sender's identical
        wrap is a duplicate; a different later one replaces its own earlier one, and is
        delivered again; wraps of other senders stay."""
        # By record, the primary key's prefix: PostgreSQL planned `(record, recipient) IN (...)`
        # as a scan of the workspace's wraps, half of a push's time once they numbered thousands.
        existing, epochs = {}, {}
        for chunk in _chunks({w["record"] for w in wraps}):
            for r, to, by, sig, epoch in db.session.connection().execute(
                    select(Wrap.record_id, Wrap.recipient, Wrap.sender, Wrap.sig, Wrap.epoch).where(
                        Wrap.workspace_id == self.ws, Wrap.record_id.in_(chunk))).all():
                existing[(r, to, by)], epochs[(r, to, by)] = sig, epoch or 0
        results = []
        for w in wraps:
            key = (w["record"], w["recipient"], w["sender"])
            code = self.access(w["record"])
            if code is None and not (self.coordinator or self.records[w["record"]].creator == self.device.id):
                code = "not_author"
            if code is None and w["recipient"] not in recipients:
                code = "unknown_recipient"
            if code is not None:
                results.append(("refused", code))
            elif existing.get(key) == w["sig"] or w.get("epoch", 0) < epochs.get(key, 0):
                # The same wrap again, or an older key list than the one kept (an outbox restored
                # from a backup): the newer list stays, so a revoked device's key never comes back.
                results.append(("duplicate", None))
            else:
                if key in existing:
                    self.replaced.append(key)
                    self.wrap_rows = [row for row in self.wrap_rows if (row[1], row[2], row[3]) != key]
                existing[key], epochs[key] = w["sig"], w.get("epoch", 0)
                if w["recipient"] == self.device.id:
                    self.readable.add(w["record"])
                self.wrap_rows.append((self.ws, w["record"], w["recipient"], w["sender"], w.get("epoch"),
                                       w["epk"], w["nonce"], w["ct"], w["sig"], self.seq.next()))
                results.append(("accepted", None))
        return results

    def changes(self, changes, hashes):
        """Merge each change's writes into its record's live sets. `hashes` are, per change, the
        hashes of its writes' ciphertexts (what the signature covers)."""
        results = []
        for change, change_hashes in zip(changes, hashes):
            record = change["record"]
            code = self.access(record)
            if code is not None:
                results.append(("refused", code))
                continue
            rec = self.records[record]
            state = rec.live()
            change_id = self.seq.next()
            outcomes, texts, accepted = [], [], False
            for idx, (w, h) in enumerate(zip(change["writes"], change_hashes)):
                field = w["field"]
                seen = rec.seen.setdefault(field, {})
                if unseen(w["ctx"], seen, change["device"]) is not None:
                    texts.append(hash_text(field, w["dot"], w["ctx"], h))
                    outcomes.append(("refused", "unseen_context"))
                    continue
                write = {"dot": w["dot"], "ctx": w["ctx"], "h": h, "change": change_id, "idx": idx}
                outcome = merge(state.get(field, ()), write)
                if outcome.tag == ACCEPTED:
                    accepted = True
                    state[field] = outcome.live
                    device, n = w["dot"]
                    if n > seen.get(device, 0):
                        seen[device] = n
                    for old in outcome.removed:
                        self._cover(old, field)
                    texts.append(write_text(field, w["dot"], w["ctx"], w["nonce"], w["ct"]))
                    outcomes.append((ACCEPTED, None))
                else:
                    texts.append(hash_text(field, w["dot"], w["ctx"], h))
                    outcomes.append(("refused", "equivocation") if outcome.tag == EQUIVOCATION
                                    else (outcome.tag, None))
            if accepted:
                rec.dirty = True
                self.change_rows[change_id] = [record, change["device"], change["sig"], texts,
                                               change.get("kc"), change.get("e")]
            results.append(outcomes)
        return results

    def _cover(self, old, field):
        """A live value was covered: its write becomes its hash form wherever it is kept."""
        text = hash_text(field, old["dot"], old["ctx"], old["h"])
        pending = self.change_rows.get(old["change"])
        if pending is not None:
            pending[3][old["idx"]] = text
            if not _any_live(pending[3]):
                del self.change_rows[old["change"]]
        else:
            self.covered.setdefault(old["change"], {})[old["idx"]] = text

    def finish(self):
        """Write records, wraps, changes and rewritten changes, then the counter; the caller commits."""
        ws = self.ws
        new = [(ws, rid, r.creator, r.dump() if r.state else None)
               for rid, r in self.records.items() if r.new]
        insert_tuples(Record, ("workspace_id", "id", "creator", "state"), new)
        dirty = [(r.dump(), ws, rid) for rid, r in self.records.items() if r.dirty and not r.new]
        if dirty:
            _executemany("UPDATE records SET state = {} WHERE workspace_id = {} AND id = {}", dirty)
        if self.replaced:
            _executemany("DELETE FROM wraps WHERE workspace_id = {} AND record_id = {} AND recipient = {} "
                         "AND sender = {}", [(ws, *key) for key in set(self.replaced)])
        insert_tuples(Wrap, ("workspace_id", "record_id", "recipient", "sender", "epoch", "epk", "nonce",
                             "ct", "sig", "seq"), self.wrap_rows)
        insert_tuples(Change, ("workspace_id", "id", "record_id", "device_id", "sig", "kc", "e", "writes"),
                      [(ws, cid, r, d, s, kc, e, ",".join(t))
                       for cid, (r, d, s, t, kc, e) in self.change_rows.items()])
        self._rewrite_covered()
        self.seq.finish()

    def after_commit(self):
        """Once the push is committed: if stored ciphertext was covered, erase its bytes."""
        if self.covered:
            erase_freed()

    def _rewrite_covered(self):
        """Stored changes whose values were covered: put hashes in place of the ciphertext, and
        delete the changes with nothing live left (less kept is less to seize)."""
        gone, rewritten = [], []
        for chunk in _chunks(self.covered):
            for row in db.session.execute(select(Change.id, Change.writes).where(
                    Change.workspace_id == self.ws, Change.id.in_(chunk))):
                writes = split_writes(row.writes)
                for idx, text in self.covered[row.id].items():
                    writes[idx] = text
                if _any_live(writes):
                    rewritten.append((",".join(writes), self.ws, row.id))
                else:
                    gone.append(row.id)
        if rewritten:
            _executemany("UPDATE changes SET writes = {} WHERE workspace_id = {} AND id = {}", rewritten)
        for chunk in _chunks(gone):
            db.session.execute(delete(Change).where(Change.workspace_id == self.ws, Change.id.in_(chunk)))


def erase_freed(purge=False):
    """After a commit that dropped ciphertext (a purge, or a push that covered stored values):
    make its bytes leave the database files, where that is affordable (docs/server.md, Erased
    bytes). Returns False when something had to be left for later.

    SQLite (secure_delete is on, so freed space in the main file is zeroed): checkpoint the WAL
    into the main file and truncate it, so no frame holding the old pages stays in `-wal`. The
    checkpoint waits (busy_timeout) for readers of older snapshots; if one still holds it, the
    frames stay until the next checkpoint.

    PostgreSQL, after a purge: VACUUM the changes and wraps (their TOAST tables with them) on an
    autocommit connection, so no dead tuple keeps the record; `ZAPIS_PURGE_VACUUM=full` rewrites
    the tables instead, which leaves none of its bytes in their files. Covered values are left to
    autovacuum: a VACUUM per push would cost more than the push.
    """
    # The commit is done: whatever happens here, the request answers as it would have, and the
    # log says only that the erasure was left for later (no id, no content).
    try:
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                current_app.logger.warning("WAL checkpoint left for later: a reader held it")
            return not busy
        mode = current_app.config.get("ZAPIS_PURGE_VACUUM", "lazy")
        if not purge or mode == "off":
            return True
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (FULL) changes, wraps" if mode == "full" else "VACUUM changes, wraps")
        return True
    except SQLAlchemyError as exc:
        current_app.logger.warning("erasing freed bytes left for later: %s", type(exc).__name__)
        return False


def split_writes(text):
    """The stored writes of a change, one JSON text each (the inverse of joining them by ',')."""
    out = []
    for w in json.loads("[%s]" % text):
        if "ct" in w:
            out.append(write_text(w["field"], w["dot"], w["ctx"], w["nonce"], w["ct"]))
        else:
            out.append(hash_text(w["field"], w["dot"], w["ctx"], w["h"]))
    return out


def active_devices(workspace_id, ids):
    """The ids among `ids` that are active devices of the workspace."""
    found = set()
    for chunk in _chunks(ids):
        found.update(db.session.execute(select(Device.id).where(
            Device.workspace_id == workspace_id, Device.revoked.is_(False), Device.id.in_(chunk))).scalars())
    return found


# -- pull -------------------------------------------------------------------------------------------

def device_entry(d):
    """A device as the directory shows it."""
    return {"id": d.id, "role": d.role, "sign_key": d.sign_key, "ecdh_key": d.ecdh_key,
            "cert": json.loads(d.cert) if d.cert else None,
            "certs": [json.loads(c) for c in json.loads(d.certs)] if d.certs else
                     ([json.loads(d.cert)] if d.cert else []),
            "binding": json.loads(d.binding) if d.binding else None,
            "revocations": json.loads(d.revocations) if d.revocations else [],
            "status": "revoked" if d.revoked else "active", "invite": d.invite_id}


def wrap_entry(w, workspace_id):
    """A key wrap as it was signed (a zapis/wrap/2 with its epoch, a zapis/wrap/1 without)."""
    out = {"type": "zapis/wrap/1" if w.epoch is None else "zapis/wrap/2", "workspace": workspace_id,
           "record": w.record_id, "recipient": w.recipient, "sender": w.sender, "epk": w.epk,
           "nonce": w.nonce, "ct": w.ct, "sig": w.sig}
    if w.epoch is not None:
        out["epoch"] = w.epoch
    return out


CHANGE_COLUMNS = (Change.id, Change.record_id, Change.device_id, Change.sig, Change.kc, Change.e,
                  Change.writes)
WRAP_COLUMNS = (Wrap.record_id, Wrap.recipient, Wrap.sender, Wrap.epoch, Wrap.epk, Wrap.nonce, Wrap.ct,
                Wrap.sig, Wrap.seq)


def pull(device, cursor, limit, upper):
    """Everything in (cursor, upper] this device may see, at most `limit` items, and the next cursor.

    `upper` is the workspace counter, read before anything else. A field device sees the changes
    of records it created or holds a wrap for; a coordinator whose certificate chains to the root
    sees every change (one that does not is served like a field device). Everyone sees the
    device directory and tombstones. A wrap arriving for a field device brings the record's older
    changes with it, since they lie behind its cursor. A pull from the very start skips
    tombstones: there is nothing to erase on a fresh device.
    """
    ws = device.workspace_id
    page = {"cursor": upper, "more": False, "changes": [], "wraps": [], "tombstones": [], "devices": []}
    if cursor >= upper:
        return page
    window = lambda col: and_(col > cursor, col <= upper)  # noqa: E731
    changes = select(*CHANGE_COLUMNS).where(Change.workspace_id == ws, window(Change.id))
    authority = has_authority(device)
    if not authority:
        # The records it may read, as one uncorrelated set the database builds once (a hash or an
        # ephemeral index), not two probes for every change of the window: in a busy workspace
        # the window holds mostly other devices' changes.
        readable = union(
            select(Wrap.record_id).where(Wrap.workspace_id == ws, Wrap.recipient == device.id),
            select(Record.id).where(Record.workspace_id == ws, Record.creator == device.id))
        changes = changes.where(Change.record_id.in_(readable))
    sources = [
        [(c.id, "change", c) for c in db.session.execute(changes.order_by(Change.id).limit(limit))],
        [(w.seq, "wrap", w) for w in db.session.execute(
            select(*WRAP_COLUMNS).where(Wrap.workspace_id == ws, Wrap.recipient == device.id, window(Wrap.seq))
            .order_by(Wrap.seq).limit(limit))],
        [(d.seq, "device", d) for d in db.session.execute(
            select(Device).where(Device.workspace_id == ws, window(Device.seq))
            .order_by(Device.seq).limit(limit)).scalars()],
    ]
    if cursor > 0:
        sources.append([(r.purged_seq, "tombstone", r) for r in db.session.execute(
            select(Record.purge, Record.purged_seq).where(Record.workspace_id == ws, window(Record.purged_seq))
            .order_by(Record.purged_seq).limit(limit))])
    # A source that filled its limit may hold more rows beyond its last one: the page may only
    # reach that far, or it would skip them.
    bound = min([rows[-1][0] for rows in sources if len(rows) == limit] + [upper])
    items = sorted((item for rows in sources for item in rows if item[0] <= bound), key=lambda i: i[0])
    if len(items) > limit:
        items = items[:limit]
        bound = items[-1][0]
    page["cursor"], page["more"] = bound, bound < upper
    delivered = []
    for _, kind, row in items:
        if kind == "change":
            delivered.append(row)
        elif kind == "wrap":
            page["wraps"].append(wrap_entry(row, ws))
        elif kind == "device":
            page["devices"].append(device_entry(row))
        else:
            page["tombstones"].append(json.loads(row.purge))
    # Coordinators see every change whether or not they hold a wrap: nothing lies behind for them.
    granted = {w["record"] for w in page["wraps"]} if not authority else ()
    for chunk in _chunks(granted):
        delivered += db.session.execute(select(*CHANGE_COLUMNS).where(
            Change.workspace_id == ws, Change.record_id.in_(chunk), Change.id <= cursor)).all()
    page["changes"] = [change_text(ws, c.record_id, c.device_id, c.sig, c.writes, c.kc, c.e)
                       for c in delivered]
    return page


def page_json(page):
    """The pull page as JSON text; its changes are already JSON texts."""
    changes = page.pop("changes")
    head = json.dumps(page, separators=(",", ":"))
    return '%s,"changes":[%s]}' % (head[:-1], ",".join(changes))
