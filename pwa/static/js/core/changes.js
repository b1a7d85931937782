/** Changes: one save of one record by one device, its writes signed once through their hashes. */

import { b64decode, b64encode } from './b64.js';
import { canonicalBytes } from './canonical.js';
import { ProtocolError } from './errors.js';
import { NONCE_BYTES } from './fields.js';
import { sign, verify } from './keys.js';
import { unsigned } from './signed.js';
import { sha256Parts } from './hash.js';

export const CHANGE = 'zapis/change/1';

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

/** SHA-256 over a write's nonce and ciphertext bytes, base64url: what the signature covers. */
export async function writeHash(nonce, ct) {
  return writeHashOf(nonce, ct);
}

// The same, at once (core/hash.js: in JavaScript; a change has up to dozens of writes).
function writeHashOf(nonce, ct) {
  let iv;
  let body;
  try {
    iv = b64decode(nonce, NONCE_BYTES);
    body = b64decode(ct);
  } catch (cause) {
    throw new ProtocolError('bad_encoding', 'a nonce or ciphertext is not canonical base64url', { cause });
  }
  return b64encode(sha256Parts(iv, body));
}

/** The signed form of a change: each write's nonce and ct replaced by its hash. */
export async function changeHeader(change) {
  // A pull delivers writes that are no longer live as {field, dot, ctx, h}. A write that carries
  // a ciphertext is always hashed, even beside an `h`: else a server could pair a genuine hash
  // with a ciphertext the author never signed.
  const hashed = (w) => (has(w, 'nonce') || has(w, 'ct') ? writeHashOf(w.nonce, w.ct) : w.h);
  const writes = change.writes.map((w) => ({ field: w.field, dot: [...w.dot], ctx: w.ctx, h: hashed(w) }));
  const header = { type: CHANGE, workspace: change.workspace, record: change.record, device: change.device, writes };
  // The key commitment: every new change has it; changes stored before it existed may not.
  if (has(change, 'kc')) header.kc = change.kc;
  // The key epoch of `kc` (protocol 3); changes stored before key epochs have none (epoch 0).
  if (has(change, 'e')) header.e = change.e;
  return header;
}

/** Return the change with `sig` over its header. */
export async function signChange(privateKey, change) {
  const body = unsigned(change);
  return { ...body, sig: await sign(privateKey, canonicalBytes(await changeHeader(body))) };
}

/** True when the change's signature covers its header, as recomputed from its writes; never throws. */
export async function verifyChange(publicText, change) {
  let header;
  try {
    header = canonicalBytes(await changeHeader(change));
  } catch {
    return false; // a change that has no canonical header is not verified (as in verifyObject)
  }
  return typeof change.sig === 'string' && verify(publicText, change.sig, header);
}

/** Throw ProtocolError (foreign_dot, bad_context, repeated_field) unless the change is well formed. */
export function checkChange(change) {
  // Like sync/envelopes.py, this runs after schema validation: shapes are taken as given.
  const seen = new Set();
  for (const w of change.writes) {
    const [device, n] = w.dot;
    if (device !== change.device) {
      throw new ProtocolError('foreign_dot', "a write's dot must name the device that signs it");
    }
    if ((has(w.ctx, device) ? w.ctx[device] : 0) !== n - 1) {
      throw new ProtocolError('bad_context', "a write's context must hold its own device at n - 1");
    }
    if (Object.values(w.ctx).some((v) => v < 1)) {
      throw new ProtocolError('bad_context', 'context counters start at 1');
    }
    if (seen.has(w.field)) {
      throw new ProtocolError('repeated_field', 'a change writes each field at most once');
    }
    seen.add(w.field);
  }
}
