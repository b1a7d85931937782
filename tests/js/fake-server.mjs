// A fake Zapis server for the sync engine's node tests: push and pull as docs/protocol.md says
// (the merge rule from core/merge.js, sequence numbers, pages, wraps, tombstones, the directory,
// 410 and revocation), over a `fetch` function, with faults a test can ask for. Not a test file.
import { HEADER, PROTOCOL, encodePage } from '../../pwa/static/js/core/dense.js';
import { writeHash } from '../../pwa/static/js/core/envelopes.js';
import { ACCEPTED, EQUIVOCATION, merge } from '../../pwa/static/js/core/merge.js';

const json = (status, body) => new Response(JSON.stringify(body),
  { status, headers: { 'Content-Type': 'application/json' } });
const error = (status, code, message = code) => json(status, { error: { code, message } });

export class FakeServer {
  constructor(workspace) {
    this.workspace = workspace;
    this.seq = 0;
    this.horizon = 0;
    this.devices = new Map();   // id → {entry, seq, token}
    this.records = new Map();   // id → {creator, purged: order | null, purgedSeq}
    this.live = new Map();      // `${record}|${field}` → [{write, seq, change}]
    this.changes = new Map();   // change id → {record, device, sig, writes: [{field, dot, ctx, nonce, ct}]}
    this.wraps = [];            // {wrap, seq}
    this.requests = [];         // {method, path, encoding, body} of every request
    this.faults = [];           // queued: 'drop' (commit, then lose the answer), 'down', 'error', 'cut',
                                // 'limited' (429, Retry-After: 30), 'proxy' (a proxy's HTML 502 page)
    this.refuse = new Set();    // record ids whose changes are refused (as if no access)
    this.checkRevoked = true;   // false: let a revoked device's token in (to test what the page says)
    this.fetch = this.fetch.bind(this);
  }

  /** Add a device to the directory; returns its bearer token. */
  enroll(entry) {
    const token = 'token-' + entry.id;
    this.devices.set(entry.id, { entry: { status: 'active', invite: null, cert: null, ...entry }, seq: ++this.seq,
      token });
    return token;
  }

  /** Change a directory entry (certify, revoke) as the API would: it gets a new seq. */
  updateDevice(id, changes) {
    const d = this.devices.get(id);
    d.entry = { ...d.entry, ...changes };
    d.seq = ++this.seq;
  }

  /** Store a change as it is, as someone writing straight into the database would. */
  inject(change) {
    const id = ++this.seq;
    this.changes.set(id, change);
    if (!this.records.has(change.record)) this.records.set(change.record, { creator: change.device, purged: null });
    change.writes.forEach((w) => {
      const key = `${change.record}|${w.field}`;
      this.live.set(key, [...(this.live.get(key) ?? []), { write: w, seq: ++this.seq, change: id }]);
    });
  }

  /** A coordinator's purge order: the record's values and wraps go, a tombstone stays. */
  /** A wrap slipped in as a hostile server would, past every rule. */
  injectWrap(wrap) {
    this.wraps.push({ wrap, seq: ++this.seq });
  }

  purge(order) {
    const rec = this.records.get(order.record);
    rec.purged = order;
    rec.purgedSeq = ++this.seq;
    for (const key of [...this.live.keys()]) if (key.startsWith(order.record + '|')) this.live.delete(key);
    this.wraps = this.wraps.filter((w) => w.wrap.record !== order.record);
  }

  /** How many live values the server holds for a record (duplicates would show here). */
  valueCount(record) {
    return [...this.live.entries()].filter(([k]) => k.startsWith(record + '|')).reduce((n, [, l]) => n + l.length, 0);
  }

