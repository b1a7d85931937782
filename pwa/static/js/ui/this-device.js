/**
 * This device (from Settings): the name it goes by for coordinators, editable (it travels
 * encrypted, as a record only coordinators and this device read), and its safety number in groups
 * and as a QR code, for the coordinator who certifies it to scan from their own Devices screen.
 */

import { NAME_MAX } from '../device-names.js';
import { safetyCode as safetyText } from '../safety.js';
import { safetyCode } from './devices.js';
import { h, uid } from './dom.js';
import { qrCode } from './qr.js';

/**
 * `data`: {device (id), role, name (its current name, or ''), safety}. `on`: {save(name) →
 * Promise<bool>, back()}. Returns the screen element.
 */
export function thisDeviceScreen(t, data, on) {
  const nid = uid('name');
  const input = h('input', { id: nid, type: 'text', value: data.name ?? '', maxlength: String(NAME_MAX),
    autocomplete: 'off', autocapitalize: 'none', autocorrect: 'off', spellcheck: 'false',
    'aria-describedby': `${nid}-help` });
  const status = h('p', { class: 'status', role: 'status' });
  const form = h('form', { class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    status.textContent = '';
    const ok = await on.save(input.value).catch(() => false);
    status.textContent = t(ok ? 'name.saved' : 'name.not_saved');
  } },
  h('div', { class: 'field' }, h('label', { for: nid }, t('name.label')), input,
    h('p', { class: 'help', id: `${nid}-help` }, t('name.edit_help'))),
  status,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('name.save'))));
  let qr;
  try {
    qr = qrCode(safetyText(data.device, data.safety), t('safety.qr_label'));
  } catch {
    qr = null; // not a safety number (its keys could not be read): the digits say so
  }
  return h('section', { class: 'screen this-device-screen', 'aria-labelledby': 'this-device-title' },
    h('h1', { id: 'this-device-title' }, t('safety.title')),
    h('h2', {}, t('name.title')),
    form,
    h('h2', {}, t('settings.safety')),
    h('p', { class: 'help' }, t('safety.help')),
    h('p', { class: 'safety-big' }, safetyCode(data.safety)),
    qr,
    h('p', { class: 'help' }, t('safety.qr_help')),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => on.back() },
      t('safety.back'))));
}
