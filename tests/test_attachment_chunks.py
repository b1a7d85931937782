"""The chunk envelope of attachments (sync/attachments.py) against tests/vectors/chunks.json."""

import json
import os

import pytest

from sync import attachments as A
from sync.b64 import b64decode
from sync.envelopes import ProtocolError

with open(os.path.join(os.path.dirname(__file__), "vectors", "chunks.json"), encoding="utf-8") as f:
    V = json.load(f)
KEY = b64decode(V["key"])


@pytest.mark.parametrize("chunk", V["chunks"], ids=lambda c: "chunk %d" % c["index"])
def test_each_chunk_encrypts_to_the_vector_and_back(chunk):
    plain = b64decode(chunk["plaintext"])
    args = (V["workspace"], V["record"], V["attachment"], chunk["index"], V["count"])
    assert A.chunk_aad(*args).decode() == chunk["aad"]
    blob = A.encrypt_chunk(KEY, *args, plain, b64decode(chunk["nonce"]))
    assert blob == b64decode(chunk["blob"])
    assert A.decrypt_chunk(KEY, *args, blob) == plain
    assert A.open_chunk(V["entry"], V["workspace"], V["record"], chunk["index"], blob) == plain


def test_the_chunks_assemble_to_the_data_and_its_hash():
    blobs = [b64decode(c["blob"]) for c in V["chunks"] if c["index"] >= 0]
    data = A.assemble(V["entry"], V["workspace"], V["record"], blobs)
    assert data == b64decode(V["data"])
    with pytest.raises(ProtocolError):
        A.assemble(V["entry"], V["workspace"], V["record"], blobs[:-1])
    with pytest.raises(ProtocolError):
        A.assemble({**V["entry"], "sha256": A.sha256_text(b"other")}, V["workspace"], V["record"], blobs)


@pytest.mark.parametrize("case", V["refused"], ids=lambda c: c["name"])
def test_a_moved_or_altered_chunk_is_refused(case):
    with pytest.raises(ProtocolError) as err:
        A.decrypt_chunk(KEY, V["workspace"], case["record"], case["attachment"], case["index"], case["count"],
                        b64decode(case["blob"]))
    assert err.value.code == "bad_chunk"


def test_the_entry_passes_and_bad_entries_do_not():
    assert A.check_entry(V["entry"]) == V["entry"]
    for case in V["bad_entries"]:
        with pytest.raises(ProtocolError) as err:
            A.check_entry(case["entry"])
        assert err.value.code == "bad_attachment", case["name"]
    assert A.entries([V["entry"], {"id": "x"}, V["entry"], "junk"]) == [V["entry"]]
    assert A.entries("not a list") == []


@pytest.mark.parametrize("size, chunk_size, chunks", V["counts"])
def test_chunk_counts(size, chunk_size, chunks):
    assert A.chunk_count(size, chunk_size) == chunks


def test_seal_makes_chunks_that_assemble_and_a_thumbnail():
    data = os.urandom(1000)
    entry, blobs = A.seal(V["workspace"], V["record"], "photo.jpg", "image/jpeg", data, chunk_size=300,
                          thumb=("image/jpeg", b"tiny"))
    assert entry["chunks"] == 4 and sorted(blobs) == [-1, 0, 1, 2, 3]
    assert A.assemble(entry, V["workspace"], V["record"], [blobs[i] for i in range(4)]) == data
    assert A.open_chunk(entry, V["workspace"], V["record"], A.THUMB, blobs[A.THUMB]) == b"tiny"
    assert data not in b"".join(blobs.values())
