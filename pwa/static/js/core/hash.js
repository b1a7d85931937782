/**
 * SHA-256, HMAC-SHA256 and HKDF-SHA256 computed in JavaScript (noble-hashes, vendored and
 * audited), synchronously, on the thread that asks.
 *
 * Why not WebCrypto: these run dozens of times per pulled record (a hash per write for the
 * signature, a field id per value, a key commitment per key) on inputs of a few dozen bytes. Each
 * WebCrypto call is a round trip to the browser's crypto threads, shared by the page and every
 * worker, so a catch-up of thousands of records spent its time waiting on those hops while its
 * workers stood idle; computed here, the work runs in the crypto workers themselves, side by
 * side. Encryption, signatures and ECDH stay with WebCrypto (non-extractable keys, constant-time
 * native code). The results are the same bytes (tests/js/hash.test.mjs against WebCrypto; the
 * shared vectors).
 */

import { hkdf } from '../../vendor/noble-hashes/hkdf.js';
import { hmac } from '../../vendor/noble-hashes/hmac.js';
import { sha256 as nobleSha256 } from '../../vendor/noble-hashes/sha2.js';

// A catch-up hashes tens of thousands of short messages (a write's nonce and ciphertext each).
// A fresh hash object for each allocates its block buffer and views, a fifth to a third of the
// time and garbage besides (node bench/hash_reuse.mjs): one object, reset from an untouched one,
// serves every call.
// Safe to share: hashing here is synchronous, so no two calls on this thread interleave.
// `_cloneInto(to)` is noble-hashes' own way to copy a state into an existing object (pinned at
// vendor/noble-hashes/VERSION; tests/js/hash.test.mjs checks the bytes against WebCrypto).
const EMPTY = nobleSha256.create();
const SCRATCH = nobleSha256.create();

/** SHA-256 of the concatenation of `parts` (Uint8Arrays), without concatenating them: 32 bytes. */
export function sha256Parts(...parts) {
  const hash = EMPTY._cloneInto(SCRATCH);
  for (const part of parts) hash.update(part);
  return hash.digest(); // a fresh copy of the result; the working object is wiped (destroy)
}

/** HMAC-SHA256 of `message` under `key` (both Uint8Array): 32 bytes. */
export const hmacSha256 = (key, message) => hmac(nobleSha256, key, message);

/**
 * A reusable HMAC-SHA256 key: `mac(message)` gives the tag without hashing the key again for
 * every message (a record's field ids are many tags under one key). `destroy()` clears its state.
 */
export function hmacKey(key) {
  const keyed = hmac.create(nobleSha256, key);
  // Each tag is computed in one working copy, reset from the keyed state (as sha256Parts does).
  const work = keyed.clone();
  return {
    mac: (message) => keyed._cloneInto(work).update(message).digest(), // the copy is wiped after
    destroy: () => {
      keyed.destroy();
      work.destroy();
    },
  };
}

/** HKDF-SHA256 (RFC 5869) of `ikm` with `salt` and `info`: `length` bytes. */
export const hkdfSha256 = (ikm, salt, info, length) => hkdf(nobleSha256, ikm, salt, info, length);
