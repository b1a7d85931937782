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
import { verifyDirectory } from './core/trust.js';
import { importLocalKey, newLocalKey } from './crypto/local-box.js';
import { noDuress, open, seal, duressVerifier } from './crypto/vault.js';
import { Drafts } from './drafts.js';
import { Records } from './records.js';
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

  /** Join with an invite link's code; `progress(step)` reports 'keys', 'enroll', 'seal'. */
  async join({ code, workspace, fingerprint, passphrase, progress = () => {} }) {
    progress('keys');
    const made = await makeDevice();
    progress('enroll');
    const answer = await call('POST', '/api/enroll', { body: { invite: code, device: made.entry } });
    if (answer.workspace !== workspace) throw new Error('the server enrolled this device in another workspace');
    return this.#finishJoin(made, answer, fingerprint, passphrase, progress);
  }

  /** Become the first coordinator of a workspace with its setup link's token. */
  async setup({ token, workspace, passphrase, progress = () => {} }) {
    progress('keys');
    const made = await makeDevice();
    const { id, sign_key, ecdh_key } = made.entry;
    const cert = await makeCertificate(made.keys.sign.privateKey,
      { workspace, device: id, role: 'coordinator', sign_key, ecdh_key, issuer: id });
    progress('enroll');
    const answer = await call('POST', '/api/bootstrap', { body: { setup_token: token, device: made.entry, cert } });
    return this.#finishJoin(made, answer, await fingerprintOf(sign_key), passphrase, progress);
  }

  async #finishJoin(made, answer, fingerprint, passphrase, progress) {
    made.secret.token = answer.token;
    const listed = await call('GET', '/api/devices', { token: answer.token }).catch(() => ({ devices: [] }));
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

  async #open(secret) {
    const [signKey, ecdhKey, localKey] = await Promise.all([
      importPrivatePkcs8(secret.sign, 'sign', false), importPrivatePkcs8(secret.ecdh, 'ecdh', false),
      importLocalKey(secret.local)]);
    this.token = secret.token;
    this.identity = { workspace: this.device.workspace, device: this.device.device, signKey, ecdhKey, localKey,
      ownEcdh: this.device.ecdh_key, recipients: [] };
    const directory = await this.store.directory();
    this.useDirectory(directory, await verifyDirectory(directory, this.device.workspace, this.device.fingerprint));
    this.records = new Records(this.store, this.identity, { now: this.now });
    this.drafts = new Drafts(this.store, localKey);
    await Promise.all([this.records.load(), this.drafts.load()]);
  }

  /**
   * Take a verified directory (`trusted`: {id: role} from core/trust.js). Record keys are wrapped
   * only to coordinators whose certificates chain to the fingerprint from the invite link: a
   * hostile server cannot add a reader (design §3).
   */
  useDirectory(directory, trusted) {
    this.directory = [...directory.values()]; // a Map or an array
    this.trusted = trusted;
    if (!this.identity) return;
    this.identity.recipients = this.directory.filter((d) => trusted[d.id] === 'coordinator'
      && d.status !== 'revoked' && d.id !== this.device.device)
      .map((d) => ({ id: d.id, ecdh_key: d.ecdh_key }));
  }

  /** The push-only token, for pushing the outbox while locked; null if this device has none. */
  async pushToken() {
    return openToken(await this.store.getWorker());
  }

  /**
   * Try a passphrase. Resolves to {status}: 'open'; 'wrong' (with `wait` seconds before the next
   * try); 'wait' (too soon after failures); 'wiped' (the failure limit was reached).
   * A duress passphrase destroys the real data and opens an empty app: it also says 'open'.
   */
  async unlock(passphrase) {
    const guard = (await this.store.getMeta('guard')) ?? { failures: 0, retryAt: 0 };
    if (this.now() < guard.retryAt) {
      return { status: 'wait', wait: Math.ceil((guard.retryAt - this.now()) / 1000) };
    }
    const vault = await this.store.getVault();
    if (!vault) return { status: 'wiped' };
    const result = await open(vault, passphrase);
    if (result.status === 'duress') {
      await this.#duress(passphrase);
      return { status: 'open' };
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
    await this.#open(result.secret);
    return { status: 'open' };
  }

  // The duress passphrase: keys first (without them every local ciphertext is useless), then the
  // data, then a fresh, unenrolled device sealed by the duress passphrase, so the app opens empty.
  async #duress(passphrase) {
    await this.store.destroyVault();
    await this.store.destroyData();
    const made = await makeDevice();
    const vault = await seal(made.secret, passphrase);
    this.device = { ...this.device, sign_key: made.entry.sign_key, ecdh_key: made.entry.ecdh_key };
    await this.store.create({ device: this.device, vault, directory: [], settings: this.settings });
    await this.#open(made.secret);
  }

  /** Set a duress passphrase (it must differ from the real one); resolves false if it does not. */
  async setDuress(passphrase) {
    const vault = await this.store.getVault();
    if ((await open(vault, passphrase)).status === 'open') return false;
    await this.store.putVault({ ...vault, duress: await duressVerifier(vault, passphrase) });
    return true;
  }

  /** Remove the duress passphrase (the verifier becomes random again). */
  async clearDuress() {
    const vault = await this.store.getVault();
    await this.store.putVault({ ...vault, duress: noDuress() });
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
