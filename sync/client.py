"""The reference client: a device that enrolls, keeps a passphrase-protected state file, edits
records offline, pushes, pulls and exports. Tests, benchmarks and scripts drive the server with it.

    python -m sync.client enroll 'https://host/join#c=...&w=...&f=...' --state me.json
    python -m sync.client sync --state me.json
    python -m sync.client export --state me.json --format csv > records.csv

The passphrase comes from the ZAPIS_PASSPHRASE environment variable or a prompt. This module and
the transports are the only parts of `sync/` that touch the network or the disk.
"""

import argparse
import csv
import datetime
import getpass
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from isal import igzip

from . import dense, keys, kinds
from .attachments import FIELD as ATTACHMENTS, describe, entries
from .b64 import b64decode, b64encode
from .envelopes import (
    ProtocolError,
    binding_matches,
    key_commitment,
    make_certificate,
    safety_number,
    unwrap_keys,
)
from .replica import DELETED, Replica

PBKDF2_ITERATIONS = 600_000
GZIP_ABOVE = 8 * 1024


class TransportError(Exception):
    """The request did not complete: no answer, a dropped connection, a broken response."""


class APIError(Exception):
    """The server answered with an error envelope."""

    def __init__(self, status, code, message):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status, self.code, self.message = status, code, message


def ca_bundle(ca=None, env=None):
    """What HTTPS answers are checked against: `ca` (--ca), else SSL_CERT_FILE, else
    REQUESTS_CA_BUNDLE, else the system's store (OpenSSL's default file), else certifi's."""
    env = os.environ if env is None else env
    for candidate in (ca, env.get("SSL_CERT_FILE"), env.get("REQUESTS_CA_BUNDLE")):
        if candidate:
            return candidate
    import ssl

    system = ssl.get_default_verify_paths().cafile
    return system if system and os.path.exists(system) else True


def _unreachable(exc, base_url):
    """One line for a request that got no usable answer."""
    import requests

    if isinstance(exc, requests.exceptions.SSLError):
        return ("the server's certificate is not trusted (%s): give its CA with --ca or SSL_CERT_FILE; "
                "nothing was lost" % base_url)
    if isinstance(exc, requests.exceptions.Timeout):
        return "the server did not answer in time (%s); nothing was lost, try again" % base_url
    return "no answer from the server (%s); nothing was lost, try again" % base_url


class HTTPTransport:
    """JSON over HTTP with keep-alive, gzip both ways.

    `ca`: a CA file to trust (see `ca_bundle`). A 429 is waited out as its Retry-After says
    (up to `waits` times, each at most `max_wait` seconds) and the request sent again: nothing
    was done with it. An answer that is not JSON (a proxy's error page) raises TransportError
    with one line saying so."""

    # Batches a push may have in flight at once (Client.push). requests' Session is shared by
    # those threads: it keeps no cookies here, and urllib3's connection pool is thread-safe.
    in_flight = 2

    def __init__(self, base_url, timeout=60, ca=None, waits=3, max_wait=300, sleep=time.sleep, on_wait=None):
        import requests

        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        # Passed with every request: requests would otherwise let REQUESTS_CA_BUNDLE override it.
        self.verify = ca_bundle(ca)
        self.waits, self.max_wait, self.sleep, self.on_wait = waits, max_wait, sleep, on_wait
        self._requests = requests

    def request(self, method, path, body=None, token=None, params=None):
        """Send one request; return (status, parsed JSON) or raise TransportError."""
        # The protocol this client speaks: a pull without it is answered 400 update_required.
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip", dense.HEADER: dense.PROTOCOL}
        data = None
        if token:
            headers["Authorization"] = "Bearer " + token
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
            if len(data) > GZIP_ABOVE:
                data = igzip.compress(data, compresslevel=1)  # ISA-L: seven times zlib's speed
                headers["Content-Encoding"] = "gzip"
        waited = 0
        while True:
            try:
                response = self.session.request(method, self.base_url + path, data=data, headers=headers,
                                                params=params, timeout=self.timeout, verify=self.verify)
            except self._requests.RequestException as exc:
                self.session.close()
                raise TransportError(_unreachable(exc, self.base_url)) from exc
            wait = retry_after(response)
            if (response.status_code == 429 and wait is not None and waited < self.waits
                    and wait <= self.max_wait):
                waited += 1
                if self.on_wait:
                    self.on_wait(wait)
                self.sleep(wait)
                continue
            try:
                return response.status_code, response.json()
            except ValueError as exc:
                self.session.close()
                raise TransportError(not_json(response.status_code, self.base_url)) from exc


    def request_bytes(self, method, path, data, token=None, params=None):
        """Send raw bytes (an attachment chunk) or none; return (status, body bytes)."""
        headers = {"Authorization": "Bearer " + token} if token else {}
        if data is not None:
            headers["Content-Type"] = "application/octet-stream"
        try:
            response = self.session.request(method, self.base_url + path, data=data, headers=headers,
                                            params=params, timeout=self.timeout, verify=self.verify)
        except self._requests.RequestException as exc:
            self.session.close()
            raise TransportError(_unreachable(exc, self.base_url)) from exc
        return response.status_code, response.content


