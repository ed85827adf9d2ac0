// The home dashboard of a neighbourhood: the core card "what is new" (a
// live feed of the events of enabled plugins, see nb.feed) and the cards
// plugins contribute (nb.card), in their order.
import { html, useEffect, useRef, useState } from '../lib/preact.js';
import { t, has, dateTime } from '../lib/i18n.js';
import { Empty, Boundary } from '../lib/ui.js';
import { live } from '../live.js';
import { hoodHref } from '../lib/router.js';
import * as store from '../lib/store.js';
import * as registry from '../lib/plugins.js';
import { loadFeed, saveFeed, FEED_MAX } from '../lib/feed.js';
import { api } from '../lib/api.js';

export function Card({ id, title, children, wide }) {
  return html`<section class=${`card ${wide ? 'card-wide' : ''}`} aria-labelledby=${`card-${id}`}>
    <h2 id=${`card-${id}`}>${title}</h2>
    ${children}
  </section>`;
}

function describe(feeds, event) {
  const f = feeds.find((x) => x.topics.includes(event.topic));
  try {
    const text = f?.text?.(event);
    if (text) return text;
  } catch (err) {
    console.error(`nachbar plugin ${f.plugin}: feed text failed:`, err);
  }
  const k = `feed.${event.type}`;
  return has(k) ? t(k, event.data || {}) : t('feed.generic', { type: event.type });
}

function Feed({ hood }) {
  const { me } = store.get();
  const feeds = registry.feedsFor(hood);
  const topics = [...new Set(feeds.flatMap((f) => f.topics))].sort();
  const [stored] = useState(() => loadFeed(me.id, hood));
  const [items, setItems] = useState(stored.items);
  const [fresh, setFresh] = useState(() => new Set());
  const kept = useRef(items);
  kept.current = items;

  // Remember how far this visit got, also when nothing new came: leaving
  // the dashboard, closing or reloading the page.
  useEffect(() => {
    const save = () => saveFeed(me.id, hood, kept.current);
    addEventListener('pagehide', save);
    return () => {
      removeEventListener('pagehide', save);
      save();
    };
  }, [hood]);

  // First visit here: show what happened recently (GET /events, the same
  // visibility as live) instead of an empty card. Live events that arrive
  // meanwhile are merged by id.
  useEffect(() => {
    if (stored.lastId !== null || !topics.length) return undefined;
    let gone = false;
    const q = `topics=${encodeURIComponent(topics.join(','))}&limit=${FEED_MAX}`;
    api('GET', `/api/v1/n/${encodeURIComponent(hood)}/events?${q}`).then((r) => {
      if (gone) return;
      setItems((old) => {
        const seen = new Set(old.map((x) => x.id));
        const past = r.items.filter((e) => !seen.has(e.id))
          .map((e) => ({ id: e.id, ts: e.ts, topic: e.topic, type: e.type, data: e.data }));
        const next = [...old, ...past].sort((a, b) => b.id - a.id).slice(0, FEED_MAX);
        saveFeed(me.id, hood, next);
        return next;
      });
    }).catch((err) => console.warn('nachbar: recent events not loaded:', err.message));
    return () => { gone = true; };
  }, [hood, topics.join(' ')]);

  useEffect(() => {
    if (!topics.length) return undefined;
    const offs = topics.map((topic) => live.on(topic, (e) => {
      setItems((old) => {
        if (old.some((x) => x.id === e.id)) return old;
        const next = [{ id: e.id, ts: e.ts, topic: e.topic, type: e.type, data: e.data }, ...old].slice(0, FEED_MAX);
        saveFeed(me.id, hood, next);
        return next;
      });
      setFresh((s) => new Set(s).add(e.id));
    }, { hood }));
    return () => offs.forEach((off) => off());
  }, [hood, topics.join(' ')]);

  if (!topics.length) return html`<${Empty}>${t('feed.noSources')}<//>`;
  if (!items.length) return html`<${Empty}>${t(stored.lastId === null ? 'feed.emptyFirst' : 'feed.empty')}<//>`;
  return html`<ol class="feed" aria-live="polite">
    ${items.map((e) => {
      const f = feeds.find((x) => x.topics.includes(e.topic));
      let href = null;
      try { href = f?.href?.(e) || null; } catch { /* no link then */ }
      const text = describe(feeds, e);
      return html`<li key=${e.id} class=${fresh.has(e.id) ? 'nb-fresh' : ''}>
        ${href ? html`<a href=${hoodHref(hood, href)}>${text}</a>` : html`<span>${text}</span>`}
        <time datetime=${e.ts}>${dateTime(e.ts)}</time>
      </li>`;
    })}
  </ol>`;
}

export function Dashboard({ hood }) {
  store.useStore();
  const h = store.currentHood();
  const ready = registry.readyFor(hood);
  const cards = ready ? registry.cardsFor(hood) : [];
  return html`<h1>${h.name}</h1>
    <p class="lead">${t('dash.lead')}</p>
    <div class="cards">
      <${Card} id="core-feed" title=${t('feed.title')} wide>
        ${ready ? html`<${Feed} hood=${hood} />` : html`<p class="loading" role="status">${t('ui.loading')}</p>`}
      <//>
      ${cards.map((c) => html`<${Card} key=${`${c.plugin}-${c.id}`} id=${`${c.plugin}-${c.id}`} title=${t(c.title)}>
        <${Boundary} name=${c.plugin}><${c.component} /><//>
      <//>`)}
    </div>`;
}
