"""The signed and encrypted envelopes of the protocol, built and checked with `cryptography`.

Every signed object carries a `type` naming what it is, so a signature made for one kind of
object can never be presented as another. See docs/protocol.md for the byte-level contract.
"""

import binascii
import hashlib
import hmac
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import field_ids, keys
from .b64 import b64decode, b64encode
from .canonical import canonical_bytes

CHANGE = "zapis/change/1"
CERT = "zapis/cert/1"
WRAP = "zapis/wrap/1"
WRAP2 = "zapis/wrap/2"   # a record's key list k0..kn (key epochs); `epoch` = n
WRAP_TYPES = (WRAP, WRAP2)
MAX_EPOCH = 255          # a wrap/2 holds at most 256 keys (8 KiB): one rotation per revocation
PURGE = "zapis/purge/1"
BINDING = "zapis/device/1"
REVOKE = "zapis/revoke/1"
SAFETY = "zapis/safety/1"
FIELD = "zapis/field/1"
FIELD2 = "zapis/field/2"
KEY_COMMIT = b"zapis/key-commit/1"

ROLES = ("coordinator", "volunteer", "reporter")
NONCE_BYTES = 12
KEY_BYTES = 32
MAX_PLAINTEXT = 64 * 1024
# Plaintexts are padded up to one of these sizes (then to multiples of the last), so the
# length of a ciphertext says little about what it holds.
PAD_BUCKETS = (128, 512, 2048, 8192)


class ProtocolError(ValueError):
    """An envelope that is malformed, forged or cannot be opened. `code` is stable."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _unsigned(obj):
    return {k: v for k, v in obj.items() if k != "sig"}


def sign_object(private_key, obj):
    """Return `obj` with `sig`: the signature of its canonical JSON without `sig`."""
    body = _unsigned(obj)
    return {**body, "sig": keys.sign(private_key, canonical_bytes(body))}


def verify_object(public_text, obj):
    """True when `obj["sig"]` signs the canonical JSON of `obj` without `sig`."""
    sig = obj.get("sig")
    try:
        data = canonical_bytes(_unsigned(obj))
    except ValueError:  # no canonical form: nothing can have signed it
        return False
    return isinstance(sig, str) and keys.verify(public_text, sig, data)


# -- field values -------------------------------------------------------------------------------

def pad(data):
    """ISO/IEC 7816-4 padding (0x80 then zeros) up to the next size bucket."""
    need = len(data) + 1
    size = next((b for b in PAD_BUCKETS if b >= need), None)
    if size is None:
        last = PAD_BUCKETS[-1]
        size = -(-need // last) * last
    return data + b"\x80" + b"\x00" * (size - need)


def unpad(data):
    """Remove the padding added by `pad`."""
    end = len(data.rstrip(b"\x00"))
    if end == 0 or data[end - 1] != 0x80:
        raise ProtocolError("bad_padding", "the decrypted value is not padded correctly")
    return data[: end - 1]


def field_aad(workspace, record, field, dot, epoch=0):
    """Additional data of a legacy value (records made before protocol 3): workspace, record,
    field name and dot. `epoch` is not in it (such values are bound to their epoch by the key,
    fresh at each epoch, and the signed `kc` and `e`): taken so callers pass it alike to both forms."""
    return canonical_bytes([FIELD, workspace, record, field, dot[0], dot[1]])


def field_aad2(workspace, record, field, dot, epoch=0):
    """Additional data of a protocol-3 value: workspace, record, field id, key epoch and dot."""
    return canonical_bytes([FIELD2, workspace, record, field, epoch, dot[0], dot[1]])


def _seal(record_key, body, aad, nonce):
    plaintext = canonical_bytes(body)
    if len(plaintext) > MAX_PLAINTEXT:
        raise ProtocolError("value_too_large", "a field value may hold at most 64 KiB")
    nonce = nonce if nonce is not None else os.urandom(NONCE_BYTES)
    ct = AESGCM(record_key).encrypt(nonce, pad(plaintext), aad)
    return b64encode(nonce), b64encode(ct)


def _open(record_key, aad, nonce, ct, members):
    """Decrypt, unpad and parse a value; check it is an object of exactly `members` with `t` an
    integer >= 0. Raise ProtocolError("unreadable_value") for anything else."""
    try:
        padded = AESGCM(record_key).decrypt(b64decode(nonce, NONCE_BYTES), b64decode(ct), aad)
    except (InvalidTag, ValueError) as exc:
        raise ProtocolError("unreadable_value", "a value could not be decrypted: it was altered, "
                            "moved from another field or record, or made with another key") from exc
    try:
        body = json.loads(unpad(padded).decode("utf-8"))
        canonical_bytes(body)  # no fractions, lone surrogates, huge integers, deep nesting: as in JS
    except (ProtocolError, ValueError, RecursionError) as exc:  # UnicodeDecodeError, JSONDecodeError too
        raise ProtocolError("unreadable_value", "a value decrypted but is not padded JSON") from exc
    if (not isinstance(body, dict) or set(body) != members or type(body["t"]) is not int
            or body["t"] < 0):
        raise ProtocolError("unreadable_value",
                            "a value decrypted but is not {%s}" % ", ".join(sorted(members)))
    return body


def encrypt_field(record_key, workspace, record, field, dot, value, t, nonce=None, epoch=0):
    """Encrypt one value of a legacy record (plaintext {t, v}, AAD zapis/field/1); return (nonce,
    ct) as base64url."""
    return _seal(record_key, {"t": t, "v": value}, field_aad(workspace, record, field, dot), nonce)


def decrypt_field(record_key, workspace, record, field, dot, nonce, ct, epoch=0):
    """Decrypt a value of a legacy record; return (value, t).

    Raise ProtocolError("unreadable_value") for anything that is not a value as the contract
    says: a ciphertext that does not decrypt (altered, moved, or made with another key), a
    plaintext that is not padded, not UTF-8, not JSON, or not {"t": integer, "v": value}.
    """
    body = _open(record_key, field_aad(workspace, record, field, dot), nonce, ct, {"t", "v"})
    return body["v"], body["t"]


def encrypt_value(record_key, workspace, record, field, name, dot, value, t, epoch=0, nonce=None):
    """Encrypt one value of a protocol-3 record: plaintext {n: name, t, v}, written under the field id
    `field` (= fid(name)), AAD zapis/field/2 with the change's key epoch; return (nonce, ct)."""
    return _seal(record_key, {"n": name, "t": t, "v": value},
                 field_aad2(workspace, record, field, dot, epoch), nonce)


