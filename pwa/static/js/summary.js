/**
 * What the list needs of a record, and how the list searches and filters. Pure.
 *
 * A summary is made from a record's decrypted values and kept, encrypted with the device's local
 * key, beside the record, so that opening the app does not decrypt every field of every record.
 */

import { REGISTRY } from './kinds.js';

// What every kind of the registry keeps for the list, and the text it is searched by: one summary
// shape for all kinds (a field a kind lacks is null).
const KINDS = Object.values(REGISTRY.kinds);
const unite = (lists) => [...new Set(lists.flat())];
const SEARCHED = unite(KINDS.map((k) => k.search));
const KEPT = unite([['kind'], ...KINDS.map((k) => k.summary)]);
const TITLE = unite(KINDS.map((k) => (k.title ? [k.title] : [])));
// The summary fields a list filter may name: the kind, each kind's filters, and the country.
const FILTERED = unite([['kind'], ...KINDS.map((k) => k.filters.map((f) => f.field)), ['country']]);
const SEARCH_CHARS = 4000;
const spec = (kind) => (Object.prototype.hasOwnProperty.call(REGISTRY.kinds, kind) ? REGISTRY.kinds[kind] : null);
const URGENCY_ORDER = { critical: 0, high: 1, normal: 2, low: 3 };
/** The shape of a summary: a sealed cache entry of another shape is made again from its record. */
export const SUMMARY_FORMAT = 2;

/**
 * A summary from {field: value} plus the latest write time `t`, the fields in conflict, the
 * device that created the record (`author`) and when (`created`, the time inside its first write).
 */
export function summarize(id, values, { t = 0, conflicts = [], author = null, created = null } = {}) {
  const out = { v: SUMMARY_FORMAT, id, t, conflicts, deleted: values._deleted === true, author, created: created ?? t };
  for (const name of KEPT) out[name] = values[name] ?? null;
  const text = SEARCHED.map((name) => values[name]).flat().filter((v) => typeof v === 'string').join(' ');
  const title = spec(values.kind)?.title ?? TITLE[0];
  out.title = typeof values[title] === 'string' ? values[title].slice(0, 120) : '';
  out.search = text.toLowerCase().slice(0, SEARCH_CHARS);
  return out;
}

/** Lowercase words of a search query. */
export function terms(query) {
  return String(query || '').toLowerCase().split(/\s+/).filter(Boolean);
}

/** True when records of this summary's kind are shown in the list (an acknowledgement is not). */
export function listed(summary) {
  return spec(summary.kind)?.listed !== false;
}

/**
 * True when a summary passes the filters: {query, kind, category, urgency, status, deleted}.
 * `labels(summary)` may add translated words (category names...) so people can search by them.
 */
export function matches(summary, filters, labels = () => '') {
  if (summary.deleted !== Boolean(filters.deleted) || !listed(summary)) return false;
  for (const key of FILTERED) {
    if (filters[key] && summary[key] !== filters[key]) return false;
  }
  const words = terms(filters.query);
  if (!words.length) return true;
  const haystack = summary.search + ' ' + labels(summary).toLowerCase();
  return words.every((w) => haystack.includes(w));
}

/** Newest first; by urgency first when `byUrgency` (the registry's order of needs). */
export function compare(a, b, byUrgency = false) {
  if (byUrgency) {
    const d = (URGENCY_ORDER[a.urgency] ?? 9) - (URGENCY_ORDER[b.urgency] ?? 9);
    if (d) return d;
  }
  return b.t - a.t || (a.id < b.id ? -1 : 1);
}

/** The summaries that pass `filters`, sorted for the list. */
export function select(summaries, filters, labels) {
  const byUrgency = spec(filters.kind)?.order === 'urgency';
  return summaries.filter((s) => matches(s, filters, labels)).sort((a, b) => compare(a, b, byUrgency));
}

// The record fields each acknowledged kind's summary keeps (a need's linked incident): the links
// between reports; and the field through which an acknowledgement names its report.
const LINKS = Object.fromEntries(Object.entries(REGISTRY.kinds).filter(([, k]) => k.acknowledged).map(([name, k]) =>
  [name, k.fields.filter((f) => f.type === 'record' && k.summary.includes(f.name)).map((f) => f.name)]));
const NAMES = REGISTRY.kinds[REGISTRY.acknowledgement].refers;
const links = (kind) => (Object.prototype.hasOwnProperty.call(LINKS, kind) ? LINKS[kind] : []);

/**
 * When a record was marked received: the earliest date of the acknowledgements (the registry's
 * `acknowledgement` kind) that name it or a record linked to it either way (a report's incident
 * and its need go together), or null. `summaries`: every decrypted summary; `id`: the record.
 */
export function receivedOn(summaries, id) {
  const byId = new Map(summaries.map((s) => [s.id, s]));
  const own = byId.get(id);
  const linked = new Set([id, ...links(own?.kind).map((f) => own[f]).filter(Boolean)]);
  for (const s of summaries) if (links(s.kind).some((f) => s[f] === id)) linked.add(s.id);
  const acks = summaries.filter((s) => s.kind === REGISTRY.acknowledgement && !s.deleted && linked.has(s[NAMES]));
  const dates = acks
    .map((s) => s.date).filter((d) => typeof d === 'string').sort();
  return dates[0] ?? null;
}
