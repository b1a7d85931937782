/** Signed objects: a signature over the canonical JSON of the object without its `sig`. */

import { canonicalBytes } from './canonical.js';
import { sign, verify } from './keys.js';

/** The object without its `sig` member: what a signature covers. */
export function unsigned(obj) {
  const { sig, ...body } = obj;
  return body;
}

/** Return `obj` with `sig`: the signature of its canonical JSON without `sig`. */
export async function signObject(privateKey, obj) {
  const body = unsigned(obj);
  return { ...body, sig: await sign(privateKey, canonicalBytes(body)) };
}

/** True when `obj.sig` signs the canonical JSON of `obj` without `sig`; false, never a throw. */
export async function verifyObject(publicText, obj) {
  let bytes;
  try {
    bytes = canonicalBytes(unsigned(obj));
  } catch {
    // Python lets CanonicalJSONError escape here; a forged object is simply not verified.
    return false;
  }
  return typeof obj.sig === 'string' && verify(publicText, obj.sig, bytes);
}
