/**
 * The record screens (list, detail, form) and what happens between them: drafts autosaved as
 * the person types, one signed change per save, a soft delete.
 */

import { Attachments, prepareFile } from './attachments.js';
import {
  ACK, blank, fieldsOf, kindOf, kindSpec, normalize, reportsForSelf, toForm, validate,
} from './forms.js';
import { call } from './api.js';
import { makePurge } from './core/envelopes.js';
import { columns, toCSV, toJSON } from './export.js';
import { report } from './report.js';
import { REGISTRY } from './kinds.js';
import { figures } from './overview.js';
import { withoutNames } from './device-names.js';
import { DeviceNames } from './held-names.js';
import { blankFilters, localDay, query, waitingByDevice } from './query.js';
import { LINK, blankReport, toRecords } from './self-report.js';
import { listed, receivedOn } from './summary.js';
import { attachmentsSection, release as releaseViews } from './ui/attachments.js';
import { detailScreen } from './ui/detail.js';
import { h } from './ui/dom.js';
import { exportScreen } from './ui/export.js';
import { formScreen } from './ui/form.js';
import { recordLabel } from './ui/format.js';
import { listScreen } from './ui/list.js';
import { overviewScreen } from './ui/overview.js';
import { reportScreen } from './ui/report.js';

const DRAFT_DELAY = 400;
// The registry's kind of case notes (the kind that names the record it is about in `note_of`).
const NOTE = Object.keys(REGISTRY.kinds).find((k) => REGISTRY.kinds[k].note_of) ?? null;
const NOTE_OF = NOTE ? REGISTRY.kinds[NOTE].note_of : null;
// From this width (1024 px at the default text size) the list and the open record sit side by side.
const WIDE = '(min-width: 64rem)';
const EXPORT_BATCH = 50;
const EXPORT_URL_MS = 60000; // how long the download's in-memory address lives
// The person's own calendar day, not UTC's: near midnight the two differ.
const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);

export class RecordScreens {
  /**
   * `deps`: {session, shell, t, lang(), go(view, opts), saved(), held() (the sync store's
   * held-back items, [{kind, item}]), syncNow()}.
   */
  constructor(deps) {
    Object.assign(this, deps);
    this.filters = blankFilters();
    this.range = { from: '', to: '' }; // the overview's date range
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
    if (name === 'list' && quiet && this.listView) {
      this.#waiting();
      return this.listView.update(this.session.records.list());
    }
    if (name === 'list') return this.#list();
    if (name === 'overview' && quiet && this.overviewView) return this.#figures();
    if (name === 'overview') return this.#overview();
    if (name === 'export') return this.#export();
    if (name === 'detail') return this.#detail(view.id, quiet);
    if (name === 'new-report') return this.#report();
    if (name.startsWith('new-') || name.startsWith('form-')) return this.#form(name.split('-')[1], view.id ?? null);
    return this.#list();
  }

  /** At lock (after `leave`): drop what the screens remember of the records, the search included. */
  forget() {
    this.#closeViews();
    clearTimeout(this.pending?.timer);
    this.pending = null;
    this.listView = null;
    this.split = null;
    this.overviewView = null;
    this.range = { from: '', to: '' };
    this.filters = blankFilters();
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
      const states = await store.states(id).catch((err) => {
        report(err, { where: 'attachment/states', show: false }); // drawn without "waiting" marks
        return {};
      });
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

  #wide() {
    return typeof matchMedia === 'function' && matchMedia(WIDE).matches;
  }

