// Plugin UI modules and the registration API they are given (`nb`).
//
// For each neighbourhood the shell asks GET /api/v1/plugins (every active
// plugin and the URL of its UI module) and GET /api/v1/n/<hood>/plugins
// (which of them the coordinators enabled there). Each enabled plugin's
// module is imported once per page, and its `export default function
// register(nb)` (or a named `register` export) is called once with an `nb`
// made for that plugin. What it registers (navigation entries, pages,
// dashboard cards, feed topics) is kept per plugin, and the shell shows
// only what belongs to plugins enabled in the current neighbourhood, so
// switching neighbourhoods needs no reload.
//
// The contract is documented in docs/plugin-guide.md, "UI modules".
import { html, useState, useEffect, useMemo, useRef, useCallback } from './preact.js';
import { api } from './api.js';
import { t, addMessages, fmt, getLocale } from './i18n.js';
import { live } from '../live.js';
import { Field, Select, Button, ErrorText, Empty } from './ui.js';
import { go, hoodHref } from './router.js';
import * as store from './store.js';

/** name -> {name, version, description, module, status, navs, pages, cards, feeds} */
const plugins = new Map();
const enabledByHood = new Map(); // hood slug -> Set(plugin name)
let catalogue = null; // GET /api/v1/plugins, once per page

const bump = () => store.set({ plugins: store.get().plugins + 1 });

function record(name) {
  if (!plugins.has(name)) {
    plugins.set(name, { name, status: 'new', navs: [], pages: [], cards: [], feeds: [] });
  }
  return plugins.get(name);
}

/* The hood an nb call acts in: the current one. */
function hoodSlug() {
  const hood = store.get().hood;
  if (!hood) throw new Error('nachbar: no neighbourhood is open');
  return hood;
}

function context() {
  const s = store.get();
  const h = store.currentHood();
  return {
    me: s.me,
    hood: h ? { slug: h.slug, name: h.name, timezone: h.timezone, roles: [...(h.roles || [])], firms: (h.firms || []).map((f) => ({ ...f })) } : null,
    locale: getLocale(),
  };
}

function check(cond, plugin, what) {
  if (!cond) throw new TypeError(`nachbar plugin ${plugin}: ${what}`);
}

/** The `nb` object handed to plugin `name`'s register(). */
export function makeNb(name) {
  const rec = record(name);
  const nb = {
    html,
    hooks: { useState, useEffect, useMemo, useRef, useCallback },

    /* Relative paths are resolved against the current neighbourhood:
     * nb.api('GET', 'problems') is GET /api/v1/n/<hood>/problems. */
    api(method, path, body) {
      check(typeof path === 'string' && path.length > 0, name, 'nb.api(method, path, body?): path must be a string');
      const url = path.startsWith('/') ? path : `/api/v1/n/${encodeURIComponent(hoodSlug())}/${path}`;
      return api(method, url, body);
    },

    live: {
      /* Listen to `topics` (a string or an array) in the current
       * neighbourhood; returns the function that stops listening. */
      subscribe(topics, onEvent, { onResync } = {}) {
        const list = Array.isArray(topics) ? topics : [topics];
        check(list.every((x) => typeof x === 'string' && x) && typeof onEvent === 'function', name,
          'nb.live.subscribe(topics, onEvent): topics are strings, onEvent a function');
        const hood = hoodSlug();
        const offs = list.map((topic) => live.on(topic, (e) => {
          try {
            onEvent(e);
          } catch (err) {
            console.error(`nachbar plugin ${name}: live event handler failed:`, err);
          }
        }, { hood }));
        if (onResync) offs.push(live.onResync((h) => { if (h === hood) onResync(); }));
        return () => offs.forEach((off) => off());
      },
    },

    t,
    addMessages,

    nav({ id, label, path, order = 100 }) {
      check(typeof id === 'string' && typeof label === 'string' && typeof path === 'string' && path.startsWith('/'),
        name, 'nb.nav({id, label, path, order}): label is a message key, path like "/problems"');
      rec.navs = rec.navs.filter((n) => n.id !== id).concat({ id, label, path, order, plugin: name });
      bump();
    },

    page({ path, component }) {
      check(typeof path === 'string' && path.startsWith('/') && typeof component === 'function', name,
        'nb.page({path, component}): path like "/problems/:id", component a function');
      rec.pages = rec.pages.filter((p) => p.path !== path).concat({ path, component, plugin: name });
      bump();
    },

    card({ id, title, component, order = 100 }) {
      check(typeof id === 'string' && typeof title === 'string' && typeof component === 'function', name,
        'nb.card({id, title, component, order}): title is a message key');
      rec.cards = rec.cards.filter((c) => c.id !== id).concat({ id, title, component, order, plugin: name });
      bump();
    },

    /* Topics whose events appear in the dashboard's "what is new" card;
     * text(event) says what happened, href(event) where to look. */
    feed({ topics, text, href }) {
      const list = Array.isArray(topics) ? topics : [topics];
      check(list.every((x) => typeof x === 'string' && x) && (!text || typeof text === 'function'), name,
        'nb.feed({topics, text?, href?}): topics are strings, text(event) returns a string');
      rec.feeds.push({ topics: list, text, href, plugin: name });
      bump();
    },

    ctx: context,
    fmt,
    navigate(path) {
      check(typeof path === 'string', name, 'nb.navigate(path): path like "/problems/42"');
      go(hoodHref(hoodSlug(), path));
    },
    ui: { Field, Select, Button, ErrorText, Empty },
  };
  return Object.freeze(nb);
}

