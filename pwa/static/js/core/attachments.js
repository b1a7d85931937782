/**
 * Evidence attachments: the chunk envelope and the list a record carries in its field
 * `attachments` (the twin of sync/attachments.py, pinned by tests/vectors/chunks.json).
 *
 * Each attachment has its own random 256-bit key, carried in its entry inside the record's
 * encrypted value. The file is cut into chunks; each is AES-256-GCM under that key with
 * additional data naming workspace, record, attachment, index and count, so the server, which
 * stores opaque bytes, cannot swap, move, drop or truncate them unnoticed.
 */

import { Base64Error, b64decode, b64encode } from './b64.js';
import { canonicalBytes } from './canonical.js';
import { ProtocolError } from './errors.js';

export const CHUNK = 'zapis/chunk/1';
export const FIELD = 'attachments';
export const THUMB = -1;
export const CHUNK_SIZE = 256 * 1024;
export const MAX_CHUNK_SIZE = 1024 * 1024;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const OVERHEAD = NONCE_BYTES + TAG_BYTES;
export const KEY_BYTES = 32;
export const MAX_ATTACHMENTS = 50;
export const MAX_NAME = 200;
export const MAX_THUMB = 64 * 1024;

const subtle = globalThis.crypto.subtle;
const ID = /^[A-Za-z0-9_-]{22}$/;
const TYPE = /^[a-z0-9][a-z0-9.+-]{0,40}\/[a-z0-9][a-z0-9.+-]{0,60}$/;
const ENTRY_KEYS = ['chunk_size', 'chunks', 'id', 'key', 'name', 'sha256', 'size', 'type'];

/** How many chunks a file of `size` bytes makes (an empty file still has one, empty). */
export function chunkCount(size, chunkSize) {
  return Math.max(1, Math.ceil(size / chunkSize));
}

/** Additional data binding a chunk to its workspace, record, attachment, place and total. */
export function chunkAAD(workspace, record, attachment, index, count) {
  return canonicalBytes([CHUNK, workspace, record, attachment, index, count]);
}

async function importKey(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== KEY_BYTES) {
    throw new TypeError('an attachment key is a Uint8Array of 32 bytes');
  }
  return subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** One chunk as stored and sent: nonce ‖ AES-256-GCM(key, plaintext, aad) (tag appended). */
export async function encryptChunk(key, workspace, record, attachment, index, count, plaintext, nonce) {
  const iv = nonce ?? globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const additionalData = chunkAAD(workspace, record, attachment, index, count);
  const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData },
    await importKey(key), plaintext));
  const out = new Uint8Array(NONCE_BYTES + ct.length);
  out.set(iv);
  out.set(ct, NONCE_BYTES);
  return out;
}

/** The plaintext of one stored chunk, or ProtocolError('bad_chunk'). */
export async function decryptChunk(key, workspace, record, attachment, index, count, blob) {
  if (blob.length < OVERHEAD) throw new ProtocolError('bad_chunk', 'a chunk is shorter than its nonce and tag');
  const cryptoKey = await importKey(key);
  try {
    const additionalData = chunkAAD(workspace, record, attachment, index, count);
    return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: blob.slice(0, NONCE_BYTES), additionalData },
      cryptoKey, blob.slice(NONCE_BYTES)));
  } catch (cause) {
    throw new ProtocolError('bad_chunk', 'a chunk does not decrypt: it was altered, moved or belongs to '
      + 'another attachment', { cause });
  }
}

/** A random attachment id: 16 bytes, 22 characters of base64url. */
export function newAttachmentId() {
  return b64encode(globalThis.crypto.getRandomValues(new Uint8Array(16)));
}

/** base64url(SHA-256(data)): the `sha256` member of an entry. */
export async function sha256Text(data) {
  return b64encode(new Uint8Array(await subtle.digest('SHA-256', data)));
}

/**
 * Make an attachment: resolve to {entry, blobs} where blobs maps index → encrypted chunk.
 * `thumb` is an optional {type, bytes}, encrypted as chunk THUMB of the same attachment.
 */