  // The list screen; on a wide screen inside the split, its right pane holding the open record
  // (or a line saying to choose one). The split stays while records open in it, so the list keeps
  // its filters, scroll and focus.
  #list(pane = null) {
    const coordinator = this.session.device.role === 'coordinator';
    const screen = listScreen(this.t, this.lang(), this.session.records.list(), this.filters, {
      open: (id) => this.go({ name: 'detail', id }),
      filters: (f) => { this.filters = f; },
      verify: coordinator ? (device) => this.go({ name: 'devices', device }) : null,
    }, { reporter: reportsForSelf(this.session.device.role), devices: this.#devices() });
    this.listView = screen;
    this.#waiting();
    if (this.#wide()) {
      this.pane = h('div', { class: 'split-pane' },
        pane ?? h('p', { class: 'help choose' }, this.t('list.choose')));
      this.split = h('div', { class: 'split' }, screen.el, this.pane);
      this.shell.show(this.split, { focus: false });
    } else {
      this.split = null;
      this.shell.show(screen.el, { focus: false });
    }
  }

  // Records held back because their author's device is not verified yet, by device.
  async #waiting() {
    const view = this.listView;
    // Drawn at once with the names read so far, then again once the held-back names are read (the
    // first time in a session, each held-back record is opened once: seconds for thousands).
    let drawn = null;
    for (const fresh of [false, true]) {
      const waiting = await this.#held(fresh);
      if (view !== this.listView) return;
      if (JSON.stringify(waiting) !== drawn) view.waiting(waiting);
      drawn = JSON.stringify(waiting);
    }
  }

  async #held(fresh = true) {
    const held = await this.held?.().catch(() => []) ?? [];
    // The records that only name a device are not what waits (held-names.js): the name is in the label.
    const names = fresh ? await this.#names().refresh().catch(() => this.#names()) : this.#names();
    return waitingByDevice(withoutNames(held, names.nameRecords))
      .map(([device, n]) => [device, n, this.#deviceLabel(device)]);
  }

  // The overview (ui/overview.js): figures of the records in the date range, redrawn quietly
  // after a sync; its ways to the list set the list's filters.
  #overview() {
    this.listView = null;
    this.split = null;
    this.overviewView = overviewScreen(this.t, this.lang(), this.range, {
      range: (range) => {
        this.range = range;
        this.#figures();
      },
      show: (filters) => {
        this.filters = { ...blankFilters(), ...filters };
        this.go({ name: 'list' });
      },
      devices: () => this.go({ name: 'devices' }),
      print: () => window.print(),
      export: () => this.go({ name: 'export' }),
    });
    this.shell.show(this.overviewView.el);
    return this.#figures();
  }

