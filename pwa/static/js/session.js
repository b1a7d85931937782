/**
 * The device's session: joining, unlocking, locking, the duress passphrase and failed attempts.
 *
 * While locked, nothing readable is in memory: no private key, no token, no record key, no
 * plaintext. Unlocking derives the passphrase key once, opens the vault and imports the private
 * keys as non-extractable CryptoKeys (design §3).
 */

import { call } from './api.js';
import { b64encode } from './core/b64.js';
import { makeCertificate } from './core/envelopes.js';
import { exportPublic, fingerprint as fingerprintOf, generateDeviceKeys, importPrivatePkcs8 } from './core/keys.js';
import { makeBinding } from './core/binding.js';
import { ROLES } from './core/envelopes.js';
import { evaluate, selfCheck, wrapRecipients } from './core/trust.js';
import { importLocalKey, newLocalKey } from './crypto/local-box.js';
import { open, seal, upgrade, withDuress, withoutDuress } from './crypto/vault.js';
import { Drafts } from './drafts.js';
import { Records } from './records.js';
import { report } from './report.js';
import { openToken, sealToken } from './sync/outbox.js';

export const DEFAULT_SETTINGS = { lang: null, theme: 'system', idleMinutes: 5, wipeAfter: 0, panicWipe: false,
  travelAuto: false, exitDraft: 'keep' };

/** Seconds to wait before the next attempt after `failures` wrong passphrases in a row. */
export function retryDelay(failures) {
  if (failures < 3) return 0;
  return Math.min(300, 5 * 2 ** (failures - 3));
}

async function exportPkcs8(key) {
  return b64encode(new Uint8Array(await crypto.subtle.exportKey('pkcs8', key)));
}

/** Fresh device keys: the public entry, and the private keys as PKCS#8 text for the vault. */
async function makeDevice() {
  const keys = await generateDeviceKeys({ extractable: true });
  const entry = { id: b64encode(crypto.getRandomValues(new Uint8Array(16))),
    sign_key: await exportPublic(keys.sign.publicKey), ecdh_key: await exportPublic(keys.ecdh.publicKey) };
  const secret = { sign: await exportPkcs8(keys.sign.privateKey), ecdh: await exportPkcs8(keys.ecdh.privateKey),
    local: newLocalKey(), token: null };
  return { keys, entry, secret };
}

export class Session {
  constructor(store, { now = () => Date.now(), wipe } = {}) {
    this.store = store;
    this.now = now;
    this.wipeDevice = wipe;
    this.device = null;      // {workspace, device, role, fingerprint}: plaintext meta
    this.settings = { ...DEFAULT_SETTINGS };
    this.identity = null;    // set while unlocked
    this.records = null;
    this.drafts = null;
    this.token = null;
    this.trusted = {};
    this.removed = [];       // devices revoked (signed orders kept, or the server's flag): no key goes to them
    this.alarm = [];         // what is wrong with this device's own directory entry: no key goes anywhere
  }

  /** Read what is readable while locked: the device's identity and the settings. */
  async init() {
    this.device = (await this.store.getMeta('device')) ?? null;
    this.settings = { ...DEFAULT_SETTINGS, ...((await this.store.getMeta('settings')) ?? {}) };
    if (this.device && !(await this.store.getVault())) this.device = null;
    return this.state;
  }

  /** 'empty' (never joined, or wiped), 'locked' or 'open'. */
  get state() {
    if (!this.device) return 'empty';
    return this.identity ? 'open' : 'locked';
  }

  /** Save settings (plaintext: language, theme, idle minutes, wipe limit, panic behaviour). */
  async saveSettings(changes) {
    this.settings = { ...this.settings, ...changes };
    await this.store.putMeta('settings', this.settings);
  }

  /**
   * Use an invite at once: make the keys and enroll. Resolves to what `join` takes as `enrolled`
   * (the keys stay in memory until the passphrase seals them). `role` is the link's role (`r`): the
   * device signs it in its key-binding statement and the server must enroll it in that role.
   * Without one (an older link) the statement follows with the first sync.
   */
  async enroll({ code, workspace, role = null, progress = () => {} }) {
    progress('keys');
    const made = await makeDevice();
    progress('enroll');
    const body = { invite: code, device: made.entry };
    if (ROLES.includes(role)) {
      body.binding = await makeBinding(made.keys.sign.privateKey, { workspace, device: made.entry.id, role,
        sign_key: made.entry.sign_key, ecdh_key: made.entry.ecdh_key });
    }
    const answer = await call('POST', '/api/enroll', { body });
    if (answer.workspace !== workspace) throw new Error('the server enrolled this device in another workspace');
    if (body.binding && answer.role !== role) throw new Error('the server enrolled this device in another role');
    return { made, answer };
  }

