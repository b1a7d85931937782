/**
 * Camouflage: the app can look like a calculator (its title, icon and installed name), and the
 * calculator it leaves for is then also its door: a code typed into it and followed by "=" opens
 * the lock screen. Import-free, so the calculator page can use it without loading the app.
 *
 * The choice and the door are kept in this browser's localStorage, never sent anywhere: the look
 * must be known before anything is unlocked, even before IndexedDB opens (the page title). The
 * code is stored as a salted SHA-256: it only hides the door, the passphrase still guards
 * everything behind it, and a short code can be found from its hash by anyone holding the phone.
 */

const LOOK = 'look';
const DOOR = 'door';
export const CODE = /^\d{4,12}$/;

/** The calculator's name in each of the app's languages (the page title and the installed name). */
export const CALC_NAMES = { be: 'Калькулятар', ru: 'Калькулятор', uk: 'Калькулятор', en: 'Calculator',
  pl: 'Kalkulator', lt: 'Skaičiuotuvas' };

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage disabled: no camouflage chosen
  }
}

async function digest(salt, code) {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${salt}:${code}`)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Whether the app looks like a calculator on this browser. */
export function camouflaged() {
  return read(LOOK) === 'calc';
}

/** Turn the look on with this door code (4 to 12 digits); false if the code is not acceptable. */
export async function disguise(code) {
  if (!CODE.test(code)) return false;
  const salt = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  localStorage.setItem(DOOR, JSON.stringify({ salt, hash: await digest(salt, code) }));
  localStorage.setItem(LOOK, 'calc');
  return true;
}

/** Back to the app's own name and icon; the calculator is a calculator only. */
export function undisguise() {
  localStorage.removeItem(LOOK);
  localStorage.removeItem(DOOR);
}

/** Whether `typed` (what the calculator shows before "=") is the door's code. */
export async function opens(typed) {
  if (!camouflaged() || !CODE.test(typed)) return false;
  try {
    const door = JSON.parse(read(DOOR));
    return Boolean(door?.salt) && await digest(door.salt, typed) === door.hash;
  } catch {
    return false; // a damaged door: the code does not open it (the settings turn camouflage off)
  }
}

/** Make the page look like a calculator, or like the app: title, icons, manifest. */
export function applyLook(doc, lang, appName) {
  const calc = camouflaged();
  doc.title = calc ? (CALC_NAMES[lang] ?? CALC_NAMES.en) : appName;
  const link = (rel) => doc.querySelector(`link[rel="${rel}"]`);
  link('icon')?.setAttribute('href', calc ? '/static/icons/calc.svg' : '/static/icons/icon.svg');
  link('apple-touch-icon')?.setAttribute('href',
    calc ? '/static/icons/calc-192.png' : '/static/icons/apple-touch-icon.png');
  link('manifest')?.setAttribute('href',
    calc ? `/calc.webmanifest?lang=${encodeURIComponent(lang)}` : '/manifest.webmanifest');
  return calc;
}
