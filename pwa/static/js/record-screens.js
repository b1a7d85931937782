/**
 * The record screens (list, detail, form) and what happens between them: drafts autosaved as
 * the person types, one signed change per save, a soft delete.
 */

import { Attachments, prepareFile } from './attachments.js';
import { blank, normalize, toForm } from './forms.js';
import { attachmentsSection, release as releaseViews } from './ui/attachments.js';
import { detailScreen } from './ui/detail.js';
import { formScreen } from './ui/form.js';
import { recordLabel } from './ui/format.js';
import { listScreen } from './ui/list.js';

const DRAFT_DELAY = 400;
// The person's own calendar day, not UTC's: near midnight the two differ.
const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);

export class RecordScreens {
  /** `deps`: {session, shell, t, lang(), go(view, opts), saved()}. */
  constructor(deps) {
    Object.assign(this, deps);
    this.filters = { query: '', kind: '', category: '', urgency: '', status: '', deleted: false };
    this.pending = null; // {context, values, timer}: a draft not yet written
  }

  /**
   * Draw a view: {name: 'list'} | {name: 'detail', id} | {name: 'form-incident'|'new-incident'|..., id?}.
   * `quiet` redraws after a sync: the list keeps its search and scroll, nothing takes the focus.
   */
  async render(view, { quiet = false } = {}) {
    const { name } = view;
    // An open attachment stays open through a background sync; any other drawing closes it.
    if (quiet && this.viewing) return undefined;
    if (!quiet) this.attachNote = null; // what the attachments section last said, kept across redraws
    this.#closeViews();
    if (name === 'list' && quiet && this.listView) return this.listView.update(this.session.records.list());
    if (name === 'list') return this.#list();
    if (name === 'detail') return this.#detail(view.id, quiet);
    if (name.startsWith('new-') || name.startsWith('form-')) return this.#form(name.split('-')[1], view.id ?? null);
    return this.#list();
  }

  /** At lock (after `leave`): drop what the screens remember of the records, the search included. */
  forget() {
    this.#closeViews();
    clearTimeout(this.pending?.timer);
    this.pending = null;
    this.listView = null;
    this.filters = { query: '', kind: '', category: '', urgency: '', status: '', deleted: false };
  }

  /** Write a pending draft now (before leaving a form, locking or reloading). */
  async leave() {
    const p = this.pending;
    if (!p) return;
    clearTimeout(p.timer);
    this.pending = null;
    await this.session.drafts?.set(p.context, p.values);
  }

  /** Forget what the open form holds: its pending draft and the one already stored (Exit, if so chosen). */
  async discard() {
    clearTimeout(this.pending?.timer);
    this.pending = null;
    if (this.formContext) await this.session.drafts?.drop(this.formContext);
  }

