// The shell's shared state: who is signed in, the current neighbourhood,
// the language, and a version number bumped whenever plugin registrations
// change. Components read it with useStore(); changes go through set().
import { useEffect, useState } from './preact.js';

const state = {
  status: 'loading', // 'loading' | 'signedOut' | 'signedIn'
  me: null, // GET /api/v1/me without csrf
  hood: null, // slug of the current neighbourhood
  locale: 'en',
  notice: null, // {key} shown once on the sign-in page
  plugins: 0, // bumped when registrations or enabled plugins change
};
const listeners = new Set();
let version = 0; // bumped by every set()

export function get() { return state; }

export function set(patch) {
  Object.assign(state, patch);
  version++;
  for (const fn of [...listeners]) fn();
}

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The state; the component re-renders when it changes. */
export function useStore() {
  const [, force] = useState(0);
  const seen = version;
  useEffect(() => {
    const off = subscribe(() => force((n) => n + 1));
    if (version !== seen) force((n) => n + 1); // changed before we listened
    return off;
  }, []);
  return state;
}

/** The current neighbourhood as /me lists it ({slug, name, timezone, roles, firms}). */
export function currentHood() {
  return state.me?.hoods?.find((h) => h.slug === state.hood) || null;
}

export function isCoordinator(hood = currentHood()) {
  return !!hood?.roles?.includes('coordinator');
}

export function isCoach(hood = currentHood()) {
  return !!hood?.roles?.some((r) => r === 'coach' || r === 'coordinator');
}

/** Firm admin of firm `id` in the current neighbourhood? */
export function isFirmAdmin(id, hood = currentHood()) {
  return !!hood?.firms?.some((f) => f.id === Number(id) && f.role === 'admin');
}