def retry_after(response):
    """Retry-After in whole seconds (the server sends seconds), or None."""
    raw = response.headers.get("Retry-After", "").strip()
    return int(raw) if raw.isdigit() else None


def not_json(status, base_url):
    """One line for an answer that is not the API's JSON (a proxy's error page, a portal)."""
    if status >= 500:
        return "the server is unavailable (%d); nothing was lost, try again" % status
    return ("the answer from %s is not the Zapis API (%d): check the address; nothing was lost"
            % (base_url, status))


def _check(status, body, expected=(200, 201)):
    if status not in expected:
        err = (body or {}).get("error", {}) if isinstance(body, dict) else {}
        raise APIError(status, err.get("code", "http_%d" % status), err.get("message", ""))
    return body


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
        replica = _new_replica(workspace, "coordinator", fingerprint=None)
        mine = replica.public_entry()
        replica.fingerprint = keys.fingerprint(mine["sign_key"])
        cert = make_certificate(replica.sign_key, workspace, mine["id"], "coordinator",
                                mine["sign_key"], mine["ecdh_key"], mine["id"])
        body = _check(*transport.request("POST", "/api/bootstrap", {
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
        replica = _new_replica(workspace, role, fingerprint)
        request = {"invite": code, "device": replica.public_entry()}
        if role is not None:
            request["binding"] = replica.binding()
        body = _check(*transport.request("POST", "/api/enroll", request))
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
        return _check(*self.transport.request(method, path, body, self.token, params), expected)

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
        """Pull every page after the cursor; start over from 0 if the server says 410.

        After a fresh pull, `unconfirmed` lists the local records it did not mention: they are
        kept, since no signed purge order covers them.
        """
        total = {"devices": 0, "wraps": 0, "writes": 0, "tombstones": 0, "problems": 0}
        afresh = None
        while True:
            params = {"cursor": self.replica.cursor}
            if limit:
                params["limit"] = limit
            status, body = self.transport.request("GET", "/api/sync/pull", None, self.token, params)
            if status == 410 and afresh is None:
                self.replica.cursor, afresh = 0, set()
                continue
            page = dense.decode_page(_check(status, body))
            if afresh is not None:
                afresh.update(c["record"] for c in page["changes"])
                afresh.update(w["record"] for w in page["wraps"])
            for k, v in self.replica.apply_pull(page).items():
                total[k] += v
            if not page["more"]:
                break
        if afresh is not None:
            total["unconfirmed"] = self.replica.unconfirmed(afresh)
        if self.replica.needs_binding():
            # Enrolled before key-binding statements existed (or from a link without its role):
            # post ours once, so others can trust this device.
            self._call("PUT", "/api/devices/%s/binding" % self.replica.device,
                       {"binding": self.replica.binding()})
            total["devices"] += self.pull(limit)["devices"]
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
        """Push, then pull. Returns a result object: pushed, pulled, conflicts, errors, ok."""
        result = {"pushed": None, "pulled": None, "conflicts": [], "unreadable": [], "errors": [],
                  "ok": False,
                  "alarm": []}
        try:
            result["pushed"] = self.push()
            result["pulled"] = self.pull()
            if self.replica.rewrap_progress():
                result["rewrapped"] = self.rewrap()
            if self.replica.rotating:
                result["rotated"] = self.rotate()
            result["conflicts"], result["unreadable"] = self.replica.review()
            result["alarm"] = list(self.replica.alarm)
            result["ok"] = not self.replica.refused and not self.replica.alarm
        except (TransportError, APIError) as exc:
            result["errors"].append(str(exc))
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

    def save_state(self, path, passphrase, iterations=PBKDF2_ITERATIONS):
        """Write the state file atomically; keys and token are encrypted with the passphrase."""
        r = self.replica
        secret = json.dumps({"sign_key": b64encode(keys.private_to_pkcs8(r.sign_key)),
                             "ecdh_key": b64encode(keys.private_to_pkcs8(r.ecdh_key)),
                             "token": self.token}).encode("utf-8")
        salt, nonce = os.urandom(16), os.urandom(12)
        ct = AESGCM(_passphrase_key(passphrase, salt, iterations)).encrypt(nonce, secret, b"zapis/state/1")
        state = {"version": 1, "base_url": getattr(self.transport, "base_url", None),
                 "workspace": r.workspace, "device": r.device, "role": r.role, "fingerprint": r.fingerprint,
                 "secret": {"kdf": "PBKDF2-SHA256", "iterations": iterations, "salt": b64encode(salt),
                            "nonce": b64encode(nonce), "ct": b64encode(ct)},
                 "cursor": r.cursor, "outbox": r.outbox, "directory": r.directory, "quarantine": r.quarantine,
                 "refused": r.refused, "problems": r.problems, "revoked": r.revoked,
                 "revocations": r.revocations, "rewrap": {c: sorted(d) for c, d in r.rewrap.items()},
                 "rotating": sorted(r.rotating), "rotated": r.rotated,
                 "records": {rid: {"wrap": s["wrap"], "fields": s["fields"], "issued": s.get("issued", {}),
                                   "wraps": s.get("wraps", []), "kcs": s.get("kcs", {})}
                             for rid, s in r.records.items()}}
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @classmethod
    def load_state(cls, path, passphrase, transport=None, ca=None):
        """Open a state file with its passphrase (`ca`: see HTTPTransport)."""
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
        box = state["secret"]
        try:
            secret = json.loads(AESGCM(_passphrase_key(passphrase, b64decode(box["salt"]), box["iterations"]))
                                .decrypt(b64decode(box["nonce"]), b64decode(box["ct"]), b"zapis/state/1"))
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
        transport = transport or HTTPTransport(state["base_url"], ca=ca, on_wait=_say_wait)
        return cls(r, transport, secret["token"])


def _passphrase_key(passphrase, salt, iterations):
    if iterations < PBKDF2_ITERATIONS:
        raise ProtocolError("weak_kdf", "state files use at least 600,000 PBKDF2 iterations")
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(passphrase.encode("utf-8"))


def _new_replica(workspace, role, fingerprint):
    return Replica(workspace=workspace, device=b64encode(os.urandom(16)), role=role,
                   fingerprint=fingerprint, sign_key=keys.generate_key(), ecdh_key=keys.generate_key())


# -- command line -----------------------------------------------------------------------------------

def _passphrase(confirm=False):
    phrase = os.environ.get("ZAPIS_PASSPHRASE")
    if phrase:
        return phrase
    phrase = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("Again: ") != phrase:
        raise SystemExit("The passphrases differ.")
    return phrase


def _say_wait(seconds):
    print("The server asks to wait %d s (too many attempts); waiting." % seconds, file=sys.stderr)


def main(argv=None):
    """Command-line entry point: errors end it with one line on stderr and exit status 1."""
    try:
        return _main(argv)
    except (TransportError, APIError, ProtocolError) as exc:
        print("zapis: %s" % exc, file=sys.stderr)
        return 1


def _main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sync.client", description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", required=True, help="the device's state file")
    parser.add_argument("--ca", help="a CA certificate file to trust for HTTPS (default: SSL_CERT_FILE, "
                        "REQUESTS_CA_BUNDLE, then the system's store)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("setup", help="become the first coordinator with a setup link")
    p.add_argument("link")
    p = sub.add_parser("enroll", help="join with an invite link")
    p.add_argument("link")
    sub.add_parser("sync", help="push the outbox and pull what is new")
    p = sub.add_parser("save", help="save field values given as JSON")
    p.add_argument("values", help='e.g. \'{"kind": "need", "category": "legal"}\'')
    p.add_argument("--record", help="edit this record instead of creating one")
    p = sub.add_parser("ack", help="mark a record received; its author sees it (coordinators)")
    p.add_argument("record")
    p = sub.add_parser("export", help="print every readable record")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p = sub.add_parser("invite", help="create an invite link (coordinators)")
    p.add_argument("role", choices=("volunteer", "reporter", "coordinator"))
    p.add_argument("--uses", type=int, default=1)
    p = sub.add_parser("certify", help="certify a device (coordinators)")
    p.add_argument("device")
    p.add_argument("--safety", help="the safety number the device shows (checked before certifying)")
    p = sub.add_parser("revoke", help="remove a device, and give the records it could read a new key "
                       "(coordinators)")
    p.add_argument("device")
    p = sub.add_parser("rotate", help="give the records a revoked device could read a new key, or finish "
                       "doing so (coordinators)")
    p.add_argument("device")
    sub.add_parser("safety", help="print this device's safety number")
    p = sub.add_parser("attach", help="attach a file to a record (sent as it is: strip photos first)")
    p.add_argument("record")
    p.add_argument("file")
    p.add_argument("--type", help="its media type (default: guessed from the name)")
    p = sub.add_parser("attachments", help="list a record's attachments: id, name, type, size")
    p.add_argument("record")
    p = sub.add_parser("fetch-attachment", help="download and decrypt one attachment into a file")
    p.add_argument("record")
    p.add_argument("attachment")
    p.add_argument("--out", required=True,
                   help="where to write the decrypted file (it leaves the encryption)")
    args = parser.parse_args(argv)

    if args.command in ("setup", "enroll"):
        if os.path.exists(args.state):
            raise SystemExit("%s exists: this device has already joined." % args.state)
        params = parse_link(args.link)
        transport = HTTPTransport(params["base_url"], ca=args.ca, on_wait=_say_wait)
        client = (Client.bootstrap(transport, params["t"], params["w"]) if args.command == "setup"
                  else Client.enroll(transport, params["c"], params["w"], params["f"], params.get("r")))
        client.save_state(args.state, _passphrase(confirm=True))
        print("Safety number (compare it with your coordinator's screen): %s" % client.safety_number())
        print("Joined as %s (%s)." % (client.replica.device, client.replica.role))
        return 0
    phrase = _passphrase()
    client = Client.load_state(args.state, phrase, ca=args.ca)
    client.checkpoint = lambda: client.save_state(args.state, phrase)
    status = 0
    if args.command == "sync":
        result = client.sync()
        print(json.dumps(result, indent=2, default=str))
        for error in result["errors"]:
            print("zapis: %s" % error, file=sys.stderr)
            status = 1
    elif args.command == "save":
        print(client.save(json.loads(args.values), record=args.record))
    elif args.command == "ack":
        print(client.acknowledge(args.record))
    elif args.command == "export":
        records = client.export()
        for u in client.replica.unreadable():
            print("record %s, field %s: an unreadable value from %s (left out)" % (u["record"], u["field"],
                                                                                   u["label"]),
                  file=sys.stderr)
        if args.format == "json":
            json.dump(records, sys.stdout, indent=2, ensure_ascii=False)
            print()
        else:
            fields = kinds.columns(records)
            writer = csv.writer(sys.stdout)
            writer.writerow(["record"] + fields)
            for rid, values in sorted(records.items()):
                writer.writerow([rid] + [_cell(values.get(f)) for f in fields])
    elif args.command == "invite":
        print(client.create_invite(args.role, max_uses=args.uses, base_url=client.transport.base_url))
    elif args.command == "certify":
        client.certify(args.device, safety=args.safety)
        print("Certified %s." % args.device)
    elif args.command == "revoke":
        client.revoke(args.device)
        print("Removed %s; %d records have a new key." % (args.device, client.replica.rotated))
    elif args.command == "rotate":
        print("%d records have a new key." % client.rotate_keys(args.device))
    elif args.command == "safety":
        print(client.safety_number())
    elif args.command in ("attach", "attachments", "fetch-attachment"):
        _attachments(client, args)
    client.save_state(args.state, phrase)
    if client.replica.alarm:
        print("ALARM: the server shows this device with other keys or another role (%s). No record "
              "key is shared with anyone until this is resolved. Tell your coordinator."
              % ", ".join(client.replica.alarm), file=sys.stderr)
        return 3
    return status


def _attachments(client, args):
    import mimetypes

    from . import attach_client

    client.sync()
    if args.command == "attach":
        with open(args.file, "rb") as f:
            data = f.read()
        mime = args.type or mimetypes.guess_type(args.file)[0] or "application/octet-stream"
        entry = attach_client.attach(client, args.record, data, os.path.basename(args.file)[:200], mime)
        print(entry["id"])
    elif args.command == "attachments":
        print(json.dumps(attach_client.listing(client, args.record), indent=2, ensure_ascii=False))
    else:
        data, entry = attach_client.fetch(client, args.record, args.attachment)
        with open(args.out, "wb") as f:
            f.write(data)
        print("%s: %d bytes, hash checked" % (entry["name"], len(data)))


def _cell(value):
    if value is None or isinstance(value, str):
        return value or ""
    return json.dumps(value, ensure_ascii=False)


if __name__ == "__main__":
    sys.exit(main())
