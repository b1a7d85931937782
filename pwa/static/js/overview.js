/**
 * The overview's figures: counts of the decrypted summaries by kind, category, status, country and
 * month, open needs by urgency, follow-ups due and overdue, conflicts. Pure (today and the time
 * zone are passed in), so node tests pin the counting; the screen (ui/overview.js) only draws it.
 * The same figures make the printable report, which names no person, device or place finer than a
 * country: counts only.
 */

import { REGISTRY } from './kinds.js';
import { CLOSED, dayOf, dueState, inRange } from './query.js';
import { listed } from './summary.js';

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
const optionsOf = (kind, field) => REGISTRY.kinds[kind]?.fields.find((f) => f.name === field)?.options ?? null;

/** [[key, n]] from a Map of counts, in the registry's option order when given, else largest first. */
function rows(counts, order = null) {
  const list = [...counts];
  if (order) {
    const at = new Map(order.map((v, i) => [v, i]));
    return list.sort((a, b) => (at.get(a[0]) ?? 1e9) - (at.get(b[0]) ?? 1e9) || (a[0] < b[0] ? -1 : 1));
  }
  return list.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function bump(map, key) {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * The figures for the live, listed records whose day (query.js `dayOf`) falls in [from, to].
 * Returns {total, kinds: [[kind, n]], categories: {kind: [[category, n]]}, statuses: [[status, n]],
 * countries: [[country, n]], months: [[YYYY-MM, n]] (oldest first, empty months between included),
 * openByUrgency: [[urgency, n]], due: {today, overdue}, conflicts}.
 * A value a record lacks counts under '' ("not given").
 */
export function figures(summaries, { from = '', to = '', today = '', offset = 0 } = {}) {
  const kinds = new Map();
  const categories = {};
  const statuses = new Map();
  const countries = new Map();
  const months = new Map();
  const open = new Map();
  const due = { today: 0, overdue: 0 };
  let total = 0;
  let conflicts = 0;
  for (const s of summaries) {
    if (s.deleted || !listed(s) || !has(REGISTRY.kinds, s.kind)) continue;
    const day = dayOf(s, offset);
    if (!inRange(day, from, to)) continue;
    total += 1;
    bump(kinds, s.kind);
    if (optionsOf(s.kind, 'category')) bump(categories[s.kind] ??= new Map(), s.category ?? '');
    if (optionsOf(s.kind, 'status')) {
      bump(statuses, s.status ?? '');
      if (!CLOSED.includes(s.status)) bump(open, s.urgency ?? '');
    }
    bump(countries, s.country ?? '');
    if (day) bump(months, day.slice(0, 7));
    const state = dueState(s, today);
    if (state === 'today' || state === 'overdue') due[state] += 1;
    if (s.conflicts?.length) conflicts += 1;
  }
  const category = (kind) => rows(categories[kind], REGISTRY.options[optionsOf(kind, 'category')]);
  return {
    total,
    kinds: rows(kinds, Object.keys(REGISTRY.kinds)),
    categories: Object.fromEntries(Object.keys(categories).map((k) => [k, category(k)])),
    statuses: rows(statuses, REGISTRY.options.status),
    countries: rows(countries),
    months: monthRows(months),
    openByUrgency: rows(open, REGISTRY.options.urgency),
    due,
    conflicts,
  };
}

// Every month from the first to the last with records, the empty ones at 0: a gap is a figure too.
function monthRows(months) {
  const keys = [...months.keys()].sort();
  if (!keys.length) return [];
  const out = [];
  let [y, m] = keys[0].split('-').map(Number);
  const [ly, lm] = keys[keys.length - 1].split('-').map(Number);
  while ((y < ly || (y === ly && m <= lm)) && out.length < 1200) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    out.push([key, months.get(key) ?? 0]);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}
