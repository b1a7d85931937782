/**
 * The sync status in plain words, in the person's language. Pure: it turns the numbers the
 * controller keeps ({online, locked, syncing, pulling: {received} | null, sending: {done, total} |
 * null, waiting, uploads, refused, problems, held, unreadable, lastOk, error}) into a short line for
 * every screen and the sentences of the sync screen.
 */

export const ERRORS = ['network', 'server', 'rate_limited', 'unauthenticated', 'body_too_large', 'push_only_token'];
// The per-item refusal codes of the registry (sync/refusals.json, status "item"). Every code of the
// registry has a `refusal.<code>` message in every language (tests/test_refusals.py), so a code
// not listed here is still shown in words when the translations know it.
export const REFUSALS = ['invalid_item', 'wrong_workspace', 'foreign_device', 'bad_signature', 'foreign_dot',
  'bad_context', 'repeated_field', 'no_access', 'record_purged', 'unknown_recipient', 'equivocation',
  'unseen_context', 'wrong_key', 'not_author'];

/** The translated `refusal.<code>` message, or null when the translations do not know the code. */
export function registered(t, code) {
  if (typeof code !== 'string' || !/^[a-z_]+$/.test(code) || code === 'other' || code === 'other_said') return null;
  const key = `refusal.${code}`;
  const text = t(key);
  return text === key ? null : text;
}
export const PROBLEMS = ['bad_signature', 'bad_wrap', 'bad_change', 'bad_purge', 'equivocation', 'foreign_dot',
  'bad_context', 'repeated_field', 'unseen_context', 'wrong_key', 'malformed'];

/** A fresh status (`runs` counts the sync runs this page saw finish). */
export function initialStatus() {
  return { online: true, locked: false, syncing: false, waiting: 0, uploads: 0, refused: 0, problems: 0, held: 0,
    unreadable: 0, lastOk: null, error: null, canPushLocked: true, runs: 0, alarm: [], rewrap: null, rotation: null,
    pulling: null, sending: null };
}

/** A count in the person's style ("1,200", "1 200"). */
export function formatCount(lang, n) {
  try {
    return new Intl.NumberFormat(lang).format(n);
  } catch {
    return String(n);
  }
}

/**
 * How far a pull has come, as counts: "records received: 1,200" (the server does not say how
 * many are still to come, so no total is guessed); '' before the first page is stored.
 */
export function pullProgress(t, lang, s) {
  const received = s.pulling?.received ?? 0;
  return s.syncing && received ? t('sync.received', { count: formatCount(lang, received) }) : '';
}

/** A share (0 to 1) as a percentage in the person's style ("42%", "42 %"), rounded down. */
export function formatPercent(lang, share) {
  // (29 / 100 * 100 is 28.999…: a hair added before rounding down, so whole percents stay whole)
  const whole = Math.floor(Math.min(Math.max(share, 0), 1) * 100 + 1e-9) / 100;
  try {
    return new Intl.NumberFormat(lang, { style: 'percent' }).format(whole);
  } catch {
    return `${Math.round(whole * 100)}%`;
  }
}

/**
 * How far this sync's attachment upload has come: "sending attachments: 42%" (chunks sent of the
 * chunks waiting when it began, all of one size but the last of each file); '' when none is sent.
 */
export function uploadProgress(t, lang, s) {
  const total = s.sending?.total ?? 0;
  return s.syncing && total > 0 ? t('sync.sending', { percent: formatPercent(lang, s.sending.done / total) }) : '';
}

/** A time in the person's style: just the time today, else the date and time. */
export function formatMoment(lang, ms, now = Date.now()) {
  const when = new Date(ms);
  const sameDay = when.toDateString() === new Date(now).toDateString();
  const opts = sameDay ? { hour: '2-digit', minute: '2-digit' }
    : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  try {
    return new Intl.DateTimeFormat(lang, opts).format(when);
  } catch {
    return when.toISOString();
  }
}

/** A sync error ({code, message}) in plain words. */
export function errorText(t, error) {
  if (!error) return '';
  if (ERRORS.includes(error.code)) return t(`sync.error.${error.code}`);
  return registered(t, error.code) ?? t('sync.error.other', { code: error.code });
}

/** Why the server refused an item, in the person's language when the code is known. */
export function refusalText(t, entry) {
  const known = registered(t, entry.code);
  if (known) return known;
  return entry.message ? t('refusal.other_said', { message: entry.message }) : t('refusal.other');
}

/** Why a pulled item was not accepted. */
export function problemText(t, problem) {
  return t(`problem.${PROBLEMS.includes(problem.code) ? problem.code : 'malformed'}`);
}

/**
 * The line every screen shows: {level: 'ok' | 'busy' | 'warn' | 'error', text}. Errors come first,
 * then what waits, then when the last sync succeeded.
 */
export function statusLine(t, lang, s, now = Date.now()) {
  const parts = [];
  let level = 'ok';
  if (s.syncing) {
    parts.push(t('sync.syncing'));
    for (const progress of [uploadProgress(t, lang, s), pullProgress(t, lang, s)]) if (progress) parts.push(progress);
    level = 'busy';
  } else if (s.error && s.online) {
    parts.push(errorText(t, s.error));
    level = 'error';
  }
  if (s.waiting) {
    parts.push(t('sync.waiting', { count: s.waiting }));
    if (!s.online) parts.push(t('sync.sent_later'));
    else if (s.locked && !s.canPushLocked) parts.push(t('sync.sent_unlocked'));
    if (level === 'ok') level = 'warn';
  } else if (s.lastOk && !s.uploads) {
    parts.push(t('sync.all_sent'));
  }
  // Attachments whose chunks have not all reached the server (or were refused): "all sent" waits.
  if (s.uploads) {
    parts.push(t('sync.uploads', { count: s.uploads }));
    if (level === 'ok') level = 'warn';
  }
  parts.push(s.lastOk ? t('sync.last', { time: formatMoment(lang, s.lastOk, now) }) : t('sync.never'));
  const issues = s.refused + s.problems;
  if (issues) {
    parts.push(t('sync.attention', { count: issues }));
    level = 'error';
  } else if (s.held) {
    parts.push(t('sync.held', { count: s.held }));
    if (level === 'ok') level = 'warn';
  }
  const text = parts.join(' · ');
  return { level, text: text.charAt(0).toLocaleUpperCase(lang) + text.slice(1) };
}
