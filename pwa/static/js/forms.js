/**
 * The record forms, as the registry of kinds (sync/kinds.json, through kinds.js) describes them,
 * and their validation. Pure: no DOM, no storage, no crypto.
 *
 * Each form field is one field of the record, so two people editing different fields of the same
 * record while apart both keep their edit (design §4). Form state holds what the inputs
 * hold (text, arrays of ticked options); `normalize` turns it into stored values.
 */

import { REGISTRY } from './kinds.js';

/** Every kind the registry knows, in its order. */
export const KINDS = Object.keys(REGISTRY.kinds);

export const OPTIONS = REGISTRY.options;

/** The kind that marks a record received (an acknowledgement). */
export const ACK = REGISTRY.acknowledgement;

export const LIMITS = REGISTRY.limits;

// type: select (one of options), radio (same, shown as large buttons), checks (several options),
// text, textarea, number, when (a date or, if only that is known, a month), date, tags, links,
// record (another local record, of kind `of` when it names one).
export const FORMS = Object.fromEntries(KINDS.map((kind) => [kind, REGISTRY.kinds[kind].fields]));

/** A kind's registry entry, or undefined. */
export function kindSpec(kind) {
  return Object.prototype.hasOwnProperty.call(REGISTRY.kinds, kind) ? REGISTRY.kinds[kind] : undefined;
}

/** The kind a record is shown as: its own when the registry knows it, else the registry's fallback. */
export function kindOf(values) {
  return kindSpec(values?.kind) ? values.kind : REGISTRY.fallback;
}

/** The kinds a role may create from the navigation, in the registry's order. */
export function creatable(role) {
  return KINDS.filter((kind) => REGISTRY.kinds[kind].create.includes(role) && REGISTRY.kinds[kind].nav);
}

/**
 * The navigation of a role: [[view, label key, icon]]: the records, one button per kind it may
 * create (or, reporting for itself, the one first-person report), and the settings.
 */
export function navTabs(role) {
  const create = reportsForSelf(role) ? [['new-report', 'nav.report', 'incident']]
    : creatable(role).map((kind) => [`new-${kind}`, REGISTRY.kinds[kind].nav.label, REGISTRY.kinds[kind].nav.icon]);
  // Coordinators have the overview (figures, what is due) beside the list.
  const overview = role === 'coordinator' ? [['overview', 'nav.overview', 'chart']] : [];
  return [['list', 'nav.list', 'list'], ...overview, ...create, ['settings', 'nav.settings', 'settings']];
}

/** True when the role reports for itself through the first-person flow (self-report.js). */
export function reportsForSelf(role) {
  return REGISTRY.self_report.roles.includes(role);
}

const LISTS = ['checks', 'tags', 'links']; // field types whose form state is an array
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const isEmpty = (v) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** The fields of a form, by kind. */
export function fieldsOf(kind) {
  const form = kindSpec(kind)?.fields;
  if (!form) throw new TypeError(`unknown record kind: ${kind}`);
  return form;
}

/**
 * Empty form state for a new record, with the kind's defaults ('$today' is the person's date):
 * today's date for incidents, status "new" and normal urgency for needs.
 */
export function blank(kind, today) {
  const values = {};
  for (const f of fieldsOf(kind)) values[f.name] = LISTS.includes(f.type) ? [] : '';
  for (const [name, value] of Object.entries(kindSpec(kind).defaults ?? {})) {
    values[name] = value === '$today' ? today : structuredClone(value);
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
    return false; // not a URL: the form says so (error.link)
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
    case 'device': // a device of the workspace (a need's assignee)
      return typeof value === 'string' && /^[A-Za-z0-9_-]{22}$/.test(value) ? null : 'error.choice';
    default:
      return null;
  }
}

// The rules a kind may name in the registry, besides each field's own checks. Each sees the form
// state and the errors found so far, and returns an error for `rule.field` or null.
const RULES = {
  // The ticked options of `field` must include `value` ("agrees that this record is kept").
  includes: (rule, values, errors) => (!errors[rule.field] && !(values[rule.field] || []).includes(rule.value)
    ? rule.error : null),
  // `field` must be filled when `if` has `value` ticked (a contact, when contact is allowed).
  required_if_includes: (rule, values, errors) => (!errors[rule.field]
    && (values[rule.if] || []).includes(rule.value) && isEmpty(values[rule.field]) ? rule.error : null),
  // The numbers in `fields` must add up to at least `min` (at least one adult or child).
  sum_at_least: (rule, values, errors) => {
    if (rule.fields.some((name) => errors[name])) return null;
    const sum = rule.fields.reduce((total, name) => total + Number(values[name] || 0), 0);
    return sum < rule.min ? rule.error : null;
  },
};

/** Check form state; return {field: message key} for every field in error (empty when valid). */
export function validate(kind, values, today) {
  const errors = {};
  for (const f of fieldsOf(kind)) {
    const error = checkField(f, values[f.name], today);
    if (error) errors[f.name] = error;
  }
  for (const rule of kindSpec(kind).rules ?? []) {
    const error = RULES[rule.rule](rule, values, errors);
    if (error) errors[rule.field] = error;
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
