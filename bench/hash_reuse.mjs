// What a fresh hash object per call costs in the catch-up's hashing (issue 16), side by side:
// a write's hash (SHA-256 over its nonce and ciphertext: 20 writes a new record) and a field id
// (HMAC-SHA256 under a record's field-id key: about 20 a record), each computed the way
// noble-hashes' one-shot calls do it (a new object, its buffers and views, every time) and the
// way core/hash.js does it (one working object reset from an untouched one).
//
//   node bench/hash_reuse.mjs [ROUNDS]      (5,000 by default: 100,000 hashes of each kind, in ten turns)
//
// Prints a table; asserts nothing (tests/js/hash.test.mjs checks the bytes).
import { hmac } from '../pwa/static/vendor/noble-hashes/hmac.js';
import { sha256 as nobleSha256 } from '../pwa/static/vendor/noble-hashes/sha2.js';
import { b64decode, b64encode } from '../pwa/static/js/core/b64.js';
import { hmacKey, sha256Parts } from '../pwa/static/js/core/hash.js';

const ROUNDS = Number(process.argv[2] ?? 5000);
const random = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));
// A new record's writes: 8 values of about 150 bytes and 12 padding values of about 60.
const writes = Array.from({ length: 20 }, (_, i) => ({ nonce: b64encode(random(12)), ct: b64encode(random(i < 8 ? 150 : 60)) }));
const names = Array.from({ length: 20 }, (_, i) => new TextEncoder().encode(i < 12 ? `_pad_${i + 1}` : `field_${i}`));
const key = random(32);

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const keyed = hmac.create(nobleSha256, key);
const reusable = hmacKey(key);
const ways = {
  'write hash': {
    'new object a call': (i) => b64encode(nobleSha256(concat(b64decode(writes[i].nonce, 12), b64decode(writes[i].ct)))),
    'one reused object': (i) => b64encode(sha256Parts(b64decode(writes[i].nonce, 12), b64decode(writes[i].ct))),
  },
  'field id (HMAC)': {
    'new object a call': (i) => keyed.clone().update(names[i]).digest(),
    'one reused object': (i) => reusable.mac(names[i]),
  },
};

// Each way is timed in turns, ten times, and the median of its turns is printed: the two ways
// see the same machine, the same JIT and the same garbage collector.
const TURNS = 10;
function turn(fn) {
  const start = performance.now();
  for (let r = 0; r < ROUNDS / TURNS; r++) for (let i = 0; i < 20; i++) fn(i);
  return ((performance.now() - start) * 1000) / ((ROUNDS / TURNS) * 20);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`| what | new object a call, µs | one reused object, µs | ratio |`);
console.log(`| --- | ---: | ---: | ---: |`);
for (const [what, pair] of Object.entries(ways)) {
  const fns = Object.values(pair);
  for (const fn of fns) for (let r = 0; r < 200; r++) for (let i = 0; i < 20; i++) fn(i); // warm up
  const times = fns.map(() => []);
  for (let t = 0; t < TURNS; t++) fns.forEach((fn, k) => times[k].push(turn(fn)));
  const [a, b] = times.map(median);
  console.log(`| ${what} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(a / b).toFixed(2)}× |`);
}
