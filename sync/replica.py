"""A device's replica of its workspace: live sets, outbox and cursor. Pure: no network, no disk.

The reference client (`sync.client`) wraps this with HTTP and a state file; tests drive it
directly. Local values are kept as the same ciphertext the server holds, and decrypted on read.
"""

import json
import uuid

from . import keys
from .canonical import canonical_json
from .envelopes import (PURGE, WRAP, ProtocolError, check_change, decrypt_field, encrypt_field,
                        make_binding, make_purge, make_revocation, new_record_key, sign_change,
                        unwrap_key, verify_change, verify_object, wrap_key)
from .merge import ACCEPTED, DUPLICATE, EQUIVOCATION, STALE, display_order, merge, next_write
from .trust import evaluate, self_check

DELETED = "_deleted"
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
        self.records = {}      # record id -> {"key": bytes | None, "wrap": dict | None, "fields": {}}
        self.outbox = []       # {"change": ...} or {"wrap": ...}, in the order they were made
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
        self.trusted = result["trusted"]
        known = {o["sig"] for o in self.revocations}
        self.revocations += [o for o in result["orders"] if o["sig"] not in known]
        self.revoked_devices = set(result["revoked"]) | {
            d for d, e in self.directory.items() if e.get("status") == "revoked"}
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
        return [r for r in readable if (self.records[r]["wrap"] or {}).get("sender") == self.device]

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
                self._queue_wrap(record, self.records[record]["key"], target)
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

    # -- local edits --------------------------------------------------------------------------

    def _record(self, record):
        return self.records.setdefault(record, {"key": None, "wrap": None, "fields": {}})

    def save(self, values, record=None, now=0):
        """Write `values` ({field: value}) to a record as one signed change; return its id.

        A new record gets a fresh key, wrapped for this device and every trusted coordinator.
        Each write covers every value this device holds for its field, so saving a value over a
        conflict resolves it.
        """
        if record is None:
            record = str(uuid.uuid4())
            state = self._record(record)
            state["key"] = new_record_key()
            for recipient in [self.device] + [c for c in self._coordinators() if c != self.device]:
                self._queue_wrap(record, state["key"], recipient)
                if recipient != self.device:
                    self.rewrap.setdefault(recipient, set()).add(record)
        state = self.records.get(record)
        if state is None or state["key"] is None:
            raise ProtocolError("no_key", "this device cannot write a record it cannot read")
        writes = []
        for field, value in sorted(values.items()):
            dot, ctx = next_write(state["fields"].get(field, []), self.device)
            nonce, ct = encrypt_field(state["key"], self.workspace, record, field, dot, value, now)
            writes.append({"field": field, "dot": dot, "ctx": ctx, "nonce": nonce, "ct": ct})
        change = sign_change(self.sign_key, {"workspace": self.workspace, "record": record,
                                             "device": self.device, "writes": writes})
        for w in writes:
            state["fields"][w["field"]] = merge(state["fields"].get(w["field"], []), w).live
        self.outbox.append({"change": change})
        return record

    def _queue_wrap(self, record, key, recipient):
        entry = self.directory.get(recipient) if recipient != self.device else self.public_entry()
        wrap = wrap_key(key, self.workspace, record, self.device, self.sign_key, recipient,
                        entry["ecdh_key"])
        if recipient == self.device:
            self.records[record]["wrap"] = wrap
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
        self._queue_wrap(record, state["key"], recipient)

    def delete(self, record, now=0):
        """Soft delete: a write to `_deleted`, so an edit made elsewhere surfaces as a conflict."""
        self.save({DELETED: True}, record=record, now=now)

    def purge_order(self, record):
        """The signed order a coordinator posts to erase a record everywhere."""
        return make_purge(self.sign_key, self.workspace, record, self.device)

    # -- reading ------------------------------------------------------------------------------

    def read(self, record):
        """Decrypt a record: {field: {"value", "conflict", "siblings"}}; None if unreadable."""
        state = self.records.get(record)
        if state is None or state["key"] is None:
            return None
        out = {}
        for field, live in state["fields"].items():
            entries = []
            for w in live:
                value, t = decrypt_field(state["key"], self.workspace, record, field, w["dot"],
                                         w["nonce"], w["ct"])
                entries.append({"value": canonical_json(value), "t": t, "device": w["dot"][0]})
            shown = display_order(entries)
            out[field] = {"value": json.loads(shown[0]["value"]), "conflict": len(shown) > 1,
                          "siblings": [{**e, "value": json.loads(e["value"])} for e in shown]}
        return out

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
                self.problems.append({"kind": kind, "item": obj, "reason": str(exc)})
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
        if wrap["type"] != WRAP or wrap["workspace"] != self.workspace or wrap["recipient"] != self.device:
            raise ProtocolError("bad_wrap", "a wrap for another device or workspace")
        if not verify_object(self._signer(wrap["sender"]), wrap):
            raise ProtocolError("bad_signature", "a key wrap's signature does not verify")
        state = self._record(wrap["record"])
        if state["key"] is None:
            state["key"] = unwrap_key(wrap, self.ecdh_key)
            state["wrap"] = wrap
        return 1

    def _pulled_change(self, change):
        if change["workspace"] != self.workspace:
            raise ProtocolError("bad_change", "a change from another workspace")
        check_change(change)
        if not verify_change(self._signer(change["device"]), change):
            raise ProtocolError("bad_signature", "a change's signature does not verify")
        state = self._record(change["record"])
        merged = 0
        for w in change["writes"]:
            if "ct" not in w:
                continue
            write = {k: w[k] for k in ("field", "dot", "ctx", "nonce", "ct")}
            outcome = merge(state["fields"].get(w["field"], []), write)
            if outcome.tag == EQUIVOCATION:
                raise ProtocolError("equivocation", "two different values carry the same dot")
            state["fields"][w["field"]] = outcome.live
            merged += 1
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

    def forget_except(self, keep):
        """After pulling afresh, drop records the server no longer has (purged while away),
        unless this device still has something of them to send."""
        pending = {(i.get("change") or i.get("wrap"))["record"] for i in self.outbox}
        for record in list(self.records):
            if record not in keep and record not in pending:
                del self.records[record]

    # -- conflicts ----------------------------------------------------------------------------

    def conflicts(self):
        """[(record, field)] for every field this device can read that holds a conflict."""
        out = []
        for record in self.readable():
            for field, view in (self.read(record) or {}).items():
                if view["conflict"]:
                    out.append((record, field))
        return out


class _Untrusted(Exception):
    """A pulled item signed by a device whose certificate does not (yet) chain to the root."""

