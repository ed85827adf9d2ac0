// Live connection shared by the shell and every plugin UI.
//
//   import { live } from '/live.js';
//   const off = live.on('hello', (event) => ..., { hood: 'peiner-strasse' });
//   live.onState((state) => ...);   // 'connecting' | 'live' | 'offline'
//   live.onResync((hood) => ...);   // reload state through HTTP
//
// One WebSocket per page (subprotocol nachbar.v1). It remembers the last
// event id per neighbourhood, subscribes with `since` after every
// reconnect so the server replays exactly what was missed, and reconnects
// with exponential backoff and jitter. When the server says `resync`
// (what was missed is older than its retention), listeners of onResync
// reload through HTTP and the stream continues from the server's last id.

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
    this.attempt = 0;
    this.timer = null;
    this.stopped = true;
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
    this.setState('offline');
  }

  /** Listen to `topic` in `hood`; returns a function that stops listening. */
  on(topic, callback, { hood }) {
    if (!this.topics.has(hood)) this.topics.set(hood, new Map());
    const byTopic = this.topics.get(hood);
    const fresh = !byTopic.has(topic);
    if (fresh) byTopic.set(topic, new Set());
    byTopic.get(topic).add(callback);
    if (fresh && this.state === 'live') this.subscribe(hood, [topic]);
    this.start();
    return () => {
      const set = byTopic.get(topic);
      if (!set) return;
      set.delete(callback);
      if (set.size === 0) {
        byTopic.delete(topic);
        this.send({ op: 'unsubscribe', hood, topics: [topic] });
      }
    };
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
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setState('offline');
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
    }
  }
}

export const live = new Live();