def decrypt_value(record_key, fid_key, workspace, record, field, dot, nonce, ct, epoch=0):
    """Decrypt a value of a protocol-3 record; return (name, value, t).

    Beyond what decrypt_field checks, the plaintext's name must be a field name whose id under
    `fid_key` is `field`: a value whose `n` does not match its id is unreadable_value.
    """
    body = _open(record_key, field_aad2(workspace, record, field, dot, epoch), nonce, ct, {"n", "t", "v"})
    name = body["n"]
    if not field_ids.is_name(name) or field_ids.fid(fid_key, name) != field:
        raise ProtocolError("unreadable_value", "a value's field name does not match its field id")
    return name, body["v"], body["t"]


def open_value(record_key, fid_key, workspace, record, field, dot, nonce, ct, epoch=0):
    """Decrypt a value in whichever form it was written; return (name, value, t).

    A name-shaped field is a legacy value (its name is the field); if it does not open as one and
    is also id-shaped (22 characters can be both), it is tried as a protocol-3 value.
    """
    if field_ids.is_name(field):
        try:
            value, t = decrypt_field(record_key, workspace, record, field, dot, nonce, ct)
            return field, value, t
        except ProtocolError:
            if not field_ids.is_id(field):
                raise
    return decrypt_value(record_key, fid_key, workspace, record, field, dot, nonce, ct, epoch)


def key_commitment(record_key):
    """base64url(HMAC-SHA256(record key, "zapis/key-commit/1")): what a change says its key is.

    A change carries it as `kc` inside its signed header, so a reader can tell a wrap of the
    record's real key from a wrap of any other 32 bytes before trusting it with anything.
    """
    return b64encode(hmac.new(record_key, KEY_COMMIT, hashlib.sha256).digest())


