"""A push: one device's verified wraps and changes, merged and written in one transaction."""

from sqlalchemy import delete, select

from sync.merge import ACCEPTED, EQUIVOCATION, merge, unseen

from ..authority import has_authority
from ..extensions import db
from ..models import Change, Device, Record, Wrap
from .bulk import _chunks, _executemany, insert_tuples
from .erase import erase_freed
from .sequencer import sequenced
from .text import _any_live, _state_dump, _state_load, hash_text, split_writes, write_text


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
    list of (status, code) per write. Everything is written by `finish`; the `sequenced` block
    the batch runs in (`seq`) stores the counter and commits.
    """

    def __init__(self, device, seq):
        self.device = device
        self.ws = device.workspace_id
        # Only a coordinator whose certificate chains to the root writes any record; one that is
        # not certified (yet) writes like a field device.
        self.coordinator = has_authority(device)
        self.seq = seq
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
                    select(Wrap.record_id).where(Wrap.workspace_id == self.ws,
                                                 Wrap.recipient == self.device.id,
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
        """Write records, wraps, changes and rewritten changes; `sequenced` stores the counter and commits."""
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


def active_devices(workspace_id, ids):
    """The ids among `ids` that are active devices of the workspace."""
    found = set()
    for chunk in _chunks(ids):
        found.update(db.session.execute(select(Device.id).where(
            Device.workspace_id == workspace_id, Device.revoked.is_(False), Device.id.in_(chunk))).scalars())
    return found


def apply_push(device, wraps, changes, hashes):
    """Apply a device's verified wraps and changes in one transaction, then erase what they
    covered. Returns (a (status, code) per wrap, an outcome per change: PushBatch's results)."""
    recipients = active_devices(device.workspace_id, {w["recipient"] for w in wraps})
    with sequenced(device.workspace_id) as seq:
        batch = PushBatch(device, seq)
        batch.load({w["record"] for w in wraps} | {c["record"] for c in changes})
        wrap_results = batch.wraps(wraps, recipients)
        outcomes = batch.changes(changes, hashes)
        batch.finish()
    batch.after_commit()
    return wrap_results, outcomes
