"""Attachment chunks: upload (idempotent, resumable), list what is held, download, delete.

The bytes are opaque to the server: nonce ‖ AES-256-GCM ciphertext under a key only devices hold
(docs/protocol.md, Attachments). Access is the record's: certified coordinators, its creator, and
devices holding a wrap of it.
"""

from flask import Blueprint, Response, g, request

from ..attachment_schemas import (
    AttachmentDeletedSchema,
    ChunkListSchema,
    ChunkPathSchema,
    ChunkQuerySchema,
    ChunkStoredSchema,
)
from ..auth import authenticated
from ..errors import APIError
from ..store import attachments as store

bp = Blueprint("attachments", __name__, url_prefix="/api/records")

PATH = ChunkPathSchema()
QUERY = ChunkQuerySchema()
BASE = "/<record_id>/attachments/<attachment_id>"


def _ids(record_id, attachment_id, index=None):
    """The path's ids checked whole; the chunk index as an integer (-1 is the thumbnail)."""
    data = {"record": record_id, "attachment": attachment_id}
    if index is not None:
        data["index"] = index
    return PATH.load(data).get("index")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.put(BASE + "/chunks/<index>")
@authenticated(push_only_ok=True)
def put_chunk(record_id, attachment_id, index):
    """Store one encrypted chunk; the same chunk again changes nothing.
    ---
    put:
      tags: [attachments]
      summary: Upload one chunk of an attachment
      description: >
        The body is the chunk as the device made it (nonce, ciphertext, tag), sent as
        application/octet-stream, never compressed. Sending a chunk the server already holds
        with the same bytes answers duplicate (a resumed upload may repeat the last one); other
        bytes, or another count or size than the attachment's stored chunks, answer 409 chunk_conflict.
        The push-only token of the service worker may upload.
      security: [{bearer: []}]
      parameters:
      - {name: record_id, in: path, required: true, schema: {type: string}}
      - {name: attachment_id, in: path, required: true, schema: {type: string}}
      - {name: index, in: path, required: true, schema: {type: integer, minimum: -1}}
      - {name: count, in: query, required: true, schema: {type: integer, minimum: 1}}
      - {name: size, in: query, required: true, schema: {type: integer, minimum: 0}}
      requestBody:
        content:
          application/octet-stream:
            schema: {type: string, format: binary}
      responses:
        200: {content: {application/json: {schema: ChunkStoredSchema}}}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
        410: {$ref: '#/components/responses/Error'}
    """
    index = _ids(record_id, attachment_id, index)
    query = QUERY.load(request.args)
    if request.mimetype != "application/octet-stream":
        raise APIError(415, "unsupported_media_type", "Send a chunk as application/octet-stream.")
    if request.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity"):
        raise APIError(415, "unsupported_encoding", "Send a chunk uncompressed: ciphertext does not "
                       "compress.")
    blob = request.get_data(cache=False)
    status = store.store_chunk(g.device, record_id, attachment_id, index, query["count"], query["size"], blob)
    return ChunkStoredSchema().dump({"status": status})


@bp.get(BASE + "/chunks")
@authenticated(push_only_ok=True)
def list_chunks(record_id, attachment_id):
    """Which chunks of an attachment the server holds, so an upload resumes where it stopped.
    ---
    get:
      tags: [attachments]
      summary: List the stored chunks of an attachment
      security: [{bearer: []}]
      parameters:
      - {name: record_id, in: path, required: true, schema: {type: string}}
      - {name: attachment_id, in: path, required: true, schema: {type: string}}
      responses:
        200: {content: {application/json: {schema: ChunkListSchema}}}
        400: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        410: {$ref: '#/components/responses/Error'}
    """
    _ids(record_id, attachment_id)
    return _no_store(Response(ChunkListSchema().dumps(store.held_chunks(g.device, record_id, attachment_id)),
                              mimetype="application/json"))


@bp.get(BASE + "/chunks/<index>")
@authenticated()
def get_chunk(record_id, attachment_id, index):
    """One encrypted chunk, as it was uploaded.
    ---
    get:
      tags: [attachments]
      summary: Download one chunk of an attachment
      description: Answered with Cache-Control no-store; the bytes decrypt only with the attachment key.
      security: [{bearer: []}]
      parameters:
      - {name: record_id, in: path, required: true, schema: {type: string}}
      - {name: attachment_id, in: path, required: true, schema: {type: string}}
      - {name: index, in: path, required: true, schema: {type: integer, minimum: -1}}
      responses:
        200: {content: {application/octet-stream: {schema: {type: string, format: binary}}}}
        400: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        410: {$ref: '#/components/responses/Error'}
    """
    index = _ids(record_id, attachment_id, index)
    data = store.read_chunk(g.device, record_id, attachment_id, index)
    return _no_store(Response(data, mimetype="application/octet-stream"))


@bp.delete(BASE)
@authenticated()
def delete_attachment(record_id, attachment_id):
    """Erase an attachment's chunks once its record no longer lists it.
    ---
    delete:
      tags: [attachments]
      summary: Delete an attachment's chunks
      security: [{bearer: []}]
      parameters:
      - {name: record_id, in: path, required: true, schema: {type: string}}
      - {name: attachment_id, in: path, required: true, schema: {type: string}}
      responses:
        200: {content: {application/json: {schema: AttachmentDeletedSchema}}}
        400: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        410: {$ref: '#/components/responses/Error'}
    """
    _ids(record_id, attachment_id)
    deleted = store.delete_attachment(g.device, record_id, attachment_id)
    return AttachmentDeletedSchema().dump({"deleted": deleted})