# -- changes ------------------------------------------------------------------------------------

def write_hash(nonce, ct):
    """SHA-256 over a write's nonce and ciphertext bytes, base64url: what the signature covers.

    Both texts are decoded strictly (sync.b64): a text that is not canonical base64url raises
    ProtocolError, so two spellings of the same bytes can never share one signature.
    """
    try:
        data = b64decode(nonce, NONCE_BYTES) + b64decode(ct)
    except ValueError as exc:
        raise ProtocolError("bad_encoding", "a nonce or ciphertext is not canonical base64url") from exc
    return b64encode(hashlib.sha256(data).digest())


def validated_write_hash(nonce, ct):
    """write_hash for texts the server's schema has already proved canonical base64url: fast."""
    if len(nonce) == 16:
        # 12 bytes are 16 characters with no padding, so the two texts decode as one.
        return b64encode(hashlib.sha256(_bytes(nonce + ct)).digest())
    return b64encode(hashlib.sha256(_bytes(nonce) + _bytes(ct)).digest())


_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _bytes(text):
    # Lenient and fast: only for text the schema has proved canonical (validated_write_hash).
    return binascii.a2b_base64((text + "=" * (-len(text) % 4)).encode("ascii").translate(_FROM_URLSAFE))


def change_header(change):
    """The signed form of a change: each write's ciphertext replaced by its hash.

    Writes that carry `h` instead of `nonce` and `ct` (a pull delivers values that are no longer
    live that way) are taken as they are. A write that carries a ciphertext is always hashed, even
    beside an `h`: else a server could pair a genuine hash with a ciphertext the author never signed.
    """
    writes = []
    for w in change["writes"]:
        h = write_hash(w["nonce"], w["ct"]) if "nonce" in w or "ct" in w else w["h"]
        writes.append({"field": w["field"], "dot": list(w["dot"]), "ctx": w["ctx"], "h": h})
    header = {"type": CHANGE, "workspace": change["workspace"], "record": change["record"],
              "device": change["device"], "writes": writes}
    if "kc" in change:  # the key commitment: every new change has it; old stored ones may not
        header["kc"] = change["kc"]
    if "e" in change:  # the key epoch of `kc` (protocol 3): absent on changes stored before it
        header["e"] = change["e"]
    return header


def sign_change(private_key, change):
    """Return the change with `sig` over its header."""
    body = _unsigned(change)
    return {**body, "sig": keys.sign(private_key, canonical_bytes(change_header(body)))}


def verify_change(public_text, change):
    """True when the change's signature covers its header, as recomputed from its writes."""
    try:
        header = change_header(change)
    except (ValueError, KeyError, TypeError):
        return False
    return verify_header(public_text, header, change.get("sig"))


def verify_header(public_text, header, sig):
    """True when `sig` signs a change header made by `change_header`."""
    try:
        data = canonical_bytes(header)
    except ValueError:
        return False
    return keys.verify(public_text, sig, data)


def validated_header_bytes(change):
    """The signed bytes of a change the server's schema has validated, and its writes' hashes.

    Equal to canonical_bytes(change_header(change)) for such changes (a property test holds them
    equal), written in one pass: every part is an id, a field name, base64url or a safe integer,
    so nothing needs escaping, and keys are written in sorted order (ASCII, where code-point order
    is UTF-16 order). Building the header's dicts and encoding them was a fifth of a push.
    """
    hashes = [validated_write_hash(w["nonce"], w["ct"]) for w in change["writes"]]
    writes = ",".join('{"ctx":{%s},"dot":["%s",%d],"field":"%s","h":"%s"}' % (
        ",".join('"%s":%d' % (d, w["ctx"][d]) for d in sorted(w["ctx"])), w["dot"][0], w["dot"][1],
        w["field"], h)
        for w, h in zip(change["writes"], hashes))
    epoch = ',"e":%d' % change["e"] if "e" in change else ""
    kc = ',"kc":"%s"' % change["kc"] if "kc" in change else ""
    text = '{"device":"%s"%s%s,"record":"%s","type":"%s","workspace":"%s","writes":[%s]}' % (
        change["device"], epoch, kc, change["record"], CHANGE, change["workspace"], writes)
    return text.encode("ascii"), hashes


