"""Attachment chunks: upload (idempotent, resumable), list what is held, download, delete.

The bytes are opaque to the server: nonce ‖ AES-256-GCM ciphertext under a key only devices hold
(docs/protocol.md, Attachments). Access is the record's: certified coordinators, its creator, and
devices holding a wrap of it.
"""

from flask import Blueprint, Response, g, request

from ..attachment_schemas import (
    AttachmentDeletedSchema,
    AttachmentPathSchema,
    ChunkListSchema,
    ChunkPathSchema,
    ChunkQuerySchema,
    ChunkStoredSchema,
)
from ..auth import authenticated
from ..declare import other_responses, path, query, raw_body, response
from ..errors import APIError
from ..store import attachments as store

bp = Blueprint("attachments", __name__, url_prefix="/api/records")

BASE = "/<record_id>/attachments/<attachment_id>"
OCTETS = "application/octet-stream"
# What store.record_for refuses, for every call on a record's attachments.
RECORD_REFUSALS = {403: "no_access", 404: "record_unknown", 410: "record_purged"}


@bp.put(BASE + "/chunks/<index>")
@authenticated(push_only_ok=True)
@path(ChunkPathSchema)
@query(ChunkQuerySchema)
@raw_body(OCTETS, "The chunk as the device made it (nonce, ciphertext, tag), never compressed.")
@response(ChunkStoredSchema)
@other_responses({**RECORD_REFUSALS, 400: "invalid_request", 409: "chunk_conflict",
                  413: ["chunk_too_large", "attachment_too_large", "attachment_quota"],
                  415: ["unsupported_media_type", "unsupported_encoding"]})
def put_chunk(args, record_id, attachment_id, index):
    """Upload one chunk of an attachment; the same chunk again changes nothing.

    The body is the chunk as the device made it (nonce, ciphertext, tag), sent as
    application/octet-stream, never compressed. Sending a chunk the server already holds with
    the same bytes answers duplicate (a resumed upload may repeat the last one); other bytes, or
    another count or size than the attachment's stored chunks, answer 409 chunk_conflict. The
    push-only token of the service worker may upload.
    """
    if request.mimetype != OCTETS:
        raise APIError(415, "unsupported_media_type", "Send a chunk as application/octet-stream.")
    if request.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity"):
        raise APIError(415, "unsupported_encoding", "Send a chunk uncompressed: ciphertext does not "
                       "compress.")
    blob = request.get_data(cache=False)
    status = store.store_chunk(g.device, record_id, attachment_id, index, args["count"], args["size"], blob)
    return {"status": status}


@bp.get(BASE + "/chunks")
@authenticated(push_only_ok=True)
@path(AttachmentPathSchema)
@response(ChunkListSchema)
@other_responses(RECORD_REFUSALS)
def list_chunks(record_id, attachment_id):
    """List the stored chunks of an attachment, so an upload resumes where it stopped."""
    return store.held_chunks(g.device, record_id, attachment_id)


@bp.get(BASE + "/chunks/<index>")
@authenticated()
@path(ChunkPathSchema)
@response(None, media_type=OCTETS, description="The chunk's bytes, as uploaded.")
@other_responses({**RECORD_REFUSALS, 404: ["record_unknown", "chunk_missing"]})
def get_chunk(record_id, attachment_id, index):
    """Download one chunk of an attachment, as it was uploaded.

    Answered with Cache-Control no-store; the bytes decrypt only with the attachment key.
    """
    data = store.read_chunk(g.device, record_id, attachment_id, index)
    response_ = Response(data, mimetype=OCTETS)
    response_.headers["Cache-Control"] = "no-store"
    return response_


@bp.delete(BASE)
@authenticated()
@path(AttachmentPathSchema)
@response(AttachmentDeletedSchema)
@other_responses(RECORD_REFUSALS)
def delete_attachment(record_id, attachment_id):
    """Delete an attachment's chunks, once its record no longer lists it."""
    return {"deleted": store.delete_attachment(g.device, record_id, attachment_id)}
