// The nachbar web shell: sign-in, the frame around every page (header,
// neighbourhood switcher, live indicator, navigation), the core pages, and
// the pages, navigation entries and dashboard cards of the plugins enabled
// in the current neighbourhood (lib/plugins.js).
//
// Plain ES modules, no build step: Preact + htm come vendored (web/vendor/,
// scripts/vendor-web.sh), which works under the server's strict CSP
// (script-src 'self', no inline scripts, no eval).
import { html, render, useEffect, useRef, useState } from './lib/preact.js';
import { api, onSessionEnded } from './lib/api.js';
import { t, setTimeZone } from './lib/i18n.js';
import { signedIn, signedOut, signOut, maybeSignedIn, refreshMe, isLeaving } from './lib/session.js';
import { seedFeed } from './lib/feed.js';
import { live } from './live.js';
import * as store from './lib/store.js';
import * as registry from './lib/plugins.js';
import { useRoute, go, hoodHref, match } from './lib/router.js';
import { Boundary } from './lib/ui.js';
import { SignIn } from './screens/signin.js';
import { Invite } from './screens/invite.js';
import { Dashboard } from './screens/dashboard.js';
import { Firms, FirmPage } from './screens/firms.js';
import { Account } from './screens/account.js';
import { Admin } from './screens/admin.js';

const HOOD_KEY = 'nachbar.hood';

// ---- the frame ----

function LiveIndicator() {
  const [state, setState] = useState(live.state);
  useEffect(() => live.onState(setState), []);
  return html`<span class=${`live live-${state}`} role="status" title=${t(`live.${state}.hint`)}>
    <span class="dot" aria-hidden="true"></span>${t(`live.${state}`)}</span>`;
}

function HoodSwitcher({ hood }) {
  const { me } = store.get();
  if (!me || me.hoods.length < 2) return null;
  return html`<div class="hood-switch">
    <label for="hood-switch" class="visually-hidden">${t('nav.hood')}</label>
    <select id="hood-switch" value=${hood || ''} onChange=${(e) => go(hoodHref(e.currentTarget.value, '/'))}>
      ${!hood && html`<option value="">${t('nav.chooseHood')}</option>`}
      ${me.hoods.map((h) => html`<option value=${h.slug}>${h.name}</option>`)}
    </select>
  </div>`;
}

function navItems(hood) {
  const items = [
    { id: 'home', label: 'nav.home', path: '/' },
    { id: 'firms', label: 'nav.firms', path: '/firms' },
    ...registry.navsFor(hood),
  ];
  if (store.isCoordinator()) items.push({ id: 'admin', label: 'nav.admin', path: '/admin' });
  items.push({ id: 'account', label: 'nav.account', path: '/account' });
  return items;
}

function isCurrent(navPath, path) {
  if (navPath === '/') return path === '/';
  return path === navPath || path.startsWith(`${navPath}/`);
}

function focusMain(e) {
  e.preventDefault();
  document.getElementById('main')?.focus();
}

function Frame({ hood, path, children }) {
  const s = store.get();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [hood, path]);
  const h = store.currentHood();
  return html`
    <a class="skip" href="#main" onClick=${focusMain}>${t('nav.skip')}</a>
    <header class="topbar">
      <a class="brand" href=${hood ? hoodHref(hood, '/') : '#/'}>
        <img src="icon.svg" alt="" width="28" height="28" />
        <span>nachbar</span>
      </a>
      ${h && html`<span class="hood-name">${h.name}</span>`}
      <${HoodSwitcher} hood=${hood} />
      <span class="spacer"></span>
      <${LiveIndicator} />
      <button type="button" class="menu-toggle btn btn-secondary" aria-expanded=${open ? 'true' : 'false'}
        aria-controls="nav" onClick=${() => setOpen(!open)}>${t('nav.menu')}</button>
    </header>
    <div class="layout">
      <nav id="nav" class=${open ? 'open' : ''} aria-label=${t('nav.label')}
        aria-busy=${hood && !registry.readyFor(hood) ? 'true' : undefined}>
        ${hood && html`<ul>
          ${navItems(hood).map((n) => html`<li key=${n.id}>
            <a href=${hoodHref(hood, n.path)} aria-current=${isCurrent(n.path, path) ? 'page' : undefined}
              onClick=${() => setOpen(false)}>${t(n.label)}</a>
          </li>`)}
        </ul>`}
        <div class="nav-user">
          <span class="who">${s.me?.display_name}</span>
          <button type="button" class="btn btn-link" onClick=${signOut}>${t('nav.signOut')}</button>
        </div>
      </nav>
      <main id="main" tabindex="-1">${children}</main>
    </div>`;
}

/* After moving to another page: the document title follows the page's
 * heading, and keyboard and screen-reader focus moves to it. */
function usePageChange(key) {
  const first = useRef(true);
  useEffect(() => {
    const moved = !first.current;
    first.current = false;
    const id = requestAnimationFrame(() => {
      const h1 = document.querySelector('main h1');
      document.title = h1 ? `${h1.textContent} · nachbar` : 'nachbar';
      if (moved) {
        if (h1) {
          h1.setAttribute('tabindex', '-1');
          h1.focus();
        } else {
          document.getElementById('main')?.focus();
        }
      }
    });
    return () => cancelAnimationFrame(id);
  }, [key]);
}

