/** A tiny element builder. No innerHTML anywhere: text is always text, never markup. */

/**
 * h('button', {class: 'x', type: 'button', onclick: fn, dataset: {id: 1}}, 'Label', child...)
 * Attributes set to false, null or undefined are left out; `true` sets an empty attribute.
 */
// Whatever can hold typed text is kept out of the browser's autofill and form memory unless a
// caller asks otherwise (a passphrase's 'new-password', say): what someone types here is for the app alone.
const TYPED = new Set(['form', 'input', 'textarea', 'select']);

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  if (TYPED.has(tag) && !('autocomplete' in attrs)) el.setAttribute('autocomplete', 'off');
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'class') el.className = value;
    else if (name === 'value' || name === 'checked' || name === 'selected') el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

/** Append children (strings become text nodes; arrays are flattened; nullish is skipped). */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let counter = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix = 'f') {
  counter += 1;
  return `${prefix}-${counter}`;
}
