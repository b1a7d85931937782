"""Attachments for the reference client: attach a file to a record, list, fetch one decrypted.

Attaching seals the file (sync/attachments.py), adds its entry to the record's `attachments`
field with an ordinary signed save, pushes that change (the server must know the record before
it takes chunks), keeps the sealed chunks in the replica's `uploads` (the CLI writes them to its
state file before the first is sent), then uploads the chunks the server does not hold yet. A
dropped connection costs nothing: the next sync (`resume`) asks the server which chunks it holds
and sends the rest. Images are not re-encoded here:
stripping metadata is the PWA's work (docs/pwa.md, Attachments); the CLI sends files as they are.
The sealing and assembling are the pure core's (sync/attachments.py); this module is the I/O.
"""

from sync.attachments import FIELD, THUMB, assemble, describe, entries, open_chunk, seal

from .transport import APIError, check, json_body

CHUNKS = "/api/records/%s/attachments/%s/chunks"


def listed(client, record):
    """The well-formed entries of the record's `attachments` field (its first value on conflict)."""
    view = client.read(record) or {}
    field = view.get(FIELD)
    return entries(field["value"]) if field else []


def listing(client, record):
    """Name, type and size of each attachment: what an export shows without opening them."""
    return [describe(e) for e in listed(client, record)]


def attach(client, record, data, name, mime, thumb=None, chunk_size=None):
    """Attach `data` to `record`; return the entry. Its chunks wait in `client.replica.uploads`
    until the server holds them all: if the upload is cut off, `resume` (the next sync) sends the
    rest."""
    kwargs = {"chunk_size": chunk_size} if chunk_size else {}
    entry, blobs = seal(client.replica.workspace, record, name, mime, data, thumb=thumb, **kwargs)
    client.save({FIELD: listed(client, record) + [entry]}, record=record)
    client.replica.uploads[entry["id"]] = {"record": record, "count": entry["chunks"], "size": entry["size"],
                                           "blobs": blobs}
    client.push()
    if client.checkpoint is not None:
        client.checkpoint()   # the CLI's state file holds the chunks before the first is sent
    upload(client, record, entry["id"], client.replica.uploads[entry["id"]])
    client.replica.uploads.pop(entry["id"], None)
    return entry


def resume(client):
    """Send what attachments cut off earlier still wait to send; returns how many were completed.
    An attachment whose record was purged (410) is dropped, one whose record the server does not
    know yet waits; any other failure raises, and what is left waits for the next sync."""
    done = 0
    for attachment_id, todo in list(client.replica.uploads.items()):
        try:
            upload(client, todo["record"], attachment_id, todo)
        except APIError as exc:
            if exc.code == "record_unknown":
                continue   # its record's change has not reached the server (refused): kept here
            if exc.status != 410:
                raise
        client.replica.uploads.pop(attachment_id, None)
        done += 1
    return done


def remove(client, record, attachment_id):
    """Drop one attachment from the record's list, then erase its chunks on the server (and
    forget those still waiting here)."""
    client.replica.uploads.pop(attachment_id, None)
    client.save({FIELD: [e for e in listed(client, record) if e["id"] != attachment_id]}, record=record)
    client.push()
    path = "/api/records/%s/attachments/%s" % (record, attachment_id)
    status, body = client.transport.request("DELETE", path, token=client.token)
    check(status, body)


def upload(client, record, attachment_id, todo, on_chunk=None):
    """Send the chunks the server does not hold yet; a repeated one answers `duplicate`."""
    path = CHUNKS % (record, attachment_id)
    status, body = client.transport.request("GET", path, token=client.token)
    have = set(check(status, body)["have"])
    for index in sorted(todo["blobs"], key=lambda i: (i == THUMB, i)):
        if index in have:
            continue
        params = {"count": todo["count"], "size": todo["size"]}
        status, body = client.transport.request_bytes("PUT", "%s/%d" % (path, index), todo["blobs"][index],
                                                      token=client.token, params=params)
        check(status, json_body(status, body, getattr(client.transport, "base_url", "")))
        if on_chunk:
            on_chunk(index)


def chunk(client, record, attachment_id, index):
    """One stored chunk's bytes."""
    status, body = client.transport.request_bytes("GET", "%s/%d" % (CHUNKS % (record, attachment_id), index),
                                                  None, token=client.token)
    if status != 200:
        check(status, json_body(status, body, getattr(client.transport, "base_url", "")))
    return body


def fetch(client, record, attachment_id):
    """The decrypted attachment (its hash checked against the entry), and its entry."""
    entry = next((e for e in listed(client, record) if e["id"] == attachment_id), None)
    if entry is None:
        raise APIError(404, "not_found", "this record lists no such attachment")
    blobs = [chunk(client, record, attachment_id, i) for i in range(entry["chunks"])]
    return assemble(entry, client.replica.workspace, record, blobs), entry


def thumbnail(client, record, entry):
    """The decrypted thumbnail of an entry that has one."""
    blob = chunk(client, record, entry["id"], THUMB)
    return open_chunk(entry, client.replica.workspace, record, THUMB, blob)