  // Decrypted attachments live only in object URLs: revoked whenever the view they belong to goes.
  #closeViews() {
    this.viewing = false;
    releaseViews();
  }

  #attachments(id, record) {
    const { session } = this;
    const store = new Attachments(session);
    const section = document.createElement('div');
    // Redraws the section alone (a new attachment, one removed), with a message for its status line.
    const draw = async (message = this.attachNote?.id === id ? this.attachNote.text : '') => {
      if (message) this.attachNote = { id, text: message };
      const now = message ? await session.records.read(id) ?? record : record;
      const states = await store.states(id).catch(() => ({}));
      const el = attachmentsSection(this.t, this.lang(), Attachments.listOf(now), states, {
        add: async (files) => {
          const prepared = [];
          for (const f of files) prepared.push(await prepareFile(f));
          await store.add(id, prepared);
          this.saved();
          await draw(this.t('attach.added'));
        },
        remove: async (attachment) => {
          await store.remove(id, attachment);
          this.saved();
          await draw(this.t('attach.removed'));
        },
        open: (entry, progress) => {
          this.viewing = true;
          return store.open(id, entry, progress);
        },
        thumb: (entry) => store.thumbnail(id, entry),
        closed: () => { this.viewing = false; },
      }, { canSave: session.device.role === 'coordinator', deleted: now.values._deleted === true, message });
      section.replaceChildren(el);
    };
    draw();
    return section;
  }

  #lookup = (id) => {
    const s = this.session.records?.summaries.get(id);
    return s ? { label: recordLabel(this.t, this.lang(), s) } : null;
  };

  #list() {
    const screen = listScreen(this.t, this.lang(), this.session.records.list(), this.filters, {
      open: (id) => this.go({ name: 'detail', id }),
      filters: (f) => { this.filters = f; },
    });
    this.listView = screen;
    this.shell.show(screen.el, { focus: false });
  }

  // Devices a coordinator may share a record with: verified, active, not this one.
  #shareable() {
    const { session } = this;
    if (session.device.role !== 'coordinator') return null;
    // Never a revoked device (signed orders kept, or the server's flag), nobody while the alarm is up.
    return (session.directory ?? []).filter((d) => d.id !== session.device.device && session.canWrapTo(d.id))
      .map((d) => ({ id: d.id, ecdh_key: d.ecdh_key, label: `${this.t(`role.${d.role}`)} · ${d.id.slice(0, 8)}` }));
  }

  // A device as a person is told of it: its safety number if the directory entry carries one,
  // else its role and the start of its id.
  #deviceLabel(device) {
    const entry = (this.session.directory ?? []).find((d) => d.id === device);
    if (entry?.safety_number) return entry.safety_number;
    const role = device === this.session.device.device ? this.session.device.role : entry?.role;
    return `${role ? this.t(`role.${role}`) : this.t('detail.device')} · ${device.slice(0, 8)}`;
  }

  async #detail(id, quiet = false) {
    this.#closeViews();
    this.listView = null;
    const record = await this.session.records.read(id);
    if (!record) return this.go({ name: 'list' }, { replace: true });
    const before = record.values;
    const share = this.#shareable();
    const screen = detailScreen(this.t, this.lang(), record, {
      back: () => history.back(),
      edit: () => this.go({ name: `form-${before.kind}`, id }),
      open: (other) => this.go({ name: 'detail', id: other }),
      resolve: () => this.go({ name: 'conflict', id }),
      grant: async (device) => {
        await this.session.records.grant(id, share.find((d) => d.id === device));
        this.saved();
      },
      remove: async () => {
        await this.session.records.remove(id, before, record.contexts);
        this.saved();
        this.shell.toast(this.t('detail.deleted'));
        await this.go({ name: 'list' }, { replace: true });
      },
      restore: async () => {
        await this.session.records.restore(id, before, record.contexts);
        this.saved();
        await this.#detail(id);
      },
    }, this.#lookup, share, (device) => this.#deviceLabel(device));
    screen.append(this.#attachments(id, record));
    this.shell.show(screen, { focus: !quiet, keep: quiet });
  }

  async #form(kind, id) {
    this.listView = null;
    const { records, drafts } = this.session;
    const context = id ? `edit:${id}` : `new:${kind}`;
    this.formContext = context;
    let before = {};
    let seen = null; // what this form shows of each field: a value pulled meanwhile is a conflict
    let values = blank(kind, today());
    if (id) {
      const record = await records.read(id);
      if (!record) return this.go({ name: 'list' }, { replace: true });
      before = record.values;
      seen = record.contexts;
      values = toForm(kind, before);
    }
    const draft = drafts.get(context);
    if (draft) values = { ...values, ...draft.values };
    const incidents = records.list().filter((s) => s.kind === 'incident' && !s.deleted && s.id !== id)
      .sort((a, b) => b.t - a.t).map((s) => ({ id: s.id, label: recordLabel(this.t, this.lang(), s) }));
    const screen = formScreen(this.t, { kind, values, editing: Boolean(id), restored: Boolean(draft), incidents }, {
      change: (next) => {
        clearTimeout(this.pending?.timer);
        this.pending = { context, values: next, timer: setTimeout(() => this.leave(), DRAFT_DELAY) };
      },
      cancel: async () => {
        clearTimeout(this.pending?.timer);
        this.pending = null;
        await drafts.drop(context);
        if (id) await this.go({ name: 'detail', id }, { replace: true });
        else await this.go({ name: 'list' }, { replace: true });
      },
      submit: async (formValues) => {
        screen.busy(true);
        clearTimeout(this.pending?.timer);
        this.pending = null;
        await drafts.flush();
        try {
          const saved = await records.save({ id, values: normalize(kind, formValues), before, seen,
            drafts: await drafts.sealWithout(context) });
          drafts.forget(context);
          this.shell.toast(this.t('form.saved'));
          await this.go({ name: 'detail', id: saved }, { replace: true });
          this.saved();
        } catch (err) {
          screen.busy(false);
          this.shell.notice(this.t('form.save_failed'), [{ label: this.t('notice.ok') }], { kind: 'error' });
          throw err;
        }
      },
    });
    this.shell.show(screen.el);
  }
}
