// JSON requests to the nachbar API (docs/api.md).
//
// Cookie-authenticated changes carry X-CSRF-Token (the `csrf` value from
// sign-in or GET /api/v1/me). A 403 "csrf" answer refreshes the token once
// and repeats the request; a 401 "sign_in_required" tells the shell the
// session ended. Failures reject with an ApiError whose `field` names the
// JSON member concerned, so a form can show it next to that field.
import { t, has, getLocale } from './i18n.js';

let csrf = null;
let onSignedOut = () => {};

export function setCsrf(token) { csrf = token || null; }

/** Called with no arguments when a request finds the session gone. */
export function onSessionEnded(fn) { onSignedOut = fn; }

export class ApiError extends Error {
  constructor(status, code, message, field = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

/* What a person reads for an error: the server's message is written for
 * people (and says what to do) but in English; in other languages a
 * catalogue entry "error.<code>" is used when there is one. */
function messageFor(code, serverMessage) {
  if (getLocale() !== 'en' && has(`error.${code}`)) return t(`error.${code}`);
  return serverMessage || (has(`error.${code}`) ? t(`error.${code}`) : t('error.unknown'));
}

async function send(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  return fetch(path, init);
}

async function parse(r) {
  if (r.status === 204 || r.status === 205) return null;
  const text = await r.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * `method` `path` with an optional JSON `body`. Resolves with the parsed
 * answer (null for 204), rejects with ApiError {status, code, message,
 * field}; status 0 and code "network" when the server could not be reached.
 */
export async function api(method, path, body) {
  method = String(method).toUpperCase();
  let r;
  try {
    r = await send(method, path, body);
    if (r.status === 403 && method !== 'GET' && r.headers.get('content-type')?.includes('json')) {
      const clone = r.clone();
      const err = await clone.json().catch(() => null);
      if (err?.error?.code === 'csrf' && path !== '/api/v1/me') {
        const me = await fetch('/api/v1/me', { credentials: 'same-origin' });
        if (me.ok) {
          setCsrf((await me.json()).csrf);
          r = await send(method, path, body);
        }
      }
    }
  } catch {
    throw new ApiError(0, 'network', t('error.network'));
  }
  const data = await parse(r);
  if (r.ok) return data;
  const e = data && typeof data === 'object' && data.error ? data.error : {};
  const code = e.code || `http_${r.status}`;
  if (r.status === 401 && code === 'sign_in_required' && path !== '/api/v1/me') onSignedOut();
  throw new ApiError(r.status, code, messageFor(code, e.message), e.field);
}
