/**
 * The first-person report of a person reporting for themselves, and what it becomes: an incident
 * and, when they ask for help, a need linked to it, with the fields of the registry of kinds, so
 * coordinators see them like any record. Pure: no DOM, no storage, no crypto.
 *
 * The state holds the two kinds' form state (`incident`, `need`) and the person's answers:
 * `help` ('yes' | 'no': do they need help), `reach` ('yes' | 'no': may they be contacted), `keep`
 * and `stats` (the consent, in plain words). Contact details live in the need's form state
 * (channel, contact, safe_times) whether or not a need is made.
 */

import { REGISTRY } from './kinds.js';
import { blank, fieldsOf, normalize, validate } from './forms.js';

export const FLOW = REGISTRY.self_report;
/** The need's field that links it to its incident. */
export const LINK = fieldsOf('need').find((f) => f.type === 'record' && f.of === 'incident').name;
/** The need's fields that say how and when the person may be reached. */
export const CONTACT_FIELDS = ['channel', 'contact', 'safe_times'];
const isEmpty = (v) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** Empty state of a new report: nothing answered, nothing consented to yet. */
export function blankReport(today) {
  return { incident: { ...blank('incident', today), consent: [] }, need: blank('need', today), help: '', reach: '',
    keep: false, stats: false };
}

/** The registry's field definition of `kind.name`. */
export function fieldOf(kind, name) {
  return fieldsOf(kind).find((f) => f.name === name);
}

// How the person may be reached, as one line for the incident's contact field.
function contactLine(state, t) {
  const { channel, contact, safe_times: safe } = state.need;
  const how = channel ? ` (${t(`opt.channel.${channel}`)})` : '';
  return [`${String(contact ?? '').trim()}${how}`, String(safe ?? '').trim()].filter(Boolean).join(' — ');
}

/** The incident's form state the report amounts to. */
export function incidentForm(state, t) {
  const consent = [state.keep && 'store', state.stats && 'stats', state.reach === 'yes' && 'contact'].filter(Boolean);
  return { ...state.incident, consent, contact: state.reach === 'yes' ? contactLine(state, t) : '' };
}

/**
 * The need's form state the report amounts to (null when no help is asked for): where comes from
 * the incident, status is new, and "do not contact me" is said in words where contact times go.
 */
export function needForm(state, t) {
  if (state.help !== 'yes') return null;
  const reach = state.reach === 'yes';
  return { ...state.need, country: state.incident.country, city: state.incident.city, status: 'new',
    contact: reach ? state.need.contact : '', channel: reach ? state.need.channel : '',
    safe_times: reach ? state.need.safe_times : t('self.no_contact_note') };
}

// The messages of the kinds' own rules, put in the first person.
const FIRST_PERSON = { 'error.contact_needed': 'self.error.contact', 'error.consent_store': 'self.error.keep' };

/**
 * Check a report; return {key: message key} for each problem, keys being 'incident.<field>',
 * 'need.<field>', 'help', 'reach' and 'keep'. Only what the person was asked is checked.
 */
export function checkReport(state, today, t) {
  const errors = {};
  const asked = (kind) => [...FLOW[kind].shown, ...FLOW[kind].folded];
  const incident = validate('incident', incidentForm(state, t), today);
  for (const name of asked('incident')) if (incident[name]) errors[`incident.${name}`] = incident[name];
  if (!state.help) errors.help = 'error.required';
  const need = needForm(state, t);
  if (need) {
    const found = validate('need', need, today);
    for (const name of asked('need')) if (found[name]) errors[`need.${name}`] = found[name];
  }
  if (!state.reach) errors.reach = 'error.required';
  if (state.reach === 'yes') {
    const found = validate('need', { ...blank('need', today), ...state.need }, today);
    for (const name of CONTACT_FIELDS) if (found[name]) errors[`need.${name}`] = found[name];
    if (!errors['need.contact'] && isEmpty(String(state.need.contact ?? '').trim())) {
      errors['need.contact'] = 'self.error.contact';
    } else if (!errors['need.contact'] && incident.contact) {
      errors['need.contact'] = FIRST_PERSON[incident.contact] ?? incident.contact; // the line is too long
    }
  }
  if (!state.keep) errors.keep = 'self.error.keep';
  return errors;
}

/**
 * The stored values of a valid report: {incident, need (null without a need)}. The need is
 * linked to the incident once that is saved (its field `LINK`).
 */
export function toRecords(state, t) {
  const need = needForm(state, t);
  return { incident: normalize('incident', incidentForm(state, t)), need: need ? normalize('need', need) : null };
}
