/**
 * Translations: six languages, chosen from the browser's preferences unless the person picks one.
 *
 * Messages live in /static/i18n/<lang>.json (flat keys). A message may hold {name} placeholders;
 * a plural message is an object keyed by Intl.PluralRules categories (one, few, many, other).
 */

import { asset } from './api.js';

export const LANGUAGES = ['be', 'ru', 'uk', 'en', 'pl', 'lt'];
export const DEFAULT_LANGUAGE = 'en';
// Each language names itself in the switcher, so a person can find theirs whatever is shown.
export const NATIVE_NAMES = {
  be: 'Беларуская', ru: 'Русский', uk: 'Українська', en: 'English', pl: 'Polski', lt: 'Lietuvių',
};

/** The first supported language among the browser's preferences (e.g. navigator.languages). */
export function pickLanguage(preferences) {
  for (const tag of preferences || []) {
    const base = String(tag).toLowerCase().split(/[-_]/)[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return DEFAULT_LANGUAGE;
}

/** A translate function over one language's messages: t(key, params). Missing keys show the key. */
export function translator(lang, messages) {
  const plurals = new Intl.PluralRules(lang);
  return function t(key, params = {}) {
    let message = messages[key];
    if (message === undefined) return key;
    if (typeof message === 'object') {
      message = message[plurals.select(Number(params.count ?? 0))] ?? message.other;
    }
    return message.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  };
}

/** Fetch a language's messages (the service worker serves them offline) and return its translator. */
export async function load(lang) {
  const code = LANGUAGES.includes(lang) ? lang : DEFAULT_LANGUAGE;
  return { lang: code, t: translator(code, await asset(`/static/i18n/${code}.json`)) };
}