def check_change(change):
    """Raise ProtocolError unless the change is well formed (after schema validation).

    Every dot is the change's own device; a write's context holds its own device at exactly
    n - 1 (a new write covers what its writer knew and nothing of its own future); a field is
    written at most once per change.
    """
    seen = set()
    for w in change["writes"]:
        device, n = w["dot"]
        if device != change["device"]:
            raise ProtocolError("foreign_dot", "a write's dot must name the device that signs it")
        if w["ctx"].get(device, 0) != n - 1:
            raise ProtocolError("bad_context", "a write's context must hold its own device at n - 1")
        if any(v < 1 for v in w["ctx"].values()):
            raise ProtocolError("bad_context", "context counters start at 1")
        if w["field"] in seen:
            raise ProtocolError("repeated_field", "a change writes each field at most once")
        seen.add(w["field"])


# -- key wraps ----------------------------------------------------------------------------------

def _wrap_kdf(workspace, record, recipient, epk, epoch=None):
    """(salt, info) of a wrap's key derivation; `info` is also its AAD. A wrap/1 (epoch None)
    has no epoch; a wrap/2 names its type and epoch in both."""
    if epoch is None:
        return canonical_bytes([WRAP, workspace, record]), canonical_bytes([WRAP, recipient, epk])
    return canonical_bytes([WRAP2, workspace, record]), canonical_bytes([WRAP2, recipient, epk, epoch])


