"""Opaque field ids: what the wire and the server carry instead of field names (protocol v3).

Per record, with `k0` the record's first key (epoch 0):

    fid_key  = HKDF-SHA256(ikm = k0, salt = canonical_json(["zapis/field-id/1", workspace, record]),
                           info = b"zapis/field-id/1", 32 bytes)
    fid(name) = base64url(HMAC-SHA256(fid_key, UTF-8 name)[:16])          (22 characters)

Ids differ from record to record, so the server cannot tell which fields two records share, nor
which field an edit touched. Records made before protocol 3 ("legacy records") keep their field
names in plaintext; clients read and write them in that form. See docs/protocol.md.
"""

import hashlib
import hmac
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .b64 import b64encode
from .canonical import canonical_bytes

FIELD_ID = "zapis/field-id/1"
ID_BYTES = 16
NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,39}")
ID_RE = re.compile(r"[A-Za-z0-9_-]{22}")

# Every new record's first change writes exactly this many fields, so the number of its writes
# does not tell an incident from a need: the record's own fields (an empty one as null), `_deleted`
# (false), then padding fields (`_pad_1`, `_pad_2`, … holding null) up to this count. It is at
# least the largest kind's field count with `kind` and `_deleted` (tests/test_field_ids.py holds it
# so). Writing `_deleted` at once means a later delete writes a field the record already has.
FIRST_CHANGE_WRITES = 20
PADDING = re.compile(r"_pad_[0-9]{1,2}")


def field_id_key_from(k0, workspace, record):
    """The 32-byte key a record's field ids are derived with, from its epoch-0 key `k0`."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=canonical_bytes([FIELD_ID, workspace, record]),
                info=FIELD_ID.encode("ascii")).derive(k0)


def fid(fid_key, name):
    """The opaque id of field `name` in the record whose field-id key is `fid_key`."""
    return b64encode(hmac.new(fid_key, name.encode("utf-8"), hashlib.sha256).digest()[:ID_BYTES])


def is_name(field):
    """True when `field` has the shape of a field name (as legacy records carry them)."""
    return isinstance(field, str) and NAME_RE.fullmatch(field) is not None


def is_id(field):
    """True when `field` has the shape of an opaque field id (22 base64url characters)."""
    return isinstance(field, str) and ID_RE.fullmatch(field) is not None


def is_legacy(fields):
    """True when a record with these wire fields is a legacy record: it has fields, and every one is
    name-shaped. A record made under protocol 3 writes `FIRST_CHANGE_WRITES` ids at once, and the
    chance that all of them look like names is below 10^-100."""
    fields = list(fields)
    return bool(fields) and all(is_name(f) for f in fields)


def is_padding(name):
    """True for the padding fields of a first change: readers never show them."""
    return PADDING.fullmatch(name) is not None


def padded_first(values, deleted="_deleted"):
    """The values a new record's first change writes: `values`, `_deleted` false unless given, then
    `_pad_1`, `_pad_2`, … (null) until there are FIRST_CHANGE_WRITES of them (more values than that
    are written as they are)."""
    out = dict(values)
    out.setdefault(deleted, False)
    i = 1
    while len(out) < FIRST_CHANGE_WRITES:
        out.setdefault("_pad_%d" % i, None)
        i += 1
    return out
