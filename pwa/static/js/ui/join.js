/**
 * Choosing the passphrase when joining (invite) or setting up a workspace (setup link).
 *
 * By default the app offers a generated passphrase: six words drawn at random from a Belarusian,
 * Russian or English list (by the interface language), shown to be written down and typed once to
 * check. "Type my own" gives a field judged by the dictionary-aware estimator (strength.js),
 * which refuses anything under 10^14 guesses. Either way: the plain warning that nobody can
 * recover it. Every field: no autocomplete, autocapitalize or spellcheck (nothing kept, no word
 * sent to a spelling service).
 */

import { composeName, suggestPhone } from '../device-names.js';
import { MIN_SCORE, generate, loadEstimator, wordList } from '../strength.js';
import { h, uid } from './dom.js';
import { languagePicker } from './language.js';

const QUIET = { autocomplete: 'off', autocapitalize: 'none', autocorrect: 'off', spellcheck: 'false' };

/**
 * The passphrase fields, shared by joining and by changing the passphrase: a generated one by
 * default, "type my own" judged by the estimator, and the confirmation. `take()` checks what was
 * entered and resolves to the passphrase, or to null after showing what is wrong in `error`.
 */
export function passphraseChooser(t, lang, error) {
  const pid = uid('pass');
  const cid = uid('confirm');
  const gid = uid('generated');
  let choice = 'generated';
  let generated = null;
  let estimator = null;

  // -- a generated passphrase ------------------------------------------------------------------
  const words = h('p', { class: 'generated-words', id: gid, translate: 'no' });
  const another = h('button', { type: 'button', class: 'secondary', onclick: () => fresh() }, t('join.another'));
  const own = h('button', { type: 'button', class: 'link', onclick: () => use('own') }, t('join.type_own'));
  const generatedBox = h('div', { class: 'field generated', role: 'group', 'aria-labelledby': `${gid}-label` },
    h('p', { id: `${gid}-label`, class: 'label' }, t('join.generated_label')),
    words,
    h('p', { class: 'help' }, t('join.write_down')),
    h('div', { class: 'actions' }, another, own));

  // -- one of their own ------------------------------------------------------------------------
  const pass = h('input', { id: pid, type: 'password', ...QUIET, required: true,
    'aria-describedby': `${pid}-meter` });
  const meter = h('meter', { min: '0', max: '4', low: String(MIN_SCORE), high: '3', optimum: '4', value: '0',
    'aria-label': t('strength.label') });
  const verdict = h('span', { class: 'verdict' });
  const hints = h('ul', { class: 'hints' });
  const useGenerated = h('button', { type: 'button', class: 'link', onclick: () => use('generated') },
    t('join.use_generated'));
  const ownBox = h('div', { class: 'field', hidden: true },
    h('label', { for: pid }, t('join.passphrase')), pass,
    h('div', { class: 'meter', id: `${pid}-meter` }, meter, verdict), hints, useGenerated);

  const confirm = h('input', { id: cid, type: 'password', ...QUIET, required: true });
  const confirmLabel = h('label', { for: cid }, t('join.confirm_generated'));
  const show = h('input', { type: 'checkbox', id: uid('show'), onchange: (e) => {
    pass.type = confirm.type = e.target.checked ? 'text' : 'password';
  } });

  const update = () => {
    if (!estimator) {
      verdict.textContent = pass.value ? t('strength.loading') : '';
      return;
    }
    const s = estimator.strength(pass.value);
    meter.value = s.score;
    verdict.textContent = pass.value ? t(`strength.${s.score}`) : '';
    hints.replaceChildren(...(pass.value ? s.hints : []).map((k) => h('li', {}, t(k))));
  };
  pass.addEventListener('input', update);

  function fresh() {
    if (!generated) return;
    const made = generate(generated.list);
    generated.text = made.text;
    words.replaceChildren(...made.words.map((w) => h('span', { class: 'word' }, w)));
    // New words void a confirmation of the old ones; one's own passphrase typed meanwhile (the
    // list loads late on a slow phone) is left alone.
    if (choice === 'generated') confirm.value = '';
  }

  function use(which) {
    choice = which;
    generatedBox.hidden = which !== 'generated';
    ownBox.hidden = which !== 'own';
    confirmLabel.textContent = t(which === 'own' ? 'join.confirm' : 'join.confirm_generated');
    error.textContent = '';
    confirm.value = '';
    (which === 'own' ? pass : another).focus();
  }

  // Typing the generated words back: spaces and case do not matter, the words do.
  const tidy = (text) => text.trim().toLowerCase().split(/\s+/).join(' ');

  words.textContent = t('strength.loading');
  const ready = Promise.all([
    wordList(lang).then((list) => {
      generated = { list, text: '' };
      words.lang = { be: 'be', ru: 'ru', uk: 'ru' }[lang] ?? 'en';
      fresh();
    }, () => {
      // Without the list (offline, say), a passphrase of one's own is the only way.
      generatedBox.hidden = true;
      useGenerated.hidden = true;
      choice = 'own';
      ownBox.hidden = false;
      confirmLabel.textContent = t('join.confirm');
    }),
    loadEstimator().then((loaded) => { estimator = loaded; update(); }, () => {}),
  ]);

  return {
    el: [generatedBox, ownBox, h('div', { class: 'field' }, confirmLabel, confirm),
      h('div', { class: 'check' }, show, h('label', { for: show.id }, t('join.show')))],
    ready,
    async take() {
      error.textContent = '';
      await ready;
      if (choice === 'generated') {
        if (!generated) return null;
        if (tidy(confirm.value) !== generated.text) {
          error.textContent = t('join.mismatch_generated');
          confirm.focus();
          return null;
        }
        return generated.text;
      }
      if (!estimator) {
        error.textContent = t('strength.unavailable');
      } else if (!estimator.acceptable(pass.value)) {
        error.textContent = t('join.too_weak');
        pass.focus();
      } else if (pass.value !== confirm.value) {
        error.textContent = t('join.mismatch');
        confirm.focus();
      } else {
        return pass.value;
      }
      return null;
    },
    disable(on) {
      pass.disabled = confirm.disabled = another.disabled = on;
    },
    clear() {
      pass.value = confirm.value = '';
      fresh();
    },
  };
}