  /**
   * Join with an invite link's code (or an `enrolled` from `enroll`); `progress(step)` reports 'keys',
   * 'enroll', 'seal'.
   */
  async join({ code, workspace, fingerprint, role = null, passphrase, progress = () => {}, enrolled = null }) {
    const { made, answer } = enrolled ?? await this.enroll({ code, workspace, role, progress });
    return this.#finishJoin(made, answer, fingerprint, passphrase, progress);
  }

  /** Use a setup token at once (see `enroll`); resolves to what `setup` takes as `enrolled`. */
  async startSetup({ token, workspace, progress = () => {} }) {
    progress('keys');
    const made = await makeDevice();
    const { id, sign_key, ecdh_key } = made.entry;
    const cert = await makeCertificate(made.keys.sign.privateKey,
      { workspace, device: id, role: 'coordinator', sign_key, ecdh_key, issuer: id });
    const binding = await makeBinding(made.keys.sign.privateKey,
      { workspace, device: id, role: 'coordinator', sign_key, ecdh_key });
    progress('enroll');
    const answer = await call('POST', '/api/bootstrap',
      { body: { setup_token: token, device: made.entry, cert, binding } });
    return { made, answer };
  }

  /** Become the first coordinator of a workspace with its setup link's token. */
  async setup({ token, workspace, passphrase, progress = () => {}, enrolled = null }) {
    const { made, answer } = enrolled ?? await this.startSetup({ token, workspace, progress });
    return this.#finishJoin(made, answer, await fingerprintOf(made.entry.sign_key), passphrase, progress);
  }

