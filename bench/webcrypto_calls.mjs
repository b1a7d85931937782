// How many WebCrypto calls a coordinator's catch-up makes per record, by operation (issue 16).
//
//   node bench/webcrypto_calls.mjs [N]      (200 records by default)
//
// A volunteer saves N incidents of 8 fields (each first change padded to 20 writes) on the
// in-memory fake server of the node tests; a coordinator then pulls and verifies them (the sync
// engine: signatures, wraps) and opens them for the list (records.js: commitments, field ids,
// values, the sealed cache entry). Every crypto.subtle call is counted. Node's WebCrypto is not
// the browser's, so the time column only says where calls pile up; bench/catch_up.py measures
// the real thing in Chromium. Prints a table; asserts nothing.
import { world } from '../tests/js/sync-world.mjs';

const N = Number(process.argv[2] ?? 200);
const w = await world();
await w.phone('coordinator', { root: true });
const coordinator = await w.phone('coordinator');
const volunteer = await w.phone('volunteer');
await volunteer.sync();
for (let i = 0; i < N; i++) {
  await volunteer.records.save({ values: { kind: 'incident', category: 'bank', country: 'PL', date: '2025-01-02',
    city: `City ${i}`, description: 'x'.repeat(600) + i, place: 'bank', tags: 'a, b' } });
}
await volunteer.sync();

const subtle = globalThis.crypto.subtle;
const counts = {};
const times = {};
for (const method of ['decrypt', 'encrypt', 'sign', 'verify', 'digest', 'importKey', 'deriveBits', 'deriveKey']) {
  const original = subtle[method].bind(subtle);
  subtle[method] = async (...args) => {
    const alg = method === 'importKey' ? args[2] : args[0];
    const key = `${method} ${typeof alg === 'string' ? alg : alg?.name}`;
    counts[key] = (counts[key] ?? 0) + 1;
    const t0 = performance.now();
    try {
      return await original(...args);
    } finally {
      times[key] = (times[key] ?? 0) + performance.now() - t0;
    }
  };
}
const t0 = performance.now();
const result = await coordinator.engine.sync();
const t1 = performance.now();
const pulled = { ...counts };
await coordinator.records.reload({ changed: [...result.changed], keys: result.keys });
const t2 = performance.now();

const row = (cells) => console.log(cells.map((c, i) => String(c)[i ? 'padStart' : 'padEnd'](i ? 14 : 22)).join(''));
console.log(`${coordinator.records.list().length} records: pull and verify ${(t1 - t0).toFixed(0)} ms, `
  + `open for the list ${(t2 - t1).toFixed(0)} ms (node)\n`);
row(['WebCrypto call', 'pull/record', 'open/record', 'ms (sum)']);
let total = 0;
for (const key of Object.keys(counts).sort()) {
  const a = (pulled[key] ?? 0) / N;
  const b = (counts[key] - (pulled[key] ?? 0)) / N;
  total += a + b;
  row([key, a.toFixed(2), b.toFixed(2), times[key].toFixed(0)]);
}
console.log(`\n${total.toFixed(1)} calls per record`);
