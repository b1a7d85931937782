"""marshmallow schemas of the attachment calls (server/api/attachments.py)."""

from marshmallow import Schema, fields, validate

from .schemas import _DEVICE, DEVICE_RE, FullMatch, RecordId
from .store.attachments import MAX_CHUNKS


class AttachmentPathSchema(Schema):
    """The ids in an attachment's address, checked like every identifier (whole-string patterns);
    named as the URL's variables."""

    record_id = RecordId(required=True)
    attachment_id = fields.String(required=True, validate=FullMatch(_DEVICE, "Not an attachment id."),
                                  metadata={"pattern": DEVICE_RE})


class ChunkPathSchema(AttachmentPathSchema):
    """A chunk's address: the attachment's, and the chunk's index."""

    index = fields.Integer(required=True, strict=False, validate=validate.Range(-1, MAX_CHUNKS - 1),
                           metadata={"description": "the chunk's index; -1 is the thumbnail"})


class ChunkQuerySchema(Schema):
    count = fields.Integer(required=True, strict=False, validate=validate.Range(1, MAX_CHUNKS),
                           metadata={"description": "the number of chunks (the entry's `chunks`)"})
    size = fields.Integer(required=True, strict=False, validate=validate.Range(0, 2 ** 40),
                          metadata={"description": "the attachment's size in bytes (its entry's `size`)"})


class ChunkStoredSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["accepted", "duplicate"]))


class ChunkListSchema(Schema):
    count = fields.Integer(required=True, allow_none=True,
                           metadata={"description": "the count its stored chunks came with; null if none"})
    have = fields.List(fields.Integer(), required=True,
                       metadata={"description": "indices the server holds, ascending (-1: the thumbnail)"})


class AttachmentDeletedSchema(Schema):
    deleted = fields.Integer(required=True, metadata={"description": "chunks erased"})
