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
  return { supported: true, persisted };
}
