/**
 * Exports of decrypted records from the app: which fields may go in a file, and the file's text
 * (CSV or JSON). Pure: the screen (ui/export.js) reads the records and hands the text to the
 * browser as a download; nothing here is stored.
 *
 * Fields that can identify a person are left out unless chosen: every free-text field (text,
 * textarea, tags, links: contact, city, description, evidence...), the devices (author, assignee)
 * and the times. A file holds plaintext: the screen says so before it is made.
 */

import { REGISTRY } from './kinds.js';

const FREE_TEXT = ['text', 'textarea', 'tags', 'links'];
/** Columns every export has: the record's id and kind (neither says anything about a person). */
export const ALWAYS = ['id', 'kind'];
/** Columns about the record rather than its fields: when it was created, last changed, and by which device. */
export const META = [
  { name: 'created', sensitive: true },
  { name: 'updated', sensitive: true },
  { name: 'author', sensitive: true },
];

/**
 * The fields an export may hold, in the registry's order (a name several listed kinds share
 * once): [{name, kinds: [kind], type, sensitive}]. Kinds not listed (acknowledgements) are left out.
 */
export function exportFields() {
  const out = new Map();
  for (const [kind, spec] of Object.entries(REGISTRY.kinds)) {
    if (!spec.listed) continue;
    for (const f of spec.fields) {
      if (!out.has(f.name)) {
        out.set(f.name, { name: f.name, kinds: [], type: f.type,
          sensitive: FREE_TEXT.includes(f.type) || f.type === 'device' });
      }
      out.get(f.name).kinds.push(kind);
    }
  }
  return [...out.values()];
}

/** The fields chosen by default: every field that cannot identify a person. */
export function defaultChoice() {
  return [...exportFields(), ...META].filter((f) => !f.sensitive).map((f) => f.name);
}

/** The columns of a file for the `chosen` field names, in a stable order: id, kind, fields, then META. */
export function columns(chosen) {
  const want = new Set(chosen);
  return [...ALWAYS, ...exportFields().map((f) => f.name).filter((n) => want.has(n)),
    ...META.map((m) => m.name).filter((n) => want.has(n))];
}

/**
 * One row of values for a record ({id, values, created, updated, author}) in `cols`: fields as
 * stored (lists as arrays), times as ISO strings, a missing value as null.
 */
export function row(record, cols) {
  const out = {};
  for (const c of cols) {
    let v;
    if (c === 'id') v = record.id;
    else if (c === 'created' || c === 'updated') v = record[c] ? new Date(record[c]).toISOString() : null;
    else if (c === 'author') v = record.author ?? null;
    else v = record.values?.[c] ?? null;
    out[c] = v;
  }
  return out;
}

// A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return) as a formula:
// such a cell gets a leading apostrophe, so a record's text can never run in someone's spreadsheet.
function cell(value) {
  if (value === null || value === undefined) return '';
  let text = Array.isArray(value) ? value.join('; ') : typeof value === 'object'
    ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV (RFC 4180, CRLF lines) with a header row of the column names. */
export function toCSV(records, cols) {
  const lines = [cols.map(cell).join(',')];
  for (const r of records) {
    const values = row(r, cols);
    lines.push(cols.map((c) => cell(values[c])).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** JSON: an array of objects with exactly the chosen columns. */
export function toJSON(records, cols) {
  return JSON.stringify(records.map((r) => row(r, cols)), null, 2) + '\n';
}
