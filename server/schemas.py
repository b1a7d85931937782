"""marshmallow schemas: every request body is loaded through one, every response dumped by one.

They check shape, types and sizes. Signatures and the rules of the sync model are checked after
loading, by `sync.envelopes`, the same code the clients run.
"""

import re
from datetime import UTC

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from sync.b64 import decoded_length
from sync.canonical import MAX_SAFE_INTEGER
from sync.envelopes import BINDING, CERT, MAX_EPOCH, PURGE, REVOKE, ROLES, WRAP, WRAP2, WRAP_TYPES

UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
DEVICE_RE = r"^[A-Za-z0-9_-]{22}$"
# A write's field is an opaque field id (22 base64url characters, protocol 3) or, in a record made
# before protocol 3, a field name. The server does not insist on ids for new records: clients do
# (docs/protocol.md, "What the server sees").
FIELD_RE = r"^(?:[A-Za-z0-9_-]{22}|[a-z_][a-z0-9_]{0,39})$"
# The write rules, named once: the schemas below and the one-pass checks of pushed items (the
# fast path) both read them, and the fast path's key sets are the schemas' own fields.
MAX_CT_CHARS = 120_000          # a 64 KiB value padded to its bucket, with the tag, in base64url
MIN_CT_CHARS = 22               # the 16-byte tag alone, in base64url
MAX_WRITES = 64
MAX_CTX = 256
NONCE_BYTES = 12                # AES-GCM nonce
SIG_BYTES = 64                  # ECDSA P-256 signature (r ‖ s)
PUBLIC_KEY_BYTES = 65           # uncompressed P-256 point
KEY_BYTES = 32                  # a record key; also the length of a key commitment (HMAC-SHA256)
TAG_BYTES = 16                  # AES-GCM tag
# Every identifier must match the whole string. marshmallow's `validate.Regexp` uses re.match,
# where `$` also matches before a final "\n": an id or field name ending in a newline passed, and
# broke every pull page that carried it. The patterns above are for the OpenAPI documents; the
# checks use these compiled forms with fullmatch.
_DEVICE = re.compile(DEVICE_RE[1:-1])
_FIELD = re.compile(FIELD_RE[1:-1])
_UUID = re.compile(UUID_RE[1:-1])


class FullMatch(validate.Validator):
    """Like validate.Regexp, but the pattern must match the whole string (re.fullmatch)."""

    def __init__(self, pattern, error):
        self.pattern = pattern
        self.error = error

    def __call__(self, value):
        if not isinstance(value, str) or self.pattern.fullmatch(value) is None:
            raise ValidationError(self.error)
        return value


