/**
 * How hard a passphrase is to guess, and making one that is hard.
 *
 * A seized phone's vault can be attacked offline, one PBKDF2 run (crypto/vault.js) per guess, so
 * the passphrase itself must carry the weight. Typed passphrases are judged by zxcvbn-ts
 * (vendored, MIT: dictionaries, names, dates and years, keyboard patterns, l33t, repeats and
 * sequences) with its common, English and Polish packs, plus the most frequent words of Russian,
 * Ukrainian, Lithuanian and Belarusian (vendor/wordlists/dictionaries.json), the rows of the
 * Cyrillic keyboards and the words people here reach for first.
 *
 * The threshold: at least 10^14 guesses (MIN_GUESSES_LOG10). At the vault's work factor one
 * GPU checks in the order of 10^4 guesses a second (docs/pwa.md), so 10^14 is about 430
 * GPU-years for the whole space; `Summer2024`, `Lukashenko`, `Natasha1985` and `dog cat sun`
 * score 10^4 to 10^10 and are refused. A generated passphrase (six words from a list of 2,048 or
 * more) is at least 2^66 ≈ 10^19.9 by construction.
 */

import { asset } from './api.js';

export const MIN_GUESSES_LOG10 = 14;
export const MIN_LENGTH = 8;
/** The meter's level from which a passphrase is accepted (0-4). */
export const MIN_SCORE = 3;
export const GENERATED_WORDS = 6;

// Row fragments of the Cyrillic layouts (zxcvbn-ts knows the Latin ones as adjacency graphs).
const ROWS = ['йцукенгшщзхъ', 'фывапролджэ', 'ячсмитьбю', 'йцукенгшўзх', 'фывапролджэ', 'ячсмітьбю',
  'йцукенгшщзхї', 'фівапролджє', 'ячсмитьбю', 'ąčęėįšųūž'];
// Words and names that come first to mind here, in the scripts people type them in.
const LOCAL = ['zapis', 'belarus', 'bielarus', 'bielarus', 'minsk', 'miensk', 'hrodna', 'grodno', 'brest', 'viciebsk',
  'vitebsk', 'homiel', 'gomel', 'mahiliou', 'mogilev', 'lukashenko', 'lukashenka', 'tsikhanouskaya', 'tikhanovskaya',
  'babaryka', 'kalesnikava', 'zhyve', 'zhyvie', 'svaboda', 'svoboda', 'pahonia', 'pogonya', 'vilnius', 'warszawa',
  'беларусь', 'беларусь', 'мінск', 'минск', 'гродна', 'гродно', 'брэст', 'брест', 'віцебск', 'витебск', 'гомель',
  'магілёў', 'могилев', 'лукашэнка', 'лукашенко', 'ціханоўская', 'тихановская', 'бабарыка', 'калеснікава',
  'жыве', 'живе', 'свабода', 'свобода', 'пагоня', 'погоня', 'пароль', 'парол', 'запіс', 'запис'];

function rowFragments() {
  const out = new Set();
  for (const row of ROWS) {
    for (let n = 4; n <= row.length; n++) {
      for (let i = 0; i + n <= row.length; i++) {
        out.add(row.slice(i, i + n));
        out.add([...row.slice(i, i + n)].reverse().join(''));
      }
    }
  }
  return [...out];
}

async function loadJson(relative) {
  const url = new URL(relative, import.meta.url);
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return JSON.parse(await readFile(url, 'utf8'));
  }
  return asset(url.href);
}

async function loadText(relative) {
  const url = new URL(relative, import.meta.url);
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url, 'utf8');
  }
  return asset(url.href, 'text');
}

const HINTS = { dictionary: 'strength.hint_common', spatial: 'strength.hint_keyboard',
  sequence: 'strength.hint_keyboard',
  repeat: 'strength.hint_repeat', date: 'strength.hint_year' };

/** The meter's level 0-4 for a number of guesses (log10). */
export function scoreOf(log10) {
  return log10 < 8 ? 0 : log10 < 11 ? 1 : log10 < MIN_GUESSES_LOG10 ? 2 : log10 < 17 ? 3 : 4;
}

