/**
 * Installing to the home screen. The browser's prompt is kept for the right moment: after the
 * first record is saved (the app has proved useful), never over the lock screen or a form.
 */

export class Installer {
  constructor() {
    this.event = null;
    this.onchange = () => {};
    window.addEventListener('beforeinstallprompt', (e) => {
      e.preventDefault();
      this.event = e;
      this.onchange();
    });
    window.addEventListener('appinstalled', () => {
      this.event = null;
      this.onchange();
    });
  }

  /** True when the browser would install the app now. */
  get available() {
    return Boolean(this.event);
  }

  /** Show the browser's install prompt; resolves true when the person accepted. */
  async prompt() {
    const e = this.event;
    if (!e) return false;
    this.event = null;
    e.prompt();
    const { outcome } = await e.userChoice;
    return outcome === 'accepted';
  }
}

/** Ask the browser to keep this site's data; resolves {supported, persisted}. */
export async function persistStorage(ask = true) {
  const storage = navigator.storage;
  if (!storage?.persist) return { supported: false, persisted: false };
  let persisted = await storage.persisted();
  if (!persisted && ask) persisted = await storage.persist();
  // The app's storage buckets (store/buckets.js) are kept or evicted each on its own: once the
  // origin may keep its data, each asks for that too (only buckets that exist: none is made here).
  const buckets = navigator.storageBuckets;
  if (persisted && buckets) {
    // A bucket that cannot be listed or opened is not kept by this browser: said as "not kept".
    for (const name of await buckets.keys().catch(() => [])) {
      const bucket = await buckets.open(name).catch(() => null);
      if (bucket && !(await bucket.persisted())) persisted = await bucket.persist();
    }
  }
  return { supported: true, persisted };
}
