"""The storage contract: what the server keeps, what becomes a tombstone, which seq is bumped.

Every mutation of a workspace runs inside `Sequencer`, which takes the workspace's counter row
first (an UPDATE, so it is a row lock on PostgreSQL and the write lock on SQLite) and writes the
new counter just before commit. Sequence numbers are therefore allocated and committed in one
order, per workspace: a reader that sees counter N sees every row numbered up to N. The same lock
is the merge lock: two pushes never read and rewrite a field's live set at the same time.

Numbered items, and the seq they get:
- a live value: when accepted; the value is deleted once a later write covers it;
- a change header: a seq of its own, kept while any of its values is live;
- a key wrap: when accepted; wraps are never replaced;
- a device: on enrollment, certification and revocation;
- a tombstone: when a record is purged (its values, headers and wraps are deleted).
Pulls never return a row above the counter they read at their start.
"""

import json
from collections import namedtuple

from sqlalchemy import and_, delete, exists, select, tuple_, union, update

from sync.merge import ACCEPTED, EQUIVOCATION, merge

from .extensions import db
from .models import Change, Device, Record, Value, Workspace, Wrap

CHUNK = 500
RecordRow = namedtuple("RecordRow", "id creator purged_seq")


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


def insert_many(model, rows):
    """Insert dict rows through the driver's own executemany.

    SQLAlchemy's bulk insert spent more time building parameters than the database spent
    storing them; sqlite3 and psycopg (pipeline mode) both run executemany natively.
    """
    if not rows:
        return
    columns = list(rows[0])
    table = model.__table__.name
    mark = "?" if db.session.get_bind().dialect.paramstyle == "qmark" else "%s"
    sql = "INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(columns), ", ".join([mark] * len(columns)))
    db.session.connection().exec_driver_sql(sql, [tuple(r[c] for c in columns) for r in rows])


def header_lines(header):
    """A change's signed write list as stored: one JSON object a line, keys in the order
    field, dot, ctx, h, so a pull can put a live value in place of its hash by cutting text."""
    return "\n".join(json.dumps({"field": w["field"], "dot": w["dot"], "ctx": w["ctx"], "h": w["h"]},
                                 separators=(",", ":")) for w in header)


# The stored line of a write ends with ,"h":"<43 characters>"}: 51 characters to cut.
H_SUFFIX = len(',"h":""}') + 43


def counter(workspace_id):
    """The workspace's committed counter, read without locking."""
    return db.session.execute(select(Workspace.seq).where(Workspace.id == workspace_id)).scalar_one()


# -- push -------------------------------------------------------------------------------------------

