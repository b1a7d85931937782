/**
 * Warming a crypto worker up: as soon as it starts (on the lock screen, sync-controller.js), a
 * worker makes one record of its own with throwaway keys and verifies and opens it a few dozen times
 * with the very code that will verify and open pulled ones (sync/open-batch.js,
 * sync/open-records.js). V8 runs new code slowly until it has seen it run: measured in
 * bench/catch_up.py (2,000 records, three runs each, workers started on the lock screen either
 * way), the first records were listed 1.06 s after Unlock with the warm-up against 1.38 s
 * without, the first page being what a person waits for.
 *
 * Nothing here touches this device's keys or records: the keys are generated for the warm-up and
 * dropped with it, the record is never stored or sent, and its answers are thrown away.
 */

import { encryptValue, keyCommitment, newRecordKey, signChange, wrapKeys } from '../core/envelopes.js';
import { fid, fieldIdKeyFrom, paddedFirst } from '../core/field-ids.js';
import { exportPublic, generateDeviceKeys } from '../core/keys.js';
import { applyChange } from '../store/local.js';
import { openBatch } from './open-batch.js';
import { openStates } from './open-records.js';

const WORKSPACE = 'warm-up';
const DEVICE = 'warm-up-device';
// What a realistic record holds (bench/benchlib.py incident_fields): 8 values, 1.2 KB in all.
const VALUES = { kind: 'incident', category: 'bank', country: 'PL', date: '2025-01-02', city: 'Warsaw',
  description: 'w'.repeat(600), place: 'bank', tags: 'warm, up' };

/** One signed record of this worker's own: {change, wrap, state, ctx (verification), plain (opening)}. */
async function sample() {
  const keys = await generateDeviceKeys();
  const [signPublic, ecdhPublic] = await Promise.all([exportPublic(keys.sign.publicKey),
    exportPublic(keys.ecdh.publicKey)]);
  const record = crypto.randomUUID();
  const k0 = newRecordKey();
  const fidKey = await fieldIdKeyFrom(k0, WORKSPACE, record);
  const writesFor = paddedFirst(VALUES);
  const t = Date.now();
  const writes = await Promise.all(Object.keys(writesFor).map(async (name) => {
    const field = await fid(fidKey, name);
    const dot = [DEVICE, 1];
    const { nonce, ct } = await encryptValue(k0, WORKSPACE, record, field, name, dot, writesFor[name], t, 0);
    return { field, dot, ctx: {}, nonce, ct };
  }));
  fidKey.destroy?.();
  writes.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  const kc = await keyCommitment(k0);
  const change = await signChange(keys.sign.privateKey, { workspace: WORKSPACE, record, device: DEVICE, kc, e: 0,
    writes });
  const wrap = await wrapKeys({ recordKeys: [k0], workspace: WORKSPACE, record, sender: DEVICE,
    senderKey: keys.sign.privateKey, recipient: DEVICE, recipientEcdh: ecdhPublic });
  k0.fill(0);
  const state = applyChange({ id: record, wrap, fields: {} }, change); // as the store keeps it
  const ctx = { workspace: WORKSPACE, device: DEVICE, role: 'coordinator', signPublic,
    ecdhKey: keys.ecdh.privateKey, directory: new Map(), trusted: {} };
  const plain = { workspace: WORKSPACE, device: DEVICE, trusted: {}, removed: [], ecdhKey: keys.ecdh.privateKey };
  return { change, wrap, state, ctx, plain, localKey: await crypto.subtle.generateKey({ name: 'AES-GCM',
    length: 256 }, false, ['encrypt', 'decrypt']) };
}

/**
 * Verify one throwaway record (its change and its wrap) `rounds` times and open it half as many
 * times, in batches as a page's are (`use`: the functions to run, sync/open-batch.js's and
 * sync/open-records.js's unless a test passes others). Resolves to true when every verification
 * and opening succeeded, which says the warm-up ran the real path, false when any step failed;
 * never rejects.
 */
export async function warmUp(rounds = 24, use = {}) {
  const { open = openBatch, openRecords = openStates } = use;
  try {
    const s = await sample();
    const items = [{ kind: 'wrap', item: s.wrap }, { kind: 'change', item: s.change }];
    let ok = true;
    for (let i = 0; i < rounds; i += 4) {
      const answers = await open([...items, ...items, ...items, ...items], s.ctx);
      const { answers: opened } = await openRecords([s.state, s.state], s.plain, s.localKey);
      ok &&= answers.every((a) => a.ok) && opened.every((o) => o.summary?.city === VALUES.city);
    }
    return ok;
  } catch {
    return false;
  }
}
