// node:assert/strict for the browser: the assertions tests/js/*.test.mjs use, strict semantics.
export class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionError';
  }
}

const show = (value) => {
  try {
    return JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? `Uint8Array(${Array.from(v)})` : v));
  } catch {
    return String(value);
  }
};

function fail(message, fallback) {
  throw new AssertionError(message ? `${message}: ${fallback}` : fallback);
}

function same(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a)) return a.length === b.length && a.every((x, i) => x === b[i]);
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}

function matches(error, expected) {
  if (expected === undefined) return true;
  if (typeof expected === 'function' && expected.prototype !== undefined && expected.prototype instanceof Error
      || expected === Error) {
    return error instanceof expected;
  }
  if (typeof expected === 'function') return expected(error) === true;
  if (expected instanceof RegExp) return expected.test(String(error?.message ?? error));
  return Object.keys(expected).every((k) => same(error?.[k], expected[k]));
}

function ok(value, message) {
  if (!value) fail(message, `expected a truthy value, got ${show(value)}`);
}

const assert = Object.assign(ok, {
  ok,
  AssertionError,
  equal(actual, expected, message) {
    if (!Object.is(actual, expected)) fail(message, `${show(actual)} !== ${show(expected)}`);
  },
  notEqual(actual, expected, message) {
    if (Object.is(actual, expected)) fail(message, `${show(actual)} === ${show(expected)}`);
  },
  deepEqual(actual, expected, message) {
    if (!same(actual, expected)) fail(message, `${show(actual)} is not deeply equal to ${show(expected)}`);
  },
  notDeepEqual(actual, expected, message) {
    if (same(actual, expected)) fail(message, `${show(actual)} is deeply equal to ${show(expected)}`);
  },
  match(text, pattern, message) {
    if (!pattern.test(text)) fail(message, `${show(text)} does not match ${pattern}`);
  },
  throws(body, expected, message) {
    try {
      body();
    } catch (error) {
      if (!matches(error, expected)) fail(message, `unexpected error ${error}`);
      return;
    }
    fail(message, 'expected an exception');
  },
  async rejects(promise, expected, message) {
    try {
      await (typeof promise === 'function' ? promise() : promise);
    } catch (error) {
      if (!matches(error, expected)) fail(message, `unexpected rejection ${error}`);
      return;
    }
    fail(message, 'expected a rejection');
  },
  fail(message) {
    throw new AssertionError(message || 'failed');
  },
});

export default assert;
export const { equal, deepEqual, throws, rejects } = assert;
