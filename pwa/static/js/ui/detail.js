/**
 * One record: every field in the person's language, conflicts marked (with the way to resolve
 * them), edit and (soft) delete, and for coordinators, sharing it with another device.
 */

import { OPTIONS, fieldsOf, kindOf } from '../forms.js';
import { h, uid } from './dom.js';
import { formatValue, formatWhen, recordLabel } from './format.js';
import { historySection } from './history.js';
import { notesSection } from './notes.js';

/**
 * `record`: {id, values, conflicts, siblings, unreadable?, wrongKeys?}; `on`: {edit(), remove(),
 * restore(), back(), open(id), resolve(), grant(deviceId), status(value) (a kind with a status)};
 * `share`: [{id, label}] devices a coordinator may share it with, or null; `deviceLabel(id)`: how a
 * device is named to a person;
 * `ack`: {received (the date of the first acknowledgement, or null), author (this device wrote it),
 * mark (this device may mark it received)}, or null for a kind nobody acknowledges; `notes`: the
 * record's case notes (ui/notes.js; `on.note(text)` adds one), or null where notes do not apply.
 */
export function detailScreen(t, lang, record, on, lookup = () => null, share = null,
  deviceLabel = (id) => id.slice(0, 8), ack = null, notes = null) {
  const { values } = record;
  const kind = kindOf(values);
  const deleted = values._deleted === true;
  const rows = [];
  for (const f of fieldsOf(kind)) {
    const text = formatValue(t, lang, kind, f.name, values[f.name], (id) => lookup(id)?.label, deviceLabel);
    if (!text) continue;
    const conflict = record.conflicts.includes(f.name);
    const value = f.type === 'record' && lookup(values[f.name])
      ? h('button', { type: 'button', class: 'link', onclick: () => on.open(values[f.name]) }, text)
      : text;
    rows.push(h('div', { class: conflict ? 'row conflict' : 'row' },
      h('dt', {}, t(`${kind}.${f.name}`)),
      h('dd', { class: f.type === 'textarea' || f.type === 'links' ? 'long' : '' }, value,
        conflict ? h('span', { class: 'badge conflict' }, t('detail.conflict')) : null)));
  }
  if (record.conflicts.includes('_deleted')) {
    rows.unshift(h('div', { class: 'row conflict' }, h('dt', {}, t('conflict.deleted_field')),
      h('dd', {}, t(deleted ? 'conflict.deleted_yes' : 'conflict.deleted_no'),
        h('span', { class: 'badge conflict' }, t('detail.conflict')))));
  }
  const confirmRow = h('div', { class: 'actions', hidden: true },
    h('p', {}, t('detail.confirm_delete')),
    h('button', { type: 'button', class: 'danger', onclick: () => on.remove() }, t('detail.delete_yes')),
    h('button', { type: 'button', class: 'secondary', onclick: () => { confirmRow.hidden = true; } },
      t('form.cancel')));
  // Erasing for good (a signed purge order: coordinators only), once the record is deleted; the
  // confirmation names the record.
  const purgeRow = h('div', { class: 'actions', hidden: true },
    h('p', {}, t('detail.purge_confirm', { label: recordLabel(t, lang, { ...values, kind }) })),
    h('button', { type: 'button', class: 'danger', onclick: async (e) => {
      e.target.disabled = true;
      try {
        await on.purge();
      } finally {
        e.target.disabled = false;
      }
    } }, t('detail.purge_yes')),
    h('button', { type: 'button', class: 'secondary', onclick: () => { purgeRow.hidden = true; } }, t('form.cancel')));
  const actions = deleted
    ? h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: () => on.restore() }, t('detail.restore')),
      on.purge ? h('button', { type: 'button', class: 'danger', onclick: () => { purgeRow.hidden = false; } },
        t('detail.purge')) : null)
    : h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: () => on.edit() }, t('detail.edit')),
      h('button', { type: 'button', class: 'secondary', onclick: () => { confirmRow.hidden = false; } },
        t('detail.delete')));
  return h('section', { class: 'screen detail-screen', 'aria-labelledby': 'detail-title' },
    h('button', { type: 'button', class: 'back', onclick: () => on.back() }, t('detail.back')),
    h('p', { class: 'kind' }, t(`kind.${kind}`)),
    h('h1', { id: 'detail-title' }, recordLabel(t, lang, { ...values, kind })),
    deleted ? h('p', { class: 'notice-inline' }, t('detail.is_deleted')) : null,
    record.conflicts.length ? h('div', { class: 'notice-inline conflicts' }, h('p', {}, t('detail.has_conflicts')),
      h('button', { type: 'button', class: 'primary', onclick: () => on.resolve() }, t('detail.resolve'))) : null,
    problemsNotice(t, kind, record, deviceLabel),
    ack ? ackSection(t, lang, ack, on) : null,
    !deleted && on.status ? statusSection(t, kind, values, on) : null,
    h('dl', { class: 'fields' }, rows), actions, confirmRow, deleted ? purgeRow : null,
    notes && !deleted ? notesSection(t, notes, on.note) : null,
    historySection(t, lang, kind, record, deviceLabel, lookup),
    share ? shareSection(t, share, on) : null);
}