class B64(fields.String):
    """base64url text without padding, optionally of an exact decoded length."""

    def __init__(self, nbytes=None, max_chars=None, **kwargs):
        doc = {"pattern": "^[A-Za-z0-9_-]*$"}
        if nbytes is not None:
            doc["minLength"] = doc["maxLength"] = -(-nbytes * 4 // 3)
        elif max_chars is not None:
            doc["maxLength"] = max_chars
        kwargs["metadata"] = {**doc, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)
        self.nbytes = nbytes
        self.max_chars = max_chars

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.max_chars is not None and len(text) > self.max_chars:
            raise ValidationError("Too long: at most %d characters." % self.max_chars)
        length = decoded_length(text)
        if length is None:
            raise ValidationError("Not canonical base64url without padding.")
        if self.nbytes is not None and length != self.nbytes:
            raise ValidationError("Expected %d bytes, got %d." % (self.nbytes, length))
        return text


class Dot(fields.Field):
    """[device id, counter]: a write's name (a hand-written field: marshmallow's Tuple was the
    slowest part of loading a push)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list) or len(value) != 2:
            raise ValidationError("A dot is [device id, counter].")
        device, n = value
        if not isinstance(device, str) or not _DEVICE.fullmatch(device):
            raise ValidationError("Not a device id.")
        if type(n) is not int or not 1 <= n <= MAX_SAFE_INTEGER:
            raise ValidationError("The counter must be a whole number from 1.")
        return [device, n]


class Context(fields.Field):
    """{device id: counter}: what a writer had seen of a field."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("A context is an object of device ids to counters.")
        if len(value) > MAX_CTX:
            raise ValidationError("At most %d entries." % MAX_CTX)
        for device, n in value.items():
            if not _DEVICE.fullmatch(device) or type(n) is not int or not 1 <= n <= MAX_SAFE_INTEGER:
                raise ValidationError("Each entry maps a device id to a whole number from 1.")
        return value


def Count(**kwargs):
    """A strict non-negative integer that JavaScript can hold exactly."""
    return fields.Integer(strict=True, validate=validate.Range(0, MAX_SAFE_INTEGER), **kwargs)


def RecordId(**kwargs):
    kwargs["metadata"] = {"pattern": UUID_RE, **kwargs.get("metadata", {})}
    return fields.String(validate=FullMatch(_UUID, "Not a lowercase UUIDv4."), **kwargs)


def DeviceId(**kwargs):
    kwargs["metadata"] = {"pattern": DEVICE_RE, **kwargs.get("metadata", {})}
    return fields.String(validate=FullMatch(_DEVICE, "Not a device id."), **kwargs)


def WorkspaceId(**kwargs):
    return RecordId(**kwargs)


def PublicKey(**kwargs):
    return B64(nbytes=PUBLIC_KEY_BYTES, **kwargs)


def Sig(**kwargs):
    return B64(nbytes=SIG_BYTES, **kwargs)


def Type(name):
    return fields.String(required=True, validate=validate.Equal(name))


# -- errors -----------------------------------------------------------------------------------

class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable, for programs."})
    message = fields.String(required=True, metadata={"description": "Readable, for people."})
    details = fields.Raw(metadata={"description": "Per-field problems, when there are any."})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


# -- devices, certificates, enrollment --------------------------------------------------------------

class DeviceKeysSchema(Schema):
    id = DeviceId(required=True)
    sign_key = PublicKey(required=True)
    ecdh_key = PublicKey(required=True)


class CertSchema(Schema):
    type = Type(CERT)
    workspace = WorkspaceId(required=True)
    device = DeviceId(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    sign_key = PublicKey(required=True)
    ecdh_key = PublicKey(required=True)
    issuer = DeviceId(required=True)
    sig = Sig(required=True)


class BindingSchema(Schema):
    """The device's own statement binding its keys, id, workspace and role (docs/protocol.md)."""

    type = Type(BINDING)
    workspace = WorkspaceId(required=True)
    device = DeviceId(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    sign_key = PublicKey(required=True)
    ecdh_key = PublicKey(required=True)
    sig = Sig(required=True)


class RevocationSchema(Schema):
    """A coordinator's signed order removing a device."""

    type = Type(REVOKE)
    workspace = WorkspaceId(required=True)
    device = DeviceId(required=True)
    issuer = DeviceId(required=True)
    sig = Sig(required=True)


class BootstrapSchema(Schema):
    setup_token = fields.String(required=True, validate=validate.Length(1, 100))
    device = fields.Nested(DeviceKeysSchema, required=True)
    cert = fields.Nested(CertSchema, required=True)
    binding = fields.Nested(BindingSchema, metadata={"description": "The device's key-binding statement."})


class EnrollSchema(Schema):
    invite = fields.String(required=True, validate=validate.Length(1, 100))
    device = fields.Nested(DeviceKeysSchema, required=True)
    binding = fields.Nested(BindingSchema, metadata={
        "description": "The device's key-binding statement, naming the invite's role."})


class BindSchema(Schema):
    binding = fields.Nested(BindingSchema, required=True)


class SessionSchema(Schema):
    workspace = fields.String(required=True)
    device = fields.String(required=True)
    role = fields.String(required=True)
    token = fields.String(required=True, metadata={"description": "Bearer token; shown once."})
    push_token = fields.String(required=True, metadata={
        "description": "A bearer token that can only push signed changes (for a service worker "
                       "while the app is locked); shown once."})


class DeviceSchema(Schema):
    id = fields.String(required=True)
    role = fields.String(required=True)
    sign_key = fields.String(required=True)
    ecdh_key = fields.String(required=True)
    cert = fields.Dict(required=True, allow_none=True, metadata={
        "description": "The first of `certs` (for older clients), or null."})
    certs = fields.List(fields.Dict(), metadata={
        "description": "Every certificate stored for the device, oldest first. Certificates are "
                       "added, never replaced; a client tries each."})
    binding = fields.Dict(allow_none=True, metadata={"description": "The device's own key-binding "
                                                     "statement; null if it has posted none yet."})
    revocations = fields.List(fields.Dict(), metadata={"description": "Signed revocation orders naming it."})
    status = fields.String(required=True, validate=validate.OneOf(["active", "revoked"]))
    invite = fields.String(required=True, allow_none=True)


class DeviceListSchema(Schema):
    devices = fields.List(fields.Nested(DeviceSchema), required=True)


class CertifySchema(Schema):
    cert = fields.Nested(CertSchema, required=True)


class MeSchema(Schema):
    workspace = fields.String(required=True)
    fingerprint = fields.String(required=True, allow_none=True)
    device = fields.Nested(DeviceSchema, required=True)


# -- invites ----------------------------------------------------------------------------------------

class InviteCreateSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    max_uses = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 10_000))
    expires_in_hours = fields.Integer(strict=True, load_default=None, allow_none=True,
                                      validate=validate.Range(1, 24 * 365))

    @validates_schema
    def single_use_for_staff(self, data, **kwargs):
        if data["role"] != "reporter" and data.get("max_uses", 1) != 1:
            raise ValidationError("Invites for volunteers and coordinators are single-use.",
                                  "max_uses")


class UTCDateTime(fields.DateTime):
    """Times are stored naive in UTC; on the wire they carry their offset (RFC 3339)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class InviteSchema(Schema):
    id = fields.String(required=True)
    role = fields.String(required=True)
    max_uses = fields.Integer(required=True)
    uses = fields.Integer(required=True)
    expires_at = UTCDateTime(required=True)
    revoked = fields.Boolean(required=True)
    created_by = fields.String(required=True)
    code = fields.String(metadata={"description": "The secret code; returned only on creation."})


class InviteListSchema(Schema):
    invites = fields.List(fields.Nested(InviteSchema), required=True)


# -- sync -------------------------------------------------------------------------------------------

DOT_DOC = {"type": "array", "minItems": 2, "maxItems": 2,
           "items": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
           "description": "[device id, counter]"}


CTX_DOC = {"type": "object", "maxProperties": MAX_CTX,
           "additionalProperties": {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER}}


class WriteSchema(Schema):
    field = fields.String(required=True, validate=FullMatch(_FIELD, "Not a field id or name."),
                          metadata={"pattern": FIELD_RE})
    dot = Dot(required=True, metadata=DOT_DOC)
    ctx = Context(required=True, metadata=CTX_DOC)
    nonce = B64(nbytes=NONCE_BYTES, required=True)
    ct = B64(max_chars=MAX_CT_CHARS, required=True, validate=validate.Length(min=MIN_CT_CHARS))


def _keys(schema, optional=True):
    """A schema's field names (with `optional` False, only the required ones): the exact key sets
    the fast path accepts."""
    return frozenset(name for name, field in schema._declared_fields.items() if optional or field.required)


_WRITE_KEYS = _keys(WriteSchema)


class Writes(fields.Field):
    """A change's writes, each as WriteSchema describes it.

    Pushes carry thousands of writes; loading each through nested schemas was most of a push's
    cost. Well-formed lists are checked here in one pass; anything else goes through
    WriteSchema, whose messages say exactly what is wrong (and a test holds the two to the same
    verdicts).
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and 1 <= len(value) <= MAX_WRITES and all(map(_fast_write_ok, value)):
            return [dict(w, dot=list(w["dot"])) for w in value]
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_WRITES:
            raise ValidationError("A change holds 1 to %d writes." % MAX_WRITES)
        return WriteSchema(many=True).load(value)


def _fast_write_ok(w):
    if type(w) is not dict or w.keys() != _WRITE_KEYS:
        return False
    field, dot, ctx, nonce, ct = w["field"], w["dot"], w["ctx"], w["nonce"], w["ct"]
    if type(field) is not str or not _FIELD.fullmatch(field):
        return False
    if type(dot) is not list or len(dot) != 2 or type(dot[0]) is not str or not _DEVICE.fullmatch(dot[0]) \
            or type(dot[1]) is not int or not 1 <= dot[1] <= MAX_SAFE_INTEGER:
        return False
    if type(ctx) is not dict or len(ctx) > MAX_CTX or not all(
            type(d) is str and _DEVICE.fullmatch(d) and type(n) is int and 1 <= n <= MAX_SAFE_INTEGER
            for d, n in ctx.items()):
        return False
    return (decoded_length(nonce) == NONCE_BYTES and type(ct) is str
            and MIN_CT_CHARS <= len(ct) <= MAX_CT_CHARS
            and decoded_length(ct) is not None)


class ChangeSchema(Schema):
    workspace = WorkspaceId(required=True)
    record = RecordId(required=True)
    device = DeviceId(required=True)
    writes = Writes(required=True, metadata={"type": "array", "minItems": 1, "maxItems": MAX_WRITES,
                                             "items": {"$ref": "#/components/schemas/Write"}})
    kc = B64(nbytes=KEY_BYTES, required=True, metadata={
        "description": "Key commitment: base64url(HMAC-SHA256(record key, 'zapis/key-commit/1')), signed."})
    e = fields.Integer(strict=True, validate=validate.Range(0, MAX_EPOCH), metadata={
        "description": "The key epoch of kc (signed). Absent on changes made before key epochs: epoch 0."})
    sig = Sig(required=True)


def wrap_ct_bytes(keys):
    """The length of a wrap's ciphertext holding `keys` record keys: the keys and the tag."""
    return KEY_BYTES * keys + TAG_BYTES


def wrap_ct_chars(epoch):
    """The length of a wrap's base64url `ct` at `epoch`: epoch + 1 keys and the tag."""
    return -(-wrap_ct_bytes(epoch + 1) * 4 // 3)


class WrapSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(WRAP_TYPES))
    workspace = WorkspaceId(required=True)
    record = RecordId(required=True)
    recipient = DeviceId(required=True)
    sender = DeviceId(required=True)
    epoch = fields.Integer(strict=True, validate=validate.Range(1, MAX_EPOCH), metadata={
        "description": "zapis/wrap/2 only: the epoch n of the newest key; ct holds k0..kn."})
    epk = PublicKey(required=True)
    nonce = B64(nbytes=NONCE_BYTES, required=True)
    ct = B64(max_chars=wrap_ct_chars(MAX_EPOCH), required=True, metadata={
        "description": "32 bytes a key (1 for zapis/wrap/1, epoch + 1 for zapis/wrap/2) and a 16-byte tag."})
    sig = Sig(required=True)

    @validates_schema
    def _epoch_matches(self, data, **kwargs):
        epoch = data.get("epoch")
        if (data.get("type") == WRAP2) != (epoch is not None):
            raise ValidationError("A zapis/wrap/2 has an epoch; a zapis/wrap/1 has none.", "epoch")
        if decoded_length(data.get("ct", "")) != wrap_ct_bytes((epoch or 0) + 1):
            raise ValidationError("The ciphertext must hold %d keys and the tag." % ((epoch or 0) + 1), "ct")


_CHANGE_KEYS, _CHANGE_KEYS_E = _keys(ChangeSchema, optional=False), _keys(ChangeSchema)
_WRAP_KEYS, _WRAP2_KEYS = _keys(WrapSchema, optional=False), _keys(WrapSchema)


def _id(value, pattern):
    return type(value) is str and pattern.fullmatch(value) is not None


def _fast_change_ok(c):
    return (type(c) is dict and (c.keys() == _CHANGE_KEYS or (
                c.keys() == _CHANGE_KEYS_E and type(c["e"]) is int and 0 <= c["e"] <= MAX_EPOCH))
            and _id(c["workspace"], _UUID)
            and _id(c["record"], _UUID) and _id(c["device"], _DEVICE)
            and decoded_length(c["sig"]) == SIG_BYTES
            and decoded_length(c["kc"]) == KEY_BYTES
            and type(c["writes"]) is list and 1 <= len(c["writes"]) <= MAX_WRITES
            and all(map(_fast_write_ok, c["writes"])))


def _fast_wrap_ok(w):
    if type(w) is not dict:
        return False
    if w.keys() == _WRAP_KEYS and w["type"] == WRAP:
        keys = 1
    elif (w.keys() == _WRAP2_KEYS and w["type"] == WRAP2 and type(w["epoch"]) is int
          and 1 <= w["epoch"] <= MAX_EPOCH):
        keys = w["epoch"] + 1
    else:
        return False
    return (_id(w["workspace"], _UUID) and _id(w["record"], _UUID) and _id(w["recipient"], _DEVICE)
            and _id(w["sender"], _DEVICE) and decoded_length(w["epk"]) == PUBLIC_KEY_BYTES
            and decoded_length(w["nonce"]) == NONCE_BYTES and decoded_length(w["ct"]) == wrap_ct_bytes(keys)
            and decoded_length(w["sig"]) == SIG_BYTES)


CHANGE_SCHEMA, WRAP_SCHEMA = ChangeSchema(), WrapSchema()


def load_change(raw):
    """A pushed change, loaded as ChangeSchema defines it (well-formed ones checked in one pass;
    anything else goes through the schema, whose errors say what is wrong)."""
    if _fast_change_ok(raw):
        return raw  # fresh from json.loads, and already exactly what the schema would return
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": ["Each item must be a JSON object."]})
    return CHANGE_SCHEMA.load(raw)


def load_wrap(raw):
    """A pushed key wrap, loaded as WrapSchema defines it (the same fast path as load_change)."""
    if _fast_wrap_ok(raw):
        return dict(raw)
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": ["Each item must be a JSON object."]})
    return WRAP_SCHEMA.load(raw)


class PurgeSchema(Schema):
    type = Type(PURGE)
    workspace = WorkspaceId(required=True)
    record = RecordId(required=True)
    device = DeviceId(required=True)
    sig = Sig(required=True)


class PushSchema(Schema):
    """Items are loaded one by one afterwards (load_change, load_wrap), so one bad item never
    costs its neighbours; each list documents its items as the schema that loads them."""

    changes = fields.List(fields.Raw(metadata={"schema": ChangeSchema}), load_default=list,
                          validate=validate.Length(max=2000))
    wraps = fields.List(fields.Raw(metadata={"schema": WrapSchema}), load_default=list,
                        validate=validate.Length(max=5000))


class ItemResultSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(
        ["accepted", "duplicate", "stale", "refused"]))
    code = fields.String()
    message = fields.String()
    details = fields.Raw(metadata={"description": "What was wrong with a malformed item."})


class ChangeResultSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok", "refused"]))
    writes = fields.List(fields.Nested(ItemResultSchema))
    code = fields.String()
    message = fields.String()
    details = fields.Raw(metadata={"description": "What was wrong with a malformed item."})


class PushResultSchema(Schema):
    changes = fields.List(fields.Nested(ChangeResultSchema), required=True)
    wraps = fields.List(fields.Nested(ItemResultSchema), required=True)


class PullQuerySchema(Schema):
    """Query strings are text, so these integers are parsed rather than strict."""

    cursor = fields.Integer(load_default=0, validate=validate.Range(0, MAX_SAFE_INTEGER))
    limit = fields.Integer(load_default=None, validate=validate.Range(1, 10_000))


DENSE_CHANGE = ("A change: [record, device, kc or null, sig, [write, ...]], then its key epoch e when "
                "it has one; a write: [field, n, ctx, nonce, ct] when live, [field, n, ctx, h] when "
                "covered. The dot is [device, n]; ctx leaves out the change's own device, whose entry "
                "is n - 1 (docs/protocol.md, Pull).")
DENSE_WRAP = ("A key wrap addressed to the recipient: [record, sender, epk, nonce, ct, sig], then its "
              "epoch for a zapis/wrap/2.")


class PullSchema(Schema):
    """A dense pull page (protocol version 3): sync/dense.py rebuilds the logical changes and wraps."""

    cursor = fields.Integer(required=True)
    more = fields.Boolean(required=True)
    workspace = fields.String(required=True, metadata={"description": "Of every change and wrap."})
    recipient = fields.String(required=True, metadata={"description": "The pulling device, every wrap's."})
    changes = fields.List(fields.List(fields.Raw()), required=True, metadata={"description": DENSE_CHANGE})
    wraps = fields.List(fields.List(fields.Raw()), required=True, metadata={"description": DENSE_WRAP})
    tombstones = fields.List(fields.Nested(PurgeSchema), required=True)
    devices = fields.List(fields.Nested(DeviceSchema), required=True)


class DeviceRecordsQuerySchema(Schema):
    """Query strings are text, so the limit is parsed rather than strict."""

    after = RecordId(load_default=None, metadata={"description": "The last record id of the previous page."})
    limit = fields.Integer(load_default=1000, validate=validate.Range(1, 5000))


class DeviceRecordsSchema(Schema):
    records = fields.List(RecordId(), required=True, metadata={
        "description": "Records with a stored wrap addressed to the device, in id order: a hint (unsigned)."})
    more = fields.Boolean(required=True)


class RecordWrapsQuerySchema(Schema):
    records = fields.List(RecordId(), required=True, validate=validate.Length(1, 200))


class RecordWrapsSchema(Schema):
    wraps = fields.List(fields.Nested(WrapSchema), required=True, metadata={
        "description": "Every stored wrap of these records, whoever it is for (signed by its sender)."})


class PurgeResultSchema(Schema):
    record = fields.String(required=True)
    purged = fields.Boolean(required=True)


class HealthSchema(Schema):
    status = fields.String(required=True)
