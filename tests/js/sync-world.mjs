// Devices for the sync engine's tests: a workspace on the fake server with its root coordinator,
// and phones that each have the real local store (in memory), records and sync engine. Not a test file.
import { b64encode } from '../../pwa/static/js/core/b64.js';
import { makeBinding } from '../../pwa/static/js/core/binding.js';
import { makeCertificate } from '../../pwa/static/js/core/envelopes.js';
import { exportPublic, fingerprint, generateDeviceKeys } from '../../pwa/static/js/core/keys.js';
import { verifyDirectory, wrapRecipients } from '../../pwa/static/js/core/trust.js';
import { importLocalKey, newLocalKey } from '../../pwa/static/js/crypto/local-box.js';
import { Records } from '../../pwa/static/js/records.js';
import { LocalStore } from '../../pwa/static/js/store/local.js';
import { memoryAdapter } from '../../pwa/static/js/store/memory-adapter.js';
import { SyncStore } from '../../pwa/static/js/store/sync-store.js';
import { SyncEngine } from '../../pwa/static/js/sync/engine.js';
import { FakeServer } from './fake-server.mjs';

export const WORKSPACE = '7d0c6a1e-3f2b-4c5d-8e9f-0a1b2c3d4e5f';

const newId = () => b64encode(crypto.getRandomValues(new Uint8Array(16)));

async function keyPair() {
  const k = await generateDeviceKeys();
  return { k, sign_key: await exportPublic(k.sign.publicKey), ecdh_key: await exportPublic(k.ecdh.publicKey) };
}

/** A certificate for `entry`, issued by `issuer` ({id, k}). */
export function certify(issuer, entry, workspace = WORKSPACE) {
  return makeCertificate(issuer.k.sign.privateKey, { workspace, device: entry.id, role: entry.role,
    sign_key: entry.sign_key, ecdh_key: entry.ecdh_key, issuer: issuer.id });
}

// What Session.useDirectory does: record keys go to trusted, unrevoked coordinators only, and to
// nobody while the device's own entry is wrong.
function recipientsOf(identity, directory, trusted, extra = {}) {
  identity.recipients = wrapRecipients(directory, trusted, identity.device, extra);
  identity.alarm = extra.alarm ?? [];
  identity.trusted = trusted;
  identity.removed = extra.removed ?? [];
}

/** A workspace: the fake server and its root coordinator's keys ({server, root, fingerprint, phone()}). */
export async function world() {
  const server = new FakeServer(WORKSPACE);
  const root = { ...(await keyPair()), id: newId(), role: 'coordinator' };
  const w = { server, root, fingerprint: await fingerprint(root.sign_key) };
  w.phone = (role, options) => phone(w, role, options);
  return w;
}

/**
 * A device with a real local store, records and engine. Options: {certified (true), root (false:
 * be the root coordinator itself), issuer (a device to certify with), batch ({maxItems, maxBytes})}.
 */
export async function phone(w, role, { certified = true, root = false, issuer = null, batch } = {}) {
  const me = root ? w.root : { ...(await keyPair()), id: newId(), role };
  const entry = { id: me.id, role, sign_key: me.sign_key, ecdh_key: me.ecdh_key };
  entry.binding = await makeBinding(me.k.sign.privateKey, { workspace: WORKSPACE, device: me.id, role,
    sign_key: me.sign_key, ecdh_key: me.ecdh_key });
  if (root || certified) entry.cert = await certify(root ? w.root : issuer ?? w.root, entry);
  const token = w.server.enroll(entry);
  const adapter = memoryAdapter();
  const store = new LocalStore(adapter);
  const directory = [...w.server.devices.values()].map((d) => d.entry);
  await store.create({ device: { workspace: WORKSPACE, device: me.id, role, fingerprint: w.fingerprint,
    sign_key: me.sign_key, ecdh_key: me.ecdh_key }, vault: { sealed: true }, directory });
  const identity = { workspace: WORKSPACE, device: me.id, signKey: me.k.sign.privateKey, ecdhKey: me.k.ecdh.privateKey,
    localKey: await importLocalKey(newLocalKey()), ownEcdh: me.ecdh_key, recipients: [] };
  recipientsOf(identity, directory, await verifyDirectory(directory, WORKSPACE, w.fingerprint));
  const records = new Records(store, identity);
  await records.load();
  const replica = new SyncStore(adapter);
  const engine = new SyncEngine({ adapter, replica, token, fetch: w.server.fetch, batch,
    me: { workspace: WORKSPACE, device: me.id, role, fingerprint: w.fingerprint, signPublic: me.sign_key,
      ecdhKey: me.k.ecdh.privateKey, ecdhPublic: me.ecdh_key, signKey: me.k.sign.privateKey },
    onDirectory: (dir, trusted, extra) => recipientsOf(identity, dir.values(), trusted, extra) });
  const device = { id: me.id, keys: me, entry, token, adapter, store, records, replica, engine, identity };
  /** Sync, and let the records catch up as the app does. */
  device.sync = async (options) => {
    const result = await engine.sync(options);
    await records.reload({ changed: [...result.changed], purged: [...result.purged, ...result.erased],
      keys: result.keys });
    return result;
  };
  return device;
}
