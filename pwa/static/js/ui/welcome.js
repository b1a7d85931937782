/**
 * The screen of a device that has not joined (or was wiped): join inside the app, by scanning the
 * invite's QR code with the camera, by choosing a picture of it, or by pasting the link. None of
 * these is a navigation, so the invite's secret never enters the browser's History.
 */

import { cameraProblem, decodeFile, qrDecoder, startCamera } from './scan.js';
import { h, uid } from './dom.js';
import { languagePicker } from './language.js';

let stopCamera = null;

/** Turn the camera off if a scan is running (the screen is going away). */
export function stopScanning() {
  stopCamera?.();
  stopCamera = null;
}

/** `on`: {link(text), language(lang), keeps()}; `decoder` for tests (defaults to qrDecoder()). */
export function welcomeScreen(t, lang, on, { error } = {}) {
  const id = uid('link');
  const input = h('input', { id, type: 'text', inputmode: 'url', autocomplete: 'off', autocapitalize: 'none',
    autocorrect: 'off', spellcheck: 'false', 'aria-describedby': id + '-help' });
  const form = h('form', { class: 'stack', onsubmit: (e) => {
    e.preventDefault();
    const text = input.value.trim();
    input.value = ''; // the secret does not stay in a field
    on.link(text);
  } },
  h('div', { class: 'field' }, h('label', { for: id }, t('welcome.link_label')), input,
    h('p', { class: 'help', id: id + '-help' }, t('welcome.link_help'))),
  h('button', { type: 'submit', class: 'primary' }, t('welcome.open')));

  // -- the QR code: camera, or a picture of it ---------------------------------------------------
  const scanStatus = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const scanError = h('p', { class: 'error', role: 'alert' }, error ?? '');
  const video = h('video', { 'aria-label': t('scan.camera_label') });
  const cancel = h('button', { type: 'button', class: 'secondary', onclick: () => finish(null) }, t('scan.cancel'));
  const cameraBox = h('div', { class: 'scan stack', hidden: true }, video, cancel);
  const scanButton = h('button', { type: 'button', class: 'primary', onclick: () => scan() }, t('scan.button'));
  const fileId = uid('qrfile');
  const file = h('input', { id: fileId, type: 'file', accept: 'image/*', class: 'visually-hidden',
    onchange: () => picture() });

  function finish(text, { focus = true } = {}) {
    stopScanning();
    cameraBox.hidden = true;
    scanButton.hidden = false;
    scanStatus.textContent = '';
    if (text) on.link(text);
    else if (focus) scanButton.focus();
  }

  async function scan() {
    scanError.textContent = '';
    scanStatus.textContent = t('scan.starting');
    try {
      const decoder = await qrDecoder();
      cameraBox.hidden = false;
      scanButton.hidden = true;
      stopScanning();
      stopCamera = await startCamera(video, decoder, (text) => finish(text));
      scanStatus.textContent = t('scan.looking');
      cancel.focus();
    } catch (err) {
      // Expected: no camera, permission refused, no decoder. cameraProblem says which, in place.
      finish(null, { focus: false });
      scanError.textContent = t(cameraProblem(err));
      scanButton.focus();
    }
  }

  async function picture() {
    const chosen = file.files[0];
    file.value = '';
    if (!chosen) return;
    scanError.textContent = '';
    scanStatus.textContent = t('scan.reading');
    let text;
    try {
      text = await decodeFile(chosen, await qrDecoder());
    } catch {
      text = null; // not a picture this browser can read, or no code in it: said below
    }
    scanStatus.textContent = '';
    if (text) on.link(text);
    else scanError.textContent = t('scan.no_code');
  }

  return h('section', { class: 'screen welcome', 'aria-labelledby': 'welcome-title' },
    h('h1', { id: 'welcome-title' }, t('welcome.title')),
    h('p', {}, t('welcome.intro')),
    h('div', { class: 'stack' }, scanButton, cameraBox,
      file, h('label', { for: fileId, class: 'secondary file-button' }, t('scan.picture')),
      scanStatus, scanError),
    h('h2', {}, t('welcome.paste_title')),
    form,
    h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => on.keeps?.() }, t('keeps.link'))),
    languagePicker(t, lang, on.language));
}