  async #finishJoin(made, answer, fingerprint, passphrase, progress) {
    made.secret.token = answer.token;
    // Without the directory now the join still completes: the first sync brings it (logged, not shown).
    const listed = await call('GET', '/api/devices', { token: answer.token }).catch((err) => {
      report(err, { where: 'join/directory', show: false });
      return { devices: [] };
    });
    const directory = listed.devices;
    progress('seal');
    const vault = await seal(made.secret, passphrase);
    // The push-only token may rest outside the vault: it can only send what the device key
    // signed. A server from before push tokens gives none; such a device pushes while unlocked.
    const worker = answer.push_token ? await sealToken(answer.push_token) : null;
    this.device = { workspace: answer.workspace, device: answer.device, role: answer.role, fingerprint,
      sign_key: made.entry.sign_key, ecdh_key: made.entry.ecdh_key };
    await this.store.create({ device: this.device, vault, directory, settings: this.settings, worker });
    await this.#open(made.secret);
  }

  async #open(secret, early = null) {
    const [signKey, ecdhKey, localKey] = await Promise.all([
      importPrivatePkcs8(secret.sign, 'sign', false), importPrivatePkcs8(secret.ecdh, 'ecdh', false),
      importLocalKey(secret.local)]);
    this.token = secret.token;
    this.identity = { workspace: this.device.workspace, device: this.device.device, signKey, ecdhKey, localKey,
      ownEcdh: this.device.ecdh_key, recipients: [] };
    const directory = await this.store.directory();
    const kept = (await this.store.getMeta('revocations')) ?? [];
    const trust = await evaluate(directory, this.device.workspace, this.device.fingerprint, kept);
    const removed = [...trust.revoked, ...directory.filter((d) => d.status === 'revoked').map((d) => d.id)];
    const alarm = await selfCheck(directory.find((d) => d.id === this.device.device), this.device.workspace,
      { device: this.device.device, role: this.device.role, sign_key: this.device.sign_key,
        ecdh_key: this.device.ecdh_key });
    this.useDirectory(directory, trust.trusted, { removed, alarm });
    this.records = new Records(this.store, this.identity, { now: this.now });
    this.drafts = new Drafts(this.store, localKey);
    await Promise.all([this.records.load(early), this.drafts.load()]);
  }

  /**
   * Take a verified directory (`trusted`: {id: role} from core/trust.js). Record keys are wrapped
   * only to coordinators whose certificates chain to the fingerprint from the invite link: a
   * hostile server cannot add a reader (design §3).
   */
  useDirectory(directory, trusted, { removed = this.removed, alarm = this.alarm } = {}) {
    this.directory = [...directory.values()]; // a Map or an array
    this.trusted = trusted;
    this.removed = removed;
    this.alarm = alarm;
    this.onAlarm?.(alarm);
    if (!this.identity) return;
    this.identity.trusted = trusted; // records.js takes wraps only from the creator or a trusted coordinator
    this.identity.removed = removed; // nor a new key epoch from a revoked coordinator
    this.identity.recipients = wrapRecipients(this.directory, trusted, this.device.device, { removed, alarm });
  }

  /** May a record key go to this device (share, certify)? Not while the alarm is up, not if revoked. */
  canWrapTo(id) {
    return !this.alarm.length && !this.removed.includes(id) && Object.prototype.hasOwnProperty.call(this.trusted, id)
      && this.directory?.find((d) => d.id === id)?.status !== 'revoked';
  }

  /** The device an acknowledgement goes to (a record's author), as every grant: {id, ecdh_key} or null. */
  ackRecipient(id) {
    const entry = id !== this.device.device && this.canWrapTo(id) && this.directory.find((d) => d.id === id);
    return entry ? { id, ecdh_key: entry.ecdh_key } : null;
  }

  /** The push-only token, for pushing the outbox while locked; null if this device has none. */
  async pushToken() {
    return openToken(await this.store.getWorker());
  }

  /**
   * Try a passphrase. Resolves to {status}: 'open'; 'wrong' (with `wait` seconds before the next
   * try); 'wait' (too soon after failures); 'wiped' (the failure limit was reached).
   * A duress passphrase erases everything and says 'empty': the app is then one that never joined.
   */
  async unlock(passphrase) {
    const guard = (await this.store.getMeta('guard')) ?? { failures: 0, retryAt: 0 };
    if (this.now() < guard.retryAt) {
      return { status: 'wait', wait: Math.ceil((guard.retryAt - this.now()) / 1000) };
    }
    const vault = await this.store.getVault();
    if (!vault) return { status: 'wiped' };
    // The records' version tags and sealed packs are read while the passphrase is stretched (the
    // slowest step of unlocking): nothing in them opens without the local key from the vault.
    const early = Records.prefetch(this.store);
    const result = await open(vault, passphrase);
    await early.catch(() => {}); // settled before anything may erase the store (duress, wipe)
    if (result.status === 'duress') {
      await this.#duress();
      return { status: 'empty' };
    }
    if (result.status === 'wrong') {
      const failures = guard.failures + 1;
      if (this.settings.wipeAfter && failures >= this.settings.wipeAfter) {
        await this.wipe();
        return { status: 'wiped' };
      }
      const wait = retryDelay(failures);
      await this.store.putMeta('guard', { failures, retryAt: this.now() + wait * 1000 });
      return { status: 'wrong', wait, failures };
    }
    await this.store.putMeta('guard', { failures: 0, retryAt: 0 });
    // A vault from before v2 is sealed again in the new form (one PBKDF2 block, HKDF) at once.
    if (result.upgrade) await this.store.putVault(await upgrade(vault, result.secret, passphrase));
    await this.#open(result.secret, early);
    return { status: 'open' };
  }

  // The duress passphrase: the vault goes first (its storage bucket, where the browser has them;
  // without the keys every local ciphertext is useless), then everything else. What is left is
  // what an install that never joined can hold: at most the language it was shown in. No vault,
  // no verifier, no workspace, device id, role or fingerprint, in storage or in this object.
  async #duress() {
    const { lang } = this.settings;
    await this.store.destroyVault();
    await this.store.destroyData();
    this.device = null;
    this.directory = [];
    this.trusted = {};
    this.settings = { ...DEFAULT_SETTINGS, lang };
    if (lang) await this.store.putMeta('settings', this.settings);
  }

  /**
   * Change the passphrase: resolves 'changed', 'wrong' (the current one is not right) or 'duress'
   * (the new one is the duress passphrase). The salt and duress check stay, so a duress passphrase
   * set before still works.
   */
  async changePassphrase(current, next) {
    const vault = await this.store.getVault();
    const opened = await open(vault, current);
    if (opened.status !== 'open') return 'wrong';
    const base = await upgrade(vault, opened.secret, current); // a v2 vault as it is
    const sealed = await seal(opened.secret, next,
      { salt: base.salt, duress: base.duress, legacy: base.legacy_duress });
    if ((await open(sealed, next)).status !== 'open') return 'duress';
    await this.store.putVault(sealed);
    return 'changed';
  }

  /** Set a duress passphrase (it must differ from the real one); resolves false if it does not. */
  async setDuress(passphrase) {
    const vault = await this.store.getVault();
    if ((await open(vault, passphrase)).status === 'open') return false;
    await this.store.putVault(await withDuress(vault, passphrase));
    return true;
  }

  /** Remove the duress passphrase (the verifier becomes random again). */
  async clearDuress() {
    const vault = await this.store.getVault();
    await this.store.putVault(withoutDuress(vault));
  }

  /** Drop every key and plaintext from memory; drafts are flushed first. */
  async lock() {
    if (!this.identity) return;
    const drafts = this.drafts;
    this.records?.clear();
    this.identity = null;
    this.token = null;
    this.records = null;
    this.drafts = null;
    await drafts?.flush();
    drafts?.clear();
  }

  /** Erase the device (keys first) and forget it. */
  async wipe() {
    await this.lock();
    this.device = null;
    await this.wipeDevice(this.store);
  }
}
