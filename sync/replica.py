"""A device's replica of its workspace: live sets, outbox and cursor. Pure: no network, no disk.

The reference client (`client/`, beside this package) wraps this with HTTP and a state file;
tests drive it directly. Local values are kept as the same ciphertext the server holds, and
decrypted on read.
"""

import json
import uuid

from . import keys
from .canonical import canonical_json
from .envelopes import (
    MAX_EPOCH,
    PURGE,
    WRAP_TYPES,
    ProtocolError,
    check_change,
    decrypt_field,
    encrypt_field,
    encrypt_value,
    key_commitment,
    make_binding,
    make_purge,
    make_revocation,
    new_record_key,
    open_value,
    sign_change,
    unwrap_keys,
    verify_change,
    verify_object,
    wrap_keys,
)
from .field_ids import fid, field_id_key_from, is_legacy, is_name, is_padding, padded_first
from .kinds import KINDS
from .merge import (
    ACCEPTED,
    DUPLICATE,
    EQUIVOCATION,
    STALE,
    apply_writes,
    display_order,
    merge,
    names_unissued,
    next_write,
)
from .trust import evaluate, self_check

DELETED = "_deleted"
# The names a field id may stand for, tried when no readable value of that field tells it: `kind`,
# the soft delete and every field of the registry's kinds (sync/kinds.json), as the PWA does.
KNOWN_NAMES = frozenset(["kind", DELETED] + [f["name"] for spec in KINDS.values() for f in spec["fields"]])
KEPT = (ACCEPTED, DUPLICATE, STALE)  # the server has it: the item may leave the outbox