class Estimator {
  constructor(zxcvbn) {
    this.zxcvbn = zxcvbn;
  }

  /** {score 0..4, log10 (guesses), hints: [message keys]} for a passphrase. */
  strength(text) {
    if (!text) return { score: 0, log10: 0, hints: ['strength.hint_words'] };
    const result = this.zxcvbn.check(text.slice(0, 200));
    const hints = [];
    for (const match of result.sequence) {
      if (match.pattern === 'dictionary' && /name/i.test(match.dictionaryName)) hints.push('strength.hint_name');
      else if (match.pattern === 'dictionary'
        && match.dictionaryName === 'keyboards') hints.push('strength.hint_keyboard');
      else if (match.pattern === 'regex' && match.regexName === 'recentYear') hints.push('strength.hint_year');
      else if (HINTS[match.pattern]) hints.push(HINTS[match.pattern]);
    }
    let log10 = result.guessesLog10;
    if (text.length < MIN_LENGTH) {
      log10 = Math.min(log10, 6);
      hints.push('strength.hint_length');
    }
    const score = scoreOf(log10);
    if (score < MIN_SCORE) hints.push('strength.hint_words');
    return { score, log10, hints: [...new Set(hints)] };
  }

  /** True when a passphrase is strong enough to protect a device. */
  acceptable(text) {
    return text.length >= MIN_LENGTH && this.strength(text).log10 >= MIN_GUESSES_LOG10;
  }
}

let loading = null;

/** The estimator, loaded once (its dictionaries are a few megabytes, fetched when first needed). */
export function loadEstimator() {
  loading ??= Promise.all([
    import('../vendor/zxcvbn-ts/core/index.mjs'),
    import('../vendor/zxcvbn-ts/language-common/index.mjs'),
    import('../vendor/zxcvbn-ts/language-en/index.mjs'),
    import('../vendor/zxcvbn-ts/language-pl/index.esm.js'),
    loadJson('../vendor/wordlists/dictionaries.json'),
  ]).then(([core, common, en, pl, extra]) => new Estimator(new core.ZxcvbnFactory({
    translations: en.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary, ...pl.dictionary, ...extra,
      local: LOCAL, keyboards: rowFragments() },
  })), (error) => {
    loading = null;
    throw error;
  });
  return loading;
}

// -- generated passphrases --------------------------------------------------------------------

const LISTS = { be: 'be', ru: 'ru', uk: 'ru', en: 'en', pl: 'en', lt: 'en' };
const wordLists = {};

/** The word list for an interface language: Belarusian, Russian (for Ukrainian too) or English (EFF). */
export async function wordList(lang) {
  const name = LISTS[lang] ?? 'en';
  wordLists[name] ??= loadText(`../vendor/wordlists/${name}.txt`)
    .then((text) => text.split('\n').map((w) => w.trim()).filter(Boolean))
    .catch((error) => {
      delete wordLists[name];
      throw error;
    });
  return wordLists[name];
}

/** A uniform integer in [0, n) from crypto.getRandomValues, by rejection sampling (no modulo bias). */
export function randomIndex(n, random = (a) => globalThis.crypto.getRandomValues(a)) {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new Error('randomIndex: n out of range');
  const limit = 2 ** 32 - (2 ** 32 % n); // the largest multiple of n not above 2^32
  const buffer = new Uint32Array(1);
  for (;;) {
    random(buffer);
    if (buffer[0] < limit) return buffer[0] % n;
  }
}

/** {words, text, bits} of a fresh passphrase: `count` words drawn uniformly from `list`, joined by spaces. */
export function generate(list, count = GENERATED_WORDS, random) {
  if (new Set(list).size !== list.length
    || list.length < 2048) throw new Error('a word list needs 2,048 distinct words');
  const words = Array.from({ length: count }, () => list[randomIndex(list.length, random)]);
  return { words, text: words.join(' '), bits: count * Math.log2(list.length) };
}
