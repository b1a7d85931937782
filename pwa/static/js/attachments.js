/**
 * Evidence attachments in the app: a file chosen or photographed is stripped (images re-encoded
 * in the browser, so EXIF, GPS and device metadata never reach storage), sealed in chunks under a
 * key of its own (core/attachments.js), its chunks kept encrypted in the local store for the sync
 * engine to upload, and its entry (with its key) added to the record's `attachments` field by one
 * signed save, so it syncs and merges like any field. Opening one fetches its chunks (from here
 * if they have not left yet, else from the server), decrypts them in memory and hands back bytes;
 * the view makes an object URL of them and revokes it when it closes (ui/attachments.js).
 */

import { request } from './api.js';
import { FIELD, THUMB, assembleAttachment, attachmentEntries, openChunk, sealAttachment } from './core/attachments.js';
import { ChunkStore } from './store/chunks.js';
import { downloadChunk } from './sync/uploads.js';

export const ACCEPT = 'image/*,application/pdf,audio/*';
/** The largest file this device will prepare at all (the server's own limit may be lower). */
export const MAX_FILE = 50 * 1024 * 1024;
/** Photos are re-encoded no larger than this on their longer side. */
export const MAX_SIDE = 2560;
const THUMB_SIDE = 240;
const THUMB_MAX = 60 * 1024;

/** A file that cannot be attached; `key` is the message's translation key. */
export class AttachError extends Error {
  constructor(key, message = key) {
    super(message);
    this.name = 'AttachError';
    this.key = key;
  }
}

/** 'image', 'pdf', 'audio', or null for a type that is not attached. */
export function kindOf(type) {
  if (/^image\//.test(type)) return 'image';
  if (type === 'application/pdf') return 'pdf';
  if (/^audio\//.test(type)) return 'audio';
  return null;
}

function canvasOf(w, h) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(w, h);
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  return c;
}

async function encode(canvas, type, quality) {
  const blob = canvas.convertToBlob ? await canvas.convertToBlob({ type, quality })
    : await new Promise((resolve) => canvas.toBlob(resolve, type, quality));
  if (!blob) throw new AttachError('attach.unreadable_image');
  return new Uint8Array(await blob.arrayBuffer());
}

async function draw(bitmap, side) {
  const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * scale));
  const h = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = canvasOf(w, h);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; // a transparent PNG becomes JPEG on white, not on black
  ctx.fillRect(0, 0, w, h);
  ctx.drawImage(bitmap, 0, 0, w, h);
  return canvas;
}

/**
 * Re-encode an image as JPEG from its pixels alone: the canvas carries no EXIF, GPS, maker notes
 * or embedded thumbnail, so none of the original's metadata is stored. The orientation is applied
 * to the pixels first. Resolves to {data, thumb}.
 */
export async function stripImage(file, { maxSide = MAX_SIDE, quality = 0.85 } = {}) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new AttachError('attach.unreadable_image'); // expected: a file the browser cannot decode
  }
  try {
    const data = await encode(await draw(bitmap, maxSide), 'image/jpeg', quality);
    let thumb = await encode(await draw(bitmap, THUMB_SIDE), 'image/jpeg', 0.7);
    if (thumb.length > THUMB_MAX) thumb = await encode(await draw(bitmap, THUMB_SIDE / 2), 'image/jpeg', 0.5);
    return { data, thumb: thumb.length <= THUMB_MAX ? thumb : null };
  } finally {
    bitmap.close?.();
  }
}

const jpegName = (name) => `${(name || 'photo').replace(/\.[^.]*$/, '').slice(0, 180) || 'photo'}.jpg`;

/**
 * A chosen file made ready to seal: {name, type, data, thumb?, kept} where `kept` is true when the
 * file is stored as it is (a PDF or a recording keeps its own metadata: the view says so).
 */
export async function prepareFile(file) {
  const kind = kindOf(file.type);
  if (!kind) throw new AttachError('attach.unsupported');
  if (file.size > MAX_FILE) throw new AttachError('attach.too_large_here');
  if (kind === 'image') {
    const { data, thumb } = await stripImage(file);
    return { name: jpegName(file.name), type: 'image/jpeg', data, thumb: thumb && { type: 'image/jpeg', bytes: thumb },
      kept: false };
  }
  const type = file.type.split(';')[0].trim().toLowerCase();
  return { name: (file.name || kind).slice(0, 200), type, data: new Uint8Array(await file.arrayBuffer()), kept: true };
}

export class Attachments {
  /** `session`: the unlocked session (records, store, token, device); `fetch` for tests. */
  constructor(session, { fetch: fetchFn } = {}) {
    this.session = session;
    this.chunks = new ChunkStore(session.store.adapter);
    this.fetch = fetchFn ?? request; // the app's one way to the network (api.js)
  }

  /** The record's attachment entries, read from its decrypted values. */
  static listOf(record) {
    return attachmentEntries(record?.values?.[FIELD]);
  }

  /**
   * Attach prepared files to a record: seal each, keep its chunks here, then one signed save adds
   * their entries to the record's list. Resolves to the new entries.
   */
  async add(recordId, prepared) {
    const { workspace } = this.session.device;
    const sealed = [];
    for (const p of prepared) {
      const s = await sealAttachment(workspace, recordId, { name: p.name, type: p.type, data: p.data, thumb: p.thumb });
      await this.chunks.add(recordId, s.entry, s.blobs);
      sealed.push(s.entry);
    }
    try {
      await this.#saveList(recordId, (list) => [...list, ...sealed]);
    } catch (err) {
      for (const e of sealed) await this.chunks.drop(recordId, e.id);
      throw err;
    }
    return sealed;
  }

  /** Remove one attachment: the record's list loses it, and its chunks are erased here and on the server. */
  async remove(recordId, attachmentId) {
    await this.#saveList(recordId, (list) => list.filter((e) => e.id !== attachmentId));
    await this.chunks.remove(recordId, attachmentId);
  }

  async #saveList(recordId, edit) {
    const { records } = this.session;
    const record = await records.read(recordId);
    if (!record) throw new Error('this device cannot write a record it cannot read');
    const list = edit(Attachments.listOf(record));
    await records.save({ id: recordId, values: { ...record.values, [FIELD]: list }, before: record.values,
      seen: record.contexts });
  }

  /** {attachment id: {waiting, refused?}}: chunks still here, and what the server refused. */
  states(recordId) {
    return this.chunks.states(recordId);
  }

  async #chunk(recordId, entry, index) {
    const here = await this.chunks.chunk(recordId, entry.id, index);
    if (here) return here;
    return downloadChunk(recordId, entry.id, index, { token: this.session.token, fetch: this.fetch });
  }

  /** The decrypted file, its hash checked; `progress(done, total)` after each chunk. */
  async open(recordId, entry, progress = () => {}) {
    const blobs = [];
    for (let i = 0; i < entry.chunks; i++) {
      blobs.push(await this.#chunk(recordId, entry, i));
      progress(i + 1, entry.chunks);
    }
    return assembleAttachment(entry, this.session.device.workspace, recordId, blobs);
  }

  /** The decrypted thumbnail of an entry that has one, or null. */
  async thumbnail(recordId, entry) {
    if (!entry.thumb) return null;
    const blob = await this.#chunk(recordId, entry, THUMB);
    return openChunk(entry, this.session.device.workspace, recordId, THUMB, blob);
  }
}