export async function sealAttachment(workspace, record, { name, type, data, chunkSize = CHUNK_SIZE, thumb, key, id }) {
  const k = key ?? globalThis.crypto.getRandomValues(new Uint8Array(KEY_BYTES));
  const att = id ?? newAttachmentId();
  const count = chunkCount(data.length, chunkSize);
  const entry = {
    id: att, name, type, size: data.length, chunk_size: chunkSize, chunks: count,
    sha256: await sha256Text(data), key: b64encode(k),
  };
  const blobs = new Map();
  for (let i = 0; i < count; i++) {
    blobs.set(i, await encryptChunk(k, workspace, record, att, i, count,
      data.subarray(i * chunkSize, (i + 1) * chunkSize)));
  }
  if (thumb) {
    entry.thumb = { type: thumb.type, size: thumb.bytes.length };
    blobs.set(THUMB, await encryptChunk(k, workspace, record, att, THUMB, count, thumb.bytes));
  }
  checkEntry(entry);
  return { entry, blobs };
}

const isInt = (v) => Number.isSafeInteger(v);

/** Throw ProtocolError('bad_attachment') unless `entry` is a well-formed list entry. */
export function checkEntry(entry) {
  const bad = (why) => { throw new ProtocolError('bad_attachment', `an attachment entry is malformed: ${why}`); };
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) bad('not an object');
  const keys = Object.keys(entry).filter((k) => k !== 'thumb').sort();
  if (keys.join() !== ENTRY_KEYS.join()) bad('members');
  if (typeof entry.id !== 'string' || !ID.test(entry.id)) bad('id');
  if (typeof entry.name !== 'string' || !(entry.name.length > 0 && entry.name.length <= MAX_NAME)) bad('name');
  if (typeof entry.type !== 'string' || !TYPE.test(entry.type)) bad('type');
  if (!isInt(entry.size) || entry.size < 0 || entry.size > 2 ** 40) bad('size');
  if (!isInt(entry.chunk_size) || entry.chunk_size < 1 || entry.chunk_size > MAX_CHUNK_SIZE) bad('chunk_size');
  if (entry.chunks !== chunkCount(entry.size, entry.chunk_size)) bad('chunks');
  try {
    b64decode(entry.sha256, 32);
    b64decode(entry.key, KEY_BYTES);
  } catch (e) {
    if (e instanceof Base64Error || e instanceof TypeError) bad('sha256 or key');
    throw e;
  }
  if ('thumb' in entry) {
    const t = entry.thumb;
    if (t === null || typeof t !== 'object' || Object.keys(t).sort().join() !== 'size,type'
      || typeof t.type !== 'string' || !TYPE.test(t.type) || !isInt(t.size) || t.size <= 0 || t.size > MAX_THUMB) {
      bad('thumb');
    }
  }
  return entry;
}

/** The well-formed entries of an `attachments` field value (a list); others are skipped. */
export function attachmentEntries(value) {
  if (!Array.isArray(value)) return [];
  const seen = new Set();
  const out = [];
  for (const entry of value.slice(0, MAX_ATTACHMENTS)) {
    try {
      checkEntry(entry);
    } catch (e) {
      if (e instanceof ProtocolError) continue;
      throw e;
    }
    if (!seen.has(entry.id)) {
      seen.add(entry.id);
      out.push(entry);
    }
  }
  return out;
}

/** Decrypt chunk `index` of the attachment `entry` describes, checking its length. */
export async function openChunk(entry, workspace, record, index, blob) {
  const key = b64decode(entry.key, KEY_BYTES);
  const plain = await decryptChunk(key, workspace, record, entry.id, index, entry.chunks, blob);
  const want = index === THUMB ? entry.thumb?.size
    : Math.min(entry.chunk_size, entry.size - index * entry.chunk_size);
  if (plain.length !== want) throw new ProtocolError('bad_chunk', 'a chunk has the wrong length');
  return plain;
}

/** The attachment's plaintext from its stored chunks (an array, in order); checks its hash. */
export async function assembleAttachment(entry, workspace, record, blobs) {
  if (blobs.length !== entry.chunks) throw new ProtocolError('bad_chunk', 'an attachment is missing chunks');
  const out = new Uint8Array(entry.size);
  for (let i = 0; i < blobs.length; i++) {
    out.set(await openChunk(entry, workspace, record, i, blobs[i]), i * entry.chunk_size);
  }
  if (await sha256Text(out) !== entry.sha256) {
    throw new ProtocolError('bad_chunk', "an attachment's hash does not match its entry");
  }
  return out;
}