/**
 * Naming this device as it joins (docs/design.md, "Device names"): the person's name or alias and
 * the phone, suggested from what the browser tells of it and editable. Only coordinators and this
 * device read the name; without an alias nothing is saved, and the device goes by its role.
 * Returns {el, name()} (name(): "Ales · Pixel", or '').
 */
export function deviceNameFields(t) {
  const aid = uid('alias');
  const pid = uid('phone');
  const alias = h('input', { id: aid, type: 'text', ...QUIET, maxlength: '40', 'aria-describedby': `${aid}-help` });
  const phone = h('input', { id: pid, type: 'text', ...QUIET, maxlength: '30',
    value: suggestPhone(globalThis.navigator?.userAgent ?? '', globalThis.navigator?.userAgentData ?? {}) });
  let touched = false;
  phone.addEventListener('input', () => { touched = true; });
  // Chromium tells the phone's model only when asked (a high-entropy client hint), asynchronously.
  globalThis.navigator?.userAgentData?.getHighEntropyValues?.(['model', 'platform'])
    .then((hints) => {
      const better = suggestPhone(navigator.userAgent, { ...navigator.userAgentData, ...hints });
      if (!touched && better) phone.value = better;
    }).catch(() => {});
  const el = h('fieldset', { class: 'stack device-name' },
    h('legend', {}, t('name.legend')),
    h('p', { class: 'help', id: `${aid}-help` }, t('name.help')),
    h('div', { class: 'field' }, h('label', { for: aid }, t('name.alias')), alias),
    h('div', { class: 'field' }, h('label', { for: pid }, t('name.phone')), phone));
  return { el, name: () => (alias.value.trim() ? composeName(alias.value, phone.value) : ''),
    disable(on) { alias.disabled = phone.disabled = on; } };
}

/**
 * `mode` is 'join' or 'setup'; `on`: {submit(passphrase, name), language(lang)};
 * returns {el, busy(step), fail(msg), ready (a promise: the word list and estimator loaded)}.
 */
export function joinScreen(t, lang, mode, { fingerprint, notice } = {}, on) {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' },
    t(mode === 'setup' ? 'join.setup_button' : 'join.button'));
  const chooser = passphraseChooser(t, lang, error);
  const naming = deviceNameFields(t);
  const noticeEl = notice ? h('p', { class: 'warning', role: 'note' }, notice) : null;
  let unusable = false;

  const form = h('form', { class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    if (unusable) return;
    const passphrase = await chooser.take();
    if (passphrase) on.submit(passphrase, naming.name());
  } },
  naming.el,
  chooser.el,
  h('p', { class: 'warning' }, t('join.warning')),
  error, status, button);

  const el = h('section', { class: 'screen join', 'aria-labelledby': 'join-title' },
    h('h1', { id: 'join-title' }, t(mode === 'setup' ? 'join.setup_title' : 'join.title')),
    noticeEl,
    h('p', {}, t(mode === 'setup' ? 'join.setup_intro' : 'join.intro')),
    fingerprint ? h('p', { class: 'fingerprint' }, t('join.fingerprint'), ' ',
      h('code', {}, fingerprint.slice(0, 16))) : null,
    form, languagePicker(t, lang, on.language));

  return {
    el,
    ready: chooser.ready,
    busy(step) {
      button.disabled = Boolean(step);
      chooser.disable(Boolean(step));
      naming.disable(Boolean(step));
      status.textContent = step ? t(`join.step_${step}`) : '';
    },
    fail(message) {
      this.busy(null);
      error.textContent = message;
    },
    /** The invite (or setup token) could not be used: say why; there is nothing to choose a passphrase for. */
    refused(message) {
      unusable = true;
      noticeEl?.remove();
      button.disabled = true;
      error.textContent = message;
    },
  };
}
