// Live connection shared by the shell and every plugin UI.
//
//   import { live } from '/live.js';
//   const off = live.on('hello', (event) => ..., { hood: 'peiner-strasse' });
//   live.onState((state) => ...);   // 'connecting' | 'live' | 'offline'
//   live.onResync((hood) => ...);   // reload state through HTTP
//   live.onAccess(() => ...);       // the server closed with 4000: the
//                                   // person's rights or credential changed
//   live.onError((msg) => ...);     // an {op:"error"} answer (refused subscribe)
//   live.seed(hood, id);            // before the first subscription: replay
//                                   // what happened after `id` (last visit)
//
// One WebSocket per page (subprotocol nachbar.v1). It remembers the last
// event id per neighbourhood, subscribes with `since` after every
// reconnect so the server replays exactly what was missed, and reconnects
// with exponential backoff and jitter. When the server says `resync`
// (what was missed is older than its retention), listeners of onResync
// reload through HTTP and the stream continues from the server's last id.
//
// Topics added or dropped in the same tick (a page that mounts several
// components, or one that re-subscribes) go out as one subscribe: the
// server checks a subscribe all or nothing and replays it in id order, so
// two separate replays could otherwise hand out ids older than one already
// seen, which the duplicate check would drop.

const MIN_DELAY = 500;
const MAX_DELAY = 30000;

class Live {
  constructor() {
    this.ws = null;
    this.state = 'offline';
    this.topics = new Map(); // hood -> Map(topic -> Set(callback))
    this.lastId = new Map(); // hood -> last event id seen
    this.stateListeners = new Set();
    this.resyncListeners = new Set();
    this.accessListeners = new Set();
    this.errorListeners = new Set();
    this.attempt = 0;
    this.timer = null;
    this.stopped = true;
    this.pendingSub = new Map(); // hood -> Set(topic) to subscribe this tick
    this.pendingUnsub = new Map(); // hood -> Set(topic) to unsubscribe this tick
    this.flushQueued = false;
  }

  /** Start (or restart) the connection. Safe to call repeatedly. */
  start() {
    this.stopped = false;
    if (!this.ws) this.connect();
  }

  /** Close and stay closed (sign-out). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, 'bye');
    this.ws = null;
    this.lastId.clear();
    this.pendingSub.clear();
    this.pendingUnsub.clear();
    this.setState('offline');
  }

  /** Listen to `topic` in `hood`; returns a function that stops listening. */
  on(topic, callback, { hood }) {
    if (!this.topics.has(hood)) this.topics.set(hood, new Map());
    const byTopic = this.topics.get(hood);
    const fresh = !byTopic.has(topic);
    if (fresh) byTopic.set(topic, new Set());
    byTopic.get(topic).add(callback);
    if (fresh) {
      // Dropped and taken again in one tick: the server still has it.
      if (this.pendingUnsub.get(hood)?.delete(topic)) return this.off(hood, topic, callback);
      if (this.state === 'live') this.queue(this.pendingSub, hood, topic);
    }
    this.start();
    return this.off(hood, topic, callback);
  }

  off(hood, topic, callback) {
    return () => {
      const byTopic = this.topics.get(hood);
      const set = byTopic?.get(topic);
      if (!set || !set.delete(callback)) return;
      if (set.size === 0) {
        byTopic.delete(topic);
        if (!this.pendingSub.get(hood)?.delete(topic)) this.queue(this.pendingUnsub, hood, topic);
      }
    };
  }

  /** Replay what happened in `hood` after event `id` on the first subscribe. */
  seed(hood, id) {
    if (Number.isInteger(id) && id >= 0 && !this.lastId.has(hood)) this.lastId.set(hood, id);
  }

  queue(pending, hood, topic) {
    if (!pending.has(hood)) pending.set(hood, new Set());
    pending.get(hood).add(topic);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      for (const [h, set] of this.pendingUnsub) {
        if (set.size) this.send({ op: 'unsubscribe', hood: h, topics: [...set] });
      }
      for (const [h, set] of this.pendingSub) {
        if (set.size && this.state === 'live') this.subscribe(h, [...set]);
      }
      this.pendingSub.clear();
      this.pendingUnsub.clear();
    });
  }

  onState(callback) {
    this.stateListeners.add(callback);
    callback(this.state);
    return () => this.stateListeners.delete(callback);
  }

  onResync(callback) {
    this.resyncListeners.add(callback);
    return () => this.resyncListeners.delete(callback);
  }

  onAccess(callback) {
    this.accessListeners.add(callback);
    return () => this.accessListeners.delete(callback);
  }

  onError(callback) {
    this.errorListeners.add(callback);
    return () => this.errorListeners.delete(callback);
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    for (const cb of this.stateListeners) cb(state);
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  subscribe(hood, topics) {
    const since = this.lastId.has(hood) ? this.lastId.get(hood) : null;
    this.send({ op: 'subscribe', hood, topics, since });
  }

  connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.setState('connecting');
    const ws = new WebSocket(`${proto}//${location.host}/ws`, 'nachbar.v1');
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setState('live');
      for (const [hood, byTopic] of this.topics) {
        if (byTopic.size) this.subscribe(hood, [...byTopic.keys()]);
      }
    };
    ws.onmessage = (e) => this.receive(JSON.parse(e.data));
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setState('offline');
      if (e.code === 4000) {
        // Access changed (sign-out elsewhere, new roles, new password):
        // reconnect promptly so the server checks the cookie again.
        this.attempt = 0;
        for (const cb of this.accessListeners) cb();
      }
      if (!this.stopped) this.retry();
    };
  }

  retry() {
    // Full jitter: a random delay up to the exponential bound, so a hall
    // of phones does not reconnect in lockstep after a server restart.
    const bound = Math.min(MAX_DELAY, MIN_DELAY * 2 ** this.attempt++);
    this.timer = setTimeout(() => this.connect(), Math.random() * bound);
  }

  receive(msg) {
    if (msg.op === 'event') {
      const seen = this.lastId.get(msg.hood) ?? 0;
      if (msg.id <= seen) return; // already delivered before a reconnect
      this.lastId.set(msg.hood, msg.id);
      const set = this.topics.get(msg.hood)?.get(msg.topic);
      if (set) for (const cb of set) cb(msg);
    } else if (msg.op === 'replayed') {
      if (!this.lastId.has(msg.hood) || this.lastId.get(msg.hood) < msg.last_id) {
        this.lastId.set(msg.hood, msg.last_id);
      }
    } else if (msg.op === 'resync') {
      this.lastId.set(msg.hood, msg.last_id);
      for (const cb of this.resyncListeners) cb(msg.hood);
    } else if (msg.op === 'error') {
      // A refused subscribe (unknown_topic, forbidden, sign_in_required):
      // the page keeps working without those live updates.
      if (this.errorListeners.size) for (const cb of this.errorListeners) cb(msg);
      else console.warn(`nachbar live: ${msg.code}: ${msg.message || ''}`);
    }
  }
}

export const live = new Live();
