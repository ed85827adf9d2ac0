// Messages and formats. Every text a person reads comes from a catalogue
// (web/i18n/de.js, web/i18n/en.js, plus what plugins add with
// addMessages); components only name keys.
//
// Locale: a signed-in person's saved `locale` wins; before sign-in the
// choice made on the sign-in page (kept in localStorage), else German for
// browsers that prefer German and English for everyone else.
//
// Dates and times are shown in the locale and in the neighbourhood's time
// zone (setTimeZone), not the browser's: a coach travelling abroad still
// sees a workshop at 9:00 Peine time.
import de from '../i18n/de.js';
import en from '../i18n/en.js';

export const LOCALES = ['de', 'en'];
const catalogs = { de: { ...de }, en: { ...en } };
const CHOICE_KEY = 'nachbar.locale';

let locale = initialLocale();
document.documentElement.lang = locale;
let timeZone;
const formatters = new Map();

/** 'de' for browsers whose first language is German, else 'en'. */
export function browserLocale() {
  const lang = navigator.language || (navigator.languages && navigator.languages[0]) || '';
  return lang.toLowerCase().startsWith('de') ? 'de' : 'en';
}

function initialLocale() {
  let chosen = null;
  try { chosen = localStorage.getItem(CHOICE_KEY); } catch { /* storage off */ }
  return LOCALES.includes(chosen) ? chosen : browserLocale();
}

export function getLocale() { return locale; }

/** Switch the language; `remember` keeps a signed-out choice. */
export function setLocale(l, { remember = false } = {}) {
  const next = LOCALES.includes(l) ? l : initialLocale();
  if (remember) {
    try { localStorage.setItem(CHOICE_KEY, next); } catch { /* storage off */ }
  }
  if (next !== locale) formatters.clear();
  locale = next;
  document.documentElement.lang = next;
}

export function setTimeZone(tz) {
  if (tz !== timeZone) formatters.clear();
  timeZone = tz || undefined;
}

export function getTimeZone() { return timeZone; }

/** True when `key` has a message in the current locale. */
export function has(key) { return key in catalogs[locale]; }

/**
 * The message `key` in the current locale with {name} placeholders filled
 * from `vars`. When vars.count is a number and the catalogue has
 * `key.one` / `key.other` (Intl.PluralRules categories), that form is used.
 * Falls back to English, then to the key itself (so a missing message is
 * visible, never an empty label).
 */
export function t(key, vars) {
  let k = key;
  if (vars && typeof vars.count === 'number') {
    const form = `${key}.${new Intl.PluralRules(locale).select(vars.count)}`;
    const other = `${key}.other`;
    if (form in catalogs[locale] || form in catalogs.en) k = form;
    else if (other in catalogs[locale] || other in catalogs.en) k = other;
  }
  let s = catalogs[locale][k] ?? catalogs.en[k] ?? catalogs.de[k];
  if (s === undefined) return key;
  if (vars) {
    s = s.replace(/\{(\w+)\}/g, (m, name) => {
      if (!(name in vars) || vars[name] === null || vars[name] === undefined) return m;
      return typeof vars[name] === 'number' ? number(vars[name]) : String(vars[name]);
    });
  }
  return s;
}

/** Merge {de: {...}, en: {...}} into the catalogues (later wins). */
export function addMessages(messages) {
  for (const [l, msgs] of Object.entries(messages || {})) {
    if (!catalogs[l]) catalogs[l] = {};
    Object.assign(catalogs[l], msgs);
  }
}

/* A timestamp as the API sends it: ISO 8601 text ("…Z"), SQLite's
 * "YYYY-MM-DD HH:MM:SS" (UTC), Unix seconds, or milliseconds. */
export function toDate(ts) {
  if (ts instanceof Date) return ts;
  if (typeof ts === 'number') return new Date(ts < 1e11 ? ts * 1000 : ts);
  if (typeof ts === 'string') {
    let s = ts.trim();
    if (/^\d{4}-\d\d-\d\d \d\d:\d\d/.test(s)) s = s.replace(' ', 'T');
    if (/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s)) s += 'Z';
    return new Date(s);
  }
  return new Date(NaN);
}

function formatter(kind, options) {
  if (!formatters.has(kind)) {
    let f;
    try {
      f = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    } catch {
      f = new Intl.DateTimeFormat(locale, options); // unknown zone name
    }
    formatters.set(kind, f);
  }
  return formatters.get(kind);
}

function format(kind, options, ts) {
  if (ts === null || ts === undefined || ts === '') return '';
  const d = toDate(ts);
  return Number.isNaN(d.getTime()) ? String(ts) : formatter(kind, options).format(d);
}

export const date = (ts) => format('date', { dateStyle: 'medium' }, ts);
// Outside a neighbourhood (an invitation page) the zone is the browser's:
// say which, since it may differ from the neighbourhood's.
export const dateTime = (ts) => (timeZone
  ? format('dateTime', { dateStyle: 'medium', timeStyle: 'short' }, ts)
  : format('dateTimeZone', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }, ts));
export const time = (ts) => format('time', { timeStyle: 'short' }, ts);
export function number(n) {
  return typeof n === 'number' ? new Intl.NumberFormat(locale).format(n) : String(n ?? '');
}

/** nb.fmt */
export const fmt = { date, dateTime, time, number };
