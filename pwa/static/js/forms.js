/**
 * The incident and need forms as data, and their validation. Pure: no DOM, no storage, no crypto.
 *
 * Each form field is one field of the record, so two people editing different fields of the same
 * record while apart both keep their edit (design §4). Form state holds what the inputs
 * hold (text, arrays of ticked options); `normalize` turns it into stored values.
 */

export const KINDS = ['incident', 'need'];

export const OPTIONS = {
  incident_category: ['bank', 'telecom', 'housing', 'employment', 'school', 'service', 'border', 'documents',
    'police', 'healthcare', 'online', 'violence', 'other'],
  need_category: ['accommodation', 'legal', 'medical', 'psychological', 'money', 'humanitarian', 'evacuation',
    'employment', 'translation', 'documents', 'banking', 'schooling', 'other'],
  urgency: ['critical', 'high', 'normal', 'low'],
  status: ['new', 'triaged', 'assigned', 'in_progress', 'met', 'closed_unmet'],
  country: ['PL', 'LT', 'LV', 'EE', 'UA', 'GE', 'DE', 'CZ', 'SK', 'FI', 'SE', 'NO', 'DK', 'NL', 'BE', 'FR', 'IT',
    'ES', 'PT', 'AT', 'CH', 'GB', 'IE', 'US', 'CA', 'IL', 'TR', 'AM', 'KZ', 'AE', 'RS', 'ME', 'MD', 'RO', 'BG',
    'HU', 'BY', 'RU', 'other'],
  place: ['street', 'shop', 'bank', 'authority', 'police', 'border', 'school', 'workplace', 'housing',
    'healthcare', 'transport', 'online', 'other'],
  perpetrator: ['private_person', 'business', 'bank', 'landlord', 'employer', 'school', 'police', 'border_guard',
    'migration', 'official', 'online', 'unknown', 'other'],
  age_group: ['under_18', '18_29', '30_44', '45_64', '65_plus'],
  gender: ['woman', 'man', 'other'],
  consent: ['store', 'stats', 'contact'],
  reported_to: ['police', 'ombudsman', 'authority', 'employer', 'bank', 'lawyer', 'ngo', 'media', 'no_one', 'other'],
  outcome: ['none_yet', 'pending', 'resolved', 'unresolved', 'unknown'],
  languages: ['be', 'ru', 'uk', 'pl', 'lt', 'en', 'lv', 'de', 'other'],
  channel: ['phone', 'signal', 'telegram', 'whatsapp', 'viber', 'email', 'in_person', 'via_volunteer', 'other'],
};

export const LIMITS = { text: 200, textarea: 5000, tag: 40, tags: 20, link: 500, links: 10 };

// type: select (one of options), radio (same, shown as large buttons), checks (several options),
// text, textarea, number, when (a date or, if only that is known, a month), date, tags, links,
// record (another local record of `of` kind).
const F = (name, type, extra = {}) => ({ name, type, ...extra });

export const FORMS = {
  incident: [
    F('category', 'select', { options: 'incident_category', required: true }),
    F('date', 'when', { required: true }),
    F('country', 'select', { options: 'country', required: true }),
    F('city', 'text'),
    F('place', 'select', { options: 'place' }),
    F('description', 'textarea', { required: true }),
    F('perpetrator', 'select', { options: 'perpetrator' }),
    F('affected', 'number', { min: 1, max: 10000 }),
    F('age_group', 'select', { options: 'age_group' }),
    F('gender', 'select', { options: 'gender' }),
    F('consent', 'checks', { options: 'consent' }),
    F('contact', 'text'),
    F('evidence', 'textarea'),
    F('evidence_links', 'links'),
    F('reported_to', 'checks', { options: 'reported_to' }),
    F('outcome', 'select', { options: 'outcome' }),
    F('tags', 'tags'),
  ],
  need: [
    F('category', 'select', { options: 'need_category', required: true }),
    F('urgency', 'radio', { options: 'urgency', required: true }),
    F('country', 'select', { options: 'country', required: true }),
    F('city', 'text'),
    F('adults', 'number', { min: 0, max: 1000 }),
    F('children', 'number', { min: 0, max: 1000 }),
    F('description', 'textarea', { required: true }),
    F('languages', 'checks', { options: 'languages' }),
    F('contact', 'text'),
    F('channel', 'select', { options: 'channel' }),
    F('safe_times', 'text'),
    F('status', 'select', { options: 'status', required: true }),
    F('follow_up', 'date'),
    F('incident', 'record', { of: 'incident' }),
  ],
};

const LISTS = ['checks', 'tags', 'links']; // field types whose form state is an array
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const isEmpty = (v) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** The fields of a form, by kind. */
export function fieldsOf(kind) {
  const form = FORMS[kind];
  if (!form) throw new TypeError(`unknown record kind: ${kind}`);
  return form;
}

