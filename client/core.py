"""The reference client's device: a `Client` joins a workspace (as its first coordinator with a
setup link, or with an invite link), edits records offline, pushes, pulls, re-wraps, rotates keys
and exports, over a transport (client/transport.py over HTTP; tests pass one over Flask's test
client). The state file is client/state.py; the command line is client/cli.py.

The protocol itself (merge, envelopes, trust, the replica) is the pure core in sync/; this package
adds the network and the disk around it.
"""

import datetime
import os
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

from sync import dense, keys, kinds
from sync.attachments import FIELD as ATTACHMENTS, describe, entries
from sync.b64 import b64encode
from sync.envelopes import ProtocolError, binding_matches, make_certificate, safety_number
from sync.gc_pause import gc_paused
from sync.replica import DELETED, Replica

from . import attachments, state
from .transport import APIError, HTTPTransport, TransportError, check


def parse_link(link):
    """The parameters in an invite or setup link's fragment: {"c" or "t", "w", "f", "r"?}
    (`r`, the invite's role, which the joining device signs in its key-binding statement)."""
    parts = urlsplit(link)
    params = {k: v[0] for k, v in parse_qs(parts.fragment).items()}
    params["base_url"] = "%s://%s" % (parts.scheme, parts.netloc)
    return params


class Client:
    """One device: its replica, a transport and its bearer token."""

    def __init__(self, replica, transport, token):
        self.replica = replica
        self.transport = transport
        self.token = token
        self.checkpoint = None  # called after each re-wrap batch (the CLI saves its state file)

    # -- joining ------------------------------------------------------------------------------

    @classmethod
    def bootstrap(cls, transport, setup_token, workspace):
        """Become the root coordinator of a new workspace with its setup token."""
        replica = new_replica(workspace, "coordinator", fingerprint=None)
        mine = replica.public_entry()
        replica.fingerprint = keys.fingerprint(mine["sign_key"])
        cert = make_certificate(replica.sign_key, workspace, mine["id"], "coordinator",
                                mine["sign_key"], mine["ecdh_key"], mine["id"])
        body = check(*transport.request("POST", "/api/bootstrap", {
            "setup_token": setup_token, "device": mine, "cert": cert, "binding": replica.binding()}))
        client = cls(replica, transport, body["token"])
        client.pull()
        return client

    @classmethod
    def enroll(cls, transport, code, workspace, fingerprint, role=None):
        """Join a workspace with an invite code; trust only what chains to `fingerprint`.

        `role` is the invite link's role (`r`): the device signs it in its key-binding statement,
        and the server must enroll it in that role. A link without one (made before links carried
        it) enrolls in the role the server gives, and the statement follows with the first pull.
        """
        replica = new_replica(workspace, role, fingerprint)
        request = {"invite": code, "device": replica.public_entry()}
        if role is not None:
            request["binding"] = replica.binding()
        body = check(*transport.request("POST", "/api/enroll", request))
        if body["workspace"] != workspace:
            raise ProtocolError("wrong_workspace", "the server enrolled this device in another workspace")
        if role is not None and body["role"] != role:
            raise ProtocolError("wrong_role", "the server enrolled this device in another role than "
                                "the link's")
        replica.role = body["role"]
        client = cls(replica, transport, body["token"])
        client.pull()
        return client

    @classmethod
    def enroll_link(cls, link, transport=None):
        """Join with an invite link (the code and fingerprint are in its fragment)."""
        params = parse_link(link)
        return cls.enroll(transport or HTTPTransport(params["base_url"]), params["c"], params["w"],
                          params["f"], params.get("r"))

    def _call(self, method, path, body=None, params=None, expected=(200, 201)):
        return check(*self.transport.request(method, path, body, self.token, params), expected)

    # -- sync ---------------------------------------------------------------------------------

    def push(self, batch=500, in_flight=None):
        """Push the whole outbox in batches; return the tally of results.

        Over HTTP two batches travel at once (`in_flight`, the transport's `in_flight` by
        default), so the server's workers check signatures side by side. Their order does not
        matter: the merge is commutative, and an edit that lands before the save it follows
        makes that save's write stale, which it is. An item leaves the outbox only with the
        answer for its own batch; a failed batch stays and the first error is raised.
        """
        total = {"accepted": 0, "duplicate": 0, "stale": 0, "refused": 0}
        lanes = in_flight or getattr(self.transport, "in_flight", 1)

        def send(items):
            return self._call("POST", "/api/sync/push", self.replica.push_body(items))

        def tally(items, results):
            for k, v in self.replica.apply_push_results(items, results).items():
                total[k] += v

        while self.replica.outbox:
            snapshot = list(self.replica.outbox)
            batches = [snapshot[i:i + batch] for i in range(0, len(snapshot), batch)]
            if lanes == 1 or len(batches) == 1:
                for items in batches:
                    tally(items, send(items))
                continue
            with ThreadPoolExecutor(lanes) as pool:
                futures = [(items, pool.submit(send, items)) for items in batches]
                failure = None
                for items, future in futures:
                    try:
                        tally(items, future.result())
                    except (TransportError, APIError) as exc:
                        failure = failure or exc
                if failure is not None:
                    raise failure
        return total

    def pull(self, limit=None):
        """Pull every page after the cursor; start over from 0 if the server says 410. Returns the
        counts: devices, wraps, writes, tombstones, problems, held (items newly held back until
        their signer is trusted).

        After a fresh pull, `unconfirmed` lists the local records it did not mention: they are
        kept, since no signed purge order covers them.
        """
        return self._pull(limit, new_result())

    def _pull(self, limit, result):
        """pull(), noting in `result` (a sync result) what changed, was purged, or held back."""
        total = {"devices": 0, "wraps": 0, "writes": 0, "tombstones": 0, "problems": 0, "held": 0}
        held_before = {id(q) for q in self.replica.quarantine}
        changed, purged = set(result["changed"]), set(result["purged"])
        afresh = None
        while True:
            params = {"cursor": self.replica.cursor}
            if limit:
                params["limit"] = limit
            status, body = self.transport.request("GET", "/api/sync/pull", None, self.token, params)
            if status == 410 and afresh is None:
                self.replica.cursor, afresh = 0, set()
                result["afresh"] = True
                continue
            page = dense.decode_page(check(status, body))
            if afresh is not None:
                afresh.update(c["record"] for c in page["changes"])
                afresh.update(w["record"] for w in page["wraps"])
            problems = len(self.replica.problems)
            # Verifying and merging a page makes as many objects as parsing it, and as little
            # garbage: with the collector paused a full pull of 2,000 records takes 0.7 times
            # as long (sync/gc_pause.py).
            with gc_paused():
                applied = self.replica.apply_pull(page)
            for k, v in applied.items():
                total[k] += v
            # What this page brought that was neither held back nor a problem.
            left = {id(q[1]) for q in self.replica.quarantine} | {id(p["item"]) for p in
                                                                   self.replica.problems[problems:]}
            changed.update(i["record"] for i in page["changes"] + page["wraps"] if id(i) not in left)
            for order in page.get("tombstones", ()):
                if id(order) not in left:
                    purged.add(order["record"])
            if not page["more"]:
                break
        total["held"] = sum(1 for q in self.replica.quarantine if id(q) not in held_before)
        result["changed"], result["purged"] = sorted(changed - purged), sorted(purged)
        if afresh is not None:
            total["unconfirmed"] = self.replica.unconfirmed(afresh)
        if self.replica.needs_binding():
            # Enrolled before key-binding statements existed (or from a link without its role):
            # post ours once, so others can trust this device.
            self._call("PUT", "/api/devices/%s/binding" % self.replica.device,
                       {"binding": self.replica.binding()})
            total["devices"] += self._pull(limit, result)["devices"]
        return total

    def rewrap(self, batch=500):
        """Give every trusted coordinator the keys of the records this device can read, in
        batches: queue a batch, push it, and so on. Resumable: the progress is in the replica
        (and so in the state file); interrupted, the next call goes on from there."""
        sent = 0
        while True:
            queued = self.replica.rewrap_batch(batch)
            if not queued:
                return sent
            self.push(batch=batch)
            sent += queued
            if self.checkpoint is not None:
                self.checkpoint()

    def sync(self):
        """Push, then pull (then re-wrap and rotate what is under way). Returns the result object,
        the PWA engine's (pwa/static/js/sync/engine.js, `newResult`) in shape and meaning:

        - `ok`: the run completed: no error, this device not revoked, no alarm. Refused items do
          not make it false: they are in `refused` (as in the PWA, a person reads them there).
        - `at`: when the run started (ms since 1970).
        - `pushed`: {accepted, duplicate, stale, refused}, counted per write and per wrap.
        - `pulled`: {devices, wraps, writes, tombstones, problems, held}: items newly held back
          (`held`) wait until their signer is trusted; problems are kept in the replica.
        - `refused`: what the server refused in this run's push: [{kind ("change" or "wrap"),
          record, fields, code, message, at}].
        - `changed`, `purged`: the records this run brought something new for, and those a
          coordinator's purge order erased (sorted lists; the PWA's are sets).
        - `errors`: [{status, code, message, retry, retryAfter}] as the PWA's `classify` makes
          them (`code` "network" for no usable answer, "rate_limited", "server" for 5xx), with
          `retry` and `retryAfter` (ms, or None) of the first one copied to the result.
        - `revoked`: this device was removed (a 403 `device_revoked`, or its directory entry).
        - `afresh`: the server answered 410 and everything was pulled again from 0;
          `unconfirmed`: the local records that fresh pull did not mention (kept).
        - `alarm`: what is wrong with this device's own directory entry (no key leaves it).

        The reference client adds `conflicts` ([(record, field)]), `unreadable` (values it
        holds but cannot read), `rewrapped` / `rotated` (counts) when it did either, and
        `uploaded` (attachments whose cut-off upload this run completed) when one waited. The
        PWA's `keys`, `erased` and `uploads` have no counterpart here: it keeps no key cache, has
        no travel mode, and uploads attachments' chunks when attaching, finishing them here
        (client/attachments.py).
        """
        result = new_result()
        result["at"] = int(time.time() * 1000)
        refused_before = len(self.replica.refused)
        try:
            result["pushed"] = self.push()
            if self.replica.uploads:
                try:
                    result["uploaded"] = attachments.resume(self)
                except APIError as exc:
                    if exc.status == 403 and exc.code == "device_revoked":
                        raise
                    # Refused (too large, the quota full): the attachment waits here, said in
                    # `errors`, and records still sync.
                    result["errors"].append(classify(exc))
            result["pulled"] = self._pull(None, result)
            result["unconfirmed"] = result["pulled"].pop("unconfirmed", [])
            if self.replica.rewrap_progress():
                result["rewrapped"] = self.rewrap()
            if self.replica.rotating:
                result["rotated"] = self.rotate()
        except APIError as exc:
            if exc.status == 403 and exc.code == "device_revoked":
                result["revoked"] = True
            else:
                result["errors"].append(classify(exc))
        except TransportError as exc:
            result["errors"].append(classify(exc))
        result["refused"] = [_refusal(r, result["at"]) for r in self.replica.refused[refused_before:]]
        if result["errors"]:
            first = result["errors"][0]
            result["retry"], result["retryAfter"] = first["retry"], first["retryAfter"]
        result["revoked"] = result["revoked"] or bool(self.replica.revoked)
        result["conflicts"], result["unreadable"] = self.replica.review()
        result["alarm"] = list(self.replica.alarm)
        result["ok"] = not result["errors"] and not result["revoked"] and not result["alarm"]
        return result

    # -- records ------------------------------------------------------------------------------

    def save(self, values, record=None):
        """Save field values (a new record when `record` is None); return the record id."""
        return self.replica.save(values, record=record, now=int(time.time() * 1000))

    def read(self, record):
        """The decrypted record, with conflicts marked."""
        return self.replica.read(record)

    def delete(self, record):
        """Soft-delete a record."""
        self.replica.delete(record, now=int(time.time() * 1000))

    def grant(self, record, device_id):
        """Share a record with another trusted device (sent with the next push)."""
        self.replica.grant(record, device_id)

    def acknowledge(self, record, today=None):
        """Mark a record received (coordinators): a new acknowledgement naming it, wrapped like any
        new record and granted to the record's author (a verified device, as every grant), whose
        app then shows "received". Returns its id."""
        if self.replica.role not in kinds.KINDS[kinds.ACK]["create"]:
            raise ProtocolError("forbidden", "only coordinators mark records received")
        if self.read(record) is None:
            raise ProtocolError("no_key", "this device cannot read that record")
        author = self.replica.author(record)
        ack = self.save(kinds.ack_values(record, today or datetime.date.today().isoformat()))
        if author and author != self.replica.device and self.replica.wraps_allowed(author):
            self.replica.grant(ack, author)
        return ack

    def export(self):
        """Every readable record as {id: {field: value}}, conflicts shown as their first value.

        Attachments are listed as {id, name, type, size}, without their keys (`fetch-attachment`
        decrypts one on purpose).

        A deleted record is left out unless its deletion is itself in conflict: "deleted here,
        edited there" keeps the record until a person decides. A value this device cannot read
        is left out of its record (`Replica.unreadable()` lists them); the rest is exported.
        """
        out = {}
        for record in self.replica.readable():
            view = self.read(record)
            deleted = view.get(DELETED) if view else None
            if view and not (deleted and deleted["value"] and not deleted["conflict"]):
                out[record] = kinds.ordered({f: v["value"] for f, v in view.items()
                                             if f != DELETED and v["siblings"]})
                if ATTACHMENTS in out[record]:
                    # Listed, never opened: name, type and size; an entry's key never leaves the device.
                    out[record][ATTACHMENTS] = [describe(e) for e in entries(out[record][ATTACHMENTS])]
        return out

    # -- coordination -------------------------------------------------------------------------

    def create_invite(self, role, max_uses=1, expires_in_hours=None, base_url=""):
        """Create an invite and return its link (the secret is in the fragment)."""
        body = {"role": role, "max_uses": max_uses}
        if expires_in_hours:
            body["expires_in_hours"] = expires_in_hours
        invite = self._call("POST", "/api/invites", body)
        return "%s/join#c=%s&w=%s&f=%s&r=%s" % (base_url, invite["code"], self.replica.workspace,
                                                self.replica.fingerprint, invite["role"])

    def safety_number(self, device_id=None):
        """The safety number of a device as the directory shows it (this device's own by default:
        what its owner reads out to the coordinator who certifies it)."""
        if device_id is None or device_id == self.replica.device:
            mine = self.replica.public_entry()
            return safety_number(self.replica.workspace, mine["id"], mine["sign_key"], mine["ecdh_key"])
        entry = self.replica.directory[device_id]
        return safety_number(self.replica.workspace, device_id, entry["sign_key"], entry["ecdh_key"])

    def certify(self, device_id, safety=None):
        """Certify a device as the directory shows it, in the role it signed.

        Compare its safety number with the one on the device first (out of band: in person, on a
        call) and pass it as `safety` to have it checked here too. The device's own key-binding
        statement must verify and name the keys shown: a server that swapped a key is caught here.
        """
        entry = self.replica.directory.get(device_id)
        if entry is None or not binding_matches(entry.get("binding"), entry, self.replica.workspace):
            self.pull()   # the device may have posted its statement since
            entry = self.replica.directory[device_id]
        if not binding_matches(entry.get("binding"), entry, self.replica.workspace):
            raise ProtocolError("bad_binding", "the device's key-binding statement is missing or does not "
                                "name the keys the directory shows: do not certify it")
        if safety is not None and " ".join(safety.split()) != self.safety_number(device_id):
            raise ProtocolError("safety_mismatch", "the safety number differs from the one on the device")
        cert = make_certificate(self.replica.sign_key, self.replica.workspace, device_id,
                                entry["binding"]["role"], entry["sign_key"], entry["ecdh_key"],
                                self.replica.device)
        self._call("PUT", "/api/devices/%s/certificate" % device_id, {"cert": cert})
        self.pull()

    def revoke(self, device_id, rotate=True):
        """Remove a device from the workspace with a signed revocation order (kept here too), then
        start a new key epoch for every record it could read (`rotate_keys`)."""
        order = self.replica.revocation_order(device_id)
        self._call("POST", "/api/devices/%s/revoke" % device_id, order)
        self.replica.keep_revocation(order)
        if rotate:
            self.rotate_keys(device_id)

    def rotate_keys(self, device_id):
        """Close later edits to a revoked device's keys: every record it could read gets a new key
        epoch (Replica.start_rotation; the server is asked which records it holds a wrap for, a
        hint), in batches. Returns how many records were rotated. Also for a device another
        coordinator revoked, or a rotation to finish by hand. Pulls first, so that every record
        the device could read is known here."""
        if self.checkpoint is not None:
            self.checkpoint()
        self.pull()
        hint, after = [], None
        while True:
            params = {"limit": 1000, **({"after": after} if after else {})}
            page = self._call("GET", "/api/devices/%s/records" % device_id, params=params)
            hint += page["records"]
            if not page["more"] or not page["records"]:
                break
            after = page["records"][-1]
        self.replica.start_rotation(device_id, hint)
        return self.rotate()

    def rotate(self, batch=200):
        """Run the rotation under way (Replica.rotating) to its end: per batch, ask the server for
        the records' stored wraps (who else holds them: checked against their signatures), queue
        the new key lists, push. Resumable: what is left is in the state file."""
        done = 0
        while self.replica.rotating:
            records = self.replica.rotation_next(batch)
            wraps = self._call("POST", "/api/records/wraps", {"records": records})["wraps"]
            by_record = {}
            for w in wraps:
                by_record.setdefault(w.get("record"), []).append(w)
            for record in records:
                self.replica.rotate(record, by_record.get(record, ()))
            self.push(batch=500)
            done += len(records)
            if self.checkpoint is not None:
                self.checkpoint()
        return done

    def purge(self, record):
        """Erase a record on the server and, at their next pull, on every device."""
        self._call("POST", "/api/records/%s/purge" % record, self.replica.purge_order(record))

    # -- the state file -------------------------------------------------------------------------

    def save_state(self, path, passphrase, iterations=state.PBKDF2_ITERATIONS):
        """Write the state file atomically; keys and token are encrypted with the passphrase."""
        state.save(path, self.replica, self.token, getattr(self.transport, "base_url", None), passphrase,
                   iterations)

    @classmethod
    def load_state(cls, path, passphrase, transport=None, ca=None, on_wait=None):
        """Open a state file with its passphrase (`ca`, `on_wait`: see HTTPTransport)."""
        replica, token, base_url = state.load(path, passphrase)
        return cls(replica, transport or HTTPTransport(base_url, ca=ca, on_wait=on_wait), token)


