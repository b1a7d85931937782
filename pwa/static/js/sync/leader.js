/**
 * One tab leads sync; the others follow. The leader holds a Web Lock for as long as it is
 * unlocked; when it locks or closes, the browser hands the lock to the next tab waiting for it.
 * Tabs talk over a BroadcastChannel: a tab that saved tells the others ('saved': the leader syncs
 * soon, every tab reads the record), and the leader tells them when a pull changed the store
 * ('synced') or the device was removed ('revoked').
 * Without Web Locks (old browsers) every tab leads: the merge makes a double push harmless.
 */

export const LEADER_LOCK = 'zapis-sync-leader';
export const CHANNEL = 'zapis-sync';

export class Leadership {
  /** `on`: {lead(), message(data)}; `env`: {locks, Channel} (navigator.locks, BroadcastChannel). */
  constructor(on, { locks = globalThis.navigator?.locks, Channel = globalThis.BroadcastChannel } = {}) {
    this.on = on;
    this.leading = false;
    this.channel = Channel ? new Channel(CHANNEL) : null;
    if (this.channel) this.channel.onmessage = (e) => on.message?.(e.data);
    this.abort = new AbortController();
    if (!locks) {
      this.#lead();
      return;
    }
    const held = new Promise((resolve) => { this.free = resolve; });
    locks.request(LEADER_LOCK, { signal: this.abort.signal }, () => {
      this.#lead();
      return held;
    }).catch(() => {}); // aborted while waiting: this tab locked or closed before its turn
  }

  #lead() {
    this.leading = true;
    this.on.lead();
  }

  /** Tell the other tabs something ({type: 'saved' | 'synced' | 'revoked'}). */
  post(data) {
    this.channel?.postMessage(data);
  }

  /** Give up leading (or waiting to), and stop listening. */
  release() {
    this.leading = false;
    this.abort.abort();
    this.free?.();
    this.channel?.close();
    this.channel = null;
  }
}
