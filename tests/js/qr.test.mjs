// The invite QR code: the vendored generator (uqr) gives a well-formed symbol for an invite link,
// and ui/qr.js draws exactly its dark modules.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { encode } from '../../pwa/static/vendor/uqr/uqr.js';

// ui/qr.js builds DOM; its path maker is pure, so it is imported without a document.
const { modulePath } = await import('../../pwa/static/js/ui/qr.js');

const LINK = 'https://zapis.example.org/join#c=7dXu3sbeNMruOgrs_n9WGEQghMa9jfM0n09EGDOhTFE'
  + '&w=c912a0b4-0b20-4a06-8033-8b75ea4ff210&f=Ah3um17597fN6WsEofoT95o3_EVCPSPloZr6GCHsHFk';

function finderAt(rows, x0, y0) {
  // A finder pattern: a dark 7x7 ring, a light ring inside it, a dark 3x3 centre.
  for (let y = 0; y < 7; y++) {
    for (let x = 0; x < 7; x++) {
      const ring = Math.max(Math.abs(x - 3), Math.abs(y - 3));
      if (rows[y0 + y][x0 + x] !== (ring !== 2)) return false;
    }
  }
  return true;
}

test('an invite link becomes a QR symbol with its quiet zone and three finder patterns', () => {
  const { data, size, version } = encode(LINK, { ecc: 'M', border: 4 });
  assert.equal(size, version * 4 + 17 + 8);
  assert.ok(version <= 10, `version ${version} is too dense for a phone camera at arm's length`);
  assert.ok(data.every((row) => row.length === size));
  assert.ok(data.slice(0, 4).every((row) => row.every((m) => !m)), 'a light quiet zone');
  const far = size - 4 - 7;
  assert.ok(finderAt(data, 4, 4) && finderAt(data, far, 4) && finderAt(data, 4, far));
  assert.equal(finderAt(data, far, far), false);
});

test('the drawn path has one unit square per dark module, and nothing else', () => {
  const rows = [[true, false], [false, true]];
  assert.equal(modulePath(rows), 'M0 0h1v1h-1zM1 1h1v1h-1z');
  const { data } = encode(LINK, { ecc: 'M', border: 4 });
  const dark = data.flat().filter(Boolean).length;
  assert.equal(modulePath(data).split('M').length - 1, dark);
});
