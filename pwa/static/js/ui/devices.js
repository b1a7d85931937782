/**
 * The device directory, for coordinators: each device by the name it gave itself ("unverified
 * name" until it is verified: a hostile phone may claim any name), its role and the start of its
 * id, whether it is verified (a certificate chain to the workspace fingerprint), active or
 * removed, and its safety number (both its keys, its id and the workspace, core/binding.js) in
 * groups of five digits. *Certify* opens the comparison: scan the QR code that device shows of
 * its own number (Settings, *This device*), or choose a picture of it, or compare the digits out
 * of band; the result is said plainly, a mismatch takes the button away, and *They match: certify*
 * certifies. A device whose own key-binding statement does not match what the directory shows
 * cannot be certified. A verified coordinator's card shows how many record keys this device has
 * shared with it (a bar with counts; the re-wrap resumes after a reload).
 */

import { safetyGroups } from '../safety.js';
import { h, uid } from './dom.js';
import { cameraProblem, decodeFile, qrDecoder, startCamera } from './scan.js';

/** A fingerprint in groups of four characters, easier to read aloud and compare. */
export function grouped(text) {
  return (text.match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * A safety number as a `code` of six groups of five digits (its text stays the number itself,
 * the groups separated by single spaces, so it reads and copies the same), wrapping between groups.
 */
export function safetyCode(number) {
  const groups = safetyGroups(number);
  if (!groups.length) return h('code', { class: 'fp safety' }, number ?? '');
  const parts = [];
  groups.forEach((g, i) => {
    if (i) parts.push(' ');
    parts.push(h('span', { class: 'group' }, g));
  });
  return h('code', { class: 'fp safety' }, parts);
}

/** A bar with counts: `label` says what is being done, `done` of `total`. */
export function progressBar(t, label, done, total) {
  const id = uid('progress');
  const text = h('p', { id, class: 'progress-text' }, label, ' ', t('devices.share_count', { done, total }));
  const bar = h('progress', { max: String(Math.max(total, 1)), value: String(done), 'aria-labelledby': id });
  const el = h('div', { class: 'share-progress', role: 'group', 'aria-labelledby': id }, text, bar);
  return {
    el,
    update(d, n) {
      bar.max = Math.max(n, 1);
      bar.value = d;
      text.replaceChildren(label, ' ', t('devices.share_count', { done: d, total: n }));
    },
  };
}

// The comparison before certifying: scan (camera or picture) or compare by eye, then certify.
function verifyPanel(t, d, on, close) {
  const status = h('p', { class: 'status compare-result', role: 'status', 'aria-live': 'polite' });
  const problem = h('p', { class: 'error', role: 'alert' });
  const video = h('video', { 'aria-label': t('scan.camera_label') });
  const stopButton = h('button', { type: 'button', class: 'secondary', onclick: () => stopScan() }, t('scan.cancel'));
  const cameraBox = h('div', { class: 'scan stack', hidden: true }, video, stopButton);
  const certify = h('button', { type: 'button', class: 'primary', onclick: async (e) => {
    e.target.disabled = true;
    stopScan();
    await on.certify(d.id);
  } }, t('devices.certify_yes'));
  let stopCamera = null;
  let watch = null;

  function stopScan() {
    stopCamera?.();
    stopCamera = null;
    clearInterval(watch);
    cameraBox.hidden = true;
    scanButton.hidden = false;
  }

  function judge(text) {
    stopScan();
    problem.textContent = '';
    const verdict = on.compare(d.id, text);
    status.className = `status compare-result ${verdict}`;
    status.textContent = t(`devices.compare_${verdict}`);
    // A number that differs means other keys than that phone's: no certificate from here.
    certify.hidden = verdict === 'mismatch';
    certify.disabled = verdict === 'mismatch';
    if (verdict === 'match') certify.focus();
  }

  const scanButton = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    problem.textContent = '';
    status.textContent = t('scan.starting');
    try {
      const decoder = await qrDecoder();
      cameraBox.hidden = false;
      scanButton.hidden = true;
      stopCamera = await startCamera(video, decoder, judge);
      status.textContent = t('devices.scan_looking');
      // The camera goes off with the screen (another screen drawn, the lock).
      watch = setInterval(() => { if (!video.isConnected) stopScan(); }, 500);
    } catch (err) {
      stopScan();
      status.textContent = '';
      problem.textContent = t(cameraProblem(err) === 'scan.denied' ? 'devices.scan_denied' : 'devices.scan_failed');
      scanButton.focus();
    }
  } }, t('devices.scan'));
  const fileId = uid('safetyfile');
  const read = async (chosen) => {
    try {
      return await decodeFile(chosen, await qrDecoder());
    } catch {
      return null; // not a picture, or no decoder (offline before jsQR was ever loaded)
    }
  };
  const file = h('input', { id: fileId, type: 'file', accept: 'image/*', class: 'visually-hidden',
    onchange: async (e) => {
      const chosen = e.target.files?.[0];
      e.target.value = '';
      if (!chosen) return;
      problem.textContent = '';
      status.textContent = t('scan.reading');
      const text = await read(chosen);
      if (text) judge(text);
      else {
        status.textContent = '';
        problem.textContent = t('devices.scan_no_code');
      }
    } });
  const titleId = uid('compare');
  return h('div', { class: 'verify-panel stack', role: 'group', 'aria-labelledby': titleId },
    h('h3', { id: titleId }, t('devices.compare_title')),
    h('p', { class: 'help' }, t('devices.certify_confirm')),
    h('div', { class: 'actions' }, scanButton, file,
      h('label', { for: fileId, class: 'secondary file-button' }, t('devices.scan_picture'))),
    cameraBox, status, problem,
    h('div', { class: 'actions' }, certify,
      h('button', { type: 'button', class: 'secondary', onclick: () => { stopScan(); close(); } }, t('form.cancel'))));
}

