/**
 * The names devices give themselves, as this device can read them: from the records it trusts
 * (device-names.js latestNames) and, for a device not verified yet, from what it sent that is
 * held back (sync/verify.js quarantine). A coordinator needs exactly that name before certifying:
 * "Ales · Pixel wants to join". Such a name is read in memory only, never stored, and shown as
 * an *unverified name*: the device's key signed it, but nobody has yet checked that the key is
 * the phone's.
 *
 * Reading a held-back name: a wrap addressed to this device from the device in question, whose
 * signature verifies under the key its directory entry shows (with a key-binding statement that
 * matches), opened with this device's ECDH key; the device's own changes of that record that
 * commit to one of the wrap's keys and whose signature verifies; their `kind` value must be the
 * registry's name kind. Nothing else of a held-back record is decrypted.
 */

import { bindingMatches } from './core/binding.js';
import { keyCommitment, openValue, unwrapKeys, verifyChange, verifyObject } from './core/envelopes.js';
import { fid, fieldIdKeyFrom } from './core/field-ids.js';
import { NAME_FIELD, NAME_KIND, cleanName, deviceLabel, latestNames } from './device-names.js';

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj ?? {}, key);

const PARALLEL = 8; // held-back records opened at once (WebCrypto works beside the page)

// One held-back record's name: {device, name, t, record} or null. First a look at its kind alone
// (nothing is kept from it): most held-back records are reports, and those cost one unwrap and one
// decryption. Only a name record is checked in full: the sender's binding (once per device, in
// `bound`), the wrap's signature, each change's signature, and its kind and name read again from
// the changes that verify.
async function readHeld(wrap, changes, ctx, bound) {
  const entry = ctx.directory.find((d) => d.id === wrap.sender);
  if (!entry || entry.status === 'revoked' || wrap.workspace !== ctx.workspace
    || wrap.recipient !== ctx.device) return null;
  let chain;
  try {
    chain = await unwrapKeys(wrap, ctx.ecdhKey);
  } catch {
    return null;
  }
  try {
    const commits = await Promise.all(chain.map((k) => keyCommitment(k)));
    const fidKey = await fieldIdKeyFrom(chain[0], ctx.workspace, wrap.record);
    const ids = { kind: await fid(fidKey, 'kind'), name: await fid(fidKey, NAME_FIELD) };
    const wanted = (field) => (field === ids.kind || field === 'kind' ? 'kind'
      : field === ids.name || field === NAME_FIELD ? 'name' : null);
    const own = changes.filter((c) => c.device === wrap.sender && commits.includes(c.kc));
    const open = async (change, which) => {
      const out = [];
      for (const w of change.writes ?? []) {
        if (!('ct' in w) || !which.includes(wanted(w.field))) continue;
        const opened = await openValue(chain[commits.indexOf(change.kc)], fidKey, ctx.workspace, wrap.record, w.field,
          w.dot, w.nonce, w.ct, has(change, 'e') ? change.e : 0).catch(() => null);
        if (opened) out.push(opened);
      }
      return out;
    };
    let looks = false;
    for (const change of own) {
      if ((await open(change, ['kind'])).some((v) => v.name === 'kind' && v.value === NAME_KIND)) looks = true;
    }
    if (!looks) return null;
    if (!bound.has(entry.id)) bound.set(entry.id, await bindingMatches(entry.binding, entry, ctx.workspace));
    if (!bound.get(entry.id) || !(await verifyObject(entry.sign_key, wrap))) return null;
    let kind = null;
    let name = null;
    for (const change of own) {
      if (!(await verifyChange(entry.sign_key, change).catch(() => false))) continue;
      for (const opened of await open(change, ['kind', 'name'])) {
        if (opened.name === 'kind') kind = opened.value;
        if (opened.name === NAME_FIELD && (!name || opened.t > name.t)) name = { value: opened.value, t: opened.t };
      }
    }
    const text = kind === NAME_KIND && name ? cleanName(name.value) : '';
    return text ? { device: wrap.sender, name: text, t: name.t, record: wrap.record } : null;
  } finally {
    for (const k of chain) k.fill(0);
  }
}

/**
 * Names read from held-back items: {names: Map device → {name, t, record}, records: Set of the
 * held-back record ids that only name a device}. `quarantine`: [{kind, item}]; `ctx`: {workspace,
 * device (this one), ecdhKey, directory ([entries]), trusted ({id: role})}; `cache` (a Map) keeps
 * what was read, so each held-back record is opened once while the app is unlocked.
 */
