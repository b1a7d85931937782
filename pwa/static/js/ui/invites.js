/**
 * Invites, for coordinators: make one (its link shown once, as a QR code drawn here and a link to
 * copy, since its secret lives in the fragment), list them, withdraw one.
 */

import { formatWhen } from './format.js';
import { h, uid } from './dom.js';
import { qrCode } from './qr.js';

const ROLES = ['volunteer', 'reporter', 'coordinator'];
const USES = [1, 10, 50, 200];
const HOURS = [24, 72, 168, 720];

/** What an invite is now: 'active', 'withdrawn', 'expired' or 'used'. */
export function inviteState(invite, now = Date.now()) {
  if (invite.revoked) return 'withdrawn';
  if (Date.parse(invite.expires_at) <= now) return 'expired';
  if (invite.uses >= invite.max_uses) return 'used';
  return 'active';
}

function choice(label, options, value) {
  const id = uid('inv');
  const select = h('select', { id },
    options.map(([v, text]) => h('option', { value: String(v), selected: v === value }, text)));
  return { el: h('div', { class: 'field' }, h('label', { for: id }, label), select), select };
}

/**
 * `data`: {invites: [invite], created: {link, role} | null, error: text | null}.
 * `on`: {create({role, max_uses, expires_in_hours}), withdraw(id), copy(link) → Promise<bool>}.
 */
export function invitesScreen(t, lang, data, on) {
  const role = choice(t('invites.role'), ROLES.map((r) => [r, t(`role.${r}`)]), 'volunteer');
  const uses = choice(t('invites.uses'), USES.map((n) => [n, t('invites.uses_n', { count: n })]), 1);
  const hours = choice(t('invites.expires'), HOURS.map((n) => [n, t('invites.days', { count: n / 24 })]), 168);
  // Adding a coordinator's device: what follows once it has joined (verify, certify, keys shared).
  const coordinatorHelp = h('p', { class: 'help', role: 'note' }, t('invites.coordinator_help'));
  const syncUses = () => {
    uses.el.hidden = role.select.value !== 'reporter'; // volunteers and coordinators: single use
    coordinatorHelp.hidden = role.select.value !== 'coordinator';
  };
  role.select.addEventListener('change', syncUses);
  syncUses();
  const form = h('form', { class: 'stack', onsubmit: (e) => {
    e.preventDefault();
    const reporter = role.select.value === 'reporter';
    on.create({ role: role.select.value, max_uses: reporter ? Number(uses.select.value) : 1,
      expires_in_hours: Number(hours.select.value) });
  } }, role.el, coordinatorHelp, uses.el, hours.el,
  h('button', { type: 'submit', class: 'primary' }, t('invites.create')));

  let created = null;
  if (data.created) {
    const copied = h('p', { class: 'status', role: 'status' });
    const linkId = uid('link');
    created = h('div', { class: 'created', 'aria-labelledby': 'created-title' },
      h('h2', { id: 'created-title' }, t('invites.created', { role: t(`role.${data.created.role}`) })),
      h('p', { class: 'warning' }, t('invites.secret')),
      qrCode(data.created.link, t('invites.qr_label')),
      h('div', { class: 'field' }, h('label', { for: linkId }, t('invites.link')),
        h('input', { id: linkId, type: 'text', readonly: true, value: data.created.link, autocomplete: 'off' })),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: async () => {
        copied.textContent = t((await on.copy(data.created.link)) ? 'invites.copied' : 'invites.copy_failed');
      } }, t('invites.copy'))), copied);
  }

  const rows = data.invites.map((inv) => {
    const state = inviteState(inv);
    return h('li', { class: 'invite' },
      h('p', {}, h('strong', {}, t(`role.${inv.role}`)), ' · ', t(`invites.state_${state}`)),
      h('p', { class: 'help' }, t('invites.used', { uses: inv.uses, max: inv.max_uses }), ' · ',
        t('invites.until', { date: formatWhen(lang, inv.expires_at.slice(0, 10)) })),
      state === 'active' ? h('button', { type: 'button', class: 'secondary', onclick: () => on.withdraw(inv.id) },
        t('invites.withdraw')) : null);
  });

  return h('section', { class: 'screen invites-screen', 'aria-labelledby': 'invites-title' },
    h('h1', { id: 'invites-title' }, t('invites.title')),
    data.error ? h('p', { class: 'error', role: 'alert' }, data.error) : null,
    created,
    h('h2', {}, t('invites.new')), form,
    h('h2', {}, t('invites.list')),
    rows.length ? h('ul', { class: 'invites' }, rows) : h('p', { class: 'help' }, t('invites.none')));
}
