// Memory of the "what is new" card, per person and neighbourhood, in
// localStorage: the last events shown and the id of the last event seen.
// Entering a neighbourhood seeds the live connection with that id, so the
// first subscription replays what happened since the last visit; the card
// then shows the kept events plus what arrives. Signing out clears it all.
import { live } from '../live.js';
import * as store from './store.js';

const PREFIX = 'nachbar.feed.';
export const FEED_MAX = 30;

const key = (person, hood) => `${PREFIX}${person}.${hood}`;

export function loadFeed(person, hood) {
  try {
    const v = JSON.parse(localStorage.getItem(key(person, hood)) || 'null');
    if (v && Array.isArray(v.items)) return v;
  } catch { /* storage off or garbage */ }
  return { lastId: null, items: [] };
}

export function saveFeed(person, hood, items) {
  const s = store.get();
  if (s.status !== 'signedIn' || s.me?.id !== person) return; // signed out meanwhile
  const lastId = live.lastId.get(hood) ?? items[0]?.id ?? null;
  try {
    localStorage.setItem(key(person, hood), JSON.stringify({ lastId, items: items.slice(0, FEED_MAX) }));
  } catch { /* storage full or off: the feed just starts empty next time */ }
}

/** Before the first subscription in `hood`: replay from the last visit. */
export function seedFeed(person, hood) {
  const { lastId } = loadFeed(person, hood);
  if (Number.isInteger(lastId)) live.seed(hood, lastId);
}

export function clearFeeds() {
  try {
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const k = localStorage.key(i);
      if (k && k.startsWith(PREFIX)) localStorage.removeItem(k);
    }
  } catch { /* storage off */ }
}