async function importPlugin(p) {
  const rec = record(p.name);
  Object.assign(rec, { version: p.version, description: p.description, module: p.module });
  if (rec.status === 'loading') return rec.ready;
  if (rec.status !== 'new' || !p.module) return;
  rec.status = 'loading';
  rec.ready = (async () => {
    try {
      const mod = await import(p.module);
      const register = typeof mod.default === 'function' ? mod.default : mod.register;
      if (typeof register !== 'function') throw new Error('the module exports no register(nb) function');
      await register(makeNb(p.name));
      rec.status = 'ready';
    } catch (err) {
      rec.status = 'failed';
      console.error(`nachbar: the UI module of plugin ${p.name} (${p.module}) failed:`, err);
    }
    bump();
  })();
  await rec.ready;
}

/**
 * Load what `hood` needs: which plugins are enabled there, and their UI
 * modules. Resolves when every module has registered (or failed).
 */
export async function loadForHood(hood) {
  if (!catalogue) catalogue = (await api('GET', '/api/v1/plugins')).plugins || [];
  const mine = await api('GET', `/api/v1/n/${encodeURIComponent(hood)}/plugins`);
  const on = new Set((mine.plugins || []).filter((p) => p.enabled !== false).map((p) => p.name));
  enabledByHood.set(hood, on);
  bump();
  await Promise.all(catalogue.filter((p) => on.has(p.name)).map((p) => importPlugin(p)));
}

/** Forget what was loaded for `hood` (after a coordinator switched plugins). */
export function reloadHood(hood) {
  enabledByHood.delete(hood);
  return loadForHood(hood);
}

/** Are the enabled plugins of `hood` known and loaded? */
export function readyFor(hood) {
  const on = enabledByHood.get(hood);
  if (!on) return false;
  return [...on].every((n) => { const s = plugins.get(n)?.status; return s !== 'loading'; });
}

function active(hood) {
  const on = enabledByHood.get(hood) || new Set();
  return [...plugins.values()].filter((p) => on.has(p.name) && p.status === 'ready');
}

export const navsFor = (hood) => active(hood).flatMap((p) => p.navs).sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
export const cardsFor = (hood) => active(hood).flatMap((p) => p.cards).sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
export const feedsFor = (hood) => active(hood).flatMap((p) => p.feeds);

/* How specific a page pattern is: fixed segments beat :params beat "*",
 * so "/problems/new" wins over "/problems/:id" whatever the order. */
function specificity(pattern) {
  return pattern.split('/').filter(Boolean).map((x) => (x === '*' ? 0 : x.startsWith(':') ? 1 : 2));
}
function moreSpecific(a, b) {
  const x = specificity(a);
  const y = specificity(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] > y[i];
  return x.length > y.length;
}

/** The plugin page for `path` in `hood`: {page, params} or null. */
export function pageFor(hood, path, matchFn) {
  let best = null;
  for (const p of active(hood)) {
    for (const page of p.pages) {
      const params = matchFn(page.path, path);
      if (params && (!best || moreSpecific(page.path, best.page.path))) best = { page, params };
    }
  }
  return best;
}

/** Forget everything (sign-out): the next person may see other plugins. */
export function resetHoods() {
  enabledByHood.clear();
  catalogue = null;
}
