/**
 * The list's filters, sort orders and search over the decrypted summaries, for real work with
 * thousands of records (the coordinator's workspace). Pure: no DOM, no storage, no clock (today is
 * passed in), so node tests pin it.
 *
 * A filter state: {query, kind, category, urgency, status, country, from, to, author, assignee,
 * due, conflict, deleted, sort}. Empty strings and false mean "any".
 */

import { REGISTRY } from './kinds.js';
import { listed, terms } from './summary.js';

/** Sort orders the list offers; `auto` is the registry's order for the chosen kind (urgency for needs). */
export const SORTS = ['auto', 'newest', 'oldest', 'updated', 'urgency', 'follow_up'];
/** Follow-up filters: due today, overdue (before today), due (today or before), or any follow-up date set. */
export const DUE = ['today', 'overdue', 'due', 'set'];
/** Statuses after which a need is no longer open (needs no follow-up, is not counted as open). */
export const CLOSED = ['met', 'closed_unmet'];

const URGENCY_ORDER = Object.fromEntries(REGISTRY.options.urgency.map((u, i) => [u, i]));
const SELECTS = ['kind', 'category', 'urgency', 'status', 'country', 'author', 'assignee'];
const spec = (kind) => (Object.prototype.hasOwnProperty.call(REGISTRY.kinds, kind) ? REGISTRY.kinds[kind] : null);

/** A blank filter state (nothing filtered, the registry's order). */
export function blankFilters() {
  return { query: '', kind: '', category: '', urgency: '', status: '', country: '', from: '', to: '', author: '',
    assignee: '', due: '', conflict: false, deleted: false, sort: 'auto' };
}

/** How many filters beyond the kind and the search are set (the "More filters" control says so). */
export function activeCount(filters) {
  return ['category', 'urgency', 'status', 'country', 'author', 'assignee', 'due', 'from', 'to']
    .filter((k) => filters[k]).length + (filters.conflict ? 1 : 0) + (filters.sort && filters.sort !== 'auto' ? 1 : 0);
}

/** A day (YYYY-MM-DD) in local time from a millisecond time; `offset` is getTimezoneOffset() in minutes. */
export function localDay(ms, offset = 0) {
  return new Date(ms - offset * 60000).toISOString().slice(0, 10);
}

/**
 * The day a record is about, for date ranges and the dashboard's months: its own `date` (an
 * incident's day, possibly only a month), else the day it was created (`created`, else `t`).
 */
export function dayOf(summary, offset = 0) {
  if (typeof summary.date === 'string' && /^\d{4}-\d{2}/.test(summary.date)) return summary.date.slice(0, 10);
  const ms = summary.created || summary.t;
  return ms ? localDay(ms, offset) : '';
}

/** True when `day` (YYYY-MM-DD or YYYY-MM) falls in [from, to]; a month-only day matches by month. */
export function inRange(day, from, to) {
  if (!from && !to) return true;
  if (!day) return false;
  const n = day.length;
  if (from && day < from.slice(0, n)) return false;
  if (to && day > to.slice(0, n)) return false;
  return true;
}

/** An open need's follow-up state on `today`: 'overdue', 'today', 'later', or '' (none, or closed). */
export function dueState(summary, today) {
  const f = summary.follow_up;
  if (typeof f !== 'string' || !f || summary.deleted || CLOSED.includes(summary.status)) return '';
  return f < today ? 'overdue' : f === today ? 'today' : 'later';
}

function dueMatches(want, state) {
  if (want === 'today') return state === 'today';
  if (want === 'overdue') return state === 'overdue';
  if (want === 'due') return state === 'today' || state === 'overdue';
  if (want === 'set') return Boolean(state);
  return true;
}

const NO_LABELS = () => '';

/**
 * True when a summary passes the filters. `labels(summary)` adds translated words (category
 * names...) to what is searched; `today` (YYYY-MM-DD) decides what is due; `offset` the local day.
 */
export function passes(summary, filters, { labels = NO_LABELS, today = '', offset = 0 } = {}) {
  if (summary.deleted !== Boolean(filters.deleted) || !listed(summary)) return false;
  for (const key of SELECTS) {
    if (filters[key] && summary[key] !== filters[key]) return false;
  }
  if (filters.conflict && !summary.conflicts?.length) return false;
  if (filters.due && !dueMatches(filters.due, dueState(summary, today))) return false;
  if ((filters.from || filters.to) && !inRange(dayOf(summary, offset), filters.from, filters.to)) return false;
  const words = terms(filters.query);
  if (!words.length) return true;
  const haystack = haystackOf(summary, labels);
  return words.every((w) => haystack.includes(w));
}

// What a summary is searched by (its search text, its title, its option names in the person's
// language), put together once per summary and labelling: a keystroke in a list of ten thousand
// must not build ten thousand long strings again. Summaries are replaced, never changed, when a
// record changes, so an entry never goes stale; both maps forget what is no longer referenced.
const HAYSTACKS = new WeakMap();

function haystackOf(summary, labels) {
  let cache = HAYSTACKS.get(labels);
  if (!cache) {
    cache = new WeakMap();
    HAYSTACKS.set(labels, cache);
  }
  let text = cache.get(summary);
  if (text === undefined) {
    text = (summary.search || '') + ' ' + (summary.title || '').toLowerCase() + ' '
      + String(labels(summary)).toLowerCase();
    cache.set(summary, text);
  }
  return text;
}

const newest = (a, b) => b.t - a.t || (a.id < b.id ? -1 : 1);
const created = (s) => s.created || s.t || 0;
const urgency = (s) => URGENCY_ORDER[s.urgency] ?? 99;

const COMPARE = {
  newest: (a, b) => created(b) - created(a) || newest(a, b),
  oldest: (a, b) => created(a) - created(b) || newest(a, b),
  updated: newest,
  urgency: (a, b) => urgency(a) - urgency(b) || newest(a, b),
  // Soonest follow-up first (overdue ones lead); records without one last.
  follow_up: (a, b) => {
    const fa = typeof a.follow_up === 'string' && a.follow_up ? a.follow_up : '\uffff';
    const fb = typeof b.follow_up === 'string' && b.follow_up ? b.follow_up : '\uffff';
    return fa < fb ? -1 : fa > fb ? 1 : urgency(a) - urgency(b) || newest(a, b);
  },
};

/** The comparison for a sort order; `auto` follows the registry (`order` of the chosen kind). */
export function comparator(sort, kind = '') {
  if (COMPARE[sort]) return COMPARE[sort];
  return spec(kind)?.order === 'urgency' ? COMPARE.urgency : COMPARE.updated;
}

/** The summaries that pass `filters`, in the chosen order. */
export function query(summaries, filters, options = {}) {
  return summaries.filter((s) => passes(s, filters, options)).sort(comparator(filters.sort, filters.kind));
}

/**
 * The records waiting on devices this one has not verified: from the quarantine's held-back
 * items ([{kind, item}]), {device: number of distinct records}, largest first as [[device, n]].
 */
export function waitingByDevice(quarantine) {
  const records = new Map();
  for (const q of quarantine ?? []) {
    const device = q?.item?.device ?? q?.item?.sender;
    const record = q?.item?.record;
    if (typeof device !== 'string' || typeof record !== 'string') continue;
    if (!records.has(device)) records.set(device, new Set());
    records.get(device).add(record);
  }
  return [...records].map(([device, set]) => [device, set.size]).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}
