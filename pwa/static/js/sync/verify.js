/**
 * Verifying a pulled page before anything of it is stored (the twin of Replica.apply_pull in
 * sync/replica.py). The server is not trusted: every change's signature is checked against a
 * device whose certificate chains to the workspace fingerprint from the invite link, every key
 * wrap's too (and it must open with this device's key), and every purge order must come from a
 * trusted coordinator. Items signed by a device not (yet) trusted are held back in quarantine and
 * tried again when the directory changes; items that fail are problems, never shown as genuine.
 *
 * All the crypto happens here, outside any IndexedDB transaction (style §12); the store then
 * applies the verified result in one transaction.
 */

import { openBatch } from './open-batch.js';
import { evaluate, selfCheck } from '../core/trust.js';

const KINDS = ['wrap', 'change', 'purge'];

/** A stable id for a pulled item, so one delivered twice is held or reported once. */
export function itemId(kind, item) {
  return [kind, item?.record ?? '', item?.device ?? item?.sender ?? '', item?.sig ?? ''].join(':');
}

/**
 * Trust in a directory (a Map) for this device: {trusted, removed (ids revoked by a signed order
 * or flagged by the server: never wrap to them), kept (every valid revocation order seen, to keep
 * for ever), alarm (what is wrong with this device's own entry: core/trust.js selfCheck)}.
 * `ctx`: {workspace, fingerprint, device, role, signPublic, ecdhPublic, kept}.
 */
export async function assess(ctx, directory) {
  const kept = ctx.kept ?? [];
  const result = await evaluate([...directory.values()], ctx.workspace, ctx.fingerprint, kept);
  const known = new Set(kept.map((o) => o.sig));
  const all = [...kept, ...result.orders.filter((o) => !known.has(o.sig))];
  const removed = new Set(result.revoked);
  for (const [id, entry] of directory) if (entry?.status === 'revoked') removed.add(id);
  const alarm = ctx.ecdhPublic ? await selfCheck(directory.get(ctx.device), ctx.workspace,
    { device: ctx.device, role: ctx.role, sign_key: ctx.signPublic, ecdh_key: ctx.ecdhPublic }) : [];
  return { trusted: result.trusted, removed: [...removed].sort(), kept: all, alarm,
    selfRevoked: result.revoked.includes(ctx.device) };
}

/**
 * The directory after `devices` (changed entries) arrive: {directory, trusted, changed, revoked,
 * removed, kept, alarm}, where `changed` says whether trust itself changed and `revoked` whether
 * this device was removed.
 */
export async function updateDirectory(ctx, devices) {
  const directory = new Map(ctx.directory);
  for (const entry of devices) directory.set(entry.id, entry);
  const a = await assess(ctx, directory);
  const before = Object.entries(ctx.trusted).sort().join();
  const changed = Object.entries(a.trusted).sort().join() !== before;
  const revoked = directory.get(ctx.device)?.status === 'revoked' || a.selfRevoked;
  return { directory, trusted: a.trusted, changed, revoked, removed: a.removed, kept: a.kept, alarm: a.alarm };
}

/**
 * Verify one pulled page. `ctx`: {workspace, device, role, fingerprint, signPublic, ecdhKey,
 * directory (Map id → entry), trusted ({id: role}), quarantine ([{id, kind, item}]), open (items,
 * ctx) → answers: sync/open-batch.js's openBatch by default, or a crypto pool's}.
 * Resolves to what the store applies: {device (this one), devices, directory, trusted, trustChanged, revoked, wraps,
 * keys, changes, purges, quarantine, released, problems}.
 */
export async function verifyPage(page, ctx, at = Date.now()) {
  const out = { device: ctx.device, devices: page.devices ?? [], directory: ctx.directory, trusted: ctx.trusted,
    trustChanged: false,
    revoked: false, wraps: [], keys: new Map(), changes: [], purges: [], quarantine: [], released: [], problems: [] };
  if (out.devices.length) {
    const next = await updateDirectory(ctx, out.devices);
    Object.assign(out, { directory: next.directory, trusted: next.trusted, trustChanged: next.changed,
      revoked: next.revoked, removed: next.removed, kept: next.kept, alarm: next.alarm });
    ctx = { ...ctx, directory: next.directory, trusted: next.trusted, kept: next.kept };
  }
  const items = [];
  // Held-back items are tried again only when trust changed: nothing else could free them.
  if (out.trustChanged) for (const q of ctx.quarantine ?? []) items.push({ ...q, held: true });
  for (const kind of KINDS) {
    for (const item of page[{ wrap: 'wraps', change: 'changes', purge: 'tombstones' }[kind]] ?? []) {
      items.push({ id: itemId(kind, item), kind, item });
    }
  }
  // Signatures and unwraps: on the page, or in the crypto workers when the engine has them
  // (sync/crypto-pool.js); both run sync/open-batch.js and answer item by item, in order.
  const open = ctx.open ?? openBatch;
  const answers = await open(items.map(({ kind, item }) => ({ kind, item })), ctx);
  items.forEach(({ id, kind, item, held }, i) => {
    const answer = answers[i];
    if (answer.untrusted) {
      if (!held) out.quarantine.push({ id, kind, item });
      return;
    }
    if (held) out.released.push(id);
    if (answer.ok) {
      if (kind === 'wrap') {
        out.wraps.push({ record: item.record, wrap: item });
        if (answer.key) out.keys.set(item.sig, answer.key); // opened, judged by records.js against the record's kc
      } else if (kind === 'change') {
        out.changes.push(item);
      } else {
        out.purges.push(item.record);
      }
      return;
    }
    out.problems.push({ id, kind, record: typeof item?.record === 'string' ? item.record : null,
      device: String(item?.device ?? item?.sender ?? ''), code: answer.code, at });
  });
  return out;
}