export async function heldNames(quarantine, ctx, cache = new Map()) {
  const byRecord = new Map();
  const at = (record) => {
    if (!byRecord.has(record)) byRecord.set(record, { wraps: [], changes: [] });
    return byRecord.get(record);
  };
  for (const q of quarantine ?? []) {
    const item = q?.item;
    if (typeof item?.record !== 'string') continue;
    if (q.kind === 'wrap' && item.recipient === ctx.device && !has(ctx.trusted, item.sender)) {
      at(item.record).wraps.push(item);
    }
    if (q.kind === 'change' && !has(ctx.trusted, item.device)) at(item.record).changes.push(item);
  }
  const names = new Map();
  const records = new Set();
  const bound = new Map();
  const jobs = [];
  for (const [record, { wraps, changes }] of byRecord) {
    for (const wrap of wraps) {
      const entry = ctx.directory.find((d) => d.id === wrap.sender);
      const key = [wrap.sig, entry?.sign_key ?? '', entry?.binding?.sig ?? '', ...changes.map((c) => c.sig).sort()]
        .join('|');
      jobs.push({ record, key, run: () => readHeld(wrap, changes, ctx, bound).catch(() => null) });
    }
  }
  const todo = jobs.filter((j) => !cache.has(j.key));
  for (let i = 0; i < todo.length; i += PARALLEL) {
    const batch = todo.slice(i, i + PARALLEL);
    const found = await Promise.all(batch.map((j) => j.run()));
    batch.forEach((j, n) => cache.set(j.key, found[n]));
  }
  for (const { record, key } of jobs) {
    const found = cache.get(key);
    if (!found) continue;
    records.add(record);
    const best = names.get(found.device);
    if (!best || found.t > best.t || (found.t === best.t && found.record > best.record)) {
      names.set(found.device, found);
    }
  }
  return { names, records };
}

const BOUND = new WeakMap(); // a session's records → its DeviceNames: gone with them at lock

/**
 * The names of one unlocked session's devices. `held()` resolves to the quarantine. `label(id)`
 * names a device at once from what is known; `refresh()` reads the held-back names again.
 */
export class DeviceNames {
  /** The names of `session` (one per unlocked records object). */
  static of(session, held) {
    const records = session.records;
    if (!records) return new DeviceNames(session, held);
    if (!BOUND.has(records)) BOUND.set(records, new DeviceNames(session, held));
    const names = BOUND.get(records);
    names.held = held ?? names.held;
    return names;
  }

  constructor(session, held) {
    this.session = session;
    this.held = held;
    this.cache = new Map();
    this.unverified = new Map();
    this.nameRecords = new Set();
  }

  /** Verified names: Map device → {name, t, record}, from the records this device reads. */
  verified() {
    // Worked out once per task: drawing a screen names many devices, and the records may be many.
    if (!this.memo) {
      this.memo = latestNames(this.session.records?.list() ?? []);
      queueMicrotask(() => { this.memo = null; });
    }
    return this.memo;
  }

  /** Read the held-back names again (a coordinator's device; others hold nothing to read). */
  async refresh() {
    const { session } = this;
    if (!session.identity || !this.held) return this;
    const quarantine = await this.held().catch(() => []);
    const { names, records } = await heldNames(quarantine, { workspace: session.device.workspace,
      device: session.device.device, ecdhKey: session.identity.ecdhKey, directory: session.directory ?? [],
      trusted: session.trusted ?? {} }, this.cache);
    this.unverified = names;
    this.nameRecords = records;
    return this;
  }

  /** {name, unverified} of a device: its verified name, else the held-back one, else nulls. */
  nameOf(id, verified = this.verified()) {
    return { name: verified.get(id) ?? null, unverified: verified.has(id) ? null : this.unverified.get(id) ?? null };
  }

  /** How a device is named to a person (device-names.js deviceLabel). */
  label(t, id, verified = this.verified()) {
    const { session } = this;
    const entry = (session.directory ?? []).find((d) => d.id === id);
    const role = id === session.device?.device ? session.device.role : entry?.role ?? null;
    return deviceLabel(t, id, { role, ...this.nameOf(id, verified) });
  }
}

/**
 * Name this device (`records`: the session's Records): its newest name record gets the new name,
 * or, if it has none, a new one is saved (wrapped, as every new record, to this device and the
 * coordinators it trusts). Resolves to the record id, or null when the name is empty.
 */
export async function saveName(records, device, name) {
  const text = cleanName(name);
  if (!text || !NAME_KIND) return null;
  const own = latestNames(records.list()).get(device);
  const current = own && await records.read(own.record);
  if (current) {
    if (current.values[NAME_FIELD] === text) return own.record;
    return records.save({ id: own.record, values: { ...current.values, [NAME_FIELD]: text }, before: current.values,
      seen: current.contexts });
  }
  return records.save({ values: { kind: NAME_KIND, [NAME_FIELD]: text } });
}
