"""Reading a browser profile on disk the way a forensic examiner would, for canaries.

Every file under the profile directory is read as raw bytes. LevelDB files (IndexedDB, Local and
Session Storage, and other Chromium databases) are also decoded: the data blocks of a table file
(`.ldb`, `.sst`) are decompressed with Snappy, and the records of a write-ahead log (`.log`) and
of a MANIFEST are put back together across its 32 KiB blocks. A needle is looked for as UTF-8
(and so Latin-1 for ASCII), UTF-16LE, and inside base64 and base64url text at each of the three
byte alignments.

What this cannot see: blocks the file system freed but the flash has not yet erased (below the
file system: a chip-off or a rooted phone's raw partition), files outside the profile (swap,
the operating system's own caches; on Android the files of the system and of other apps), and
bytes stored in a form none of the above decodes (another compression, another encryption).
"""

import base64
import os
import struct

import cramjam

LEVELDB_MAGIC = 0xDB4775248B80FB57
LOG_BLOCK = 32768


def _varint(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _block(data, offset, size):
    """One table block's contents (its 5-byte trailer says whether Snappy compressed it)."""
    raw = data[offset:offset + size]
    kind = data[offset + size]
    if kind == 0:
        return bytes(raw)
    if kind == 1:
        return bytes(cramjam.snappy.decompress_raw(bytes(raw)))
    raise ValueError("block compression %d is not one this scan decodes" % kind)


def _block_entries(block):
    """The (key, value) entries of a table block, prefix-compressed keys made whole."""
    restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end = len(block) - 4 - 4 * restarts
    pos, key = 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        length, pos = _varint(block, pos)
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + length]
        pos += length


def leveldb_table(data):
    """The decompressed data blocks of a LevelDB table file, with their keys and values laid out."""
    if len(data) < 48 or struct.unpack_from("<Q", data, len(data) - 8)[0] != LEVELDB_MAGIC:
        raise ValueError("not a LevelDB table")
    footer = data[-48:]
    pos = 0
    _meta_offset, pos = _varint(footer, pos)
    _meta_size, pos = _varint(footer, pos)
    index_offset, pos = _varint(footer, pos)
    index_size, pos = _varint(footer, pos)
    out = []
    for _key, handle in _block_entries(_block(data, index_offset, index_size)):
        offset, p = _varint(handle, 0)
        size, _p = _varint(handle, p)
        block = _block(data, offset, size)
        out.append(block)  # the block as stored after decompression
        for key, value in _block_entries(block):
            out.append(key)  # keys are prefix-compressed in the block: whole here
            out.append(value)
    return b"\0".join(out)


def leveldb_log(data):
    """The records of a LevelDB log (or MANIFEST) file, put back together across its blocks."""
    records, current = [], b""
    for start in range(0, len(data), LOG_BLOCK):
        block = data[start:start + LOG_BLOCK]
        pos = 0
        while pos + 7 <= len(block):
            length, kind = struct.unpack_from("<HB", block, pos + 4)
            if kind == 0 and length == 0:
                break  # the zeroed tail of a block
            fragment = block[pos + 7:pos + 7 + length]
            pos += 7 + length
            if kind == 1:  # FULL
                records.append(fragment)
            elif kind == 2:  # FIRST
                current = fragment
            elif kind == 3:  # MIDDLE
                current += fragment
            elif kind == 4:  # LAST
                records.append(current + fragment)
                current = b""
    return b"\0".join(records)


def views(path):
    """Every way this scan reads one file: its raw bytes, and what LevelDB decoding gives."""
    with open(path, "rb") as f:
        data = f.read()
    out = [("raw", data)]
    name = os.path.basename(path)
    folder = os.path.dirname(path)
    if name.endswith((".ldb", ".sst")):
        out.append(("leveldb-table", leveldb_table(data)))
    elif ((name.endswith(".log") or name.startswith("MANIFEST-"))
          and os.path.exists(os.path.join(folder, "CURRENT"))):
        out.append(("leveldb-log", leveldb_log(data)))
    return out


def forms(needle):
    """The byte strings under which `needle` (text or bytes) would show on disk."""
    raw = needle.encode("utf-8") if isinstance(needle, str) else needle
    found = {raw}
    if isinstance(needle, str):
        found.add(needle.encode("utf-16-le"))
    for k in range(3):
        text = base64.b64encode(bytes(k) + raw).decode()
        start = (8 * k + 5) // 6  # the first character made of the needle's bits only
        end = (8 * (k + len(raw))) // 6  # past the last one
        part = text[start:end]
        found.add(part.encode())
        found.add(part.replace("+", "-").replace("/", "_").encode())
    return {f for f in found if len(f) >= 12}


def scan(folder, needles):
    """{needle: [(file, view, form)]} for every needle found anywhere under `folder`, and how many
    files and bytes were read: ({...}, files, bytes)."""
    wanted = {n: forms(n) for n in needles}
    hits = {}
    files = total = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            files += 1
            for view, data in views(path):
                total += len(data)
                for needle, patterns in wanted.items():
                    for pattern in patterns:
                        if pattern in data:
                            hits.setdefault(needle, []).append((os.path.relpath(path, folder), view, pattern))
    return hits, files, total
