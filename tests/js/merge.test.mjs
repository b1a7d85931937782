// The merge rule: behaviour the vectors pin, and properties over random histories.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  ACCEPTED, DUPLICATE, EQUIVOCATION, STALE, covers, displayOrder, isConflict, known, merge, mergeAll,
  nextWrite, sameContent,
} from '../../pwa/static/js/core/merge.js';
import { prng } from './helpers.mjs';

const w = (device, n, ctx, content) => ({ dot: [device, n], ctx, nonce: `n${content}`, ct: `c${content}` });
const dots = (live) => live.map((v) => `${v.dot[0]}:${v.dot[1]}`).sort();

describe('merge', () => {
  test('the tags are the strings the server and Python use', () => {
    assert.deepEqual([ACCEPTED, DUPLICATE, STALE, EQUIVOCATION],
      ['accepted', 'duplicate', 'stale', 'equivocation']);
  });

  test('never mutates the live set or the write', () => {
    const live = [w('A', 1, {}, 'a1'), w('B', 1, {}, 'b1')];
    const before = structuredClone(live);
    const write = w('C', 1, { A: 1 }, 'c1');
    const outcome = merge(live, write);
    assert.deepEqual(live, before);
    assert.deepEqual(write, w('C', 1, { A: 1 }, 'c1'));
    assert.equal(outcome.tag, ACCEPTED);
    assert.deepEqual(dots(outcome.live), ['B:1', 'C:1']);
    assert.deepEqual(outcome.removed, [live[0]]);
  });

  test('a refused write leaves the very same live set and removes nothing', () => {
    const live = [w('A', 2, { A: 1 }, 'a2')];
    const refused = [
      [w('A', 2, { A: 1 }, 'a2'), DUPLICATE], [w('A', 2, { A: 1 }, 'zz'), EQUIVOCATION],
      [w('A', 1, {}, 'a1'), STALE],
    ];
    for (const [write, tag] of refused) {
      const outcome = merge(live, write);
      assert.equal(outcome.tag, tag);
      assert.equal(outcome.live, live);
      assert.deepEqual(outcome.removed, []);
    }
  });

  test('a duplicate needs equal contexts regardless of key order', () => {
    assert.equal(sameContent(w('C', 2, { A: 1, C: 1 }, 'x'), w('C', 2, { C: 1, A: 1 }, 'x')), true);
    assert.equal(sameContent(w('C', 2, { A: 1, C: 1 }, 'x'), w('C', 2, { A: 2, C: 1 }, 'x')), false);
    assert.equal(sameContent(w('C', 2, { C: 1 }, 'x'), w('C', 2, { A: 1, C: 1 }, 'x')), false);
  });

  test('device ids that name Object.prototype members are ordinary ids', () => {
    const write = w('constructor', 1, {}, 'x');
    assert.equal(covers(w('B', 1, {}, 'b'), write), false);
    assert.equal(merge([w('B', 1, {}, 'b')], write).tag, ACCEPTED);
    assert.deepEqual(nextWrite([write], '__proto__'), { dot: ['__proto__', 1], ctx: { constructor: 1 } });
    assert.equal(Object.getPrototypeOf(known([w('__proto__', 3, {}, 'p')])), Object.prototype);
    assert.deepEqual(Object.entries(known([w('__proto__', 3, {}, 'p')])), [['__proto__', 3]]);
  });

  test('mergeAll ignores equivocations and keeps the first content', () => {
    const live = mergeAll([], [w('A', 1, {}, 'a1'), w('A', 1, {}, 'evil')]);
    assert.deepEqual(live, [w('A', 1, {}, 'a1')]);
  });
});

describe('conflicts and display', () => {
  test('equal plaintexts are not a conflict, different ones are', () => {
    assert.equal(isConflict([]), false);
    assert.equal(isConflict(['"x"', '"x"']), false);
    assert.equal(isConflict(['"x"', '"y"']), true);
  });

  test('display order does not depend on input order and does not mutate it', () => {
    const entries = [
      { value: '1', t: 3, device: 'B' }, { value: '2', t: 3, device: 'A' }, { value: '1', t: 4, device: 'C' },
    ];
    const copy = structuredClone(entries);
    const expected = [{ value: '1', t: 4, device: 'C' }, { value: '2', t: 3, device: 'A' }];
    assert.deepEqual(displayOrder(entries), expected);
    assert.deepEqual(displayOrder([...entries].reverse()), expected);
    assert.deepEqual(entries, copy);
  });
});