/**
 * `data`: {devices: [{id, role, status, safety, bound, label, name (a verified name or null),
 * unverified (a name read from a device not verified yet, or null)}], trusted: {id: role},
 * removed: [id], me, canCertify, open (the device to verify, whose Certify button takes the focus, or null), share
 * ([{id, done, total}]: record keys this device shared with each verified coordinator), rotation
 * ({done, total} while records get new keys after a removal, else null)}.
 * `on`: {certify(id), revoke(id), compare(id, text) → 'match'|'mismatch'|'other_device'|'not_safety'}.
 * Returns {el, share([{id, done, total}]) (updates the bars in place), busy()}.
 */
export function devicesScreen(t, data, on) {
  const removed = new Set(data.removed ?? []);
  const gone = (d) => d.status === 'revoked' || removed.has(d.id);
  const order = (d) => (d.id === data.me ? 0 : gone(d) ? 3 : data.trusted[d.id] ? 2 : 1);
  const devices = [...data.devices].sort((a, b) => order(a) - order(b));
  const bars = new Map();
  const shares = new Map((data.share ?? []).map((s) => [s.id, s]));
  let opened = null;
  const items = devices.map((d) => {
    const verified = Object.prototype.hasOwnProperty.call(data.trusted, d.id);
    const active = !gone(d);
    const confirm = h('div', { class: 'confirm', hidden: true });
    const panelBox = h('div', { class: 'verify-box' });
    const ask = (text, label, kind, run) => {
      confirm.replaceChildren(h('p', {}, text), h('div', { class: 'actions' },
        h('button', { type: 'button', class: kind,
          onclick: async (e) => { e.target.disabled = true; await run(); } }, label),
        h('button', { type: 'button', class: 'secondary', onclick: () => { confirm.hidden = true; } },
          t('form.cancel'))));
      confirm.hidden = false;
    };
    const actions = [];
    const openPanel = () => {
      const panel = verifyPanel(t, d, on, () => {
        panelBox.replaceChildren();
        certifyButton?.setAttribute('aria-expanded', 'false');
        certifyButton?.focus();
      });
      panelBox.replaceChildren(panel);
      panel.querySelector('button')?.focus();
    };
    let certifyButton = null;
    if (active && !verified && data.canCertify && d.bound) {
      certifyButton = h('button', { type: 'button', class: 'primary', 'aria-expanded': 'false', onclick: (e) => {
        e.currentTarget.setAttribute('aria-expanded', 'true');
        openPanel();
      } }, t('devices.certify'));
      actions.push(certifyButton);
      if (data.open === d.id) {
        opened = () => {
          certifyButton.scrollIntoView({ block: 'center' });
          certifyButton.focus();
        };
      }
    }
    if (active && d.id !== data.me) {
      actions.push(h('button', { type: 'button', class: 'danger', onclick: () => ask(t('devices.revoke_confirm'),
        t('devices.revoke_yes'), 'danger', () => on.revoke(d.id)) }, t('devices.revoke')));
    }
    const short = `${t(`role.${d.role}`)} · ${d.id.slice(0, 8)}`;
    const named = d.name?.name ?? d.unverified?.name ?? null;
    const share = shares.get(d.id);
    let bar = null;
    if (share && verified && active && d.role === 'coordinator') {
      bar = progressBar(t, t('devices.share_label'), share.done, share.total);
      bars.set(d.id, bar);
    }
    return h('li', { class: 'device', 'data-device': d.id },
      h('h2', {}, named ? h('span', { class: 'device-name' }, named) : t(`role.${d.role}`),
        named ? null : ' · ', named ? null : h('code', {}, d.id.slice(0, 8)),
        d.id === data.me ? h('span', { class: 'badge' }, t('devices.this_device')) : null),
      named ? h('p', { class: 'meta device-id' }, short) : null,
      h('p', { class: 'meta' },
        h('span', { class: verified ? 'badge verified' : 'badge unverified' },
          t(verified ? 'devices.verified' : 'devices.unverified')),
        d.unverified && !d.name ? h('span', { class: 'badge unverified-name' }, t('devices.unverified_name')) : null,
        h('span', { class: 'badge' }, t(active ? 'devices.active' : 'devices.revoked'))),
      d.unverified && !d.name ? h('p', { class: 'help' }, t('devices.unverified_name_help')) : null,
      h('p', { class: 'help' }, t('devices.safety')),
      h('p', {}, safetyCode(d.safety)),
      d.bound ? null : h('p', { class: 'warning', role: 'note' }, t('devices.unbound')),
      bar?.el ?? null,
      actions.length ? h('div', { class: 'actions' }, actions) : null, panelBox, confirm);
  });
  const rotation = data.rotation ? h('p', { class: 'status rotation', role: 'status' },
    t('devices.rotation', { done: data.rotation.done, total: data.rotation.total })) : null;
  const el = h('section', { class: 'screen devices-screen', 'aria-labelledby': 'devices-title' },
    h('h1', { id: 'devices-title' }, t('devices.title')),
    h('p', { class: 'help' }, t('devices.help')),
    rotation,
    h('ul', { class: 'devices' }, items));
  // From "Verify the device": that device's Certify button takes the focus, once the screen is in the page.
  if (opened) setTimeout(opened, 0);
  return {
    el,
    share(list) {
      for (const s of list) bars.get(s.id)?.update(s.done, s.total);
    },
    /** True while a comparison or a removal is open on this screen. */
    busy: () => Boolean(el.querySelector('.verify-panel, .confirm:not([hidden])')),
  };
}
