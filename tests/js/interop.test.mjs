// Python checks what JavaScript made: random signatures, nonces and ephemeral keys that no fixed
// vector can pin. Skipped when the project's virtualenv is missing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { b64encode } from '../../pwa/static/js/core/b64.js';
import { canonicalJSON } from '../../pwa/static/js/core/canonical.js';
import {
  encryptField, encryptValue, makeCertificate, newRecordKey, signChange, wrapKey,
} from '../../pwa/static/js/core/envelopes.js';
import { fid, fieldIdKeyFrom } from '../../pwa/static/js/core/field-ids.js';
import { importPrivatePkcs8 } from '../../pwa/static/js/core/keys.js';
import { prng, vectors } from './helpers.mjs';

const ROOT_DIR = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON = `${ROOT_DIR}.venv/bin/python`;
const skip = existsSync(PYTHON) ? false : 'no .venv/bin/python';

const CHECK = `
import json, sys
from sync.b64 import b64decode, b64encode
from sync.canonical import canonical_json
from sync.envelopes import decrypt_field, decrypt_value, unwrap_key, verify_change, verify_object
from sync.field_ids import fid, field_id_key_from
from sync import keys
job = json.load(sys.stdin)
ecdh = keys.private_from_pkcs8(b64decode(job["recipient_ecdh_pkcs8"]))
key = b64decode(job["record_key"])
print(json.dumps({
    "canonical": [canonical_json(json.loads(text)) == text for text in job["canonical"]],
    "cert": verify_object(job["signer"], job["cert"]),
    "change": verify_change(job["signer"], job["change"]),
    "fields": [list(decrypt_field(key, f["workspace"], f["record"], f["field"], f["dot"], f["nonce"],
                                  f["ct"])) for f in job["fields"]],
    "unwrapped": [b64encode(unwrap_key(w, ecdh)) for w in job["wraps"]],
    "ids": [fid(field_id_key_from(key, v["workspace"], v["record"]), v["name"]) for v in job["values"]],
    "values": [list(decrypt_value(key, field_id_key_from(key, v["workspace"], v["record"]), v["workspace"],
                                  v["record"], v["field"], v["dot"], v["nonce"], v["ct"], v["epoch"]))
               for v in job["values"]],
}))
`;

const CHARS = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\u0000', '\u001f', '\u007f', 'é', 'Ў', '\u2028',
  '\ue000', '\uffff', '😀', '𝄞', '\ud83d\ude00'];

function randomValue(rand, depth = 0) {
  const kind = rand.int(depth > 3 ? 4 : 6);
  const text = () => Array.from({ length: rand.int(6) }, () => rand.pick(CHARS)).join('');
  if (kind === 0) return rand.pick([null, true, false]);
  if (kind === 1) return rand.pick([0, -1, 1, 2 ** 53 - 1, -(2 ** 53 - 1), rand.int(1e9) - 5e8]);
  if (kind <= 3) return text();
  if (kind === 4) return Array.from({ length: rand.int(4) }, () => randomValue(rand, depth + 1));
  const member = () => [text(), randomValue(rand, depth + 1)];
  return Object.fromEntries(Array.from({ length: rand.int(5) }, member));
}

test('Python accepts what JavaScript signs, encrypts, wraps and serialises', { skip }, async () => {
  const { workspace, record, devices, wraps: [wrapVector] } = vectors('envelopes');
  const [root, coord, vol] = devices;
  const volKey = await importPrivatePkcs8(vol.sign_pkcs8, 'sign');
  const rand = prng(2024);
  const recordKey = newRecordKey();
  const fields = [];
  for (let i = 0; i < 6; i++) {
    const value = randomValue(rand);
    const dot = [vol.id, i + 1];
    fields.push({ workspace, record, field: `f${i}`, dot, value, t: 1767225600000 + i,
      ...await encryptField(recordKey, workspace, record, `f${i}`, dot, value, 1767225600000 + i) });
  }
  // Protocol-3 values under field ids: random names of every length, in random records and epochs.
  const values = [];
  for (let i = 0; i < 8; i++) {
    const rec = crypto.randomUUID();
    const fidKey = await fieldIdKeyFrom(recordKey, workspace, rec);
    const name = '_abcdefghijklmnopqrstuvwxyz0123456789'.slice(0, 1 + rand.int(26)).split('')
      .map(() => rand.pick([...'abcxyz_019'])).join('').replace(/^[0-9]/, 'a').slice(0, 40);
    const field = await fid(fidKey, name);
    const value = randomValue(rand);
    const dot = [vol.id, i + 1];
    const epoch = rand.int(3);
    values.push({ workspace, record: rec, name, field, dot, epoch, value, t: i,
      ...await encryptValue(recordKey, workspace, rec, field, name, dot, value, i, epoch) });
  }
  const writes = fields.slice(0, 3).map((f) => ({ field: f.field, dot: f.dot,
    ctx: f.dot[1] > 1 ? { [vol.id]: f.dot[1] - 1 } : {}, nonce: f.nonce, ct: f.ct }));
  const job = {
    signer: vol.sign_key,
    cert: await makeCertificate(volKey, { workspace, device: root.id, role: 'reporter',
      sign_key: root.sign_key, ecdh_key: root.ecdh_key, issuer: vol.id }),
    change: await signChange(volKey, { workspace, record, device: vol.id, writes }),
    record_key: b64encode(recordKey),
    recipient_ecdh_pkcs8: wrapVector.recipient_ecdh_pkcs8,
    fields,
    values,
    wraps: await Promise.all([0, 1, 2].map(() => wrapKey({ recordKey, workspace, record, sender: vol.id,
      senderKey: volKey, recipient: coord.id, recipientEcdh: coord.ecdh_key }))),
    canonical: Array.from({ length: 300 }, () => canonicalJSON(randomValue(rand))),
  };
  const input = JSON.stringify(job);
  const run = spawnSync(PYTHON, ['-c', CHECK], { cwd: ROOT_DIR, input, encoding: 'utf-8' });
  assert.equal(run.status, 0, run.stderr);
  const got = JSON.parse(run.stdout);
  assert.deepEqual(got.canonical, job.canonical.map(() => true));
  assert.equal(got.cert, true);
  assert.equal(got.change, true);
  assert.deepEqual(got.fields, fields.map((f) => [f.value, f.t]));
  assert.deepEqual(got.unwrapped, job.wraps.map(() => b64encode(recordKey)));
  assert.deepEqual(got.ids, values.map((v) => v.field));
  assert.deepEqual(got.values, values.map((v) => [v.name, v.value, v.t]));
});