// A random history: devices write on their own replica and now and then receive some of the
// others' writes in a random order, so concurrent writes, resolutions and stale arrivals all occur.
function history(rand) {
  const devices = ['A', 'B', 'C', 'D'].slice(0, 2 + rand.int(3));
  const replicas = new Map(devices.map((d) => [d, []]));
  const log = [];
  for (let step = 0; step < 10 + rand.int(30); step++) {
    const device = rand.pick(devices);
    if (rand.next() < 0.6 || log.length === 0) {
      const { dot, ctx } = nextWrite(replicas.get(device), device);
      const write = { dot, ctx, nonce: `n${dot.join('')}`, ct: `c${rand.int(1e9)}` };
      const outcome = merge(replicas.get(device), write);
      assert.equal(outcome.tag, ACCEPTED, 'a new local write is always accepted where it is made');
      assert.deepEqual(outcome.live, [write], 'a new local write covers every live value');
      replicas.set(device, outcome.live);
      log.push(write);
    } else {
      const some = rand.shuffle(log).slice(0, 1 + rand.int(log.length));
      replicas.set(device, mergeAll(replicas.get(device), some));
    }
  }
  return log;
}

// The live set a replica must hold after seeing every write: those no other write has seen.
const maximal = (log) => log.filter((a) => !log.some((b) => b !== a && covers(b, a)));

describe('merge properties over seeded random histories', () => {
  const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);

  test('replicas that see the same writes in any order, with retries, hold the same live set', () => {
    let conflicts = 0;
    for (const seed of SEEDS) {
      const rand = prng(seed);
      const log = history(rand);
      const expected = dots(maximal(log));
      if (expected.length > 1) conflicts++;
      for (let i = 0; i < 5; i++) {
        const arrivals = rand.shuffle([...log, ...log.filter(() => rand.next() < 0.3)]);
        assert.deepEqual(dots(mergeAll([], arrivals)), expected, `seed ${seed}, order ${i}`);
      }
    }
    assert.ok(conflicts > 20, `only ${conflicts} histories ended in a conflict: the generator is too tame`);
  });

  test('merging is idempotent: a write delivered again is a duplicate or stale and changes nothing', () => {
    for (const seed of SEEDS) {
      const rand = prng(seed);
      const log = history(rand);
      const live = mergeAll([], rand.shuffle(log));
      for (const write of log) {
        const outcome = merge(live, write);
        assert.ok(outcome.tag === DUPLICATE || outcome.tag === STALE, `seed ${seed}: ${outcome.tag}`);
        assert.equal(outcome.live, live);
      }
    }
  });

  test('merging commutes: two batches give the same live set whichever comes first', () => {
    for (const seed of SEEDS) {
      const rand = prng(seed);
      const log = rand.shuffle(history(rand));
      const cut = rand.int(log.length + 1);
      const [x, y] = [log.slice(0, cut), log.slice(cut)];
      const [xy, yx] = [mergeAll(mergeAll([], x), y), mergeAll(mergeAll([], y), x)];
      assert.deepEqual(dots(xy), dots(yx), `seed ${seed}`);
    }
  });

  test('an equivocating write never enters a live set', () => {
    for (const seed of SEEDS) {
      const rand = prng(seed);
      const log = history(rand);
      const live = mergeAll([], log);
      const target = rand.pick(live);
      const forged = { ...target, ct: `${target.ct}!` };
      const outcome = merge(live, forged);
      assert.equal(outcome.tag, EQUIVOCATION);
      assert.equal(outcome.live, live);
    }
  });

  test('a new write over a converged field resolves every sibling', () => {
    for (const seed of SEEDS) {
      const rand = prng(seed);
      const live = mergeAll([], history(rand));
      const device = rand.pick(['A', 'B', 'E']);
      const { dot, ctx } = nextWrite(live, device);
      const write = { dot, ctx, nonce: 'n', ct: 'c' };
      assert.ok(live.every((v) => covers(write, v)), `seed ${seed}`);
      const outcome = merge(live, write);
      assert.equal(outcome.tag, ACCEPTED);
      assert.deepEqual(outcome.live, [write]);
      assert.equal(outcome.removed.length, live.length);
    }
  });
});
