/**
 * Comparing safety numbers (docs/protocol.md, "Safety number"): the digits in groups, and the QR
 * code a device shows of its own number so that a coordinator's phone can scan it and compare.
 * Pure.
 *
 * The QR code holds `zapis-safety/1 <device id> <30 digits>`: the device id says whose number it
 * is (scanning the wrong phone says so, not "does not match"), and the digits are what the
 * certifier's own computation from the directory must equal. Nothing in it is secret: it is what
 * the screen shows anyway.
 */

const PREFIX = 'zapis-safety/1';
const DEVICE = /^[A-Za-z0-9_-]{22}$/;

/** The six groups of five digits of a safety number ("12345 67890 …"), or [] when it is not one. */
export function safetyGroups(number) {
  const digits = String(number ?? '').replace(/\s+/g, '');
  return /^\d{30}$/.test(digits) ? digits.match(/\d{5}/g) : [];
}

/** The text of the QR code of a device's safety number. */
export function safetyCode(device, number) {
  const groups = safetyGroups(number);
  if (!DEVICE.test(device) || groups.length !== 6) throw new TypeError('not a device id and a safety number');
  return `${PREFIX} ${device} ${groups.join('')}`;
}

/** {device, digits} from a scanned text, or null when it is not a safety number's code. */
export function readSafetyCode(text) {
  const parts = String(text ?? '').trim().split(' ');
  if (parts.length !== 3 || parts[0] !== PREFIX || !DEVICE.test(parts[1]) || !/^\d{30}$/.test(parts[2])) return null;
  return { device: parts[1], digits: parts[2] };
}

/**
 * What a scanned code says about the device being certified (`device`, whose safety number this
 * device computed from the directory is `number`): 'match', 'mismatch' (the same device shows
 * other keys: do not certify), 'other_device' (the code of another device) or 'not_safety' (not a
 * safety number's code at all).
 */
export function compareSafety(text, device, number) {
  const scanned = readSafetyCode(text);
  if (!scanned) return 'not_safety';
  if (scanned.device !== device) return 'other_device';
  return scanned.digits === safetyGroups(number).join('') ? 'match' : 'mismatch';
}