def new_result():
    """A fresh sync result (see Client.sync): the PWA engine's `newResult()`, less its key cache,
    travel mode's erasures and uploads, plus what the reference client adds."""
    return {"ok": False, "at": 0,
            "pushed": {"accepted": 0, "duplicate": 0, "stale": 0, "refused": 0},
            "pulled": {"devices": 0, "wraps": 0, "writes": 0, "tombstones": 0, "problems": 0, "held": 0},
            "refused": [], "changed": [], "purged": [], "errors": [], "revoked": False, "retry": False,
            "retryAfter": None, "afresh": False, "unconfirmed": [], "alarm": [], "conflicts": [],
            "unreadable": []}


def classify(exc):
    """What a failed request means for the run, as engine.js's `classify`: {status, code, message,
    retry, retryAfter (ms or None)}; `message` is one line for a person."""
    if isinstance(exc, TransportError):
        # No usable answer, or one that is not the API's JSON (a proxy's 502 page: its status).
        status = getattr(exc, "status", 0) or 0
        if status >= 500:
            return {"status": status, "code": "server", "message": str(exc), "retry": True,
                    "retryAfter": None}
        return {"status": 0, "code": "network", "message": str(exc), "retry": True, "retryAfter": None}
    wait = exc.retry_after * 1000 if isinstance(exc.retry_after, int) else None
    if exc.status == 429:
        return {"status": 429, "code": "rate_limited", "message": exc.line(), "retry": True,
                "retryAfter": wait}
    if exc.status >= 500:
        return {"status": exc.status, "code": "server", "message": exc.line(), "retry": True,
                "retryAfter": wait if exc.status == 503 else None}
    return {"status": exc.status, "code": exc.code, "message": exc.line(), "retry": False, "retryAfter": None}


def _refusal(entry, at):
    """A refused push item as the PWA's `refused` entries: {kind, record, fields, code, message, at}."""
    item = entry["item"]
    if "wrap" in item:
        return {"kind": "wrap", "record": item["wrap"]["record"], "fields": [],
                "recipient": item["wrap"].get("recipient"), "code": entry.get("code") or "refused",
                "message": entry.get("message") or "", "at": at}
    change = item["change"]
    fields = [item["field"]] if "field" in item else [w["field"] for w in change["writes"]]
    return {"kind": "change", "record": change["record"], "fields": fields,
            "code": entry.get("code") or "refused", "message": entry.get("message") or "", "at": at}


def new_replica(workspace, role, fingerprint):
    """A new device's replica: a random device id and two new P-256 keys."""
    return Replica(workspace=workspace, device=b64encode(os.urandom(16)), role=role,
                   fingerprint=fingerprint, sign_key=keys.generate_key(), ecdh_key=keys.generate_key())
