// Signing in and out: the shell's idea of who is signed in, kept in step
// with the CSRF token, the language, the live connection and what is
// cached per person.
import { api, setCsrf } from './api.js';
import { setLocale } from './i18n.js';
import { live } from '../live.js';
import * as store from './store.js';
import * as registry from './plugins.js';
import { clearFeeds } from './feed.js';
import { go } from './router.js';

/* A hint that this browser has a session: without it the shell shows the
 * sign-in page at once instead of asking GET /api/v1/me for a 401. The
 * cookie itself is HttpOnly, so script cannot see it. */
const HINT_KEY = 'nachbar.session';

/** false when this browser surely has no session; true when it may have. */
export function maybeSignedIn() {
  try {
    return localStorage.getItem(HINT_KEY) === '1';
  } catch {
    return true; // no storage: ask the server
  }
}

function hint(on) {
  try {
    if (on) localStorage.setItem(HINT_KEY, '1');
    else localStorage.removeItem(HINT_KEY);
  } catch { /* storage off */ }
}

/* Set while our own request ends the session (sign-out, deleting the
 * account): the server then closes the live connection with 4000, which
 * must not be mistaken for a session that ended elsewhere. */
let leaving = false;

/** Mark (or unmark) that this page is ending its own session. */
export function setLeaving(on) { leaving = on; }
export function isLeaving() { return leaving; }

/** Take the answer of sign-in or GET /me as the signed-in person. */
export function signedIn(me) {
  leaving = false;
  const { csrf, ...person } = me;
  if (csrf) setCsrf(csrf);
  setLocale(person.locale);
  const wasSignedIn = store.get().status === 'signedIn';
  const samePerson = wasSignedIn && store.get().me?.id === person.id;
  if (wasSignedIn && !samePerson) forget();
  hint(true);
  store.set({ status: 'signedIn', me: person, notice: null });
  if (!samePerson) {
    // A connection opened for nobody (or someone else) has the wrong
    // session: open a new one.
    live.stop();
    live.start();
  }
}

function forget() {
  live.stop();
  registry.resetHoods();
  clearFeeds();
  store.get().hood = null;
}

/** Forget the person (after sign-out, deletion, or an ended session). */
export function signedOut(notice = null) {
  setCsrf(null);
  hint(false);
  forget();
  setLocale(null);
  store.set({ status: 'signedOut', me: null, hood: null, notice });
}

/** Reload /me (after a change to the person's name, language or roles). */
export async function refreshMe() {
  signedIn(await api('GET', '/api/v1/me'));
}

/** Sign out here (or, with all, on every device). */
export async function signOut(all = false) {
  leaving = true;
  live.stop(); // our own connection need not hear the server close it
  try {
    await api('DELETE', all === true ? '/api/v1/session?all=1' : '/api/v1/session');
  } catch {
    /* gone already: signed out either way */
  }
  signedOut('signed_out');
  go('#/signin');
}
