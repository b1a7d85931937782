/**
 * The page's side of the service worker: register it, say once that the app works offline, and
 * offer a new version with a reload prompt. Never reload by itself: someone may be typing.
 */

/** `on`: {offlineReady(), updateReady(apply)}, where apply() activates the new version and reloads. */
export async function registerServiceWorker(on) {
  if (!('serviceWorker' in navigator)) return null;
  const hadController = Boolean(navigator.serviceWorker.controller);
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // Only a version the person accepted takes over; the first install claims nothing.
    if (reloading) window.location.reload();
  });
  const apply = (worker) => () => {
    reloading = true;
    worker.postMessage({ type: 'skip-waiting' });
  };
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' });
  const watched = new WeakSet();
  const watch = (worker) => {
    if (!worker || watched.has(worker)) return;
    watched.add(worker);
    worker.addEventListener('statechange', () => {
      if (worker.state !== 'installed') return;
      if (hadController || registration.active) on.updateReady(apply(worker));
      else on.offlineReady();
    });
  };
  if (registration.waiting && hadController) on.updateReady(apply(registration.waiting));
  if (registration.installing) watch(registration.installing);
  registration.addEventListener('updatefound', () => watch(registration.installing));
  if (!hadController && registration.active && !registration.installing) on.offlineReady();
  return registration;
}
