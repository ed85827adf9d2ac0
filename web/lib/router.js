// Hash routes: the server serves one page, the part after '#' says what
// to show, so links can be shared and the back button works.
//
//   #/                       -> the last (or first) neighbourhood
//   #/signin                 -> sign in
//   #/invite/<token>         -> accept an invitation or a password reset
//   #/account                -> my account for a person without a neighbourhood
//   #/n/<hood>/<path>?<query> -> a page of neighbourhood <hood>: core pages
//                               (/, /firms, /firms/:id, /account, /admin/...)
//                               and the pages plugins register
import { useEffect, useState } from './preact.js';

/** {hood, path, query, raw} for a hash like "#/n/peiner-strasse/firms?q=glas". */
export function parseHash(hash = location.hash) {
  let raw = hash.replace(/^#/, '') || '/';
  if (!raw.startsWith('/')) raw = `/${raw}`;
  const qi = raw.indexOf('?');
  const pathPart = qi >= 0 ? raw.slice(0, qi) : raw;
  const query = Object.fromEntries(new URLSearchParams(qi >= 0 ? raw.slice(qi + 1) : ''));
  const segs = pathPart.split('/').filter(Boolean).map(safeDecode);
  if (segs[0] === 'n' && segs[1]) {
    return { hood: segs[1], path: `/${segs.slice(2).join('/')}`, query, raw };
  }
  return { hood: null, path: `/${segs.join('/')}`, query, raw };
}

function safeDecode(s) {
  try { return decodeURIComponent(s); } catch { return s; }
}

/** The hash of `path` (may carry "?query") inside neighbourhood `hood`. */
export function hoodHref(hood, path = '/') {
  const p = path.startsWith('/') ? path : `/${path}`;
  return `#/n/${encodeURIComponent(hood)}${p}`;
}

/** Go to a hash (adds a history entry). */
export function go(hash) {
  if (location.hash === hash) return;
  location.hash = hash;
}

/** Change the hash without a history entry and without a re-route. */
export function replaceQuiet(hash) {
  history.replaceState(history.state, '', hash);
}

/**
 * Match "/problems/:id" against "/problems/42": {id: "42"}, or null.
 * A trailing "*" matches the rest: "/docs/*" gives {"*": "a/b"}.
 */
export function match(pattern, path) {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  const params = {};
  for (let i = 0; i < ps.length; i++) {
    if (ps[i] === '*') {
      params['*'] = xs.slice(i).join('/');
      return params;
    }
    if (i >= xs.length) return null;
    if (ps[i].startsWith(':')) params[ps[i].slice(1)] = xs[i];
    else if (ps[i] !== xs[i]) return null;
  }
  return xs.length === ps.length ? params : null;
}

/** The current route; re-renders on every hash change. */
export function useRoute() {
  const [route, setRoute] = useState(() => parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
