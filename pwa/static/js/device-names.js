/**
 * Device names a person can recognise ("Ales · Pixel"), and what a re-wrap for a new coordinator
 * has done. Pure: no DOM, no storage, no crypto.
 *
 * A device names itself with a record of the registry's kind that has `names_device` (the
 * `profile`: one field, `name`), encrypted and wrapped like every record, so only coordinators and
 * the device itself read it and the server never sees it (docs/design.md, "Device names"). The
 * name a device goes by is its newest such record's name; a device without one is named by its
 * role and the start of its id. A name read from a device not yet verified is shown as such: a
 * hostile phone may claim any name.
 */

import { REGISTRY } from './kinds.js';

/** The kind whose records name their author device, and the field holding the name. */
export const NAME_KIND = Object.keys(REGISTRY.kinds).find((k) => REGISTRY.kinds[k].names_device) ?? null;
export const NAME_FIELD = NAME_KIND ? REGISTRY.kinds[NAME_KIND].names_device : null;
/** The longest name kept (a `text` field's limit is longer; a name is a label). */
export const NAME_MAX = 60;
/** What joins the person's alias and the phone. */
export const JOIN = ' · ';

// Control characters, and the marks that reorder or hide text (bidirectional overrides and
// isolates, zero-width characters): a name could otherwise pass for another on the screen.
// eslint-disable-next-line no-control-regex
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** A name as it may be shown and stored: one line, no hidden marks, spaces folded, at most NAME_MAX. */
export function cleanName(text) {
  if (typeof text !== 'string') return '';
  const plain = text.replace(HIDDEN, ' ').replace(/\s+/g, ' ').trim();
  return [...plain].slice(0, NAME_MAX).join('').trim();
}

/** The alias and the phone as one name ("Ales · Pixel"); either may be empty. */
export function composeName(alias, phone) {
  return cleanName([cleanName(alias), cleanName(phone)].filter(Boolean).join(JOIN));
}

/**
 * A name for this phone from what the browser says of it: the model where the browser tells it
 * (Chromium's User-Agent Client Hints, `model`), else the kind of device from the user agent
 * ("iPhone", "iPad", "Android phone", "Mac"...), else ''. `ua`: navigator.userAgent; `hints`:
 * {model, platform, mobile} from navigator.userAgentData.
 */
export function suggestPhone(ua = '', hints = {}) {
  const model = cleanName(hints?.model ?? '');
  // A reduced user agent says "K" for every Android phone: not a model.
  if (model && model.length > 1) return model;
  const text = String(ua ?? '');
  if (/iPhone/.test(text)) return 'iPhone';
  if (/iPad/.test(text)) return 'iPad';
  const android = text.match(/Android [\d.]+; ([^;)]+?)(?: Build\/[^;)]*)?\)/);
  if (android && android[1].trim().length > 1 && !/^(K|wv)$/.test(android[1].trim())) return cleanName(android[1]);
  if (/Android/.test(text) || hints?.platform === 'Android') return /Mobile/.test(text) || hints?.mobile ? 'Android phone' : 'Android';
  const platform = hints?.platform || (/Windows/.test(text) ? 'Windows' : /Macintosh|Mac OS X/.test(text) ? 'Mac'
    : /CrOS/.test(text) ? 'Chromebook' : /Linux/.test(text) ? 'Linux' : '');
  return platform === 'macOS' ? 'Mac' : platform === 'Chrome OS' ? 'Chromebook' : cleanName(platform);
}

/**
 * The newest name of each device from decrypted summaries: Map device → {name, t, record}. Only
 * records of the name kind count, not deleted, with a name and an author (the device that wrote
 * the record's kind); the newest by last change, then by record id, wins.
 */
export function latestNames(summaries) {
  const out = new Map();
  if (!NAME_KIND) return out;
  for (const s of summaries ?? []) {
    if (s?.kind !== NAME_KIND || s.deleted || typeof s.author !== 'string') continue;
    const name = cleanName(s[NAME_FIELD]);
    if (!name) continue;
    const t = Number.isFinite(s.t) ? s.t : 0;
    const best = out.get(s.author);
    if (!best || t > best.t || (t === best.t && s.id > best.record)) out.set(s.author, { name, t, record: s.id });
  }
  return out;
}

/** This device's own newest name record: {name, t, record} or null. */
export function ownName(summaries, device) {
  return latestNames(summaries).get(device) ?? null;
}

/**
 * How a device is named to a person. `entry`: {role} or null; `name`: {name} read from a record
 * this device trusts (a verified device's), `unverified`: {name} read from a device not verified
 * yet. Falls back to the role and the first 8 characters of the id.
 */
export function deviceLabel(t, id, { role = null, name = null, unverified = null } = {}) {
  if (name?.name) return name.name;
  const short = `${role ? t(`role.${role}`) : t('detail.device')} · ${String(id).slice(0, 8)}`;
  if (unverified?.name) return t('devices.name_unverified', { name: unverified.name, device: short });
  return short;
}

/**
 * What a re-wrap for new coordinators has done, per target: [{id, done, total}] for each of
 * `recipients` ([{id}], the trusted coordinators this device wraps record keys to) other than
 * this device, `readable` the ids of the records this device can read and `progress` the stored
 * {coordinator: [record ids wrapped for it]} (sync/rewrap.js). Counted from what is stored, so it
 * shows the same after a reload.
 */
export function shareProgress(readable, recipients, progress, me = null) {
  const ids = [...new Set(readable ?? [])];
  return (recipients ?? []).filter((r) => r.id !== me).map((r) => {
    const done = new Set(progress?.[r.id] ?? []);
    return { id: r.id, done: ids.filter((id) => done.has(id)).length, total: ids.length };
  });
}

/**
 * Held-back items with the records that only name a device left out: `quarantine` ([{item}]) and
 * `names` (record ids known to be name records). What waits is what a person must verify to see.
 */
export function withoutNames(quarantine, names) {
  return (quarantine ?? []).filter((q) => !names?.has?.(q?.item?.record));
}
