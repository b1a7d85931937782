/**
 * The app's one error class. Every failure the app can name carries a stable `code` (the server's
 * and the protocol's codes are those of the refusal registry, sync/refusals.json; the app adds a
 * few of its own, such as 'network'), the HTTP `status` when a server answered (0 when none did)
 * and whether trying again later may help (`retryable`). Screens switch on the code and show its
 * translation (error.<code>, else refusal.<code>); the diagnostic log keeps the code, never the
 * message (report.js).
 */

// A code is a short snake_case word: anything else (a message, a URL) is never used as one.
const CODE = /^[a-z][a-z0-9_]{0,47}$/;

/** Whether a failure with this status and code may go away by itself (no answer, busy, overloaded). */
export function isRetryable(status, code) {
  return status === 0 && code === 'network' || status === 429 || status >= 500;
}

export class ZapisError extends Error {
  /**
   * `code`: a stable code; `options`: {status (0: no answer), retryable (by default from the status
   * and code), retryAfter (ms, or null), message (for developers; may hold what the server said,
   * so it is never logged), cause}.
   */
  constructor(code, { status = 0, retryable, retryAfter = null, message, cause } = {}) {
    super(message || code, cause === undefined ? undefined : { cause });
    this.name = 'ZapisError';
    this.code = CODE.test(code) ? code : 'internal';
    this.status = Number.isInteger(status) ? status : 0;
    this.retryable = retryable ?? isRetryable(this.status, this.code);
    this.retryAfter = Number.isFinite(retryAfter) ? retryAfter : null;
  }

  /**
   * Any thrown value as a ZapisError: itself, or one with the thrown object's code and status when
   * it has them (the push code's PushError, which the service worker shares and so cannot import
   * this module), else 'storage' for a browser storage failure and 'internal' for a bug.
   */
  static from(err) {
    if (err instanceof ZapisError) return err;
    const status = Number.isInteger(err?.status) ? err.status : 0;
    let code = typeof err?.code === 'string' && CODE.test(err.code) ? err.code : null;
    if (!code && STORAGE.includes(err?.name)) code = 'storage';
    if (!code && status) code = `http_${status}`;
    return new ZapisError(code ?? 'internal', { status, retryAfter: err?.retryAfter, cause: err,
      message: typeof err?.message === 'string' ? err.message : undefined });
  }
}

// DOMException names of IndexedDB and Storage failures (quota, a closed or damaged database).
const STORAGE = ['QuotaExceededError', 'InvalidStateError', 'TransactionInactiveError', 'UnknownError',
  'VersionError', 'DataError', 'AbortError'];

/**
 * An envelope that is malformed, forged or cannot be opened; `code` is stable (as in sync/envelopes.py).
 * A ZapisError like every other (status 0, not retryable: the same bytes fail the same way).
 */
export class ProtocolError extends ZapisError {
  constructor(code, message, options) {
    super(code, { message, retryable: false, cause: options?.cause });
    this.name = 'ProtocolError';
    this.code = code; // as given: the core's codes mirror the Python twin's exactly
  }
}