class PushBatch:
    """Applies one device's verified wraps and changes in one transaction.

    Results are tuples (status, code) for wraps and, per change, either ("refused", code) or a
    list of (status, code) per write. Nothing is committed by this class.
    """

    def __init__(self, device):
        self.device = device
        self.ws = device.workspace_id
        self.coordinator = device.role == "coordinator"
        self.seq = Sequencer(self.ws)
        self.records = {}
        self.readable = set()
        self.new_records = []

    def load(self, record_ids):
        """Load the records named in the batch, and which of them this device has a key for."""
        for chunk in _chunks(record_ids):
            for rec in db.session.execute(select(Record.id, Record.creator, Record.purged_seq)
                                          .where(Record.workspace_id == self.ws, Record.id.in_(chunk))):
                self.records[rec.id] = rec
            if not self.coordinator:
                self.readable.update(db.session.execute(
                    select(Wrap.record_id).where(Wrap.workspace_id == self.ws, Wrap.recipient == self.device.id,
                                                 Wrap.record_id.in_(chunk))).scalars())

    def access(self, record_id):
        """None if this device may write the record (creating it if new), else a refusal code."""
        rec = self.records.get(record_id)
        if rec is None:
            self.records[record_id] = RecordRow(record_id, self.device.id, None)
            self.new_records.append({"workspace_id": self.ws, "id": record_id, "creator": self.device.id})
            return None
        if rec.purged_seq is not None:
            return "record_purged"
        if self.coordinator or rec.creator == self.device.id or record_id in self.readable:
            return None
        return "no_access"

    def wraps(self, wraps, recipients):
        """Store new key wraps. `recipients` are the active device ids of the workspace."""
        keys = [(w["record"], w["recipient"]) for w in wraps]
        existing = set()
        for chunk in _chunks(keys):
            existing.update(db.session.execute(select(Wrap.record_id, Wrap.recipient).where(
                Wrap.workspace_id == self.ws, tuple_(Wrap.record_id, Wrap.recipient).in_(chunk))).all())
        rows, results = [], []
        for w in wraps:
            key = (w["record"], w["recipient"])
            code = self.access(w["record"])
            if code is None and w["recipient"] not in recipients:
                code = "unknown_recipient"
            if code is not None:
                results.append(("refused", code))
            elif key in existing:
                results.append(("duplicate", None))
            else:
                existing.add(key)
                if w["recipient"] == self.device.id:
                    self.readable.add(w["record"])
                rows.append({"workspace_id": self.ws, "record_id": w["record"], "recipient": w["recipient"],
                             "sender": w["sender"], "epk": w["epk"], "nonce": w["nonce"], "ct": w["ct"],
                             "sig": w["sig"], "seq": self.seq.next()})
                results.append(("accepted", None))
        self._insert_records()
        if rows:
            insert_many(Wrap, rows)
        return results

    def changes(self, changes, headers):
        """Merge each change's writes into the live sets. `headers` are their signed write lists."""
        live = {}
        ids = {c["record"] for c in changes}
        for chunk in _chunks(ids):
            for v in db.session.execute(select(Value.record_id, Value.field, Value.device, Value.n, Value.ctx,
                                               Value.nonce, Value.ct, Value.change_id)
                                        .where(Value.workspace_id == self.ws, Value.record_id.in_(chunk))):
                live.setdefault((v.record_id, v.field), []).append(
                    {"dot": [v.device, v.n], "ctx": json.loads(v.ctx), "nonce": v.nonce, "ct": v.ct,
                     "change": v.change_id})
        inserts, deletes, touched, new_changes, results = {}, [], set(), [], []
        for change, header in zip(changes, headers):
            code = self.access(change["record"])
            if code is not None:
                results.append(("refused", code))
                continue
            change_id = self.seq.next()
            outcomes = []
            for idx, w in enumerate(change["writes"]):
                key = (change["record"], w["field"])
                write = {"dot": w["dot"], "ctx": w["ctx"], "nonce": w["nonce"], "ct": w["ct"],
                         "change": change_id}
                outcome = merge(live.get(key, []), write)
                if outcome.tag == EQUIVOCATION:
                    outcomes.append(("refused", "equivocation"))
                    continue
                outcomes.append((outcome.tag, None))
                if outcome.tag != ACCEPTED:
                    continue
                live[key] = outcome.live
                for old in outcome.removed:
                    pk = (change["record"], w["field"], old["dot"][0], old["dot"][1])
                    touched.add(old["change"])
                    if inserts.pop(pk, None) is None:
                        deletes.append(pk)
                inserts[(change["record"], w["field"], w["dot"][0], w["dot"][1])] = {
                    "workspace_id": self.ws, "record_id": change["record"], "field": w["field"],
                    "device": w["dot"][0], "n": w["dot"][1], "ctx": json.dumps(w["ctx"], separators=(",", ":")),
                    "nonce": w["nonce"], "ct": w["ct"], "change_id": change_id, "idx": idx,
                    "seq": self.seq.next()}
            if any(tag == ACCEPTED for tag, _ in outcomes):
                new_changes.append({"workspace_id": self.ws, "id": change_id, "record_id": change["record"],
                                    "device_id": change["device"], "sig": change["sig"],
                                    "writes": header_lines(header)})
            results.append(outcomes)
        self._insert_records()
        for chunk in _chunks(deletes):
            db.session.execute(delete(Value).where(
                Value.workspace_id == self.ws,
                tuple_(Value.record_id, Value.field, Value.device, Value.n).in_(chunk)))
        if new_changes:
            insert_many(Change, new_changes)
            touched.update(c["id"] for c in new_changes)
        if inserts:
            insert_many(Value, list(inserts.values()))
        self._collect_changes(touched)
        return results

    def _insert_records(self):
        if self.new_records:
            insert_many(Record, self.new_records)
            self.new_records = []

    def _collect_changes(self, change_ids):
        """Delete the headers whose writes are all covered: less kept is less to seize."""
        for chunk in _chunks(change_ids):
            db.session.execute(delete(Change).where(
                Change.workspace_id == self.ws, Change.id.in_(chunk),
                ~exists().where(Value.workspace_id == Change.workspace_id, Value.change_id == Change.id)))

    def finish(self):
        """Write the counter; the caller commits."""
        self.seq.finish()


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
            "status": "revoked" if d.revoked else "active", "invite": d.invite_id}


