/**
 * A plain calculator: the harmless page the panic control leaves for. With camouflage on (see
 * js/door.js) it is also the door: the code typed and followed by "=" opens the app's lock screen.
 */

import { CALC_NAMES, opens } from '../js/door.js';

const lang = (navigator.language || 'en').slice(0, 2);
document.title = CALC_NAMES[lang] || CALC_NAMES.en;
document.documentElement.lang = CALC_NAMES[lang] ? lang : 'en';

const display = document.getElementById('display');
let text = '';

/** Evaluate + - * / and parentheses by recursive descent (no eval: the CSP forbids it anyway). */
function evaluate(src) {
  const tokens = src.match(/\d+(?:\.\d+)?|[-+*/()]/g) || [];
  let i = 0;
  const peek = () => tokens[i];
  function factor() {
    const tok = tokens[i++];
    if (tok === '-') return -factor();
    if (tok === '(') {
      const v = sum();
      if (tokens[i++] !== ')') throw new Error('paren');
      return v;
    }
    const v = Number(tok);
    if (Number.isNaN(v)) throw new Error('number');
    return v;
  }
  function product() {
    let v = factor();
    while (peek() === '*' || peek() === '/') v = tokens[i++] === '*' ? v * factor() : v / factor();
    return v;
  }
  function sum() {
    let v = product();
    while (peek() === '+' || peek() === '-') v = tokens[i++] === '+' ? v + product() : v - product();
    return v;
  }
  const v = sum();
  if (i !== tokens.length || !Number.isFinite(v)) throw new Error('syntax');
  return String(Math.round(v * 1e10) / 1e10);
}

async function press(key) {
  if (key === 'C') text = '';
  else if (key === '=') {
    // The door: nothing shows that it exists, and a wrong code is just a number.
    const typed = text;
    if (await opens(typed)) {
      text = '';
      location.replace('/');
      return;
    }
    try { text = evaluate(text); } catch { text = ''; display.value = 'Error'; return; }
  } else text += key;
  display.value = text || '0';
}

document.querySelector('.keys').addEventListener('click', (e) => {
  const key = e.target.closest('button')?.dataset.key;
  if (key) press(key);
});
document.addEventListener('keydown', (e) => {
  if (/^[\d.+\-*/()]$/.test(e.key)) press(e.key);
  else if (e.key === 'Enter' || e.key === '=') press('=');
  else if (e.key === 'Escape' || e.key === 'Backspace') press('C');
});
