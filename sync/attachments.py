"""Evidence attachments: the chunk envelope and the attachment list a record carries.

An attachment (a photo, a screenshot, a PDF, a short recording) has its own random 256-bit key.
The key and what a reader needs to fetch and check the file travel in one field of the record,
`attachments`, whose value is a list of entries (docs/protocol.md, Attachments): it is encrypted
with the record key, signed with the change, and merges like any field. The file itself is cut
into chunks, each encrypted on its own with AES-256-GCM under the attachment key, with additional
data naming the workspace, record, attachment, the chunk's index and the number of chunks, so the
server (which stores them as opaque bytes) cannot swap, move, drop or truncate them unnoticed.

Pure logic, no I/O: the reference client and the server's tests use it; the PWA has its twin in
pwa/static/js/core/attachments.js, pinned by tests/vectors/chunks.json.
"""

import hashlib
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .b64 import Base64Error, b64decode, b64encode
from .canonical import canonical_bytes
from .envelopes import KEY_BYTES, NONCE_BYTES, ProtocolError

CHUNK = "zapis/chunk/1"
FIELD = "attachments"              # the record field whose value is the list of entries
THUMB = -1                         # the chunk index of an attachment's thumbnail
CHUNK_SIZE = 256 * 1024            # plaintext bytes per chunk a writer uses by default
MAX_CHUNK_SIZE = 1024 * 1024       # the largest chunk_size an entry may name
TAG_BYTES = 16
OVERHEAD = NONCE_BYTES + TAG_BYTES  # a stored chunk is nonce ‖ ciphertext ‖ tag
MAX_ATTACHMENTS = 50               # entries in one record's list (the list is one field value)
MAX_NAME = 200
MAX_THUMB = 64 * 1024

_ID = re.compile(r"[A-Za-z0-9_-]{22}")
_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,40}/[a-z0-9][a-z0-9.+-]{0,60}")
_ENTRY_KEYS = {"id", "name", "type", "size", "chunk_size", "chunks", "sha256", "key"}


def chunk_count(size, chunk_size):
    """How many chunks a file of `size` bytes makes (an empty file still has one, empty)."""
    return max(1, -(-size // chunk_size))


def chunk_aad(workspace, record, attachment, index, count):
    """Additional data binding a chunk to its workspace, record, attachment, place and total."""
    return canonical_bytes([CHUNK, workspace, record, attachment, index, count])


def encrypt_chunk(key, workspace, record, attachment, index, count, plaintext, nonce=None):
    """One chunk as stored and sent: nonce ‖ AES-256-GCM(key, plaintext, aad) (tag appended)."""
    if len(key) != KEY_BYTES:
        raise ValueError("an attachment key is 32 bytes")
    nonce = nonce if nonce is not None else os.urandom(NONCE_BYTES)
    aad = chunk_aad(workspace, record, attachment, index, count)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt_chunk(key, workspace, record, attachment, index, count, blob):
    """The plaintext of one stored chunk, or ProtocolError("bad_chunk")."""
    if len(blob) < OVERHEAD:
        raise ProtocolError("bad_chunk", "a chunk is shorter than its nonce and tag")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:],
                                   chunk_aad(workspace, record, attachment, index, count))
    except InvalidTag as exc:
        raise ProtocolError("bad_chunk", "a chunk does not decrypt: it was altered, moved or "
                            "belongs to another attachment") from exc


def new_id():
    """A random attachment id: 16 bytes, 22 characters of base64url."""
    return b64encode(os.urandom(16))


def sha256_text(data):
    """base64url(SHA-256(data)): the `sha256` member of an entry."""
    return b64encode(hashlib.sha256(data).digest())


