/**
 * A crypto worker (a module worker made by sync/crypto-pool.js): it opens batches of pulled items
 * off the page's thread with sync/open-batch.js, so the list stays responsive while a new phone
 * catches up. It holds nothing between batches: each message brings its items and the context
 * (this device's ECDH key travels as a non-extractable CryptoKey, which the browser clones
 * without ever exposing its bytes), and the answer goes back in order.
 *
 *   in:  {id, items: [{kind, item}], ctx}                         out: {id, answers} | {id, error}
 *   in:  {id, type: 'records', states, ctx, localKey}              out: {id, answers, names} | {id, error}
 *
 * The second opens a pulled page's records for the list (sync/open-records.js openStates): their
 * summaries and sealed cache entries come back, and the record keys the page needs, which the page
 * keeps in memory as it does for records it opens itself.
 */

import { openBatch } from './open-batch.js';
import { openStates } from './open-records.js';
import { warmUp } from './warm-up.js';

// A worker starts on the lock screen (sync-controller.js) and warms up at once (sync/warm-up.js),
// so the first pulled page finds it ready; a batch that comes meanwhile is answered between steps.
warmUp();

self.addEventListener('message', async (event) => {
  const { id, type, items, ctx, states, localKey } = event.data ?? {};
  try {
    if (type === 'records') {
      const { answers, names } = await openStates(states, ctx, localKey);
      self.postMessage({ id, answers, names });
      return;
    }
    const answers = await openBatch(items, ctx);
    self.postMessage({ id, answers });
  } catch (err) {
    self.postMessage({ id, error: String(err?.message ?? err) });
  }
});
