/**
 * A crypto worker (a module worker made by sync/crypto-pool.js): it opens batches of pulled items
 * off the page's thread with sync/open-batch.js, so the list stays responsive while a new phone
 * catches up. It holds nothing between batches: each message brings its items and the context
 * (this device's ECDH key travels as a non-extractable CryptoKey, which the browser clones
 * without ever exposing its bytes), and the answer goes back in order.
 *
 *   in:  {id, items: [{kind, item}], ctx}   out: {id, answers} | {id, error}
 */

import { openBatch } from './open-batch.js';

self.addEventListener('message', async (event) => {
  const { id, items, ctx } = event.data ?? {};
  try {
    const answers = await openBatch(items, ctx);
    self.postMessage({ id, answers });
  } catch (err) {
    self.postMessage({ id, error: String(err?.message ?? err) });
  }
});
