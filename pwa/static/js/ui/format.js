/** How stored values read on screen, in the person's language. */

import { OPTIONS, fieldsOf, kindOf, kindSpec } from '../forms.js';

const formats = new Map();
// Making an Intl.DateTimeFormat costs far more than using one: a list of a thousand records
// would spend most of its time here.
function formatter(lang, opts) {
  const key = lang + JSON.stringify(opts);
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(lang, opts));
  return formats.get(key);
}

/** A date ('2025-03-14') or month ('2025-03') in the local style. */
export function formatWhen(lang, value) {
  if (typeof value !== 'string') return '';
  const [y, m, d] = value.split('-').map(Number);
  if (!y || !m) return value;
  const date = new Date(Date.UTC(y, m - 1, d || 1));
  const opts = d ? { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }
    : { year: 'numeric', month: 'long', timeZone: 'UTC' };
  try {
    return formatter(lang, opts).format(date);
  } catch {
    return value; // a language or date Intl cannot format: shown as stored
  }
}

/** The text shown for one field's value. */
export function formatValue(t, lang, kind, name, value, lookup = () => null, device = (id) => id.slice(0, 8)) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return '';
  const f = fieldsOf(kind).find((x) => x.name === name);
  if (!f) return typeof value === 'string' ? value : JSON.stringify(value);
  if (f.options && OPTIONS[f.options]) {
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => t(`opt.${f.options}.${v}`)).join(', ');
  }
  if (f.type === 'when' || f.type === 'date') return formatWhen(lang, value);
  if (f.type === 'record') return lookup(value) ?? t('detail.unknown_record');
  if (f.type === 'device') return device(value);
  return Array.isArray(value) ? value.join(f.type === 'links' ? '\n' : ', ') : String(value);
}

/**
 * A one-line label of a record for lists and links: the fields the registry names for it
 * (category, place and date), the kind's name when the first of them is empty.
 */
export function recordLabel(t, lang, s) {
  const kind = kindOf(s);
  const [first, ...rest] = kindSpec(kind).label;
  const parts = [formatValue(t, lang, kind, first, s[first]) || t(`kind.${kind}`)];
  for (const name of rest) {
    const text = formatValue(t, lang, kind, name, s[name]);
    if (text) parts.push(text);
  }
  return parts.join(' · ');
}