function Loading() {
  return html`<p class="loading" role="status">${t('ui.loading')}</p>`;
}

function NotFound({ hood }) {
  return html`<h1>${t('notFound.title')}</h1>
    <p>${t('notFound.text')}</p>
    <p><a href=${hood ? hoodHref(hood, '/') : '#/'}>${t('notFound.home')}</a></p>`;
}

const corePages = [
  ['/', Dashboard],
  ['/firms', Firms],
  ['/firms/:id', FirmPage],
  ['/account', Account],
  ['/admin', Admin],
  ['/admin/:tab', Admin],
];

function HoodPage({ route }) {
  const { hood, path, query } = route;
  for (const [pattern, Page] of corePages) {
    const params = match(pattern, path);
    if (params) return html`<${Page} hood=${hood} params=${params} query=${query} />`;
  }
  const found = registry.pageFor(hood, path, match);
  if (found) {
    const Page = found.page.component;
    return html`<${Boundary} name=${found.page.plugin} key=${found.page.plugin + found.page.path}>
      <${Page} params=${found.params} query=${query} />
    <//>`;
  }
  if (!registry.readyFor(hood)) return html`<${Loading} />`;
  return html`<${NotFound} hood=${hood} />`;
}

function InHood({ route }) {
  const { hood } = route;
  const s = store.get();
  const h = s.me.hoods.find((x) => x.slug === hood);
  // Set before the page renders: plugin components call nb.ctx() and
  // nb.api() at once, and the feed's replay point must be set before the
  // first subscription of this neighbourhood.
  if (s.hood !== hood) {
    s.hood = hood;
    if (h) {
      seedFeed(s.me.id, hood);
      try { localStorage.setItem(HOOD_KEY, hood); } catch { /* storage off */ }
    }
  }
  setTimeZone(h?.timezone);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!h) return;
    setError(null);
    registry.loadForHood(hood).catch(setError);
  }, [hood, !!h]);
  usePageChange(`${hood} ${route.path}`);
  return html`<${Frame} hood=${h ? hood : null} path=${route.path}>
    ${!h ? html`<${NotFound} />`
      : error ? html`<p class="error-text" role="alert">${error.message}</p>`
        : html`<${HoodPage} key=${hood} route=${route} />`}
  <//>`;
}

function NoHood({ route }) {
  usePageChange(route.path);
  return html`<${Frame} hood=${null} path=${route.path}>
    ${route.path === '/account' ? html`<${Account} hood=${null} />` : html`
      <h1>${t('noHood.title')}</h1>
      <p>${t('noHood.text')}</p>
      <p><a href="#/account">${t('nav.account')}</a></p>`}
  <//>`;
}

function defaultHood(me) {
  let last = null;
  try { last = localStorage.getItem(HOOD_KEY); } catch { /* storage off */ }
  return me.hoods.find((h) => h.slug === last)?.slug || me.hoods[0]?.slug || null;
}

function App() {
  const s = store.useStore();
  const route = useRoute();
  const inviteToken = !route.hood && match('/invite/:token', route.path)?.token;
  if (inviteToken) return html`<${Invite} token=${inviteToken} onSignedIn=${signedIn} />`;
  if (s.status === 'loading') return html`<${Loading} />`;
  if (s.status !== 'signedIn') return html`<${SignIn} onSignedIn=${signedIn} />`;
  if (route.hood) return html`<${InHood} route=${route} />`;
  const hood = defaultHood(s.me);
  if (hood && route.path !== '/account') {
    location.replace(hoodHref(hood, '/'));
    return null;
  }
  return html`<${NoHood} route=${route} />`;
}

/* The server closed the live connection because access changed, or a
 * subscribe was refused for want of a session: ask who we are now. Roles
 * may have changed (navigation follows) or the session may be gone. */
async function recheck() {
  if (store.get().status !== 'signedIn' || isLeaving()) return;
  try {
    await refreshMe();
  } catch (e) {
    // Unless signed out meanwhile by this page itself.
    if (e.status === 401 && store.get().status === 'signedIn' && !isLeaving()) signedOut('session_ended');
  }
}

async function boot() {
  onSessionEnded(() => {
    if (store.get().status === 'signedIn') signedOut('session_ended');
  });
  live.onAccess(recheck);
  live.onError((msg) => {
    if (msg.code === 'sign_in_required') recheck();
    else console.warn(`nachbar live: ${msg.code}: ${msg.message || ''}`);
  });
  render(html`<${App} />`, document.getElementById('app'));
  if (!maybeSignedIn()) {
    store.set({ status: 'signedOut' });
    return;
  }
  try {
    signedIn(await api('GET', '/api/v1/me'));
  } catch (e) {
    if (e.status === 401) signedOut(null);
    else store.set({ status: 'signedOut', notice: 'unreachable' });
  }
}

boot();
