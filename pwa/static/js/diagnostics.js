/**
 * The diagnostic log, pure: what an entry holds, how the bounded log grows, how an error reads in
 * the person's language, and the log as text to copy. No I/O (report.js keeps and shows it).
 *
 * An entry is content-free by construction: {at (to the minute), where (a place in the code, set
 * by the programmer), code (a registry or app code), status (HTTP, 0 when no answer), retryable,
 * kind (the error's class name), version (the app's build)}. Never a message, a record's content,
 * a name, a URL or anything the server said in words: those may hold what a person typed.
 */

import { ZapisError } from './core/errors.js';
import { registered } from './sync/status.js';

/** The most entries kept: older ones go first. */
export const LOG_LIMIT = 100;
const MINUTE = 60 * 1000;
const WORD = /^[a-z][a-z0-9_./-]{0,47}$/; // 'sync/run', 'record/save': a place, never data
const KIND = /^[A-Za-z]{1,40}$/;

/** One log entry for `error` (anything thrown), met at `where` at time `at` (ms) in app `version`. */
export function diagnosticEntry(error, { where, at, version }) {
  const e = ZapisError.from(error);
  const kind = e === error || !KIND.test(error?.name ?? '') ? e.name : error.name;
  return {
    at: Math.floor(at / MINUTE) * MINUTE,
    where: WORD.test(where ?? '') ? where : 'unknown',
    code: e.code,
    status: e.status,
    retryable: e.retryable,
    kind: KIND.test(kind) ? kind : 'Error',
    version: WORD.test(version ?? '') ? version : 'unknown',
  };
}

/** The log with `entry` added at the end, the oldest dropped beyond `limit`. A new array. */
export function appendEntry(log, entry, limit = LOG_LIMIT) {
  const kept = Array.isArray(log) ? log : [];
  return [...kept, entry].slice(-limit);
}

/**
 * What to tell the person about `error`, in their language: the app's own message for its code
 * (error.<code>), else the registry's (refusal.<code>), else the sync run's (sync.error.<code>), else
 * that something did not work (or the caller's `fallback` key, which also stands for a bug's
 * 'internal': "Saving did not work, your text is kept" says more than "something went wrong").
 * Never the server's own words (they may hold data, and are not in the person's language).
 */
export function messageFor(t, error, fallback = null) {
  const e = ZapisError.from(error);
  if (e.code === 'storage') return t('error.storage');
  if (e.code === 'internal') return t(fallback ?? 'error.internal');
  const key = `error.${e.code}`;
  const own = t(key);
  if (own !== key) return own;
  const known = registered(t, e.code);
  if (known) return known;
  const sync = `sync.error.${e.code}`; // the sync run's own codes (sync/status.js)
  return t(sync) !== sync ? t(sync) : t(fallback ?? 'error.action_failed');
}

/** The log as plain text, one entry a line, newest first (what the Copy button puts on the clipboard). */
export function logText(log) {
  return [...log].reverse().map((e) => [new Date(e.at).toISOString().slice(0, 16) + 'Z', e.where, e.code,
    e.status || '-', e.retryable ? 'retry' : 'final', e.kind, e.version].join(' ')).join('\n');
}
