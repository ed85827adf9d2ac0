// Helpers for the problems plugin's integration tests (problems*.test.mjs):
// a demo server with the plugin loaded, signed-in clients for the demo
// people, error assertions, a live WebSocket subscriber per person, a
// small CSV parser. Only harness.mjs is imported, nothing of other tests.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { api, startServer } from './harness.mjs';

export const HOOD = 'peiner-strasse';
export const PASSWORD = 'nachbar-demo';
export const BASE = `/api/v1/n/${HOOD}/problems`;

/** Demo people (core/demo.c): firm admin/member pairs, coach, coordinator. */
export const PEOPLE = {
  coordinator: 'coordinator@demo.example', // Sabine Wolters
  coach: 'coach@demo.example', // Jonas Reinhardt
  thomas: 'thomas@glaserei-hoffmann.demo.example', // Glaserei Hoffmann, admin
  jana: 'jana@glaserei-hoffmann.demo.example', // Glaserei Hoffmann, member
  claudia: 'claudia@druck-brandes.demo.example', // Druck & Etikett Brandes, admin
  mehmet: 'mehmet@druck-brandes.demo.example', // Druck & Etikett Brandes, member
  sven: 'sven@metallbau-krueger.demo.example', // Metallbau Krüger, admin
  aylin: 'aylin@metallbau-krueger.demo.example', // Metallbau Krüger, member
  andreas: 'andreas@elektro-schulz.demo.example', // Elektro Schulz, admin
  bernd: 'bernd@baeckerei-meyer.demo.example', // Bäckerei Meyer, admin
};

/** A demo server with hello and problems loaded. */
export function startProblemsServer(extra = {}) {
  return startServer({
    args: ['--demo'],
    ...extra,
    config: { plugins: { load: 'hello,problems' }, ...(extra.config || {}) },
  });
}

/** A person's session: cookie + CSRF token, and /me. */
export class Client {
  constructor(url, cookie, csrf, me) {
    Object.assign(this, { url, cookie, csrf, me });
  }

  headers(extra = {}) {
    const h = {};
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf) h['x-csrf-token'] = this.csrf;
    return { ...h, ...extra };
  }

  req(method, p, body, headers) { return api(this.url, method, p, body, this.headers(headers)); }
  get(p, headers) { return this.req('GET', p, undefined, headers); }
  post(p, body = {}, headers) { return this.req('POST', p, body, headers); }
  patch(p, body, headers) { return this.req('PATCH', p, body, headers); }
  put(p, body, headers) { return this.req('PUT', p, body, headers); }
  del(p, body, headers) { return this.req('DELETE', p, body, headers); }

  /** The person's first firm in the demo hood: {id, name, role}. */
  get firm() { return this.me.hoods.find((h) => h.slug === HOOD)?.firms?.[0] || null; }
}

const sessions = new Map();
/** Sign in (once per server and address) and return a Client. */
export async function signIn(url, email, password = PASSWORD) {
  const key = `${url} ${email}`;
  if (sessions.has(key)) return sessions.get(key);
  const r = await api(url, 'POST', '/api/v1/session', { email, password });
  assert.equal(r.status, 200, `sign-in of ${email}: ${r.text}`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const c = new Client(url, cookie, r.body.csrf, r.body);
  sessions.set(key, c);
  return c;
}

/** Sign in several people: {name: Client}. */
export async function signInAll(url, names) {
  const out = {};
  for (const n of names) out[n] = await signIn(url, PEOPLE[n]);
  return out;
}

/** Assert an error answer: status, error.code and (if given) error.field. */
export function assertError(res, status, code, field) {
  const show = `${res.status} ${res.text}`;
  assert.equal(res.status, status, `status; answer: ${show}`);
  assert.equal(typeof res.body, 'object', `JSON error body; answer: ${show}`);
  assert.equal(res.body?.error?.code, code, `error code; answer: ${show}`);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0, 'the message says what to do');
  if (field !== undefined) assert.equal(res.body.error.field ?? null, field, `error field; answer: ${show}`);
  assert.deepEqual(Object.keys(res.body), ['error'], 'nothing but the error');
}

let uniq = 0;
/** A word no other problem has (for search and "nowhere else" checks). */
export function word(prefix = 'Wort') {
  uniq += 1;
  return `${prefix}${process.pid}x${uniq}z`.replace(/[0-9]/g, (d) => 'abcdefghij'[d]);
}

/** Record a problem (must succeed); returns the answer body. */
export async function createProblem(client, fields = {}) {
  const body = {
    title: `Problem ${word()}`,
    description: 'Beschreibung',
    category: 'communication',
    urgency: 'medium',
    visibility: 'open',
    ...fields,
  };
  for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k];
  const r = await client.post(BASE, body);
  assert.equal(r.status, 201, `create: ${r.text}`);
  return r.body;
}

/** Every item of a list (follows next_cursor). */
export { listAll } from './accounts.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function until(fn, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A WebSocket subscribed to `topics` in the demo hood as `client`. */
export async function subscriber(client, topics = ['problems'], since = null) {
  const ws = new WebSocket(client.url.replace(/^http/, 'ws') + '/ws', 'nachbar.v1', { headers: { cookie: client.cookie } });
  ws.msgs = [];
  ws.on('message', (d) => ws.msgs.push(JSON.parse(d)));
  await new Promise((res, rej) => { ws.on('open', res); ws.on('error', rej); });
  const id = `sub-${Math.random()}`;
  ws.send(JSON.stringify({ op: 'subscribe', hood: HOOD, topics, since, id }));
  const answer = await until(() => ws.msgs.find((m) => m.id === id), 5000, 'subscribe answer');
  assert.equal(answer.op, 'replayed', JSON.stringify(answer));
  ws.events = () => ws.msgs.filter((m) => m.op === 'event');
  /** Events about problem `pid` (data.problem.id, problem_id, from or into). */
  ws.about = (pid) => ws.events().filter((e) => [e.data?.problem?.id, e.data?.problem_id, e.data?.from, e.data?.into].includes(pid));
  return ws;
}

/** The database file of a server; SQL through the sqlite3 CLI (WAL). */
export function sql(server, query) {
  const out = execFileSync('sqlite3', ['-json', path.join(server.dataDir, 'nachbar.db'), '.timeout 10000', query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

/** Row counts of every table of the plugin (to prove nothing was written). */
export function counts(server) {
  const tables = ['problems', 'problems_supporters', 'problems_comments', 'problems_links', 'problems_history', 'problems_categories', 'problems_fts'];
  return Object.fromEntries(tables.map((t) => [t, sql(server, `SELECT count(*) AS n FROM ${t}`)[0].n]));
}

/** Events of the server's log on topic problems (to prove none was added). */
export function eventCount(server) {
  return sql(server, "SELECT count(*) AS n FROM nb_events WHERE topic = 'problems'")[0].n;
}

/** Parse RFC 4180 CSV (quoted cells, doubled quotes, CRLF). */
export function parseCsv(text, sep = ',') {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

/** Assert that `text` (an answer, an event, a CSV) names none of `secrets`. */
export function assertNotNamed(text, secrets, where) {
  const s = typeof text === 'string' ? text : JSON.stringify(text);
  for (const x of secrets) assert.ok(!s.includes(x), `${where} names "${x}": ${s.slice(0, 2000)}`);
}
