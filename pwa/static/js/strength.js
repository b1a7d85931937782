/**
 * How hard a passphrase is to guess, roughly. Pure.
 *
 * A seized phone's store can be attacked offline, one PBKDF2 (600,000 rounds) per guess, so the
 * passphrase itself must carry the weight. The estimate is deliberately pessimistic: repeats,
 * runs, keyboard rows and very common choices count for little; several unrelated words count
 * for a lot. Score 0–4; joining needs at least MIN_SCORE.
 */

export const MIN_SCORE = 2;
export const MIN_LENGTH = 8;

const COMMON = ['password', 'passwort', 'qwerty', 'admin', 'letmein', 'welcome', 'iloveyou', 'zapis', 'belarus',
  'minsk', 'warszawa', 'vilnius', 'пароль', 'парол', 'йцукен', 'беларусь', 'мінск', 'минск', 'любовь', 'свабода',
  'свобода', 'жыве', 'живе', '123456', '111111', '000000', 'abc123', 'qazwsx', 'asdfgh', 'zxcvbn'];
const ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'йцукенгшщзх', 'фывапролджэ', 'ячсмитьбю',
  'abcdefghijklmnopqrstuvwxyz', 'абвгдеёжзийклмнопрстуфхцчшщъыьэюя'];

function pool(text) {
  let size = 0;
  if (/[a-z]/.test(text)) size += 26;
  if (/[A-Z]/.test(text)) size += 26;
  if (/[0-9]/.test(text)) size += 10;
  if (/[а-яёіў]/.test(text)) size += 33;
  if (/[А-ЯЁІЎ]/.test(text)) size += 33;
  if (/[^a-zA-Z0-9а-яёіўА-ЯЁІЎ\s]/.test(text)) size += 20;
  if (/\s/.test(text)) size += 1;
  return Math.max(size, 10);
}

// Characters that follow a run (abc, 321, qwe) or repeat the previous one add almost nothing.
function effectiveLength(text) {
  const lower = text.toLowerCase();
  let n = 0;
  for (let i = 0; i < lower.length; i++) {
    const pair = lower.slice(i - 1, i + 1);
    const repeat = i > 0 && lower[i] === lower[i - 1];
    const run = i > 0 && ROWS.some((row) => row.includes(pair) || [...row].reverse().join('').includes(pair));
    n += repeat || run ? 0.25 : 1;
  }
  return n;
}

/** {score 0..4, bits, hints: [message keys]} for a passphrase. */
export function strength(text) {
  const hints = [];
  if (!text) return { score: 0, bits: 0, hints: ['strength.hint_words'] };
  let bits = effectiveLength(text) * Math.log2(pool(text));
  const lower = text.toLowerCase();
  for (const word of COMMON) {
    if (lower.includes(word)) {
      bits -= word.length * 3;
      hints.push('strength.hint_common');
      break;
    }
  }
  const words = lower.split(/[\s\-_.,]+/).filter((w) => w.length >= 3);
  if (words.length >= 3 && new Set(words).size === words.length) bits = Math.max(bits, words.length * 13);
  if (text.length < MIN_LENGTH) {
    bits = Math.min(bits, 20);
    hints.push('strength.hint_length');
  }
  bits = Math.max(0, Math.round(bits));
  const score = bits < 28 ? 0 : bits < 40 ? 1 : bits < 55 ? 2 : bits < 70 ? 3 : 4;
  if (score < 3 && words.length < 3) hints.push('strength.hint_words');
  return { score, bits, hints: [...new Set(hints)] };
}

/** True when a passphrase is strong enough to protect a device. */
export function acceptable(text) {
  return text.length >= MIN_LENGTH && strength(text).score >= MIN_SCORE;
}
