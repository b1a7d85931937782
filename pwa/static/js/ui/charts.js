/**
 * Plain SVG bar charts, each followed by its numbers as a table: the chart is for the eye (hidden
 * from screen readers, which read the table), the table for anyone, a screen reader and a printout.
 * Horizontal bars, labels above each bar, so a long category name never needs a wide screen.
 */

import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 320;
const ROW = 30; // label line + bar
const BAR = 12;

function svg(tag, attrs, text = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== null) el.textContent = text;
  return el;
}

/**
 * A figure: a heading, the bars of `rows` ([[label, n]]) and a table with the same numbers.
 * `headers`: [what the labels are, what the numbers are]. An empty list draws "none" instead.
 */
export function barChart(title, rows, headers, { none, id }) {
  const heading = h('h2', { id }, title);
  if (!rows.length) return h('section', { class: 'chart', 'aria-labelledby': id }, heading,
    h('p', { class: 'help' }, none));
  const max = Math.max(1, ...rows.map(([, n]) => n));
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${rows.length * ROW}`, class: 'bars', 'aria-hidden': 'true',
    focusable: 'false', preserveAspectRatio: 'xMinYMin meet' });
  rows.forEach(([label, n], i) => {
    const y = i * ROW;
    const width = Math.max(n ? 2 : 0, Math.round((n / max) * (WIDTH - 60)));
    chart.append(svg('text', { x: 0, y: y + 11, class: 'bar-label' }, label),
      svg('rect', { x: 0, y: y + 14, width, height: BAR, rx: 2, class: 'bar' }),
      svg('text', { x: width + 6, y: y + 25, class: 'bar-value' }, String(n)));
  });
  const table = h('table', { class: 'numbers' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, headers[0]),
      h('th', { scope: 'col', class: 'n' }, headers[1]))),
    h('tbody', {}, rows.map(([label, n]) => h('tr', {}, h('th', { scope: 'row' }, label),
      h('td', { class: 'n' }, String(n))))));
  return h('section', { class: 'chart', 'aria-labelledby': id }, heading, chart, table);
}
