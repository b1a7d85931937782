/** The one error the envelope modules throw, with a stable code a caller can switch on. */

/** An envelope that is malformed, forged or cannot be opened; `code` is stable (as in sync/envelopes.py). */
export class ProtocolError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
  }
}