/** Empty form state for a new record: today's date for incidents, status "new" and normal urgency for needs. */
export function blank(kind, today) {
  const values = {};
  for (const f of fieldsOf(kind)) values[f.name] = LISTS.includes(f.type) ? [] : '';
  if (kind === 'incident') {
    values.date = today;
    values.affected = '1';
    values.consent = ['store'];
  } else {
    values.urgency = 'normal';
    values.status = 'new';
    values.adults = '1';
    values.children = '0';
  }
  return values;
}

/** Split free text into tags: by commas or new lines, trimmed, no empties, no repeats. */
export function splitTags(text) {
  const out = [];
  for (const part of String(text).split(/[,\n]/)) {
    const tag = part.trim().replace(/\s+/g, ' ');
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

/** Split free text into links: one per line or separated by spaces. */
export function splitLinks(text) {
  return String(text).split(/\s+/).filter(Boolean);
}

function validDate(text, today) {
  const m = DATE.exec(text);
  if (!m) return 'error.date';
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if (d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3] || +m[1] < 1990) return 'error.date';
  if (today && text > today) return 'error.future';
  return null;
}

function validWhen(text, today) {
  if (DATE.test(text)) return validDate(text, today);
  const m = MONTH.exec(text);
  if (!m || +m[2] < 1 || +m[2] > 12 || +m[1] < 1990) return 'error.date';
  if (today && text > today.slice(0, 7)) return 'error.future';
  return null;
}

function validLink(text) {
  if (text.length > LIMITS.link) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && Boolean(url.hostname);
  } catch {
    return false;
  }
}

function checkField(f, raw, today) {
  const value = typeof raw === 'string' ? raw.trim() : raw;
  if (isEmpty(value)) return f.required ? 'error.required' : null;
  switch (f.type) {
    case 'select':
    case 'radio':
      return OPTIONS[f.options].includes(value) ? null : 'error.choice';
    case 'checks':
      return value.every((v) => OPTIONS[f.options].includes(v)) ? null : 'error.choice';
    case 'text':
      return value.length > LIMITS.text ? 'error.too_long' : null;
    case 'textarea':
      return value.length > LIMITS.textarea ? 'error.too_long' : null;
    case 'number': {
      if (!/^\d+$/.test(String(value).trim())) return 'error.number';
      const n = Number(value);
      return n < f.min || n > f.max ? 'error.range' : null;
    }
    case 'when':
      return validWhen(value, today);
    case 'date':
      return validDate(value, null);
    case 'tags': {
      const tags = Array.isArray(value) ? value : splitTags(value);
      return tags.length > LIMITS.tags || tags.some((t) => t.length > LIMITS.tag) ? 'error.too_long' : null;
    }
    case 'links': {
      const links = Array.isArray(value) ? value : splitLinks(value);
      if (links.length > LIMITS.links) return 'error.too_many';
      return links.every(validLink) ? null : 'error.link';
    }
    case 'record':
      return typeof value === 'string' && /^[0-9a-f-]{36}$/.test(value) ? null : 'error.choice';
    default:
      return null;
  }
}

/** Check form state; return {field: message key} for every field in error (empty when valid). */
export function validate(kind, values, today) {
  const errors = {};
  for (const f of fieldsOf(kind)) {
    const error = checkField(f, values[f.name], today);
    if (error) errors[f.name] = error;
  }
  if (kind === 'incident') {
    const consent = values.consent || [];
    if (!errors.consent && !consent.includes('store')) errors.consent = 'error.consent_store';
    if (!errors.contact && consent.includes('contact') && isEmpty(values.contact)) {
      errors.contact = 'error.contact_needed';
    }
  } else if (!errors.adults && !errors.children) {
    const people = Number(values.adults || 0) + Number(values.children || 0);
    if (people < 1) errors.adults = 'error.people';
  }
  return errors;
}

/** Stored values from valid form state: trimmed text, whole numbers, arrays; empty fields are null. */
export function normalize(kind, values) {
  const out = { kind };
  for (const f of fieldsOf(kind)) {
    let v = values[f.name];
    if (f.type === 'tags') v = Array.isArray(v) ? v : splitTags(v || '');
    else if (f.type === 'links') v = Array.isArray(v) ? v : splitLinks(v || '');
    else if (f.type === 'number') v = isEmpty(v) ? null : Number(v);
    else if (typeof v === 'string') v = v.trim();
    out[f.name] = isEmpty(v) ? null : v;
  }
  return out;
}

/** Form state from stored values (the inverse of `normalize`), for editing a record. */
export function toForm(kind, stored) {
  const values = {};
  for (const f of fieldsOf(kind)) {
    const v = stored[f.name];
    if (LISTS.includes(f.type)) values[f.name] = Array.isArray(v) ? [...v] : [];
    else values[f.name] = v === null || v === undefined ? '' : String(v);
  }
  return values;
}

function same(a, b) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The stored values that differ between two versions of a record: what one save must write. */
export function changed(before, after) {
  const out = {};
  for (const [name, value] of Object.entries(after)) {
    if (!same(before[name], value)) out[name] = value;
  }
  return out;
}