class Replica:
    """Everything one device holds of a workspace."""

    def __init__(self, *, workspace, device, role, fingerprint, sign_key, ecdh_key):
        self.workspace = workspace
        self.device = device
        self.role = role
        self.fingerprint = fingerprint
        self.sign_key = sign_key
        self.ecdh_key = ecdh_key
        # record id -> {"key": bytes | None (k0, the epoch-0 key), "wrap": dict | None, "fields": {},
        # and, for the key commitments: "kcs" {kc: [devices that signed a change with it]},
        # "wraps" [every wrap still waiting for a verdict or accepted], "keys" {kc: key} of the
        # accepted keys (every epoch), "chain" [k0, ..., kn] the believed key list (kn is the one
        # this device writes with, at epoch n), and "issued": {field: the highest dot this device
        # wrote there}}
        self.records = {}
        self.outbox = []       # {"change": ...} or {"wrap": ...}, in the order they were made
        # Attachments announced but not all on the server yet (client/attachments.py): attachment
        # id -> {"record", "count", "size", "blobs": {index: sealed chunk bytes}}, sent by the next sync.
        self.uploads = {}
        self.cursor = 0
        self.directory = {}    # device id -> directory entry
        self.trusted = {}      # device id -> role, for certificates that chain to the fingerprint
        self.quarantine = []   # pulled items signed by devices not (yet) trusted
        self.refused = []      # outbox items the server refused, with its reasons
        self.problems = []     # pulled items that failed verification: never shown as genuine
        self.revoked = False
        self.revocations = []  # every valid revocation order seen: kept whatever the server shows later
        self.revoked_devices = set()  # devices revoked by those orders (or flagged by the server)
        self.alarm = []        # what is wrong with this device's own directory entry (trust.self_check)
        self.rewrap = {}       # coordinator id -> set of records wrapped for it (see rewrap_batch)
        self.rotating = set()  # records owed a new key epoch after a revocation (see rotate_batch)
        self.rotated = 0       # records rotated since `rotating` was last empty (progress)
        # Field names this device knows (the registry's, and those it has written or read), in memory
        # only (the state file holds field ids): what names an unreadable value's field id, when
        # one of them derives to it.
        self.names = set(KNOWN_NAMES)

    # -- identity ---------------------------------------------------------------------------

    def public_entry(self):
        """This device's public keys, as enrollment sends them."""
        return {"id": self.device, "sign_key": keys.public_b64(self.sign_key),
                "ecdh_key": keys.public_b64(self.ecdh_key)}

    def binding(self):
        """This device's signed key-binding statement (its keys, id, workspace and role)."""
        mine = self.public_entry()
        return make_binding(self.sign_key, self.workspace, self.device, self.role, mine["sign_key"],
                            mine["ecdh_key"])

    def wraps_allowed(self, recipient):
        """May a record key go to this device? Never while the alarm is raised, never to a device
        revoked by an order this device has seen or flagged revoked by the server."""
        if recipient == self.device:
            return True
        return (not self.alarm and recipient in self.trusted and recipient not in self.revoked_devices
                and self.directory.get(recipient, {}).get("status") != "revoked")

    def _coordinators(self):
        return [d for d, role in self.trusted.items() if role == "coordinator" and self.wraps_allowed(d)]

    def revocation_order(self, device):
        """The signed order a coordinator posts to remove a device."""
        return make_revocation(self.sign_key, self.workspace, device, self.device)

    def keep_revocation(self, order):
        """Keep an order this device issued and the server took: no key goes to that device again."""
        self.revocations.append(order)
        self.update_trust()

    def update_trust(self):
        """Evaluate the directory again: trust, revocations (kept for ever) and the self-check."""
        result = evaluate(list(self.directory.values()), self.workspace, self.fingerprint, self.revocations)
        before_trusted = self.trusted
        self.trusted = result["trusted"]
        known = {o["sig"] for o in self.revocations}
        self.revocations += [o for o in result["orders"] if o["sig"] not in known]
        before = (self.revoked_devices, before_trusted)
        self.revoked_devices = set(result["revoked"]) | {
            d for d, e in self.directory.items() if e.get("status") == "revoked"}
        if (self.revoked_devices, self.trusted) != before:
            # Who may start a key epoch changed (a coordinator revoked or trusted): judge again.
            for record, state in self.records.items():
                if state.get("wraps"):
                    self._settle(record)
        mine = self.directory.get(self.device)
        pub = self.public_entry()
        self.alarm = self_check(mine, self.workspace, self.device, self.role, pub["sign_key"],
                                pub["ecdh_key"])
        if self.device in result["revoked"] or (mine is not None and mine.get("status") == "revoked"):
            self.revoked = True

    def needs_binding(self):
        """True when the directory shows this device without its key-binding statement."""
        mine = self.directory.get(self.device)
        return mine is not None and mine.get("binding") is None and not self.alarm and not self.revoked

    def _rewrappable(self):
        """Records whose key this device gives to coordinators that lack it: every record it reads
        if it is a coordinator; else only those it created (its own wrap, made by itself), which
        covers a record saved before the coordinators were trusted here (offline, or while a
        directory without bindings trusted nobody)."""
        readable = self.readable()
        if self.role == "coordinator":
            return readable
        return [r for r in readable if self._created(r)]

    def _created(self, record):
        # Its own wrap to itself, made when it saved the record first (a field device may send
        # wraps only of records it created).
        return any(w["sender"] == self.device for w in self.records[record].get("wraps", ()))

    def _rewrap_owed(self):
        """{coordinator: [records it may lack]}: records not yet wrapped for it by this device."""
        if self.alarm or self.revoked:
            return {}
        records = None
        owed = {}
        for c in self._coordinators():
            if c != self.device:
                if records is None:
                    records = self._rewrappable()
                done = self.rewrap.setdefault(c, set())
                missing = [r for r in records if r not in done]
                if missing:
                    owed[c] = missing
        return owed

    def rewrap_batch(self, limit=500):
        """Queue wraps of readable records for trusted coordinators this device has not wrapped them
        for (a coordinator certified after the records existed gets every key), at most `limit`;
        return how many were queued. Progress is the set of records done per coordinator, kept in
        the state file, so an interrupted run resumes where it stopped; a wrap the server already
        holds is answered `duplicate`. Records this device saves are wrapped to every trusted
        coordinator at once and count as done.
        """
        queued = 0
        for target, missing in sorted(self._rewrap_owed().items()):
            for record in missing[:limit - queued]:
                self._queue_wrap(record, self.chain(record), target)
                self.rewrap[target].add(record)
                queued += 1
            if queued >= limit:
                break
        return queued

    def rewrap_progress(self):
        """{coordinator: (records done, records to give)} for every re-wrap still under way."""
        owed = self._rewrap_owed()
        total = len(self._rewrappable()) if owed else 0
        return {c: (total - len(missing), total) for c, missing in owed.items()}

    # -- key epochs: rotation after a revocation ---------------------------------------------

    def could_read(self, device):
        """Records this device can read that `device` could read too, as far as signed data shows:
        every one for a coordinator; for a field device, those it signed a change or a wrap of
        (the records it created among them). The server's word (`Client.start_rotation`) adds
        the records it holds a wrap for."""
        readable = self.readable()
        if "coordinator" in (self.trusted.get(device), self.directory.get(device, {}).get("role")):
            return readable
        return [r for r in readable if self._touched_by(r, device)]

    def _touched_by(self, record, device):
        state = self.records[record]
        return (any(device in signers for signers in state.get("kcs", {}).values())
                or any(w["dot"][0] == device for live in state["fields"].values() for w in live)
                or any(w["sender"] == device for w in state.get("wraps", ())))

    def start_rotation(self, device, hint=()):
        """After revoking `device`: every record it could read (could_read, plus the records of
        `hint` this device reads: the server's list of those it holds a wrap for) is owed a new key
        epoch. Only a coordinator rotates. Returns how many records are owed now."""
        if self.role != "coordinator":
            raise ProtocolError("coordinator_only", "only a coordinator starts a new key epoch")
        readable = set(self.readable())
        if not self.rotating:
            self.rotated = 0
        self.rotating |= set(self.could_read(device)) | (set(hint) & readable)
        return len(self.rotating)

    def rotation_next(self, limit=200):
        """The next records to rotate (sorted), at most `limit`."""
        return sorted(self.rotating)[:limit]

    def holders(self, record, wraps=()):
        """The devices that get a record's new key list: this device, every trusted coordinator
        not revoked, every device that signed a change of the record (its creator among them),
        and every recipient of one of `wraps` (the server's list of the record's stored wraps)
        whose signature verifies under a sender of those kinds. Each only if it may receive keys
        (`wraps_allowed`: trusted, not revoked by a kept order or the server's flag)."""
        state = self.records[record]
        writers = {d for signers in state.get("kcs", {}).values() for d in signers}
        writers |= {w["dot"][0] for live in state["fields"].values() for w in live}
        vouching = writers | {d for d, role in self.trusted.items() if role == "coordinator"}
        out = {self.device} | set(self._coordinators()) | writers
        for wrap in wraps:
            sender = wrap.get("sender")
            if (isinstance(wrap, dict) and wrap.get("record") == record
                    and wrap.get("workspace") == self.workspace and wrap.get("type") in WRAP_TYPES
                    and sender in vouching and self.wraps_allowed(sender)
                    and verify_object(self._signer_key(sender), wrap)):
                out.add(wrap["recipient"])
        return sorted(d for d in out if self.wraps_allowed(d) and (d == self.device or d in self.directory))

    def _signer_key(self, device):
        return keys.public_b64(self.sign_key) if device == self.device else self.directory[device]["sign_key"]

    def rotate(self, record, wraps=()):
        """Start a new key epoch for a record: a fresh random key after the chain this device
        believes, wrapped with every earlier key to the record's holders (see `holders`); the
        revoked devices are never among them. Returns the number of wraps queued (0 if it cannot:
        it no longer reads the record, or the list is full)."""
        self.rotating.discard(record)
        state = self.records.get(record)
        if self.alarm or self.revoked or state is None or state["key"] is None:
            return 0
        chain = self.chain(record)
        if len(chain) > MAX_EPOCH:
            return 0
        chain = chain + [new_record_key()]
        recipients = self.holders(record, wraps)
        for recipient in recipients:
            self._queue_wrap(record, chain, recipient)
        self._settle(record)
        self.rotated += 1
        return len(recipients)

    def rotation_progress(self):
        """(records rotated, records in this run) while a rotation is under way, else None."""
        if not self.rotating:
            return None
        return self.rotated, self.rotated + len(self.rotating)

    # -- local edits --------------------------------------------------------------------------

    def _record(self, record):
        return self.records.setdefault(record, {"key": None, "wrap": None, "fields": {}})

    def _note_kc(self, record, kc, device):
        kcs = self._record(record).setdefault("kcs", {})
        if device not in kcs.setdefault(kc, []):
            kcs[kc].append(device)
            kcs[kc].sort()

    def save(self, values, record=None, now=0):
        """Write `values` ({field name: value}) to a record as one signed change; return its id.

        A new record gets a fresh key, wrapped for this device and every trusted coordinator, and
        its first change writes FIRST_CHANGE_WRITES fields (`_deleted` false and padding), so its
        kind does not show in the number of writes. Fields travel as opaque ids, except in a legacy
        record (made before protocol 3), which keeps its names. Each write covers every value this
        device holds for its field, so saving a value over a conflict resolves it.
        """
        if any(not is_name(name) for name in values):
            raise ProtocolError("bad_field",
                                "a field name is 1 to 40 of a-z, 0-9 and _, not starting with a digit")
        if record is None:
            record = str(uuid.uuid4())
            state = self._record(record)
            state["key"] = new_record_key()
            state["chain"] = [state["key"]]
            for recipient in [self.device] + [c for c in self._coordinators() if c != self.device]:
                self._queue_wrap(record, state["chain"], recipient)
                if recipient != self.device:
                    self.rewrap.setdefault(recipient, set()).add(record)
            values = padded_first(values, DELETED)
        state = self.records.get(record)
        if state is None or state["key"] is None:
            raise ProtocolError("no_key", "this device cannot write a record it cannot read")
        # Writers write with the newest key they believe (docs/protocol.md, "Key epochs").
        chain = self.chain(record)
        key, epoch = chain[-1], len(chain) - 1
        legacy = is_legacy(state["fields"])
        fid_key = None if legacy else self.field_id_key(record)
        writes = []
        for name, value in values.items():
            field = name if legacy else fid(fid_key, name)
            dot, ctx = next_write(state["fields"].get(field, []), self.device)
            if legacy:
                nonce, ct = encrypt_field(key, self.workspace, record, field, dot, value, now, epoch=epoch)
            else:
                nonce, ct = encrypt_value(key, self.workspace, record, field, name, dot, value, now, epoch)
            writes.append({"field": field, "dot": dot, "ctx": ctx, "nonce": nonce, "ct": ct})
            self.names.add(name)
        # In the order of the wire fields: for ids a random order, which says nothing of the names.
        writes.sort(key=lambda w: w["field"])
        kc = key_commitment(key)
        change = sign_change(self.sign_key, {"workspace": self.workspace, "record": record,
                                             "device": self.device, "kc": kc, "e": epoch, "writes": writes})
        self._note_kc(record, kc, self.device)
        state.setdefault("keys", {})[kc] = key
        for w in writes:
            state["fields"][w["field"]] = merge(state["fields"].get(w["field"], []),
                                                {**w, "kc": kc, "e": epoch}).live
        issued = state.setdefault("issued", {})
        for w in writes:
            issued[w["field"]] = max(issued.get(w["field"], 0), w["dot"][1])
        self.outbox.append({"change": change})
        return record

    def field_id_key(self, record):
        """The key the record's field ids derive from (docs/protocol.md, "Field values"), made from
        the record's epoch-0 key k0 (the first of its key list), so ids never change across epochs;
        None while this device holds no key of it. The one place that chooses that key."""
        state = self.records.get(record)
        k0 = self.chain(record)[0] if state and state["key"] is not None else None
        if k0 is None:
            return None
        cached = state.get("_fid")
        if cached is None or cached[0] != k0:
            cached = state["_fid"] = (k0, field_id_key_from(k0, self.workspace, record))
        return cached[1]

    def field_of(self, record, name):
        """The wire field of `name` in a record: its id, or the name itself in a legacy record."""
        state = self.records[record]
        return name if is_legacy(state["fields"]) else fid(self.field_id_key(record), name)

    def chain(self, record):
        """The record's believed key list [k0, ..., kn]: the last is the key this device writes
        with (epoch n) and every list it wraps is this one."""
        state = self.records[record]
        return state.get("chain") or [state["key"]]

    def _queue_wrap(self, record, chain, recipient):
        entry = self.directory.get(recipient) if recipient != self.device else self.public_entry()
        wrap = wrap_keys(chain, self.workspace, record, self.device, self.sign_key, recipient,
                         entry["ecdh_key"])
        if recipient == self.device:
            state = self.records[record]
            state["wrap"] = wrap
            state.setdefault("wraps", []).append(wrap)
            state.setdefault("_open", {})[wrap["sig"]] = list(chain)
        self.outbox.append({"wrap": wrap})

    def grant(self, record, recipient):
        """Give a trusted device the key of a record this device can read."""
        state = self.records.get(record)
        if state is None or state["key"] is None:
            raise ProtocolError("no_key", "this device cannot share a record it cannot read")
        if recipient not in self.trusted:
            raise ProtocolError("untrusted_device", "records are shared only with verified devices")
        if not self.wraps_allowed(recipient):
            raise ProtocolError("wraps_stopped", "no record key goes to a removed device, or to anyone "
                                "while this device's own directory entry is wrong")
        self._queue_wrap(record, self.chain(record), recipient)

    def author(self, record):
        """The device that created a record: the writer of its `kind` (written once, at creation)."""
        siblings = ((self.read(record) or {}).get("kind") or {}).get("siblings") or []
        return siblings[0]["device"] if siblings else None

    def delete(self, record, now=0):
        """Soft delete: a write to `_deleted`, so an edit made elsewhere surfaces as a conflict."""
        self.save({DELETED: True}, record=record, now=now)

    def purge_order(self, record):
        """The signed order a coordinator posts to erase a record everywhere."""
        return make_purge(self.sign_key, self.workspace, record, self.device)

    # -- reading ------------------------------------------------------------------------------

    def read(self, record):
        """Decrypt a record: {field name: {"value", "conflict", "siblings", "unreadable"}}; None if
        this device holds no key for it.

        A value that does not decrypt, parse or unpad, whose name does not match its field id, or
        whose change commits to a key this device does not hold, costs only itself: it is left out
        of `siblings` and listed in its field's `unreadable` ({"device", "label", "dot", "code"};
        present only when not empty). A field with no readable value has `value` None and no
        siblings; it is keyed by its name when this device can tell it (another value of the same
        field id, or a name it knows that derives to the id), else by the field id. Padding fields
        are left out.
        """
        state = self.records.get(record)
        if state is None or state["key"] is None:
            return None
        fid_key = self.field_id_key(record)
        entries, unreadable, named = {}, {}, {}
        for field, live in state["fields"].items():
            for w in live:
                try:
                    key = self._key_for(state, w)
                    name, value, t = open_value(key, fid_key, self.workspace, record, field, w["dot"],
                                                w["nonce"], w["ct"], w.get("e", 0))
                    named[field] = name
                    entries.setdefault(name, []).append({"value": canonical_json(value), "t": t,
                                                         "device": w["dot"][0]})
                except ProtocolError:
                    unreadable.setdefault(field, []).append(
                        {"device": w["dot"][0], "label": self.device_label(w["dot"][0]),
                         "dot": list(w["dot"]), "code": "unreadable_value"})
        self.names.update(named.values())
        bad = {}
        for field, items in unreadable.items():
            name = named.get(field) or self._name_of(record, field)
            bad.setdefault(name, []).extend(items)
            entries.setdefault(name, [])
        out = {}
        for name, found in entries.items():
            if is_padding(name):
                continue
            shown = display_order(found)
            out[name] = {"value": json.loads(shown[0]["value"]) if shown else None,
                         "conflict": len(shown) > 1,
                         "siblings": [{**e, "value": json.loads(e["value"])} for e in shown]}
            if name in bad:
                out[name]["unreadable"] = bad[name]
        return out

    def _name_of(self, record, field):
        """The name of a wire field of a record, when this device can tell it; else the field
        itself (a legacy name, or an id no known name derives to)."""
        state = self.records.get(record)
        if state is None or is_legacy(state["fields"]) or state["key"] is None:
            return field
        fid_key = self.field_id_key(record)
        for tries in (0, 1):
            for name in self.names:
                if fid(fid_key, name) == field:
                    return name
            if tries == 0 and not self._learned:
                self._learn_names()  # once: the names of every record this device can read
        return field

    _learned = False

    def _learn_names(self):
        self._learned = True
        for record in self.readable():
            self.read(record)

    @staticmethod
    def _key_for(state, write):
        # A write is decrypted only with the key its change committed to; an old one without a
        # commitment with the record's key.
        if "kc" not in write:
            return state["key"]
        key = (state.get("keys") or {}).get(write["kc"])
        if key is None and state["key"] is not None and key_commitment(state["key"]) == write["kc"]:
            key = state["key"]
        if key is None:
            raise ProtocolError("unreadable_value", "a value made with a key this device does not hold")
        return key

    def device_label(self, device):
        """How a person is told which device wrote something: its safety number when the
        directory entry has one, else its role and the first characters of its id."""
        entry = self.directory.get(device) or {}
        if entry.get("safety_number"):
            return entry["safety_number"]
        role = self.role if device == self.device else entry.get("role", "device")
        return "%s %s" % (role, device[:8])

    def unreadable(self):
        """[{"record", "field", "device", "label", "dot", "code"}]: every value this device
        holds but cannot read, for the person to see (a sync result carries it)."""
        return self.review()[1]

    def review(self):
        """(conflicts, unreadable) as `conflicts()` and `unreadable()` give them, in one pass."""
        conflicts, unreadable = [], []
        for record in self.readable():
            for field, view in (self.read(record) or {}).items():
                if view["conflict"]:
                    conflicts.append((record, field))
                unreadable.extend({"record": record, "field": field, **u} for u in view.get("unreadable", ()))
        return conflicts, unreadable

    def readable(self):
        """Ids of the records this device can decrypt."""
        return sorted(r for r, s in self.records.items() if s["key"] is not None)

    # -- push ---------------------------------------------------------------------------------

    def push_batch(self, max_items=500):
        """The next push body and the outbox items it carries (wraps first, then changes)."""
        items = self.outbox[:max_items]
        return self.push_body(items), items

    @staticmethod
    def push_body(items):
        """The push body that carries these outbox items (wraps first, then changes)."""
        return {"wraps": [i["wrap"] for i in items if "wrap" in i],
                "changes": [i["change"] for i in items if "change" in i]}

    def apply_push_results(self, items, results):
        """Drop from the outbox what the server now holds; keep what it refused for a person."""
        wraps = iter(results["wraps"])
        changes = iter(results["changes"])
        done = set()
        counts = {"accepted": 0, "duplicate": 0, "stale": 0, "refused": 0}
        for item in items:
            if "wrap" in item:
                res = next(wraps)
                self._tally(counts, res, item)
            else:
                res = next(changes)
                if res["status"] == "ok":
                    for w, wres in zip(item["change"]["writes"], res["writes"]):
                        self._tally(counts, wres, {"change": item["change"], "field": w["field"]})
                else:
                    counts["refused"] += len(item["change"]["writes"])
                    self.refused.append({"item": item, "code": res.get("code"),
                                         "message": res.get("message")})
            done.add(id(item))
        self.outbox = [i for i in self.outbox if id(i) not in done]
        return counts

    def _tally(self, counts, res, item):
        status = res["status"]
        counts[status if status in KEPT else "refused"] += 1
        if status not in KEPT:
            self.refused.append({"item": item, "code": res.get("code"), "message": res.get("message")})

    # -- pull ---------------------------------------------------------------------------------

    def apply_pull(self, page):
        """Verify and merge one pulled page, then move the cursor past it. Returns counts."""
        counts = {"devices": 0, "wraps": 0, "writes": 0, "tombstones": 0, "problems": 0}
        if page.get("devices"):
            for entry in page["devices"]:
                self.directory[entry["id"]] = entry
            counts["devices"] = len(page["devices"])
            self.update_trust()
        before = len(self.problems)
        pending, self.quarantine = self.quarantine, []
        for item in pending + [("wrap", w) for w in page.get("wraps", [])] \
                + [("change", c) for c in page.get("changes", [])] \
                + [("purge", t) for t in page.get("tombstones", [])]:
            kind, obj = item
            try:
                counts[{"wrap": "wraps", "change": "writes", "purge": "tombstones"}[kind]] += \
                    getattr(self, "_pulled_" + kind)(obj)
            except _Untrusted:
                self.quarantine.append(item)
            except (ProtocolError, KeyError, TypeError, ValueError, IndexError) as exc:
                self.problems.append({"kind": kind, "item": obj, "code": getattr(exc, "code", "malformed"),
                                      "reason": str(exc)})
        counts["problems"] = len(self.problems) - before
        self.cursor = page["cursor"]
        return counts

    def _signer(self, device):
        if device == self.device:
            return keys.public_b64(self.sign_key)
        if device not in self.trusted:
            raise _Untrusted(device)
        return self.directory[device]["sign_key"]

    def _pulled_wrap(self, wrap):
        if (wrap.get("type") not in WRAP_TYPES or wrap["workspace"] != self.workspace
                or wrap["recipient"] != self.device):
            raise ProtocolError("bad_wrap", "a wrap for another device or workspace")
        if not verify_object(self._signer(wrap["sender"]), wrap):
            raise ProtocolError("bad_signature", "a key wrap's signature does not verify")
        opened = unwrap_keys(wrap, self.ecdh_key)
        state = self._record(wrap["record"])
        waiting = state.setdefault("wraps", [])
        if all(w["sig"] != wrap["sig"] for w in waiting):
            waiting.append(wrap)
            state.setdefault("_open", {})[wrap["sig"]] = opened
        self._settle(wrap["record"])
        return 1

    def _settle(self, record):
        """Judge the record's wraps against its key commitments (docs/protocol.md, "Key
        commitments"), from scratch each time, so a later change can overturn a provisional key.

        A wrap holds a key list k0..kn (one key, k0, for a wrap/1). From this device or a trusted
        coordinator that is not revoked (`starts_epochs`: only they start epochs), the whole list
        is accepted when some change of the record commits (`kc`) to one of its keys, or its k0
        opens a value of an old change without a commitment, or, provisionally, while the record
        holds no value at all; such a list is a candidate for the record's chain. From any other
        sender, each key is judged alone as a wrap's one key always was: accepted when a change
        commits to it and the sender is a trusted coordinator or itself signed a change committing
        to it (the record's creator always has); a k0 also when it opens an old value, or
        provisionally; only an accepted k0 makes a candidate chain, of that one key: a field
        device's wrap never introduces an epoch. A wrap none of whose keys is committed to and
        whose k0 opens nothing is refused as `wrong_key` when the record holds values; one whose
        keys are committed but not vouched for waits. The chain this device writes with (and
        wraps) is the best candidate: the lowest rank (commitment, old value, provisional), then
        the longest list, then the smallest commitment of its newest key.
        """
        state = self.records[record]
        wraps = state.get("wraps", [])
        if not wraps:
            return
        kcs = state.get("kcs", {})
        opened = state.setdefault("_open", {})
        legacy = [(f, w) for f, live in state["fields"].items() for w in live if "kc" not in w]
        accepted, candidates, kept = {}, [], []
        for wrap in wraps:
            chain = opened.get(wrap["sig"])
            if chain is None:
                try:
                    chain = opened[wrap["sig"]] = unwrap_keys(wrap, self.ecdh_key)
                except ProtocolError as exc:
                    self.problems.append({"kind": "wrap", "item": wrap, "code": exc.code, "reason": str(exc)})
                    continue
            sender = wrap["sender"]
            commits = [key_commitment(k) for k in chain]
            if self.starts_epochs(sender):
                good = list(zip(commits, chain))
                candidate = chain
                committed = any(kc in kcs for kc in commits)
            else:
                good = [(kc, k) for kc, k in zip(commits, chain) if kc in kcs and (
                    self.trusted.get(sender) == "coordinator" or sender in kcs[kc])]
                candidate = chain[:1]
                committed = commits[0] in dict(good)
            if committed:
                rank = 0
            elif legacy and self._opens_any(chain[0], record, legacy):
                rank = 1
            elif not kcs and not legacy:
                rank = 2  # provisional: nothing of the record has arrived to check it against
            elif not any(kc in kcs for kc in commits):
                self.problems.append({"kind": "wrap", "item": wrap, "code": "wrong_key",
                                      "reason": "a wrapped key that opens nothing of the record"})
                opened.pop(wrap["sig"], None)
                continue
            else:
                rank = None  # keys the record's changes commit to, from a sender not vouching (yet)
            kept.append(wrap)
            accepted.update(good)
            if rank is not None:
                accepted[commits[0]] = chain[0]
                candidates.append(((rank, -len(candidate), key_commitment(candidate[-1]) if len(candidate) > 1
                                    else "", len(candidates)), candidate, wrap))
        state["wraps"] = kept
        state["keys"] = accepted
        if candidates:
            _, chain, wrap = min(candidates, key=lambda c: c[0])
            state["key"], state["wrap"], state["chain"] = chain[0], wrap, list(chain)
        else:
            state["key"], state["wrap"], state["chain"] = None, None, []

    def starts_epochs(self, device):
        """May `device` introduce a record's new key epoch, for this device? Only itself, or a
        trusted coordinator that no kept order (nor the server's flag) revoked."""
        if device == self.device:
            return True
        return (self.trusted.get(device) == "coordinator" and device not in self.revoked_devices
                and self.directory.get(device, {}).get("status") != "revoked")

    def _opens_any(self, key, record, legacy):
        # Changes without a key commitment predate protocol 3: their values are in the legacy form.
        for field, w in legacy:
            try:
                decrypt_field(key, self.workspace, record, field, w["dot"], w["nonce"], w["ct"])
                return True
            except ProtocolError:
                continue
        return False

    def _pulled_change(self, change):
        if change["workspace"] != self.workspace:
            raise ProtocolError("bad_change", "a change from another workspace")
        if "e" in change and (type(change["e"]) is not int or not 0 <= change["e"] <= MAX_EPOCH):
            raise ProtocolError("bad_change", "a change's key epoch is not an integer of 0 to %d" % MAX_EPOCH)
        check_change(change)
        if not verify_change(self._signer(change["device"]), change):
            raise ProtocolError("bad_signature", "a change's signature does not verify")
        state = self._record(change["record"])
        issued = state.setdefault("issued", {})
        kc = change.get("kc")
        if kc is not None:
            self._note_kc(change["record"], kc, change["device"])
        writes = []
        for w in change["writes"]:
            field = w["field"]
            if change["device"] == self.device:
                # Signed by this device's key: it issued that dot (a state file restored from an
                # older copy learns its own later dots back here).
                issued[field] = max(issued.get(field, 0), w["dot"][1])
            if "ct" not in w:
                continue  # no longer live: delivered for the signature only
            # A context naming this device above every dot it issued for the field covers writes
            # it never made: merged, it would silently erase its edits still on their way.
            if names_unissued(w["ctx"], self.device, change["device"], issued.get(field, 0),
                              state["fields"].get(field, [])):
                self.problems.append({"kind": "change", "item": change, "code": "unseen_context",
                                      "field": self._name_of(change["record"], field),
                                      "reason": "a write's context names a version of this device's "
                                                "that it never wrote"})
                continue
            write = {k: w[k] for k in ("field", "dot", "ctx", "nonce", "ct")}
            if kc is not None:
                write["kc"] = kc
            if "e" in change:
                write["e"] = change["e"]
            writes.append(write)
        # An equivocating write is skipped alone; the change's other writes are applied (both
        # languages alike: merge.apply_writes, tests/vectors/robust.json).
        state["fields"], tags = apply_writes(state["fields"], writes)
        merged = 0
        for write, tag in zip(writes, tags):
            if tag == EQUIVOCATION:
                self.problems.append({"kind": "change", "item": change, "code": "equivocation",
                                      "reason": "two different values carry the same dot %s"
                                                % (write["dot"],)})
            else:
                merged += 1
        if state.get("wraps"):
            self._settle(change["record"])
        return merged

    def _pulled_purge(self, order):
        if order["type"] != PURGE or order["workspace"] != self.workspace:
            raise ProtocolError("bad_purge", "a purge order for another workspace")
        signer = self._signer(order["device"])
        if self.trusted.get(order["device"], self.role) != "coordinator":
            raise ProtocolError("bad_purge", "only a coordinator may purge a record")
        if not verify_object(signer, order):
            raise ProtocolError("bad_signature", "a purge order's signature does not verify")
        self.records.pop(order["record"], None)
        self.outbox = [i for i in self.outbox
                       if (i.get("change") or i.get("wrap"))["record"] != order["record"]]
        return 1

    def unconfirmed(self, seen):
        """After pulling afresh (a 410), the records the fresh pull did not mention.

        They are kept: only a signed purge order erases a record, and a server that leaves a
        record out of a page has signed nothing (it may be hostile, or restored from a backup).
        The caller tells the person; a later pull may mention them again.
        """
        return sorted(r for r in self.records if r not in seen)

    # -- conflicts ----------------------------------------------------------------------------

    def conflicts(self):
        """[(record, field)] for every field this device can read that holds a conflict."""
        return self.review()[0]


class _Untrusted(Exception):
    """A pulled item signed by a device whose certificate does not (yet) chain to the root."""

