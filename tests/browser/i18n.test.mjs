// The message catalogues (no browser needed): every key the shell's code
// names exists in German and in English, both catalogues have the same
// keys, components carry no hard-coded text, and the example plugin's UI
// module registers through the documented API with messages in both
// languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SOURCE_DIR } from '../integration/harness.mjs';

const WEB = path.join(SOURCE_DIR, 'web');
const { default: de } = await import(pathToFileURL(path.join(WEB, 'i18n', 'de.js')));
const { default: en } = await import(pathToFileURL(path.join(WEB, 'i18n', 'en.js')));

async function sources() {
  const out = [path.join(WEB, 'app.js')];
  for (const dir of ['lib', 'screens']) {
    for (const f of await readdir(path.join(WEB, dir))) if (f.endsWith('.js')) out.push(path.join(WEB, dir, f));
  }
  return Promise.all(out.map(async (f) => ({ file: path.relative(SOURCE_DIR, f), text: await readFile(f, 'utf8') })));
}

test('every message key used by the shell exists in de and en', async () => {
  const missing = [];
  for (const { file, text } of await sources()) {
    for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) {
      const key = m[1];
      for (const [lang, cat] of [['de', de], ['en', en]]) {
        if (!(key in cat) && !(`${key}.other` in cat)) missing.push(`${lang}: ${key} (${file})`);
      }
    }
  }
  assert.deepEqual(missing, []);
});

test('de and en have the same keys (error translations aside)', () => {
  const keys = (cat) => Object.keys(cat).filter((k) => !k.startsWith('error.')).sort();
  assert.deepEqual(keys(de), keys(en));
  for (const k of ['error.network', 'error.unknown']) {
    assert.ok(k in de && k in en, `${k} in both`);
  }
  for (const [k, v] of [...Object.entries(de), ...Object.entries(en)]) {
    assert.ok(typeof v === 'string' && v.trim(), `${k} has text`);
  }
});

/* The literal parts of every html`...` template in `src`, also of the
 * templates nested in ${...}: a small scanner that knows strings,
 * template literals and balanced braces. */
function htmlLiterals(src) {
  const out = [];
  const skipString = (i, q) => {
    for (i++; i < src.length && src[i] !== q; i++) if (src[i] === '\\') i++;
    return i + 1;
  };
  const template = (i, tagged) => { // i just after the opening backtick
    const parts = [];
    let cur = '';
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') { cur += src[i + 1]; i += 2; continue; }
      if (c === '`') break;
      if (c === '$' && src[i + 1] === '{') {
        parts.push(cur, '\u0000');
        cur = '';
        i = expr(i + 2);
        continue;
      }
      cur += c;
      i++;
    }
    parts.push(cur);
    if (tagged) out.push(parts.join(''));
    return i + 1;
  };
  const expr = (i) => { // i just after "${"; returns the index after "}"
    let depth = 1;
    while (i < src.length && depth > 0) {
      const c = src[i];
      if (c === '"' || c === "'") i = skipString(i, c);
      else if (c === '`') i = template(i + 1, /html\s*$/.test(src.slice(Math.max(0, i - 6), i)));
      else {
        if (c === '{') depth++;
        if (c === '}') depth--;
        i++;
      }
    }
    return i;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') i = src.indexOf('\n', i);
    else if (c === '/' && src[i + 1] === '*') i = src.indexOf('*/', i) + 1;
    else if (c === '"' || c === "'") i = skipString(i, c) - 1;
    else if (c === '`') i = template(i + 1, /html\s*$/.test(src.slice(Math.max(0, i - 6), i))) - 1;
    if (i < 0) break;
  }
  return out;
}

test('components carry no hard-coded text', async () => {
  const found = [];
  let templates = 0;
  for (const { file, text } of await sources()) {
    for (const tpl of htmlLiterals(text)) {
      templates++;
      // Text between tags, outside ${...}: what a person would read.
      for (const m of tpl.matchAll(/>([^<>]+)</g)) {
        const words = m[1].replace(/\u0000/g, ' ').replace(/&[a-z]+;/g, '').trim();
        if (/[A-Za-zÄÖÜäöüß]{2,}/.test(words) && words !== 'nachbar') found.push(`${file}: "${words}"`);
      }
      // Attributes people read: labels, titles, alternative texts.
      for (const m of tpl.matchAll(/\b(aria-label|title|alt|placeholder|label)="([^"]*)"/g)) {
        if (/[A-Za-zÄÖÜäöüß]{2,}/.test(m[2])) found.push(`${file}: ${m[1]}="${m[2]}"`);
      }
    }
  }
  assert.ok(templates > 50, `the scanner found the templates (${templates})`);
  assert.deepEqual(found, []);
});

test('the example plugin registers through the documented API, in de and en', async () => {
  const calls = { nav: [], page: [], card: [], feed: [], messages: [] };
  const nb = {
    html: () => null,
    hooks: { useState: () => [null, () => {}], useEffect: () => {}, useMemo: (f) => f(), useRef: () => ({}), useCallback: (f) => f },
    api: async () => null,
    live: { subscribe: () => () => {} },
    t: (k) => k,
    addMessages: (m) => calls.messages.push(m),
    nav: (x) => calls.nav.push(x),
    page: (x) => calls.page.push(x),
    card: (x) => calls.card.push(x),
    feed: (x) => calls.feed.push(x),
    ctx: () => ({ me: { display_name: 'Test' }, hood: { slug: 'x', firms: [] }, locale: 'de' }),
    fmt: { date: String, dateTime: String, time: String, number: String },
    navigate: () => {},
    ui: {},
  };
  const mod = await import(pathToFileURL(path.join(SOURCE_DIR, 'plugins', 'hello', 'web', 'index.js')));
  assert.equal(typeof mod.default, 'function', 'export default function register(nb)');
  await mod.default(nb);
  assert.deepEqual(calls.nav.map((n) => [n.id, n.label, n.path]), [['hello', 'hello.nav', '/hello']]);
  assert.deepEqual(calls.page.map((p) => p.path), ['/hello']);
  assert.equal(typeof calls.page[0].component, 'function');
  assert.deepEqual(calls.card.map((c) => [c.id, c.title]), [['waves', 'hello.card']]);
  assert.deepEqual(calls.feed.map((f) => f.topics), [['hello']]);
  const msgs = Object.assign({}, ...calls.messages);
  assert.deepEqual(Object.keys(msgs.de).sort(), Object.keys(msgs.en).sort());
  for (const key of [calls.nav[0].label, calls.card[0].title]) assert.ok(key in msgs.de && key in msgs.en, key);
});
