/**
 * A late coordinator gets every key: a coordinator device re-wraps the records it can read for
 * every trusted coordinator it has not yet wrapped them for, one batch per sync run; a field
 * device does the same for the records it created (one saved offline, or while no coordinator was
 * trusted here, still reaches them). Progress
 * ({coordinator id: [record ids done]}) is kept in the meta store, so a closed tab or a lost
 * connection resumes where it stopped; a wrap the server already holds is answered `duplicate`.
 * The twin of Replica.rewrap_batch in sync/replica.py.
 */

export const REWRAP_BATCH = 200;

/**
 * The next batch: {target: {id, ecdh_key}, ids: [record ids], done, total} or null when nothing is
 * owed. `readable`: ids of the records this device can read; `recipients`: trusted, unrevoked
 * coordinators (Session.identity.recipients, empty while the alarm is up); `progress`: as stored.
 */
export function nextBatch(readable, recipients, progress, limit = REWRAP_BATCH) {
  for (const target of [...recipients].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const have = new Set(progress[target.id] ?? []);
    const missing = readable.filter((id) => !have.has(id));
    if (missing.length) {
      return { target, ids: missing.slice(0, limit), done: readable.length - missing.length, total: readable.length };
    }
  }
  return null;
}

/**
 * Run one batch: wrap its keys (into the outbox, through `records.grant`), then remember them.
 * Resolves to {target, done, total} after the batch, or null if nothing was owed.
 */
export async function rewrapOnce({ store, records, recipients, role, device, alarm }, limit = REWRAP_BATCH) {
  if (alarm.length || !records || !recipients.length) return null;
  const progress = (await store.getMeta('rewrap')) ?? {};
  const ids = role === 'coordinator' ? [...records.summaries.keys()]
    : (await store.allRecords()).filter((r) => r.wrap?.sender === device
      && records.summaries.has(r.id)).map((r) => r.id);
  const batch = nextBatch(ids.sort(), recipients, progress, limit);
  if (!batch) return null;
  await records.grant(batch.ids, batch.target);
  progress[batch.target.id] = [...(progress[batch.target.id] ?? []), ...batch.ids];
  await store.putMeta('rewrap', progress);
  return { target: batch.target.id, done: batch.done + batch.ids.length, total: batch.total };
}