def seal(workspace, record, name, mime, data, chunk_size=CHUNK_SIZE, thumb=None, key=None, att_id=None):
    """Make an attachment: its list entry (with its key) and its encrypted chunks {index: bytes}.

    `thumb` is an optional (type, bytes) pair, encrypted as chunk THUMB of the same attachment.
    """
    key = key if key is not None else os.urandom(KEY_BYTES)
    att_id = att_id or new_id()
    count = chunk_count(len(data), chunk_size)
    entry = {"id": att_id, "name": name, "type": mime, "size": len(data), "chunk_size": chunk_size,
             "chunks": count, "sha256": sha256_text(data), "key": b64encode(key)}
    blobs = {i: encrypt_chunk(key, workspace, record, att_id, i, count,
                              data[i * chunk_size:(i + 1) * chunk_size]) for i in range(count)}
    if thumb is not None:
        entry["thumb"] = {"type": thumb[0], "size": len(thumb[1])}
        blobs[THUMB] = encrypt_chunk(key, workspace, record, att_id, THUMB, count, thumb[1])
    check_entry(entry)
    return entry, blobs


def check_entry(entry):
    """Raise ProtocolError("bad_attachment") unless `entry` is a well-formed list entry."""
    def bad(why):
        raise ProtocolError("bad_attachment", "an attachment entry is malformed: " + why)

    if not isinstance(entry, dict):
        bad("not an object")
    keys = set(entry) - {"thumb"}
    if keys != _ENTRY_KEYS:
        bad("members %s" % sorted(keys ^ _ENTRY_KEYS))
    if not isinstance(entry["id"], str) or not _ID.fullmatch(entry["id"]):
        bad("id")
    if not isinstance(entry["name"], str) or not 0 < len(entry["name"]) <= MAX_NAME:
        bad("name")
    if not isinstance(entry["type"], str) or not _TYPE.fullmatch(entry["type"]):
        bad("type")
    for member, top in (("size", 2 ** 40), ("chunk_size", MAX_CHUNK_SIZE)):
        if type(entry[member]) is not int or not 0 <= entry[member] <= top:
            bad(member)
    if entry["chunk_size"] < 1 or entry["chunks"] != chunk_count(entry["size"], entry["chunk_size"]):
        bad("chunks")
    try:
        b64decode(entry["sha256"], 32)
        b64decode(entry["key"], KEY_BYTES)
    except Base64Error:
        bad("sha256 or key")
    if "thumb" in entry:
        thumb = entry["thumb"]
        if (not isinstance(thumb, dict) or set(thumb) != {"type", "size"}
                or not isinstance(thumb["type"], str) or not _TYPE.fullmatch(thumb["type"])
                or type(thumb["size"]) is not int or not 0 < thumb["size"] <= MAX_THUMB):
            bad("thumb")
    return entry


def entries(value):
    """The well-formed entries of an `attachments` field value (a list); others are skipped."""
    out = []
    if not isinstance(value, list):
        return out
    seen = set()
    for entry in value[:MAX_ATTACHMENTS]:
        try:
            check_entry(entry)
        except ProtocolError:
            continue
        if entry["id"] not in seen:
            seen.add(entry["id"])
            out.append(entry)
    return out


def describe(entry):
    """What an export shows of an attachment without opening it."""
    return {"id": entry["id"], "name": entry["name"], "type": entry["type"], "size": entry["size"]}


def open_chunk(entry, workspace, record, index, blob):
    """Decrypt chunk `index` of the attachment `entry` describes, checking its length."""
    key = b64decode(entry["key"], KEY_BYTES)
    plain = decrypt_chunk(key, workspace, record, entry["id"], index, entry["chunks"], blob)
    if index == THUMB:
        want = entry.get("thumb", {}).get("size")
    else:
        want = min(entry["chunk_size"], entry["size"] - index * entry["chunk_size"])
    if len(plain) != want:
        raise ProtocolError("bad_chunk", "a chunk has the wrong length")
    return plain


def assemble(entry, workspace, record, blobs):
    """The attachment's plaintext from its stored chunks (a list, in order); checks its hash."""
    if len(blobs) != entry["chunks"]:
        raise ProtocolError("bad_chunk", "an attachment is missing chunks")
    data = b"".join(open_chunk(entry, workspace, record, i, blob) for i, blob in enumerate(blobs))
    if sha256_text(data) != entry["sha256"]:
        raise ProtocolError("bad_chunk", "an attachment's hash does not match its entry")
    return data
