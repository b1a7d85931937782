/** Lock after a few idle minutes, and when the page is hidden for longer than that. */

const ACTIVITY = ['pointerdown', 'keydown', 'input', 'scroll', 'touchstart'];

/** Start watching; `lock()` is called once the person has been away `minutes()` minutes. */
export function watchIdle(minutes, lock, { now = () => Date.now() } = {}) {
  let last = now();
  const touch = () => { last = now(); };
  const check = () => {
    if (now() - last >= minutes() * 60000) lock();
  };
  for (const type of ACTIVITY) window.addEventListener(type, touch, { passive: true, capture: true });
  // Timers sleep in background tabs and on locked phones, so also check when the page comes back.
  document.addEventListener('visibilitychange', check);
  const timer = setInterval(check, 15000);
  return {
    reset: touch,
    stop() {
      clearInterval(timer);
      for (const type of ACTIVITY) window.removeEventListener(type, touch, { capture: true });
      document.removeEventListener('visibilitychange', check);
    },
  };
}