  // An export of the records the list shows (its filters) or of all, read and decrypted one by one
  // (in small batches), made into a file in memory and handed to the browser's download.
  #export() {
    this.listView = null;
    this.split = null;
    this.overviewView = null;
    const { records } = this.session;
    const offset = new Date().getTimezoneOffset();
    const today = localDay(Date.now(), offset);
    const all = records.list().filter((s) => listed(s) && !s.deleted);
    const shown = query(records.list(), this.filters, { today, offset });
    const screen = exportScreen(this.t, { shown: shown.length, all: all.length }, {
      back: () => history.back(),
      download: async ({ which, format, chosen }) => {
        const pick = which === 'all' ? all : shown;
        const rows = [];
        for (let i = 0; i < pick.length; i += EXPORT_BATCH) {
          screen.progress(i, pick.length);
          const batch = pick.slice(i, i + EXPORT_BATCH);
          const read = await Promise.all(batch.map((s) => records.read(s.id)));
          read.forEach((r, j) => {
            const s = batch[j];
            if (r) rows.push({ id: s.id, values: r.values, created: s.created, updated: s.t, author: s.author });
          });
        }
        const cols = columns(chosen);
        // A byte-order mark, so that spreadsheets read the CSV's Cyrillic and Polish letters as UTF-8.
        const text = format === 'json' ? toJSON(rows, cols) : '\ufeff' + toCSV(rows, cols);
        const blob = new Blob([text], { type: format === 'json' ? 'application/json' : 'text/csv' });
        const url = URL.createObjectURL(blob);
        const link = h('a', { href: url, download: `zapis-${today}.${format}`, hidden: true });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), EXPORT_URL_MS);
      },
    });
    this.shell.show(screen.el);
  }

  async #figures() {
    const view = this.overviewView;
    const offset = new Date().getTimezoneOffset();
    const f = figures(this.session.records.list(), { ...this.range, today: localDay(Date.now(), offset), offset });
    let drawn = null;
    for (const fresh of [false, true]) {
      const waiting = await this.#held(fresh);
      if (view !== this.overviewView || !view.el.isConnected) return;
      if (JSON.stringify(waiting) !== drawn) view.update({ figures: f, waiting });
      drawn = JSON.stringify(waiting);
    }
  }

  // Only a certified coordinator may purge (the server checks the same); never while the alarm is up.
  #canPurge() {
    const { session } = this;
    return session.device.role === 'coordinator' && session.trusted?.[session.device.device] === 'coordinator'
      && !session.alarm?.length;
  }

  // A device that can still take work: not revoked (by the server's flag or a signed order kept).
  #active(device) {
    const entry = (this.session.directory ?? []).find((d) => d.id === device);
    return Boolean(entry) && entry.status !== 'revoked' && !(this.session.removed ?? []).includes(device);
  }

  // Every device of the workspace this one knows, as a person is told of it (author and assignee).
  #devices() {
    return (this.session.directory ?? []).map((d) => ({ id: d.id, label: this.#deviceLabel(d.id) }))
      .sort((a, b) => (a.label < b.label ? -1 : 1));
  }

  // Devices a coordinator may share a record with: verified, active, not this one.
  #shareable() {
    const { session } = this;
    if (session.device.role !== 'coordinator') return null;
    // Never a revoked device (signed orders kept, or the server's flag), nobody while the alarm is up.
    return (session.directory ?? []).filter((d) => d.id !== session.device.device && session.canWrapTo(d.id))
      .map((d) => ({ id: d.id, ecdh_key: d.ecdh_key, label: this.#deviceLabel(d.id) }));
  }

  // A device as a person is told of it: the name it gave itself (held-names.js; "unverified" while
  // the device is not verified), else its role and the start of its id.
  #deviceLabel(device) {
    return this.#names().label(this.t, device);
  }

  #names() {
    return DeviceNames.of(this.session, this.held);
  }

  async #detail(id, quiet = false) {
    this.#closeViews();
    const record = await this.session.records.read(id);
    if (!record) return this.go({ name: 'list' }, { replace: true });
    const before = record.values;
    const share = this.#shareable();
    const ack = this.#ackState(id, record);
    const notes = await this.#notes(id, record);
    const screen = detailScreen(this.t, this.lang(), record, {
      back: () => history.back(),
      edit: () => this.go({ name: `form-${kindOf(before)}`, id }),
      acknowledge: async () => {
        if (!await this.#attempt('record/acknowledge', () => this.#acknowledge(id, ack.to))) return;
        this.saved();
        this.shell.toast(this.t('ack.marked'));
        await this.#detail(id, true);
      },
      open: (other) => this.go({ name: 'detail', id: other }),
      resolve: () => this.go({ name: 'conflict', id }),
      assignees: this.#devices().filter((d) => this.#active(d.id)),
      deviceLabel: (device) => this.#deviceLabel(device),
      assign: async (field, device) => {
        const values = { ...before, [field]: device || null };
        const save = () => this.session.records.save({ id, values, before, seen: record.contexts });
        if (!await this.#attempt('record/assign', save)) return;
        this.saved();
        this.shell.toast(this.t('detail.assigned'));
        if (screen.isConnected) await this.#detail(id, true);
      },
      status: async (value) => {
        const save = () => this.session.records.save({ id, values: { ...before, status: value }, before,
          seen: record.contexts });
        if (!await this.#attempt('record/status', save)) return;
        this.saved();
        this.shell.toast(this.t('detail.status_saved', { status: this.t(`opt.status.${value}`) }));
        if (screen.isConnected) await this.#detail(id, true);
      },
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
      purge: this.#canPurge() ? async () => {
        const purge = async () => {
          const { identity, device } = this.session;
          const order = await makePurge(identity.signKey, device.workspace, id, device.device);
          await call('POST', `/api/records/${encodeURIComponent(id)}/purge`,
            { body: order, token: this.session.token });
        };
        if (!await this.#attempt('record/purge', purge)) return;
        this.shell.toast(this.t('detail.purged'));
        await this.go({ name: 'list' }, { replace: true });
        // The next pull brings the signed tombstone back, which erases the record here as everywhere.
        // A failed run is in the status line already: logged only.
        this.syncNow?.()?.catch?.((err) => report(err, { where: 'record/purge-sync', show: false }));
      } : null,
      restore: async () => {
        await this.session.records.restore(id, before, record.contexts);
        this.saved();
        await this.#detail(id);
      },
      note: async (text) => {
        await this.#addNote(id, text);
        this.saved();
        if (screen.isConnected) await this.#detail(id, true);
      },
    }, this.#lookup, share, (device) => this.#deviceLabel(device), ack, notes);
    if (kindSpec(kindOf(record.values)).attachments) screen.append(this.#attachments(id, record));
    if (!this.#wide()) {
      this.listView = null;
      this.split = null;
      this.shell.show(screen, { focus: !quiet, keep: quiet });
      return;
    }
    // Side by side: the list stays (updated after a sync), the record's pane changes.
    if (this.split?.isConnected && this.listView) {
      if (quiet) this.listView.update(this.session.records.list());
      this.pane.replaceChildren(screen);
    } else {
      this.#list(screen);
    }
    const title = screen.querySelector('h1');
    if (!quiet && title) {
      title.tabIndex = -1;
      title.focus();
    }
  }

  /**
   * A listed record's case notes, oldest first, each read in full ({id, text, author, when}); null
   * for a kind notes are not written about, or a role that may not write them.
   */
  async #notes(id, record) {
    if (!NOTE || !kindSpec(kindOf(record.values))?.listed
      || !kindSpec(NOTE).create.includes(this.session.device.role)) {
      return null;
    }
    const { records } = this.session;
    const mine = records.list().filter((s) => s.kind === NOTE && s[NOTE_OF] === id && !s.deleted)
      .sort((a, b) => (a.created || a.t) - (b.created || b.t) || (a.id < b.id ? -1 : 1));
    const read = await Promise.all(mine.map((s) => records.read(s.id)));
    const when = new Intl.DateTimeFormat(this.lang(), { dateStyle: 'medium', timeStyle: 'short' });
    return mine.map((s, i) => ({ id: s.id, text: String(read[i]?.values.text ?? s.title ?? ''),
      author: s.author ? this.#deviceLabel(s.author) : this.t('detail.device'),
      when: when.format(new Date(s.created || s.t)) }));
  }

  // A case note: a new record of the note kind, wrapped like any new record (this device and the
  // coordinators); it names the record and is never an edit of it, so it cannot conflict.
  async #addNote(id, text) {
    const values = { ...blank(NOTE, today()), [NOTE_OF]: id, text };
    const errors = validate(NOTE, values, today());
    if (Object.keys(errors).length) throw new Error(`note not valid: ${Object.keys(errors)}`);
    await this.session.records.save({ values: normalize(NOTE, values) });
  }

  /**
   * What the detail screen shows of acknowledgements (design, "Acknowledgements"): the date of the
   * first one that names this record or one linked to it, whether this device wrote the record,
   * and whether it may mark it received (a role the acknowledgement kind lets create, on a record
   * another device wrote).
   */
  #ackState(id, record) {
    const kind = kindOf(record.values);
    if (!kindSpec(kind).acknowledged) return null;
    const { device, role } = this.session.device;
    const author = record.siblings.kind?.[0]?.device ?? null;
    return { received: receivedOn(this.session.records.list(), id), author: author === device, to: author,
      mark: Boolean(author) && author !== device && kindSpec(ACK).create.includes(role) };
  }

  // A new acknowledgement record naming the report, wrapped like any new record (this device and
  // the coordinators) and granted to the report's author, whose app finds it by its `report`.
  async #acknowledge(id, author) {
    const values = { ...blank(ACK, today()), [kindSpec(ACK).refers]: id };
    const errors = validate(ACK, values, today());
    if (Object.keys(errors).length) throw new Error(`acknowledgement not valid: ${Object.keys(errors)}`);
    const { records } = this.session;
    const ack = await records.save({ values: normalize(ACK, values) });
    const to = author && this.session.ackRecipient(author);
    if (to) await records.grant(ack, to);
  }

  // The first-person report of a person reporting for themselves: an incident, and a need linked
  // to it when they ask for help (self-report.js). Drafts are kept as for any form.
  async #report() {
    this.listView = null;
    const { records, drafts } = this.session;
    const context = 'new:report';
    this.formContext = context;
    const draft = drafts.get(context);
    const values = draft ? { ...blankReport(today()), ...draft.values } : blankReport(today());
    let incident = null; // saved already, when only the need's save failed: a retry does not repeat it
    const screen = reportScreen(this.t, { values, restored: Boolean(draft) }, {
      change: (next) => {
        clearTimeout(this.pending?.timer);
        this.pending = { context, values: next, timer: setTimeout(() => this.leave(), DRAFT_DELAY) };
      },
      cancel: async () => {
        clearTimeout(this.pending?.timer);
        this.pending = null;
        await drafts.drop(context);
        await this.go({ name: 'list' }, { replace: true });
      },
      submit: async (state) => {
        screen.busy(true);
        clearTimeout(this.pending?.timer);
        this.pending = null;
        await drafts.flush();
        try {
          const made = toRecords(state, this.t);
          const last = () => drafts.sealWithout(context);
          incident ??= await records.save({ values: made.incident, drafts: made.need ? null : await last() });
          if (made.need) await records.save({ values: { ...made.need, [LINK]: incident }, drafts: await last() });
          await this.#afterSave(context, incident, 'self.sent');
        } catch (err) {
          screen.busy(false);
          await report(err, { where: 'self-report/save', fallback: 'form.save_failed' });
        }
      },
    });
    this.shell.show(screen.el);
  }

  // After a form's save: its draft is spent, the person is told (`message`), the record opens, and
  // sync is asked for. The same for every form, the self-report's included.
  async #afterSave(context, id, message) {
    this.session.drafts.forget(context);
    this.shell.toast(this.t(message));
    await this.go({ name: 'detail', id }, { replace: true });
    this.saved();
  }

  // Run one action of the detail screen; a failure is reported (report.js: the alert, the log).
  // Resolves to whether it worked.
  async #attempt(where, fn) {
    try {
      await fn();
      return true;
    } catch (err) {
      await report(err, { where });
      return false;
    }
  }

  // For each field that links another record: the live records of the kind it names, newest first.
  #choices(kind, id) {
    const summaries = this.session.records.list();
    const devices = this.#devices().filter((d) => this.#active(d.id));
    return Object.fromEntries([...fieldsOf(kind).filter((f) => f.type === 'record' && f.of).map((f) => [f.name,
      summaries.filter((s) => s.kind === f.of && !s.deleted && s.id !== id).sort((a, b) => b.t - a.t)
        .map((s) => ({ id: s.id, label: recordLabel(this.t, this.lang(), s) }))]),
    ...fieldsOf(kind).filter((f) => f.type === 'device').map((f) => [f.name, devices])]);
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
    const choices = this.#choices(kind, id);
    const firstPerson = reportsForSelf(this.session.device.role);
    const screen = formScreen(this.t, { kind, values, editing: Boolean(id), restored: Boolean(draft), choices,
      firstPerson }, {
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
          await this.#afterSave(context, saved, 'form.saved');
        } catch (err) {
          screen.busy(false);
          await report(err, { where: 'record/save', fallback: 'form.save_failed' });
        }
      },
    });
    this.shell.show(screen.el);
  }
}
