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

import {
  MAX_EPOCH, PURGE, ProtocolError, WRAP_TYPES, checkChange, unwrapKeys, verifyChange, verifyObject,
} from '../core/envelopes.js';
import { evaluate, selfCheck } from '../core/trust.js';

/** A pulled item signed by a device whose certificate does not (yet) chain to the root. */
class Untrusted extends Error {}

const KINDS = ['wrap', 'change', 'purge'];

/** A stable id for a pulled item, so one delivered twice is held or reported once. */
export function itemId(kind, item) {
  return [kind, item?.record ?? '', item?.device ?? item?.sender ?? '', item?.sig ?? ''].join(':');
}

function signerKey(ctx, device) {
  if (device === ctx.device) return ctx.signPublic;
  if (!Object.prototype.hasOwnProperty.call(ctx.trusted, device)) throw new Untrusted();
  return ctx.directory.get(device).sign_key;
}

async function checkWrap(ctx, wrap) {
  if (!WRAP_TYPES.includes(wrap.type) || wrap.workspace !== ctx.workspace || wrap.recipient !== ctx.device) {
    throw new ProtocolError('bad_wrap', 'a wrap for another device or workspace');
  }
  if (!(await verifyObject(signerKey(ctx, wrap.sender), wrap))) {
    throw new ProtocolError('bad_signature', "a key wrap's signature does not verify");
  }
  // Opening it proves it is addressed to this device's key; its key list is kept for the list.
  const key = ctx.ecdhKey ? await unwrapKeys(wrap, ctx.ecdhKey) : null;
  return { record: wrap.record, wrap, key };
}

async function checkChangeItem(ctx, change) {
  if (change.workspace !== ctx.workspace || !Array.isArray(change.writes)) {
    throw new ProtocolError('bad_change', 'a change from another workspace');
  }
  checkChange(change);
  if (Object.prototype.hasOwnProperty.call(change, 'e')
    && !(Number.isInteger(change.e) && change.e >= 0 && change.e <= MAX_EPOCH)) {
    throw new ProtocolError('bad_change', `a change's key epoch is not an integer of 0 to ${MAX_EPOCH}`);
  }
  if (!(await verifyChange(signerKey(ctx, change.device), change))) {
    throw new ProtocolError('bad_signature', "a change's signature does not verify");
  }
  return change;
}

async function checkPurge(ctx, order) {
  if (order.type !== PURGE || order.workspace !== ctx.workspace) {
    throw new ProtocolError('bad_purge', 'a purge order for another workspace');
  }
  const key = signerKey(ctx, order.device);
  const role = order.device === ctx.device ? ctx.role : ctx.trusted[order.device];
  if (role !== 'coordinator') throw new ProtocolError('bad_purge', 'only a coordinator may purge a record');
  if (!(await verifyObject(key, order))) {
    throw new ProtocolError('bad_signature', "a purge order's signature does not verify");
  }
  return order.record;
}

const CHECKS = { wrap: checkWrap, change: checkChangeItem, purge: checkPurge };

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
 * directory (Map id → entry), trusted ({id: role}), quarantine ([{id, kind, item}])}.
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
  for (const { id, kind, item, held } of items) {
    try {
      const ok = await CHECKS[kind](ctx, item);
      if (kind === 'wrap') {
        out.wraps.push({ record: ok.record, wrap: ok.wrap });
        if (ok.key) out.keys.set(ok.wrap.sig, ok.key); // opened, judged by records.js against the record's kc
      } else if (kind === 'change') {
        out.changes.push(ok);
      } else {
        out.purges.push(ok);
      }
      if (held) out.released.push(id);
    } catch (err) {
      if (err instanceof Untrusted) {
        if (!held) out.quarantine.push({ id, kind, item });
        continue;
      }
      if (held) out.released.push(id);
      out.problems.push({ id, kind, record: typeof item?.record === 'string' ? item.record : null,
        device: String(item?.device ?? item?.sender ?? ''),
        code: err instanceof ProtocolError ? err.code : 'malformed', at });
    }
  }
  return out;
}
