/**
 * "What this phone keeps": what the app erases and how, what any browser keeps whatever an app
 * does, and what a person at risk should do about it. Reachable from the welcome and lock screens
 * and from Settings; the same text, in English, is in docs/pwa.md.
 */

import { h } from './dom.js';

const SECTIONS = [
  ['keeps.erase_title', ['keeps.erase_lock', 'keeps.erase_exit', 'keeps.erase_buckets', 'keeps.erase_fallback',
    'keeps.erase_attachments']],
  ['keeps.browser_title', ['keeps.browser_history', 'keeps.browser_cache', 'keeps.browser_links']],
  ['keeps.todo_title', ['keeps.todo_travel', 'keeps.todo_camouflage', 'keeps.todo_browser', 'keeps.todo_history',
    'keeps.todo_seized']],
];

/** `on`: {back()}. */
export function keepsScreen(t, on) {
  return h('section', { class: 'screen keeps', 'aria-labelledby': 'keeps-title' },
    h('button', { type: 'button', class: 'back', onclick: () => on.back() }, t('keeps.back')),
    h('h1', { id: 'keeps-title', tabindex: '-1' }, t('keeps.title')),
    h('p', {}, t('keeps.intro')),
    SECTIONS.map(([title, items]) => [h('h2', {}, t(title)), h('ul', { class: 'keeps-list' },
      items.map((key) => h('li', {}, t(key))))]));
}
