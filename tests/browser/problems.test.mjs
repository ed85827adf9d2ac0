// The problems plugin in the browser: a firm records a problem on a phone,
// it appears live on the coach's ranking, another firm says "we have this
// too" and the ranking changes; the coach's triage board moves it on; the
// screens pass axe and log no errors. The server loads hello and problems.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import { startServer, stopAll, api } from '../integration/harness.mjs';
import { newPage, assertClean, signIn, visit, screenshot, axe, until, CHROMIUM, PASSWORD, SCREENSHOTS, HOOD, PEOPLE } from './browser.mjs';

const BASE = `/api/v1/n/${HOOD}/problems`;
let env;
let jana; // Glaserei Hoffmann, on a phone
let claudia; // Druck & Etikett Brandes
let coach;

/* Like browser.mjs setup(), with the problems plugin loaded. */
async function setupWithProblems() {
  const server = await startServer({
    args: ['--demo'], env: { NACHBAR_DEMO_PASSWORD: PASSWORD }, config: { plugins: { load: 'hello,problems' } },
  });
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  } catch (e) {
    await stopAll([server]);
    throw e;
  }
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    server, browser, url: server.url,
    async close() { await browser.close().catch(() => {}); await stopAll([server]); },
  };
}

/* A signed-in API client for setting the scene. */
async function client(email) {
  const r = await api(env.url, 'POST', '/api/v1/session', { email, password: PASSWORD });
  assert.equal(r.status, 200, r.text);
  const headers = { cookie: r.headers.get('set-cookie').split(';')[0], 'x-csrf-token': r.body.csrf };
  return { me: r.body, req: (m, p, b) => api(env.url, m, p, b, headers) };
}

