/**
 * The attachments of one record, on its detail screen: each with its name, type, size and
 * thumbnail; open one (downloaded and decrypted on demand, with progress), remove one, and for a
 * coordinator, save a decrypted copy after a warning. Adding: take a photo (the camera) or choose
 * files (gallery, files). Object URLs made here are revoked when the view closes (`release`).
 */

import { kindOf } from '../attachments.js';
import { h, replace, uid } from './dom.js';
import { messageFor } from '../diagnostics.js';
import { report } from '../report.js';

const urls = new Set();

function urlOf(bytes, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  urls.add(url);
  return url;
}

/** Revoke every object URL a view made: called whenever the screen changes or the app locks. */
export function release() {
  for (const url of urls) URL.revokeObjectURL(url);
  urls.clear();
}

/** How many object URLs are alive (tests and the lock check it is 0). */
export function liveUrls() {
  return urls.size;
}

export function formatSize(lang, bytes) {
  const units = [[1024 * 1024, 'MB'], [1024, 'KB']];
  for (const [size, unit] of units) {
    if (bytes >= size) {
      return `${new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(bytes / size)} ${unit}`;
    }
  }
  return `${bytes} B`;
}

/**
 * `entries`: the record's attachment list; `states`: {id: {waiting, refused?}}; `on`: {add(files),
 * remove(id), open(entry, progress) → bytes, thumb(entry) → bytes|null, closed()}; `opts`: {canSave,
 * deleted, message (for the status line)}.
 */
export function attachmentsSection(t, lang, entries, states, on,
  { canSave = false, deleted = false, message = '' } = {}) {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }, message);
  const viewer = h('div', { class: 'attachment-viewer', hidden: true });
  const camera = uid('camera');
  const files = uid('files');
  const pick = async (input) => {
    const chosen = [...input.files];
    input.value = '';
    if (!chosen.length) return;
    status.textContent = t('attach.preparing');
    try {
      await on.add(chosen); // redraws the section, with its own message
    } catch (err) {
      // A file the app cannot take (AttachError: too big, not an image it can read) is the person's
      // to fix, and said with its key; anything else is a failure, logged too.
      status.textContent = err?.key ? t(err.key) : t('attach.failed');
      if (!err?.key) report(err, { where: 'attachment/add', show: false });
    }
  };
  let shown = null; // the object URL of the file open in the viewer
  const close = () => {
    viewer.hidden = true;
    replace(viewer);
    if (shown) {
      URL.revokeObjectURL(shown);
      urls.delete(shown);
      shown = null;
    }
    on.closed?.();
  };
  const show = async (entry, button) => {
    close();
    viewer.hidden = false;
    const bar = h('progress', { max: String(entry.chunks), value: '0',
      'aria-label': t('attach.downloading', { name: entry.name }) });
    replace(viewer, h('p', {}, t('attach.downloading', { name: entry.name })), bar);
    let bytes;
    try {
      bytes = await on.open(entry, (done) => { bar.value = done; });
    } catch (err) {
      report(err, { where: 'attachment/open', show: false }); // said in the viewer, where the file would be
      replace(viewer, h('p', { class: 'error', role: 'alert' }, messageFor(t, err, 'attach.open_failed')),
        h('button', { type: 'button', class: 'secondary', onclick: close }, t('attach.close')));
      return;
    }
    const url = urlOf(bytes, entry.type);
    shown = url;
    const kind = kindOf(entry.type);
    const body = kind === 'image' ? h('img', { src: url, alt: entry.name, class: 'attachment-full' })
      : kind === 'audio' ? h('audio', { src: url, controls: true, 'aria-label': entry.name })
        : h('iframe', { src: url, title: entry.name, class: 'attachment-pdf', sandbox: '' });
    const saveRow = canSave ? saveControl(t, entry, url) : null;
    replace(viewer, h('h3', { tabindex: '-1' }, entry.name), body,
      kind === 'image' ? null : h('p', { class: 'help' }, t('attach.metadata_kept')),
      saveRow, h('button', { type: 'button', class: 'secondary', onclick: () => { close(); button.focus(); } },
        t('attach.close')));
    viewer.querySelector('h3').focus();
  };
  const items = entries.map((entry) => {
    const state = states[entry.id];
    const img = h('img', { class: 'attachment-thumb', alt: '', hidden: true });
    if (entry.thumb) {
      on.thumb(entry).then((bytes) => {
        if (!bytes) return;
        img.src = urlOf(bytes, entry.thumb.type);
        img.hidden = false;
      }).catch(() => {}); // a thumbnail is a preview: without it the Open button still shows the file
    }
    const confirm = h('div', { class: 'actions', hidden: true },
      h('p', {}, t('attach.confirm_remove', { name: entry.name })),
      h('button', { type: 'button', class: 'danger', onclick: () => on.remove(entry.id) }, t('attach.remove_yes')),
      h('button', { type: 'button', class: 'secondary', onclick: () => { confirm.hidden = true; } }, t('form.cancel')));
    const open = h('button', { type: 'button', class: 'secondary', onclick: () => show(entry, open) },
      t('attach.open'));
    return h('li', { class: 'attachment', dataset: { id: entry.id } }, img,
      h('div', { class: 'attachment-meta' },
        h('p', { class: 'attachment-name' }, entry.name),
        h('p', { class: 'help' },
          `${t(`attach.kind_${kindOf(entry.type) ?? 'file'}`)} · ${formatSize(lang, entry.size)}`),
        state?.refused ? h('p', { class: 'error', role: 'alert' }, t(`refusal.${state.refused.code}`))
          : state?.waiting ? h('p', { class: 'help' }, t('attach.waiting')) : null),
      h('div', { class: 'actions' }, open, deleted ? null
        : h('button', { type: 'button', class: 'secondary', onclick: () => { confirm.hidden = false; } },
          t('attach.remove'))),
      confirm);
  });
  return h('section', { class: 'attachments', 'aria-labelledby': 'attachments-title' },
    h('h2', { id: 'attachments-title' }, t('attach.title')),
    entries.length ? h('ul', { class: 'attachment-list' }, items) : h('p', { class: 'help' }, t('attach.none')),
    viewer,
    deleted ? null : h('div', { class: 'attach-add' },
      h('input', { id: camera, type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden',
        onchange: (e) => pick(e.target) }),
      h('label', { for: camera, class: 'secondary file-button' }, t('attach.camera')),
      h('input', { id: files, type: 'file', accept: 'image/*,application/pdf,audio/*', multiple: true,
        class: 'visually-hidden', onchange: (e) => pick(e.target) }),
      h('label', { for: files, class: 'secondary file-button' }, t('attach.files')),
      h('p', { class: 'help' }, t('attach.help'))),
    status);
}

// A coordinator may keep a decrypted copy on purpose: it leaves the app's protection, so it is asked.
function saveControl(t, entry, url) {
  const warn = h('div', { class: 'notice-inline', hidden: true, role: 'alert' },
    h('p', {}, t('attach.save_warning')),
    h('a', { class: 'danger file-button', href: url, download: entry.name }, t('attach.save_yes')));
  return h('div', { class: 'attach-save' },
    h('button', { type: 'button', class: 'secondary', onclick: () => { warn.hidden = false; } },
      t('attach.save')), warn);
}
