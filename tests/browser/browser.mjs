// Browser test helpers: a real nachbar started with --demo (through the
// integration harness), Debian's chromium driven by playwright-core, and
// small waits that poll for a state instead of sleeping, so the tests hold
// on a busy two-core machine.
//
// Every page opened through newPage() records console errors, uncaught
// exceptions and failed requests; assertClean(page) fails the test if any
// happened. Warnings are not errors.
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { startServer, stopAll, BUILD_DIR } from '../integration/harness.mjs';

export const CHROMIUM = process.env.NACHBAR_CHROMIUM || '/usr/bin/chromium';
export const PASSWORD = 'nachbar-demo';
export const HOOD = 'peiner-strasse';
export const SCREENSHOTS = path.join(BUILD_DIR, 'screenshots');

/** Demo accounts (core/demo.c). */
export const PEOPLE = {
  coordinator: { email: 'coordinator@demo.example', name: 'Sabine Wolters' },
  coach: { email: 'coach@demo.example', name: 'Jonas Reinhardt' },
  thomas: { email: 'thomas@glaserei-hoffmann.demo.example', name: 'Thomas Hoffmann', firm: 'Glaserei Hoffmann' },
  claudia: { email: 'claudia@druck-brandes.demo.example', name: 'Claudia Brandes', firm: 'Druck & Etikett Brandes' },
  lea: { email: 'lea@nordmann-rohrbau.demo.example', name: 'Lea Schubert' },
  sophie: { email: 'sophie@tischlerei-lange.demo.example', name: 'Sophie Lange' },
  tobias: { email: 'tobias@it-becker.demo.example', name: 'Tobias Becker' },
};

const require = createRequire(import.meta.url);
let axeSource = null;

/**
 * Start a demo server and a headless chromium. Returns {server, browser,
 * url, close()}. opts.plugins: the plugins to load (default "hello");
 * opts.config: more config, merged over the harness's defaults.
 */
export async function setup(opts = {}) {
  const config = { ...(opts.config || {}) };
  if (opts.plugins) config.plugins = { ...(config.plugins || {}), load: opts.plugins };
  const server = await startServer({ args: ['--demo'], env: { NACHBAR_DEMO_PASSWORD: PASSWORD }, config });
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  } catch (e) {
    await stopAll([server]);
    throw e;
  }
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    server, // replace after restart(); close() stops whichever is current
    browser,
    url: server.url,
    async close() {
      await this.browser.close().catch(() => {});
      await stopAll([this.server]);
    },
  };
}

/**
 * A page in a new browser context (its own cookies and storage: another
 * person at another computer). Options go to browser.newContext (locale,
 * viewport, ...). The page records problems in page.problems.
 */
export async function newPage(env, opts = {}) {
  const context = await env.browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 800 }, ...opts });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console error: ${m.text()} (${m.location().url || 'no url'})`);
  });
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A download or a page that navigates away aborts requests on purpose.
    const why = r.failure()?.errorText || '';
    if (!/ERR_ABORTED/.test(why)) page.problems.push(`request failed: ${r.method()} ${r.url()} ${why}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) page.problems.push(`server error: ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('dialog', (d) => d.accept()); // confirm() of revoke/remove buttons
  return page;
}

/** Fail with everything the page recorded (console errors, exceptions). */
export function assertClean(page, what = 'page') {
  if (page.problems.length) {
    const list = page.problems.splice(0);
    throw new Error(`${what}: ${list.length} problem(s):\n  ${list.join('\n  ')}`);
  }
}

/** Wait until the plugins of the neighbourhood have registered (nav not busy). */
export async function pluginsReady(page) {
  await page.locator('#nav:not([aria-busy])').waitFor({ state: 'attached' });
}

/**
 * Sign in through the form; waits for the dashboard, the plugins'
 * registrations and the live indicator.
 */
export async function signIn(page, env, who, { expectHeading = 'Gewerbegebiet Peiner Straße' } = {}) {
  await page.goto(`${env.url}/`);
  await page.locator('input[name="email"]').fill(who.email);
  await page.locator('input[name="password"]').fill(who.password || PASSWORD);
  await page.locator('form button[type="submit"]').click();
  await page.locator('main h1', { hasText: expectHeading }).waitFor();
  await pluginsReady(page);
  await page.locator('.live-live').waitFor();
}

/** Go to a page of the demo neighbourhood and wait for its heading. */
export async function visit(page, env, hoodPath, heading) {
  await page.goto(`${env.url}/#/n/${HOOD}${hoodPath}`);
  if (heading) await page.locator('main h1', { hasText: heading }).waitFor();
  await pluginsReady(page);
}

/** Save a full-page screenshot as <build>/screenshots/<name>.png. */
export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/**
 * Run axe-core on the page and return the serious and critical violations
 * as readable lines. axe is evaluated through the DevTools protocol
 * (page.evaluate), which the page's strict CSP (script-src 'self') does
 * not govern, so the page under test keeps its real CSP: no bypassCSP.
 */
export async function axe(page) {
  if (!axeSource) axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(0, 2).join(' ')}`),
    }));
  });
  return result
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}):\n    ${v.nodes.join('\n    ')}`);
}

/** Wait until fn() (run in the page) returns something truthy; return it. */
export async function until(page, fn, arg, timeout = 15000) {
  const handle = await page.waitForFunction(fn, arg, { timeout, polling: 50 });
  return handle.jsonValue();
}
