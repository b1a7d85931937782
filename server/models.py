"""Tables. The server holds public keys, opaque ciphertext and the least sync metadata it needs.

No table has a column for a name, a contact, an address or any record content: the record
payloads are AES-GCM ciphertext made on the devices. Timestamps exist only where an expiry needs
them (invites, tombstones).
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)

from .extensions import db

ID = String(36)
DEVICE = String(22)


class Workspace(db.Model):
    """One organisation's space. `seq` is the counter that orders everything a pull returns."""

    __tablename__ = "workspaces"
    id = Column(ID, primary_key=True)
    fingerprint = Column(String(43))                     # SHA-256 of the root signing key
    setup_token_hash = Column(String(64), unique=True)   # cleared once the root device exists
    seq = Column(BigInteger, nullable=False, default=0)
    horizon = Column(BigInteger, nullable=False, default=0)  # cursors below it must start over


class Device(db.Model):
    """An enrolled device: its public keys, role, certificate and the hash of its bearer token."""

    __tablename__ = "devices"
    id = Column(DEVICE, primary_key=True)
    workspace_id = Column(ID, ForeignKey("workspaces.id"), nullable=False)
    role = Column(String(16), nullable=False)
    sign_key = Column(String(87), nullable=False)
    ecdh_key = Column(String(87), nullable=False)
    cert = Column(Text)                                   # canonical JSON of its first certificate
    # Every certificate stored for it, oldest first: a JSON list of canonical JSON texts. A
    # certificate is never replaced; a later one is added (server/authority.py).
    certs = Column(Text)
    # Whether one of its certificates chains to the workspace root through active coordinators,
    # as the server checked it (recomputed under the workspace lock whenever certificates or
    # revocations change). A coordinator that becomes chained may read what lies behind its
    # cursor, so it pulls afresh once: `chained_seq` is the seq at which it became chained, kept
    # until its fresh pull has passed it, and `resync_cursor` the cursor of the last page of that
    # fresh pull (server/authority.py).
    chained = Column(Boolean, nullable=False, default=False)
    chained_seq = Column(BigInteger)
    resync_cursor = Column(BigInteger)
    binding = Column(Text)      # canonical JSON of the device's own key-binding statement
    revocations = Column(Text)  # JSON list of the signed revocation orders naming this device
    token_hash = Column(String(64), nullable=False, unique=True)
    # A second token that can only push: the service worker keeps it to send signed changes
    # while the app is locked. It is worthless to a thief (every change must be signed by the
    # device key, which only the passphrase opens) and reads nothing.
    push_token_hash = Column(String(64), unique=True)
    revoked = Column(Boolean, nullable=False, default=False)
    invite_id = Column(DEVICE, ForeignKey("invites.id"))
    seq = Column(BigInteger, nullable=False)
    __table_args__ = (Index("ix_devices_workspace_seq", "workspace_id", "seq"),)


class Invite(db.Model):
    """An invite code (stored as a hash) that lets devices enroll in a role."""

    __tablename__ = "invites"
    id = Column(DEVICE, primary_key=True)
    workspace_id = Column(ID, ForeignKey("workspaces.id"), nullable=False, index=True)
    code_hash = Column(String(64), nullable=False, unique=True)
    role = Column(String(16), nullable=False)
    max_uses = Column(Integer, nullable=False)
    uses = Column(Integer, nullable=False, default=0)
    expires_at = Column(DateTime, nullable=False)
    revoked = Column(Boolean, nullable=False, default=False)
    created_by = Column(DEVICE, nullable=False)


class Record(db.Model):
    """A record id, the device that created it, and its tombstone once purged."""

    __tablename__ = "records"
    workspace_id = Column(ID, ForeignKey("workspaces.id"), primary_key=True)
    id = Column(ID, primary_key=True)
    creator = Column(DEVICE, nullable=False)
    purge = Column(Text)                                  # the coordinator's signed purge order
    purged_seq = Column(BigInteger)
    purged_at = Column(DateTime)
    # The live set of every field as merge metadata and the highest dot of each device ever
    # accepted for it, JSON {field: [[[device, n, ctx, change, idx, h], ...], {device: n}]}: dots,
    # contexts and hashes of ciphertext, nothing readable.
    state = Column(Text)
    __table_args__ = (Index("ix_records_workspace_purged_seq", "workspace_id", "purged_seq"),
                      Index("ix_records_workspace_creator", "workspace_id", "creator"))


class Change(db.Model):
    """A signed save, kept while any of its writes is live. `writes` is the text a pull delivers:
    the write objects joined by commas, live ones with nonce and ciphertext, covered ones with
    only the hash `h` that the signature covers."""

    __tablename__ = "changes"
    workspace_id = Column(ID, ForeignKey("workspaces.id"), primary_key=True)
    id = Column(BigInteger, primary_key=True, autoincrement=False)   # a seq of the workspace
    record_id = Column(ID, nullable=False)
    device_id = Column(DEVICE, nullable=False)
    sig = Column(String(86), nullable=False)
    kc = Column(String(43))        # the signed key commitment; NULL on changes stored before it
    e = Column(Integer)            # the signed key epoch of kc; NULL on changes stored before epochs
    writes = Column(Text, nullable=False)
    __table_args__ = (Index("ix_changes_workspace_record", "workspace_id", "record_id"),)


class Wrap(db.Model):
    """A record key wrapped for one device: what gives that device access to the record.

    One per sender: only the record's creator and coordinators may send one, a sender's later
    wrap replaces its own earlier one, and the recipient picks the wrap whose key matches the
    record's key commitment, so a wrong one from one sender never hides a right one."""

    __tablename__ = "wraps"
    workspace_id = Column(ID, ForeignKey("workspaces.id"), primary_key=True)
    record_id = Column(ID, primary_key=True)
    recipient = Column(DEVICE, primary_key=True)
    sender = Column(DEVICE, primary_key=True)
    epoch = Column(Integer)        # a zapis/wrap/2's epoch; NULL for a zapis/wrap/1 (epoch 0)
    epk = Column(String(87), nullable=False)
    nonce = Column(String(16), nullable=False)
    ct = Column(Text, nullable=False)  # 32 bytes a key of the list, and the tag
    sig = Column(String(86), nullable=False)
    seq = Column(BigInteger, nullable=False)
    __table_args__ = (Index("ix_wraps_recipient_seq", "workspace_id", "recipient", "seq"),)


class AttachmentChunk(db.Model):
    """One encrypted chunk of an attachment (nonce ‖ ciphertext ‖ tag), as its uploader sent it."""

    __tablename__ = "attachment_chunks"
    workspace_id = Column(ID, ForeignKey("workspaces.id"), primary_key=True)
    record_id = Column(ID, primary_key=True)
    attachment_id = Column(DEVICE, primary_key=True)
    idx = Column(Integer, primary_key=True, autoincrement=False)   # -1 is the thumbnail
    count = Column(Integer, nullable=False)                        # the attachment's number of chunks
    total = Column(BigInteger, nullable=False)                     # its plaintext size, as its uploader says
    size = Column(Integer, nullable=False)                         # len(data), summed for the quota
    data = Column(LargeBinary, nullable=False)