before(async () => {
  env = await setupWithProblems();
  jana = await newPage(env, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  [claudia, coach] = await Promise.all([newPage(env), newPage(env)]);
  await signIn(jana, env, { email: 'jana@glaserei-hoffmann.demo.example' });
  await signIn(claudia, env, PEOPLE.claudia);
  await signIn(coach, env, PEOPLE.coach);
});
after(() => env?.close());

const rankingRows = (page) => page.locator('table.problems-ranking tbody tr');

test('capture on a phone → live on the coach\'s ranking → +1 by another firm → the ranking changes', async () => {
  // The scene: a category of its own, with a problem two firms share.
  const api1 = await client(PEOPLE.coach.email);
  assert.equal((await api1.req('POST', `${BASE}/categories`, { key: 'kasse', label_de: 'Kassensystem', label_en: 'Till system' })).status, 201);
  const sven = await client('sven@metallbau-krueger.demo.example');
  const first = await sven.req('POST', BASE, { title: 'Kassenbuch noch auf Papier', category: 'kasse', visibility: 'open' });
  assert.equal(first.status, 201);
  const andreas = await client('andreas@elektro-schulz.demo.example');
  assert.equal((await andreas.req('POST', `${BASE}/${first.body.id}/join`, {})).status, 201);

  // The coach watches the ranking of that category.
  await visit(coach, env, '/problems/ranking?category=kasse&status=', 'Rangliste gemeinsamer Probleme');
  await rankingRows(coach).first().waitFor();
  assert.equal(await rankingRows(coach).count(), 1);

  // Jana records a problem on her phone: title, category, done.
  const started = Date.now();
  await visit(jana, env, '/problems', 'Probleme in der Nachbarschaft');
  await jana.getByRole('link', { name: 'Problem erfassen' }).first().click();
  await jana.locator('main h1', { hasText: 'Problem erfassen' }).waitFor();
  await jana.getByLabel('Was ist das Problem?').fill('Kasse kann keine Kartenzahlung');
  await jana.getByLabel('Kategorie').selectOption('kasse');
  await jana.getByLabel('Dringlichkeit').selectOption('high');
  await jana.getByLabel('Zeitverlust pro Woche in Stunden (Schätzung, freiwillig)').fill('1,5');
  await jana.getByLabel(/^Offen:/).check();
  assert.deepEqual(await axe(jana), [], 'capture form: accessibility');
  await screenshot(jana, 'problems-capture-phone');
  await jana.getByRole('button', { name: 'Problem speichern' }).click();
  await jana.locator('main h1', { hasText: 'Kasse kann keine Kartenzahlung' }).waitFor();
  assert.ok(Date.now() - started < 120000, 'well under two minutes');
  assert.match(await jana.locator('main').innerText(), /1 Betrieb betroffen/);
  // The page fits the phone: nothing scrolls sideways.
  assert.ok(await jana.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scrolling');

  // Live on the coach's ranking, second.
  await rankingRows(coach).nth(1).filter({ hasText: 'Kasse kann keine Kartenzahlung' }).waitFor();
  assert.match(await rankingRows(coach).nth(0).innerText(), /Kassenbuch noch auf Papier/);

  // Claudia and Sven's colleague say "we have this too".
  await visit(claudia, env, '/problems?category=kasse&status=', 'Probleme in der Nachbarschaft');
  await claudia.getByRole('link', { name: 'Kasse kann keine Kartenzahlung' }).click();
  await claudia.locator('main h1', { hasText: 'Kasse kann keine Kartenzahlung' }).waitFor();
  await claudia.getByRole('button', { name: 'Haben wir auch' }).click();
  await claudia.getByLabel('Notiz (freiwillig)').fill('Unser Terminal ist auch zu alt.');
  await claudia.getByRole('button', { name: 'Ja, haben wir auch' }).click();
  await claudia.getByText('2 Betriebe betroffen').first().waitFor();
  // Two firms each now; the higher urgency puts the new one first.
  await rankingRows(coach).nth(0).filter({ hasText: 'Kasse kann keine Kartenzahlung' }).waitFor();
  assert.deepEqual(await axe(claudia), [], 'detail page: accessibility');
  await screenshot(claudia, 'problems-detail');
  const prob = (await (await client(PEOPLE.claudia.email)).req('GET', `${BASE}?category=kasse&q=Kartenzahlung`)).body.items[0];
  assert.equal((await sven.req('POST', `${BASE}/${prob.id}/join`, {})).status, 201);

  // Live again: three firms now.
  await until(coach, () => document.querySelector('table.problems-ranking tbody tr td:nth-child(4)')?.textContent === '3');
  assert.match(await rankingRows(coach).nth(0).innerText(), /Kasse kann keine Kartenzahlung/);
  assert.equal(await coach.locator('.problems-chart svg rect').count(), 2, 'the chart has a bar per problem');
  assert.deepEqual(await axe(coach), [], 'ranking: accessibility');
  await screenshot(coach, 'problems-ranking');
  // Jana's page followed too.
  await jana.getByText('3 Betriebe betroffen').first().waitFor();
  for (const [p, who] of [[jana, 'jana'], [claudia, 'claudia'], [coach, 'coach']]) assertClean(p, who);
});

test('the coach triages on the board; the firm sees the status; the dashboard card lists the firm\'s open problems', async () => {
  await visit(coach, env, '/problems/triage', 'Sichtung und Planung');
  const card = coach.locator('.problems-board-card', { hasText: 'Kasse kann keine Kartenzahlung' });
  await card.getByRole('button', { name: '→ Gesichtet' }).click();
  await coach.locator('.problems-column', { hasText: 'Gesichtet' }).locator('.problems-board-card', { hasText: 'Kasse kann keine Kartenzahlung' }).waitFor();
  const moved = coach.locator('.problems-board-card', { hasText: 'Kasse kann keine Kartenzahlung' });
  await moved.getByRole('button', { name: '→ Geplant' }).click();
  await moved.getByLabel('Workshop (Nummer oder Link)').fill('kasse-2026');
  await moved.getByRole('button', { name: '→ Geplant' }).click();
  await coach.locator('.problems-column', { hasText: 'Geplant' }).locator('.problems-board-card', { hasText: 'Kasse kann keine Kartenzahlung' }).waitFor();
  assert.deepEqual(await axe(coach), [], 'triage board: accessibility');
  await screenshot(coach, 'problems-triage');
  // Jana's detail page shows the new status and the workshop, live.
  await jana.getByText('kasse-2026').first().waitFor();
  assert.match(await jana.locator('main').innerText(), /Geplant/);
  // Her dashboard card.
  await visit(jana, env, '/', 'Gewerbegebiet Peiner Straße');
  const mine = jana.locator('section', { has: jana.getByRole('heading', { name: 'Offene Probleme meines Betriebs' }) });
  await mine.getByRole('link', { name: 'Kasse kann keine Kartenzahlung' }).waitFor();
  for (const [p, who] of [[jana, 'jana'], [coach, 'coach']]) assertClean(p, who);
});

test('an anonymous problem does not show the firm in the browser of another firm, and English works', async () => {
  const thomas = await client(PEOPLE.thomas.email);
  const r = await thomas.req('POST', BASE, { title: 'Anonym im Browser', category: 'website', visibility: 'anonymous' });
  assert.equal(r.status, 201);
  await visit(claudia, env, `/problems/${r.body.id}`, 'Anonym im Browser');
  const text = await claudia.locator('main').innerText();
  assert.match(text, /Ein Betrieb \(anonym\)/);
  assert.ok(!/Glaserei|Hoffmann/.test(text), text);
  // An English-speaking person (her saved language wins over the browser's).
  const lea = await client('lea@nordmann-rohrbau.demo.example');
  assert.equal((await lea.req('PATCH', '/api/v1/me', { locale: 'en' })).status, 200);
  const en = await newPage(env, { locale: 'en-GB' });
  await signIn(en, env, { email: 'lea@nordmann-rohrbau.demo.example' }, { expectHeading: 'Gewerbegebiet Peiner Straße' });
  await visit(en, env, '/problems', 'Problems in the neighbourhood');
  await en.getByRole('link', { name: 'Record a problem' }).first().waitFor();
  assertClean(en, 'en');
  assertClean(claudia, 'claudia');
});