  async fetch(url, init = {}) {
    const u = new URL(url, 'http://zapis.test');
    const encoding = init.headers?.['Content-Encoding'] ?? null;
    let body = init.body;
    if (encoding === 'gzip') {
      body = await new Response(new Blob([body]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
    }
    this.requests.push({ method: init.method ?? 'GET', path: u.pathname, encoding, body: body ? JSON.parse(body) : null,
      bytes: body ? (typeof init.body === 'string' ? init.body.length : init.body.byteLength) : 0 });
    const fault = this.faults.shift();
    if (fault === 'down') throw new TypeError('Failed to fetch');
    if (fault === 'error') return error(503, 'unavailable');
    if (fault === 'limited') {
      return new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Too many attempts.' } }),
        { status: 429, headers: { 'Content-Type': 'application/json', 'Retry-After': '30' } });
    }
    if (fault === 'proxy') return new Response('<html>502 Bad Gateway</html>',
      { status: 502, headers: { 'Content-Type': 'text/html' } });
    const token = (init.headers?.Authorization ?? '').replace('Bearer ', '');
    const device = [...this.devices.values()].find((d) => d.token === token);
    if (!device) return error(401, 'unauthenticated');
    if (this.checkRevoked && device.entry.status === 'revoked') return error(403, 'device_revoked');
    let response;
    if (u.pathname === '/api/sync/push') response = json(200, await this.#push(device.entry, JSON.parse(body)));
    else if (u.pathname === '/api/sync/pull' && !(Number(init.headers?.[HEADER]) >= Number(PROTOCOL))) {
      response = error(400, 'update_required');
    } else if (u.pathname === '/api/sync/pull') response = await this.#pull(device.entry, u.searchParams);
    else if (u.pathname === `/api/devices/${device.entry.id}/binding` && init.method === 'PUT'
      && !device.entry.binding) {
      this.updateDevice(device.entry.id, { binding: JSON.parse(body).binding });
      response = json(200, device.entry);
    } else if (u.pathname.startsWith('/api/devices/') && u.pathname.endsWith('/records') && init.method !== 'POST') {
      response = this.#holding(device.entry, decodeURIComponent(u.pathname.split('/')[3]), u.searchParams);
    } else if (u.pathname === '/api/records/wraps' && init.method === 'POST') {
      response = this.#recordWraps(device.entry, JSON.parse(body).records);
    } else response = error(404, 'not_found');
    if (fault === 'drop') throw new TypeError('network error: the connection dropped');
    if (fault === 'cut') return new Response('{"changes": [', { status: 200 });
    return response;
  }

  #access(record, device) {
    const rec = this.records.get(record);
    if (this.refuse.has(record)) return 'no_access';
    if (!rec) {
      this.records.set(record, { creator: device.id, purged: null });
      return null;
    }
    if (rec.purged) return 'record_purged';
    const wrapped = this.wraps.some((w) => w.wrap.record === record && w.wrap.recipient === device.id);
    return device.role === 'coordinator' || rec.creator === device.id || wrapped ? null : 'no_access';
  }

  async #push(device, body) {
    const wraps = body.wraps.map((wrap) => {
      let code = this.#access(wrap.record, device);
      const rec = this.records.get(wrap.record);
      // As the server: wraps only from the record's creator or a coordinator, one per sender.
      if (!code && rec && device.role !== 'coordinator' && rec.creator !== device.id) code = 'not_author';
      if (code) return { status: 'refused', code, message: code };
      const same = (w) => w.wrap.record === wrap.record && w.wrap.recipient === wrap.recipient
        && w.wrap.sender === wrap.sender;
      if (this.wraps.some((w) => same(w) && w.wrap.sig === wrap.sig)) return { status: 'duplicate' };
      // As the server: a sender's older key list never replaces its newer one (key epochs).
      if (this.wraps.some((w) => same(w) && (w.wrap.epoch ?? 0) > (wrap.epoch ?? 0))) return { status: 'duplicate' };
      this.wraps = this.wraps.filter((w) => !same(w));
      this.wraps.push({ wrap, seq: ++this.seq });
      return { status: 'accepted' };
    });
    const changes = body.changes.map((change) => {
      const code = this.#access(change.record, device);
      if (code) return { status: 'refused', code, message: code };
      const id = ++this.seq;
      const writes = change.writes.map((w) => {
        const key = `${change.record}|${w.field}`;
        const live = this.live.get(key) ?? [];
        const outcome = merge(live.map((v) => v.write), w);
        if (outcome.tag === EQUIVOCATION) return { status: 'refused', code: 'equivocation', message: 'equivocation' };
        if (outcome.tag === ACCEPTED) {
          this.live.set(key, [...live.filter((v) => !outcome.removed.includes(v.write)),
            { write: w, seq: ++this.seq, change: id }]);
        }
        return { status: outcome.tag };
      });
      this.changes.set(id, change);
      return { status: 'ok', writes };
    });
    return { wraps, changes };
  }

