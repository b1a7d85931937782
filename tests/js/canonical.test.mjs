// Canonical JSON beyond the shared vectors: what the JavaScript side alone can be handed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CanonicalJSONError, canonicalBytes, canonicalJSON } from '../../pwa/static/js/core/canonical.js';

const REFUSED = [
  ['a fraction', 0.5], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
  ['2^53', 2 ** 53], ['-(2^53)', -(2 ** 53)], ['undefined', undefined],
  ['undefined in an object', { a: undefined }],
  // eslint-disable-next-line no-sparse-arrays -- the hole is the case under test
  ['undefined in an array', [undefined]], ['a sparse array', [1, , 3]], ['a function', () => 1],
  ['a symbol', Symbol('x')], ['a bigint', 1n], ['a Date', new Date(0)], ['a Map', new Map()],
  ['a Uint8Array', new Uint8Array(2)], ['a class instance', new (class Point { x = 1; })()],
  ['a boxed string', new String('x')], ['a symbol key', { [Symbol('k')]: 1 }],
  ['a lone high surrogate at the end', 'abc\ud800'], ['a high surrogate before a letter', '\ud83dx'],
  ['a lone low surrogate', 'x\ude00'], ['surrogates in the wrong order', '\ude00\ud83d'],
];

for (const [name, value] of REFUSED) {
  test(`refuses ${name}`, () => {
    assert.throws(() => canonicalJSON(value), CanonicalJSONError);
  });
}

test('control characters are escaped with short forms first, else lowercase \\u00xx', () => {
  const all = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('');
  assert.equal(canonicalJSON(all),
    '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f'
    + '\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d'
    + '\\u001e\\u001f"');
});

test('nesting up to 32 levels below the top is allowed, 33 is refused', () => {
  const nest = (levels) => {
    let v = 0;
    for (let i = 0; i < levels; i++) v = [v];
    return v;
  };
  assert.equal(canonicalJSON(nest(32)), '['.repeat(32) + '0' + ']'.repeat(32));
  assert.throws(() => canonicalJSON(nest(33)), CanonicalJSONError);
});

test('a cycle is refused, not a stack overflow', () => {
  const a = {};
  a.self = a;
  assert.throws(() => canonicalJSON(a), CanonicalJSONError);
});

test('negative zero is 0 and integral numbers lose no digits', () => {
  assert.equal(canonicalJSON([-0, 1e15, -(2 ** 53 - 1), 123456789012]),
    '[0,1000000000000000,-9007199254740991,123456789012]');
});

test('keys such as __proto__ and constructor are ordinary members', () => {
  const value = JSON.parse('{"constructor":1,"__proto__":2,"10":3,"9":4}');
  assert.equal(canonicalJSON(value), '{"10":3,"9":4,"__proto__":2,"constructor":1}');
});

test('objects without a prototype are plain objects', () => {
  const value = Object.create(null);
  value.b = true;
  value.a = null;
  assert.equal(canonicalJSON(value), '{"a":null,"b":true}');
});

test('canonicalBytes is the UTF-8 of canonicalJSON', () => {
  assert.deepEqual(canonicalBytes({ 'ў': '😀' }), new Uint8Array([
    0x7b, 0x22, 0xd1, 0x9e, 0x22, 0x3a, 0x22, 0xf0, 0x9f, 0x98, 0x80, 0x22, 0x7d]));
});

test('an output parses back to an equal value', () => {
  const value = { z: [1, 'x\u2028', { b: null, a: false }], a: 'Ўладзімір "Валодзя" \\ /', n: -42 };
  assert.deepEqual(JSON.parse(canonicalJSON(value)), value);
});
