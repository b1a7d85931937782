"""Attachment chunks (the `attachment_chunks` table): opaque encrypted bytes kept in the database,
per workspace, record, attachment and index (docs/server.md, Attachments).

Why database rows and not files: the embedded default (SQLite) then keeps everything in one file
that a backup copies at once and that `secure_delete` and the WAL checkpoint already scrub after a
purge; a deployment with several app hosts on PostgreSQL needs no shared file system, and a chunk
is written in the same transaction as the checks that admit it (quota, access, purge), so a purge
and an upload cannot race. The cost: a chunk (at most 1 MiB + 28 bytes) is a `bytea` that
PostgreSQL stores out of line in TOAST (uncompressed, as ciphertext does not compress), about 2 %
on top of the data; SQLite keeps it in overflow pages (about 0.1 % on top). A workspace's quota
bounds how much of the database attachments may take.

The server cannot read an attachment, nor tell which record field announces it: it checks the
uploader's access to the record, sizes, the quota, and that a chunk's index and count agree with
what is already stored (the same chunk again is a no-op).
"""

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from sync.attachments import MAX_CHUNK_SIZE, MAX_THUMB, OVERHEAD, THUMB

from ..authority import has_authority
from ..errors import APIError
from ..extensions import db
from ..models import AttachmentChunk, Record, Wrap
from .erase import erase_freed
from .sequencer import Sequencer

MAX_CHUNK_BLOB = MAX_CHUNK_SIZE + OVERHEAD
MAX_THUMB_BLOB = MAX_THUMB + OVERHEAD
MAX_CHUNKS = 65536
# What a chunk upload answers (not refusal codes: a refusal is an APIError).
STORED, ALREADY_HELD = "accepted", "duplicate"


def limits():
    """(bytes per attachment, bytes per workspace) from the configuration."""
    mb = 1024 * 1024
    config = current_app.config
    return config["ZAPIS_ATTACHMENT_MAX_MB"] * mb, config["ZAPIS_ATTACHMENT_QUOTA_MB"] * mb


def record_for(device, record_id):
    """The record row if `device` may read and upload to it; else an APIError.

    As for the record's values: certified coordinators, its creator, devices holding a wrap of it.
    """
    ws = device.workspace_id
    record = db.session.execute(select(Record.creator, Record.purged_seq)
                                .where(Record.workspace_id == ws, Record.id == record_id)).one_or_none()
    if record is None:
        raise APIError(404, "record_unknown")
    if record.purged_seq is not None:
        raise APIError(410, "record_purged")
    if has_authority(device) or record.creator == device.id:
        return record
    wrapped = db.session.execute(select(Wrap.record_id).where(
        Wrap.workspace_id == ws, Wrap.record_id == record_id, Wrap.recipient == device.id).limit(1)).first()
    if wrapped is None:
        raise APIError(403, "no_access")
    return record


def _where(ws, record_id, attachment_id):
    return (AttachmentChunk.workspace_id == ws, AttachmentChunk.record_id == record_id,
            AttachmentChunk.attachment_id == attachment_id)


