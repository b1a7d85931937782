// node:test for the browser: just enough of describe/test to run tests/js/*.test.mjs in Chromium.
// Tests are collected at import time and run one after another by run().
const tests = [];
const prefix = [];

export function describe(name, body) {
  prefix.push(name);
  try {
    body();
  } finally {
    prefix.pop();
  }
}

export function test(name, body) {
  tests.push({ name: [...prefix, name].join(' > '), body });
}

export const it = test;

/** Run every collected test; resolves [{name, ok, error}]. */
export async function run() {
  const results = [];
  for (const t of tests) {
    try {
      await t.body();
      results.push({ name: t.name, ok: true });
    } catch (error) {
      results.push({ name: t.name, ok: false, error: String(error?.stack || error) });
    }
  }
  return results;
}