// Values this device holds but cannot read, and key wraps it refused: each costs only itself,
// and the person is told which device sent it (docs/protocol.md, "Reading robustly"). A field whose
// name no readable value tells (its id only) is "a field".
function fieldLabel(t, kind, field) {
  if (field === null || field === undefined) return t('detail.unknown_field');
  return field === '_deleted' ? t('conflict.deleted_field') : t(`${kind}.${field}`);
}

function problemsNotice(t, kind, record, deviceLabel) {
  const items = [
    ...(record.unreadable ?? []).map((u) => t('detail.unreadable_value', {
      field: fieldLabel(t, kind, u.field), device: deviceLabel(u.device) })),
    ...(record.wrongKeys ?? []).map((w) => t('detail.wrong_key', { device: deviceLabel(w.sender) })),
  ];
  if (!items.length) return null;
  return h('div', { class: 'notice-inline problems', role: 'note' },
    h('p', {}, t('detail.unreadable_title')), h('ul', {}, items.map((text) => h('li', {}, text))));
}

// "Someone saw your report": the author sees when a coordinator marked it received (or that
// nobody has yet); a coordinator sees the same, or the button that marks it.
function ackSection(t, lang, ack, on) {
  if (ack.received) {
    return h('p', { class: 'notice-inline received', role: 'status' },
      t('ack.received', { date: formatWhen(lang, ack.received) }));
  }
  const parts = [];
  if (ack.author) parts.push(h('p', { class: 'help waiting' }, t('ack.waiting')));
  if (ack.mark) {
    const button = h('button', { type: 'button', class: 'secondary', onclick: async () => {
      button.disabled = true;
      try {
        await on.acknowledge();
      } finally {
        button.disabled = false;
      }
    } }, t('ack.mark'));
    parts.push(h('div', { class: 'stack ack' }, h('p', { class: 'help' }, t('ack.mark_help')), button));
  }
  return parts.length ? h('div', { class: 'ack-section' }, parts) : null;
}

// A need's status in one tap: one button per status, the current one pressed. The save is one
// signed change of that field alone, like an edit.
function statusSection(t, kind, values, on) {
  const f = fieldsOf(kind).find((x) => x.name === 'status' && x.options);
  if (!f) return null;
  const id = uid('status');
  const status = h('p', { class: 'status', role: 'status' });
  const buttons = OPTIONS[f.options].map((v) => h('button', { type: 'button', class: 'secondary',
    'aria-pressed': String(values.status === v), onclick: async () => {
      if (values.status === v) return;
      buttons.forEach((b) => { b.disabled = true; });
      try {
        await on.status(v);
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    } }, t(`opt.${f.options}.${v}`)));
  // Its assignee beside it, when the kind has one: chosen from the workspace's active devices.
  const field = fieldsOf(kind).find((x) => x.type === 'device');
  let assign = null;
  if (field && on.assignees) {
    const sid = uid('assignee');
    const current = values[field.name] ?? '';
    const known = on.assignees.some((d) => d.id === current);
    assign = h('div', { class: 'field' }, h('label', { for: sid }, t(`${kind}.${field.name}`)),
      h('select', { id: sid, onchange: async (e) => {
        e.target.disabled = true;
        try {
          await on.assign(field.name, e.target.value);
        } finally {
          e.target.disabled = false;
        }
      } }, h('option', { value: '', selected: !current }, t('form.nobody')),
      current && !known ? h('option', { value: current, selected: true }, on.deviceLabel(current)) : null,
      on.assignees.map((d) => h('option', { value: d.id, selected: d.id === current }, d.label))));
  }
  return h('div', { class: 'stack status-set', role: 'group', 'aria-labelledby': id },
    h('h2', { id }, t(`${kind}.status`)), h('div', { class: 'status-buttons' }, buttons), assign, status);
}

function shareSection(t, devices, on) {
  const id = uid('share');
  const status = h('p', { class: 'status', role: 'status' });
  const select = h('select', { id }, h('option', { value: '' }, t('form.choose')),
    devices.map((d) => h('option', { value: d.id }, d.label)));
  return h('form', { class: 'stack share', onsubmit: async (e) => {
    e.preventDefault();
    if (!select.value) return;
    await on.grant(select.value);
    status.textContent = t('share.done');
  } }, h('h2', {}, t('share.title')), h('p', { class: 'help' }, t('share.help')),
  devices.length ? [h('div', { class: 'field' }, h('label', { for: id }, t('share.device')), select),
    h('button', { type: 'submit', class: 'secondary' }, t('share.button'))] : h('p', { class: 'help' },
      t('share.none')),
  status);
}
