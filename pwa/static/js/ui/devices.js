/**
 * The device directory, for coordinators: who is verified (a certificate chain to the workspace
 * fingerprint), each device's role and status, and its safety number (both its keys, its id and
 * the workspace, core/binding.js), which a coordinator compares with the one shown on that device
 * (out of band: in person, on a call) before certifying it. A device whose own key-binding
 * statement does not match what the directory shows cannot be certified. Certify and remove ask
 * to be confirmed.
 */

import { h } from './dom.js';

/** A fingerprint in groups of four characters, easier to read aloud and compare. */
export function grouped(text) {
  return (text.match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * `data`: {devices: [{id, role, status, safety, bound}], trusted: {id: role}, removed: [id], me, canCertify,
 * rotation ({done, total} while records get new keys after a removal, else null)}.
 * `on`: {certify(id), revoke(id)}. Returns the screen element.
 */
export function devicesScreen(t, data, on) {
  const removed = new Set(data.removed ?? []);
  const gone = (d) => d.status === 'revoked' || removed.has(d.id);
  const order = (d) => (d.id === data.me ? 0 : gone(d) ? 3 : data.trusted[d.id] ? 2 : 1);
  const devices = [...data.devices].sort((a, b) => order(a) - order(b));
  const items = devices.map((d) => {
    const verified = Object.prototype.hasOwnProperty.call(data.trusted, d.id);
    const active = !gone(d);
    const confirm = h('div', { class: 'confirm', hidden: true });
    const ask = (text, label, kind, run) => {
      confirm.replaceChildren(h('p', {}, text), h('div', { class: 'actions' },
        h('button', { type: 'button', class: kind,
          onclick: async (e) => { e.target.disabled = true; await run(); } }, label),
        h('button', { type: 'button', class: 'secondary', onclick: () => { confirm.hidden = true; } },
          t('form.cancel'))));
      confirm.hidden = false;
    };
    const actions = [];
    if (active && !verified && data.canCertify && d.bound) {
      actions.push(h('button', { type: 'button', class: 'primary', onclick: () => ask(t('devices.certify_confirm'),
        t('devices.certify_yes'), 'primary', () => on.certify(d.id)) }, t('devices.certify')));
    }
    if (active && d.id !== data.me) {
      actions.push(h('button', { type: 'button', class: 'danger', onclick: () => ask(t('devices.revoke_confirm'),
        t('devices.revoke_yes'), 'danger', () => on.revoke(d.id)) }, t('devices.revoke')));
    }
    return h('li', { class: 'device', 'data-device': d.id },
      h('h2', {}, t(`role.${d.role}`), ' · ', h('code', {}, d.id.slice(0, 8)),
        d.id === data.me ? h('span', { class: 'badge' }, t('devices.this_device')) : null),
      h('p', { class: 'meta' },
        h('span', { class: verified ? 'badge verified' : 'badge unverified' },
          t(verified ? 'devices.verified' : 'devices.unverified')),
        h('span', { class: 'badge' }, t(active ? 'devices.active' : 'devices.revoked'))),
      h('p', { class: 'help' }, t('devices.safety')),
      h('p', {}, h('code', { class: 'fp safety' }, d.safety)),
      d.bound ? null : h('p', { class: 'warning', role: 'note' }, t('devices.unbound')),
      actions.length ? h('div', { class: 'actions' }, actions) : null, confirm);
  });
  const rotation = data.rotation ? h('p', { class: 'status rotation', role: 'status' },
    t('devices.rotation', { done: data.rotation.done, total: data.rotation.total })) : null;
  return h('section', { class: 'screen devices-screen', 'aria-labelledby': 'devices-title' },
    h('h1', { id: 'devices-title' }, t('devices.title')),
    h('p', { class: 'help' }, t('devices.help')),
    rotation,
    h('ul', { class: 'devices' }, items));
}