def store_chunk(device, record_id, attachment_id, index, count, total, blob):
    """Keep one chunk. Returns STORED or ALREADY_HELD; raises an APIError on a refusal.

    Runs under the workspace's row lock (taken first, as every numbering transaction does), so
    two uploads cannot both pass the quota, and a purge cannot slip between the check and the
    insert.
    """
    ws = device.workspace_id
    if not (index == THUMB or 0 <= index < count):
        raise APIError(400, "invalid_request", "The chunk index must be -1 (thumbnail) or below the count.")
    if len(blob) > (MAX_THUMB_BLOB if index == THUMB else MAX_CHUNK_BLOB):
        raise APIError(413, "chunk_too_large")
    per_attachment, quota = limits()
    if total > per_attachment:
        raise APIError(413, "attachment_too_large")
    if len(blob) < OVERHEAD:
        raise APIError(400, "invalid_request", "A chunk holds at least its nonce and tag (28 bytes).")
    Sequencer(ws)                               # lock, numbering nothing
    record_for(device, record_id)
    old = db.session.execute(select(AttachmentChunk.count, AttachmentChunk.total, AttachmentChunk.data)
                             .where(*_where(ws, record_id, attachment_id), AttachmentChunk.idx == index)
                             ).first()
    if old is not None:
        db.session.rollback()
        if old.count == count and old.total == total and bytes(old.data) == blob:
            return ALREADY_HELD
        raise APIError(409, "chunk_conflict")
    other = db.session.execute(select(AttachmentChunk.count, AttachmentChunk.total)
                               .where(*_where(ws, record_id, attachment_id)).limit(1)).first()
    if other is not None and tuple(other) != (count, total):
        db.session.rollback()
        raise APIError(409, "chunk_conflict")
    held = db.session.execute(select(func.coalesce(func.sum(AttachmentChunk.size), 0))
                              .where(*_where(ws, record_id, attachment_id), AttachmentChunk.idx != THUMB)
                              ).scalar()
    if index != THUMB and held + len(blob) > total + count * OVERHEAD:
        db.session.rollback()
        raise APIError(409, "chunk_conflict", "The chunks sent add up to more than the attachment's size.")
    used = db.session.execute(select(func.coalesce(func.sum(AttachmentChunk.size), 0))
                              .where(AttachmentChunk.workspace_id == ws)).scalar()
    if used + len(blob) > quota:
        db.session.rollback()
        raise APIError(413, "attachment_quota")
    db.session.add(AttachmentChunk(workspace_id=ws, record_id=record_id, attachment_id=attachment_id,
                                   idx=index, count=count, total=total, size=len(blob), data=blob))
    db.session.commit()
    return STORED


def held_chunks(device, record_id, attachment_id):
    """{count, have}: which chunks of the attachment the server holds (count None if none)."""
    ws = device.workspace_id
    record_for(device, record_id)
    rows = db.session.execute(select(AttachmentChunk.idx, AttachmentChunk.count)
                              .where(*_where(ws, record_id, attachment_id))
                              .order_by(AttachmentChunk.idx)).all()
    return {"count": rows[0].count if rows else None, "have": [r.idx for r in rows]}


def read_chunk(device, record_id, attachment_id, index):
    """The stored bytes of one chunk, or an APIError."""
    ws = device.workspace_id
    record_for(device, record_id)
    data = db.session.execute(select(AttachmentChunk.data)
                              .where(*_where(ws, record_id, attachment_id), AttachmentChunk.idx == index)
                              ).scalar()
    if data is None:
        raise APIError(404, "chunk_missing")
    return bytes(data)


def delete_attachment(device, record_id, attachment_id):
    """Erase an attachment's chunks (its uploader's record was edited to drop it). Returns the count."""
    ws = device.workspace_id
    Sequencer(ws)
    record_for(device, record_id)
    n = db.session.execute(delete(AttachmentChunk).where(*_where(ws, record_id, attachment_id))).rowcount
    db.session.commit()
    if n:
        erase_freed()
        vacuum_chunks(purge=True)
    return n


def purge_record_chunks(workspace_id, record_id):
    """Delete a purged record's chunks, in the purge's transaction."""
    db.session.execute(delete(AttachmentChunk).where(AttachmentChunk.workspace_id == workspace_id,
                                                     AttachmentChunk.record_id == record_id))


def vacuum_chunks(purge=True):
    """PostgreSQL, after a purge: VACUUM the chunk table as the purge does the others (docs/server.md,
    Erased bytes). SQLite needs nothing more than the WAL checkpoint the purge already runs."""
    try:
        if db.engine.dialect.name == "sqlite":
            return True
        mode = current_app.config.get("ZAPIS_PURGE_VACUUM", "lazy")
        if not purge or mode == "off":
            return True
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (FULL) attachment_chunks" if mode == "full"
                                 else "VACUUM attachment_chunks")
        return True
    except SQLAlchemyError as exc:
        current_app.logger.warning("erasing freed chunk bytes left for later: %s", type(exc).__name__)
        return False
