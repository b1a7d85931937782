/**
 * When sync runs: at start, when the device comes online, shortly after each save (debounced),
 * periodically while the app is open, and again after a failure, backing off with jitter so a
 * hundred phones coming back online do not knock on the server at the same instant.
 * A server that answers 429 (or 503) with Retry-After is not asked again before that time,
 * whatever pokes the scheduler meanwhile (a save, coming online, the period).
 * Timers and randomness are injected, so the rules are tested in node.
 */

export const PERIOD_MS = 5 * 60 * 1000;
export const DEBOUNCE_MS = 1500;
export const BACKOFF_BASE_MS = 4000;
export const BACKOFF_MAX_MS = 10 * 60 * 1000;

/** The wait before retry number `n` (1, 2, ...): half the capped exponential, plus up to as much again at random. */
export function backoff(n, { base = BACKOFF_BASE_MS, max = BACKOFF_MAX_MS, random = Math.random } = {}) {
  const span = Math.min(max, base * 2 ** Math.max(0, n - 1));
  return Math.round(span / 2 + random() * (span / 2));
}

export class Scheduler {
  /**
   * `run()` resolves to a sync result ({ok, retry}); `isOnline()` says whether to try at all.
   * Options: {period, debounce, base, max, random, now, timers: {setTimeout, clearTimeout,
   * setInterval, clearInterval}}.
   */
  constructor(run, { isOnline = () => true, period = PERIOD_MS, debounce = DEBOUNCE_MS, base = BACKOFF_BASE_MS,
    max = BACKOFF_MAX_MS, random = Math.random, timers = globalThis, now = () => Date.now() } = {}) {
    Object.assign(this, { run, isOnline, period, debounce, base, max, random, timers, now });
    this.timer = null;
    this.due = Infinity;      // when the scheduled run fires (ms, on `now()`'s clock)
    this.running = null;      // the run in progress
    this.again = false;       // something asked for a run while one was going on
    this.failures = 0;
    this.notBefore = -Infinity; // the server's Retry-After: no run before this (ms, on `now()`'s clock)
    this.active = false;
  }

  /** Start: a run now, then one every `period`. */
  start() {
    if (this.active) return;
    this.active = true;
    this.interval = this.timers.setInterval(() => this.poke(0), this.period);
    this.poke(0);
  }

  /** Stop every timer; a run in progress finishes on its own. */
  stop() {
    this.active = false;
    this.timers.clearTimeout(this.timer);
    this.timers.clearInterval(this.interval);
    this.timer = null;
    this.due = Infinity;
  }

  /** Ask for a run in `delay` ms (sooner requests win; a run in progress is followed by another). */
  poke(delay = this.debounce) {
    if (!this.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.#schedule(delay);
  }

  /** The device came online: forget the backoff and run now. */
  reconnected() {
    this.failures = 0;
    this.poke(0);
  }

  #schedule(delay) {
    delay = Math.max(delay, this.notBefore - this.now());
    const due = this.now() + delay;
    if (this.timer !== null && due >= this.due) return;
    this.timers.clearTimeout(this.timer);
    this.due = due;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.due = Infinity;
      this.#fire();
    }, delay);
  }

  async #fire() {
    if (!this.active) return;
    if (!this.isOnline()) return; // the 'online' event pokes again
    this.running = Promise.resolve().then(() => this.run());
    let result;
    try {
      result = await this.running;
    } catch {
      result = { ok: false, retry: true };
    }
    this.running = null;
    if (!this.active) return;
    if (!result?.ok && result?.retry) {
      this.failures += 1;
      if (Number.isFinite(result.retryAfter) && result.retryAfter > 0) this.notBefore = this.now() + result.retryAfter;
      this.#schedule(backoff(this.failures, { base: this.base, max: this.max, random: this.random }));
    } else {
      this.failures = 0;
    }
    if (this.again) {
      this.again = false;
      this.#schedule(this.debounce);
    }
  }
}