  // GET /api/devices/<id>/records: the records a device holds a wrap of (coordinators only).
  #holding(caller, id, params) {
    if (caller.role !== 'coordinator') return error(403, 'coordinator_only');
    const after = params.get('after') ?? '';
    const ids = [...new Set(this.wraps.filter((w) => w.wrap.recipient === id).map((w) => w.wrap.record))]
      .filter((r) => r > after).sort();
    return json(200, { records: ids, more: false });
  }

  // POST /api/records/wraps: every stored wrap of these records (coordinators only).
  #recordWraps(caller, records) {
    if (caller.role !== 'coordinator') return error(403, 'coordinator_only');
    return json(200, { wraps: this.wraps.filter((w) => records.includes(w.wrap.record)).map((w) => w.wrap) });
  }

  async #pull(device, params) {
    const cursor = Number(params.get('cursor') ?? 0);
    const limit = Number(params.get('limit') ?? 2000);
    if (cursor > this.seq || (cursor > 0 && cursor < this.horizon)) return error(410, 'cursor_expired');
    const sees = (record) => {
      const rec = this.records.get(record);
      return device.role === 'coordinator' || rec?.creator === device.id
        || this.wraps.some((w) => w.wrap.record === record && w.wrap.recipient === device.id);
    };
    const items = [];
    for (const [key, live] of this.live) {
      for (const v of live) if (v.seq > cursor && sees(key.split('|')[0])) items.push([v.seq, 'value', v]);
    }
    for (const w of this.wraps) if (w.seq > cursor
      && w.wrap.recipient === device.id) items.push([w.seq, 'wrap', w.wrap]);
    for (const d of this.devices.values()) if (d.seq > cursor) items.push([d.seq, 'device', d.entry]);
    if (cursor > 0) {
      for (const r of this.records.values()) if (r.purged
        && r.purgedSeq > cursor) items.push([r.purgedSeq, 'purge', r.purged]);
    }
    items.sort((a, b) => a[0] - b[0]);
    const taken = items.slice(0, limit);
    const more = taken.length < items.length;
    const page = { cursor: more ? taken.at(-1)[0] : this.seq, more, changes: [], wraps: [], tombstones: [],
      devices: [] };
    const values = [];
    for (const [, kind, item] of taken) {
      if (kind === 'value') values.push(item);
      else if (kind === 'wrap') page.wraps.push(item);
      else if (kind === 'device') page.devices.push(item);
      else page.tombstones.push(item);
    }
    // A wrap brings the record's older values with it (they lie behind the cursor).
    if (device.role !== 'coordinator') {
      for (const wrap of page.wraps) {
        for (const [key, live] of this.live) {
          if (key.startsWith(wrap.record + '|')) values.push(...live.filter((v) => v.seq <= cursor));
        }
      }
    }
    const byChange = new Map();
    for (const v of values) byChange.set(v.change, [...(byChange.get(v.change) ?? []), v.write]);
    for (const [id, live] of byChange) {
      const change = this.changes.get(id);
      const writes = await Promise.all(change.writes.map(async (w) => (live.some((l) => l.field === w.field
        && l.dot[0] === w.dot[0] && l.dot[1] === w.dot[1]) ? { ...w }
        : { field: w.field, dot: w.dot, ctx: w.ctx, h: await writeHash(w.nonce, w.ct) })));
      page.changes.push({ ...change, writes });
    }
    return json(200, encodePage(page, this.workspace, device.id)); // dense, as the server sends it
  }
}
