// Helpers for the identity and tenancy tests (identity, tenancy, invites,
// privacy, admin_cli): signed-in clients, error assertions, and direct
// reads and edits of the server's SQLite file through the sqlite3 CLI
// (WAL mode lets it work next to the running server).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { api } from './harness.mjs';

export const HOOD = 'peiner-strasse';
export const DEMO_PASSWORD = 'nachbar-demo';

/** Demo accounts (see core/demo.c). */
export const DEMO = {
  coordinator: 'coordinator@demo.example', // Sabine Wolters, coordinator
  coach: 'coach@demo.example', // Jonas Reinhardt, coach
  thomas: 'thomas@glaserei-hoffmann.demo.example', // admin of Glaserei Hoffmann
  jana: 'jana@glaserei-hoffmann.demo.example', // member of Glaserei Hoffmann
  claudia: 'claudia@druck-brandes.demo.example', // admin of Druck & Etikett Brandes
  mehmet: 'mehmet@druck-brandes.demo.example', // member of Druck & Etikett Brandes
  frank: 'frank@nordmann-rohrbau.demo.example',
  lea: 'lea@nordmann-rohrbau.demo.example',
  sven: 'sven@metallbau-krueger.demo.example',
  aylin: 'aylin@metallbau-krueger.demo.example',
  karin: 'karin@weber-partner.demo.example',
  paul: 'paul@weber-partner.demo.example',
  andreas: 'andreas@elektro-schulz.demo.example',
  nina: 'nina@elektro-schulz.demo.example',
};

let uniq = 0;
/** A fresh e-mail address for this test run. */
export function freshEmail(prefix = 'person') {
  uniq += 1;
  return `${prefix}-${process.pid}-${uniq}@test.example`;
}

/** The cookie pair ("nb_session=…") of a Set-Cookie header, or null. */
export function sessionCookie(res) {
  const sc = res.headers.get('set-cookie');
  return sc ? sc.split(';')[0] : null;
}

/**
 * A client acting as one person: a session cookie plus its CSRF token,
 * or a bearer token. Requests carry exactly these credentials unless
 * `headers` overrides them.
 */
export class Client {
  constructor(url, { cookie = null, csrf = null, token = null, me = null } = {}) {
    this.url = url;
    this.cookie = cookie;
    this.csrf = csrf;
    this.token = token;
    this.me = me;
  }

  headers(extra = {}) {
    const h = {};
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf) h['x-csrf-token'] = this.csrf;
    if (this.token) h.authorization = `Bearer ${this.token}`;
    return { ...h, ...extra };
  }

  req(method, p, body, headers = {}) { return api(this.url, method, p, body, this.headers(headers)); }
  get(p, headers) { return this.req('GET', p, undefined, headers); }
  post(p, body, headers) { return this.req('POST', p, body === undefined ? {} : body, headers); }
  put(p, body, headers) { return this.req('PUT', p, body, headers); }
  del(p, body, headers) { return this.req('DELETE', p, body, headers); }
  hood(p, hood = HOOD) { return `/api/v1/n/${hood}${p}`; }
}

/** POST /api/v1/session; {status, body, headers, cookie}. */
export async function trySignIn(url, email, password = DEMO_PASSWORD, headers = {}) {
  const r = await api(url, 'POST', '/api/v1/session', { email, password }, headers);
  return { ...r, cookie: sessionCookie(r) };
}

/** Sign in (must succeed) and return a Client for the session. */
export async function signIn(url, email, password = DEMO_PASSWORD) {
  const r = await trySignIn(url, email, password);
  assert.equal(r.status, 200, `sign-in of ${email}: ${r.text}`);
  assert.ok(r.cookie, 'sign-in sets the session cookie');
  return new Client(url, { cookie: r.cookie, csrf: r.body.csrf, me: r.body });
}

/** A client that uses a bearer token only. */
export function bearer(url, token) { return new Client(url, { token }); }

/** Assert an error answer: status, error.code and (when given) error.field. */
export function assertError(res, status, code, field) {
  const show = `${res.status} ${typeof res.text === 'string' ? res.text : JSON.stringify(res.body)}`;
  assert.equal(res.status, status, `status; answer: ${show}`);
  assert.equal(typeof res.body, 'object', `JSON error body; answer: ${show}`);
  assert.equal(res.body?.error?.code, code, `error code; answer: ${show}`);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0, 'error message is not empty');
  if (field !== undefined) assert.equal(res.body.error.field, field, `error field; answer: ${show}`);
  // The error shape only: never data next to it.
  assert.deepEqual(Object.keys(res.body), ['error']);
}

/** The database file of a server handle (or of a data folder). */
export function dbPath(serverOrDir) {
  return path.join(typeof serverOrDir === 'string' ? serverOrDir : serverOrDir.dataDir, 'nachbar.db');
}

/** Run SQL on the server's database with the sqlite3 CLI; rows of the last SELECT. */
export function sql(serverOrDir, query) {
  const out = execFileSync('sqlite3', ['-json', dbPath(serverOrDir), '.timeout 10000', query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

/** First column of the first row of a SELECT. */
export function sqlValue(serverOrDir, query) {
  const rows = sql(serverOrDir, query);
  return rows.length ? Object.values(rows[0])[0] : undefined;
}

/** SQL string literal. */
export const q = (s) => `'${String(s).replace(/'/g, "''")}'`;

/** Every item of a paginated list (follows next_cursor). */
export async function listAll(client, p) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const sep = p.includes('?') ? '&' : '?';
    const r = await client.get(`${p}${sep}limit=200${cursor !== null ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, `${p}: ${r.text}`);
    items.push(...r.body.items);
    if (r.body.next_cursor === null) return items;
    cursor = r.body.next_cursor;
  }
  throw new Error(`${p}: more than 100 pages`);
}

/** The token at the end of an invitation or reset link. */
export function linkToken(link) {
  const m = /\/#\/invite\/([A-Za-z0-9_-]+)$/.exec(link);
  assert.ok(m, `link looks like <origin>/#/invite/<token>: ${link}`);
  return m[1];
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function until(fn, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = fn();
    if (v) return v;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A WebSocket on /ws as `client` (cookie); messages collected in ws.msgs. */
export function wsConnect(client) {
  const headers = client && client.cookie ? { cookie: client.cookie } : {};
  const ws = new WebSocket(client.url.replace(/^http/, 'ws') + '/ws', 'nachbar.v1', { headers });
  ws.msgs = [];
  ws.on('message', (d) => ws.msgs.push(JSON.parse(d)));
  return new Promise((res, rej) => { ws.on('open', () => res(ws)); ws.on('error', rej); });
}

let wsId = 0;
/** Send a subscribe and wait for its answer (replayed, resync or error). */
export async function wsSubscribe(ws, hood, topics = ['hello'], since = null) {
  const id = `sub-${++wsId}`;
  ws.send(JSON.stringify({ op: 'subscribe', hood, topics, since, id }));
  return until(() => ws.msgs.find((m) => m.id === id && m.op !== 'event'), 5000, 'subscribe answer');
}

export const wsEvents = (ws) => ws.msgs.filter((m) => m.op === 'event');