def wrap_entry(w, workspace_id):
    """A key wrap as it was signed."""
    return {"type": "zapis/wrap/1", "workspace": workspace_id, "record": w.record_id,
            "recipient": w.recipient, "sender": w.sender, "epk": w.epk, "nonce": w.nonce,
            "ct": w.ct, "sig": w.sig}


VALUE_COLUMNS = (Value.record_id, Value.field, Value.device, Value.n, Value.nonce, Value.ct, Value.change_id,
                 Value.idx, Value.seq)
WRAP_COLUMNS = (Wrap.record_id, Wrap.recipient, Wrap.sender, Wrap.epk, Wrap.nonce, Wrap.ct, Wrap.sig, Wrap.seq)


def pull(device, cursor, limit, upper):
    """Everything in (cursor, upper] this device may see, at most `limit` items, and the next cursor.

    `upper` is the workspace counter, read before anything else. A field device sees the values
    of records it created or holds a wrap for; a coordinator sees every value. Everyone sees the
    device directory and tombstones. A wrap arriving for a field device brings the record's older
    values with it, since they lie behind its cursor. A pull from the very start skips
    tombstones: there is nothing to erase on a fresh device.
    """
    ws = device.workspace_id
    page = {"cursor": upper, "more": False, "changes": [], "wraps": [], "tombstones": [], "devices": []}
    if cursor >= upper:
        return page
    window = lambda col: and_(col > cursor, col <= upper)  # noqa: E731
    values = select(*VALUE_COLUMNS).where(Value.workspace_id == ws, window(Value.seq))
    if device.role != "coordinator":
        # The records it may read, as one uncorrelated set the database builds once (a hash or an
        # ephemeral index), not two probes for every value of the window: in a busy workspace the
        # window holds mostly other devices' values.
        readable = union(
            select(Wrap.record_id).where(Wrap.workspace_id == ws, Wrap.recipient == device.id),
            select(Record.id).where(Record.workspace_id == ws, Record.creator == device.id))
        values = values.where(Value.record_id.in_(readable))
    sources = [
        [(v.seq, "value", v) for v in db.session.execute(values.order_by(Value.seq).limit(limit))],
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
        if kind == "value":
            delivered.append(row)
        elif kind == "wrap":
            page["wraps"].append(wrap_entry(row, ws))
        elif kind == "device":
            page["devices"].append(device_entry(row))
        else:
            page["tombstones"].append(json.loads(row.purge))
    # Coordinators see every value whether or not they hold a wrap: nothing lies behind for them.
    granted = {w["record"] for w in page["wraps"]} if device.role != "coordinator" else ()
    for chunk in _chunks(granted):
        delivered += db.session.execute(select(*VALUE_COLUMNS).where(
            Value.workspace_id == ws, Value.record_id.in_(chunk), Value.seq <= cursor)).all()
    page["changes"] = _with_headers(ws, delivered)
    return page


def _with_headers(ws, values):
    """The delivered values grouped under their signed change headers, as JSON texts.

    Built by cutting and joining stored text: every piece was validated when it was pushed
    (ids, base64url), and decoding and re-encoding each header was most of a pull's cost.
    """
    by_change = {}
    for v in values:
        by_change.setdefault(v.change_id, {})[v.idx] = v
    changes = []
    for chunk in _chunks(by_change):
        for c in db.session.execute(select(Change.id, Change.record_id, Change.device_id, Change.sig, Change.writes)
                                    .where(Change.workspace_id == ws, Change.id.in_(chunk))):
            lines = c.writes.split("\n")
            for idx, v in by_change[c.id].items():
                lines[idx] = '%s,"nonce":"%s","ct":"%s"}' % (lines[idx][:-H_SUFFIX], v.nonce, v.ct)
            changes.append('{"workspace":"%s","record":"%s","device":"%s","sig":"%s","writes":[%s]}'
                           % (ws, c.record_id, c.device_id, c.sig, ",".join(lines)))
    # A value whose header vanished was covered after this pull began: the covering write has a
    # higher seq and arrives with a later pull, so dropping it here loses nothing.
    return changes


def page_json(page):
    """The pull page as JSON text; its changes are already JSON texts."""
    changes = page.pop("changes")
    head = json.dumps(page, separators=(",", ":"))
    return '%s,"changes":[%s]}' % (head[:-1], ",".join(changes))