def _kek(shared, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(shared)


def wrap_keys(record_keys, workspace, record, sender, sender_key, recipient, recipient_ecdh,
              ephemeral=None, nonce=None):
    """Wrap a record's key list k0..kn for one recipient device and sign the wrap as the sender.

    One key (epoch 0, a record never rotated) makes a `zapis/wrap/1` of that key, as before key
    epochs; more make a `zapis/wrap/2` with `epoch` n whose ciphertext is k0 || k1 || ... || kn.
    """
    record_keys = [record_keys] if isinstance(record_keys, bytes) else list(record_keys)
    if not 1 <= len(record_keys) <= MAX_EPOCH + 1 or any(len(k) != KEY_BYTES for k in record_keys):
        raise ProtocolError("bad_wrap", "a key list holds 1 to %d keys of 32 bytes" % (MAX_EPOCH + 1))
    epoch = len(record_keys) - 1 if len(record_keys) > 1 else None
    ephemeral = ephemeral or keys.generate_key()
    epk = keys.public_b64(ephemeral)
    salt, info = _wrap_kdf(workspace, record, recipient, epk, epoch)
    kek = _kek(keys.ecdh(ephemeral, recipient_ecdh), salt, info)
    nonce = nonce if nonce is not None else os.urandom(NONCE_BYTES)
    ct = AESGCM(kek).encrypt(nonce, b"".join(record_keys), info)
    wrap = {"type": WRAP if epoch is None else WRAP2, "workspace": workspace, "record": record,
            "recipient": recipient, "sender": sender, "epk": epk, "nonce": b64encode(nonce),
            "ct": b64encode(ct)}
    if epoch is not None:
        wrap["epoch"] = epoch
    return sign_object(sender_key, wrap)


def wrap_key(record_key, workspace, record, sender, sender_key, recipient, recipient_ecdh,
             ephemeral=None, nonce=None):
    """Wrap one record key (epoch 0) for one recipient device: a `zapis/wrap/1`."""
    return wrap_keys([record_key], workspace, record, sender, sender_key, recipient, recipient_ecdh,
                     ephemeral=ephemeral, nonce=nonce)


def wrap_epoch(wrap):
    """The epoch of a wrap's newest key: its `epoch` for a wrap/2, 0 for a wrap/1. Raises
    ProtocolError for another type or an epoch that is not an integer in 1..MAX_EPOCH."""
    if wrap.get("type") == WRAP:
        return 0
    epoch = wrap.get("epoch")
    if wrap.get("type") != WRAP2 or type(epoch) is not int or not 1 <= epoch <= MAX_EPOCH:
        raise ProtocolError("bad_wrap", "a wrap must be zapis/wrap/1, or zapis/wrap/2 with an epoch "
                            "of 1 to %d" % MAX_EPOCH)
    return epoch


def unwrap_keys(wrap, ecdh_private):
    """Recover a record's key list [k0, ..., kn] from a wrap addressed to this device's ECDH key
    (one key from a wrap/1)."""
    epoch = wrap_epoch(wrap)
    salt, info = _wrap_kdf(wrap["workspace"], wrap["record"], wrap["recipient"], wrap["epk"],
                           epoch if wrap["type"] == WRAP2 else None)
    try:
        kek = _kek(keys.ecdh(ecdh_private, wrap["epk"]), salt, info)
        data = AESGCM(kek).decrypt(b64decode(wrap["nonce"], NONCE_BYTES), b64decode(wrap["ct"]), info)
    except (InvalidTag, ValueError) as exc:
        raise ProtocolError("bad_wrap", "a record key could not be unwrapped") from exc
    if len(data) != KEY_BYTES * (epoch + 1):
        raise ProtocolError("bad_wrap", "a wrapped record key has the wrong length")
    return [data[i:i + KEY_BYTES] for i in range(0, len(data), KEY_BYTES)]


def unwrap_key(wrap, ecdh_private):
    """The first key (k0) of a wrap addressed to this device's ECDH key."""
    return unwrap_keys(wrap, ecdh_private)[0]


# -- certificates and purges ----------------------------------------------------------------------

def make_certificate(issuer_key, workspace, device, role, sign_key, ecdh_key, issuer):
    """A coordinator's signed statement that a device with these keys belongs, in this role."""
    cert = {"type": CERT, "workspace": workspace, "device": device, "role": role,
            "sign_key": sign_key, "ecdh_key": ecdh_key, "issuer": issuer}
    return sign_object(issuer_key, cert)


def make_purge(private_key, workspace, record, device):
    """A coordinator's signed order to erase a record everywhere."""
    return sign_object(private_key, {"type": PURGE, "workspace": workspace, "record": record,
                                     "device": device})


# -- key bindings, safety numbers, revocation orders -------------------------------------------------

def make_binding(sign_private, workspace, device, role, sign_key, ecdh_key):
    """The device's own signed statement that these two keys are its keys, under this id, in this
    workspace and role: made by the device at enrollment, so nobody else can pair its signing
    key with another ECDH key."""
    return sign_object(sign_private, {"type": BINDING, "workspace": workspace, "device": device,
                                      "role": role, "sign_key": sign_key, "ecdh_key": ecdh_key})


def binding_matches(binding, entry, workspace):
    """True when `binding` is the entry's own statement: it names exactly the entry's id, keys and
    role, in this workspace, and its signature verifies under the entry's signing key."""
    return (isinstance(binding, dict) and isinstance(entry, dict) and binding.get("type") == BINDING
            and binding.get("workspace") == workspace and binding.get("device") == entry.get("id")
            and binding.get("role") == entry.get("role") and binding.get("sign_key") == entry.get("sign_key")
            and binding.get("ecdh_key") == entry.get("ecdh_key") and isinstance(entry.get("sign_key"), str)
            and set(binding) == {"type", "workspace", "device", "role", "sign_key", "ecdh_key", "sig"}
            and verify_object(entry["sign_key"], binding))


def safety_number(workspace, device, sign_key, ecdh_key):
    """What people compare, read aloud, between the device and the coordinator's screen: 30
    digits in six groups, from SHA-256 over both public keys, the device id and the workspace."""
    digest = hashlib.sha256(canonical_bytes([SAFETY, workspace, device, sign_key, ecdh_key])).digest()
    return " ".join("%05d" % (int.from_bytes(digest[i:i + 5], "big") % 100000) for i in range(0, 30, 5))


def make_revocation(issuer_key, workspace, device, issuer):
    """A coordinator's signed order removing a device from the workspace."""
    return sign_object(issuer_key, {"type": REVOKE, "workspace": workspace, "device": device,
                                    "issuer": issuer})


def new_record_key():
    """A fresh random 256-bit record key."""
    return os.urandom(KEY_BYTES)
