// Live updates between people: what one person does appears for the
// others without a reload, highlighted; private things reach only whom they
// are for; what happened while someone looked elsewhere is replayed; the
// live indicator tells the truth when the server goes away and comes back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { restart } from '../integration/harness.mjs';
import { setup, newPage, assertClean, signIn, visit, screenshot, axe, PEOPLE } from './browser.mjs';

let env;
let thomas; // Glaserei Hoffmann
let claudia; // Druck & Etikett Brandes
let coach;

before(async () => {
  env = await setup();
  [thomas, claudia, coach] = await Promise.all([newPage(env), newPage(env), newPage(env)]);
  await signIn(thomas, env, PEOPLE.thomas);
  await signIn(claudia, env, PEOPLE.claudia);
  await signIn(coach, env, PEOPLE.coach);
});
after(() => env?.close());

const waveCard = (page) => page.locator('section', { has: page.getByRole('heading', { name: 'Winken' }) });
const feedCard = (page) => page.locator('section', { has: page.getByRole('heading', { name: 'Was gibt es Neues' }) });

async function wave(page, text, { private: priv = false } = {}) {
  const card = waveCard(page);
  await card.getByRole('textbox', { name: 'Nachricht' }).fill(text);
  const box = card.getByLabel('Nur für meinen Betrieb und die Coaches');
  if (priv) await box.check();
  else await box.uncheck();
  await card.getByRole('button', { name: 'Winken' }).click();
  // Our own wave comes back through the live connection, like everyone's.
  await card.locator('.hello-waves li', { hasText: text }).waitFor();
}

test('a wave appears live on the dashboards of the others, highlighted', async () => {
  await wave(claudia, 'Moin aus der Druckerei!');
  const item = waveCard(thomas).locator('.hello-waves li', { hasText: 'Moin aus der Druckerei!' });
  await item.waitFor();
  assert.match(await item.getAttribute('class'), /\bnb-fresh\b/, 'new from others is highlighted');
  assert.match(await item.innerText(), /Claudia Brandes/);
  await feedCard(thomas).locator('.feed li', { hasText: 'Claudia Brandes winkt: „Moin aus der Druckerei!“' }).waitFor();
  await waveCard(coach).locator('.hello-waves li', { hasText: 'Moin aus der Druckerei!' }).waitFor();
  assert.deepEqual(await axe(thomas), [], 'dashboard with live items: accessibility');
  await screenshot(thomas, 'dashboard-live');
  for (const [p, who] of [[thomas, 'thomas'], [claudia, 'claudia'], [coach, 'coach']]) assertClean(p, who);
});

test('a private wave reaches the own firm and the coaches only', async () => {
  await wave(claudia, 'Nur für Druck und Coach', { private: true });
  await waveCard(coach).locator('.hello-waves li', { hasText: 'Nur für Druck und Coach' }).waitFor();
  // Events arrive in order: once the next public wave is there, the
  // private one would have been there too.
  await wave(claudia, 'Wieder für alle');
  await waveCard(thomas).locator('.hello-waves li', { hasText: 'Wieder für alle' }).waitFor();
  assert.equal(await thomas.getByText('Nur für Druck und Coach').count(), 0);
  for (const [p, who] of [[thomas, 'thomas'], [claudia, 'claudia'], [coach, 'coach']]) assertClean(p, who);
});

test('what happened while looking at another page is replayed on return', async () => {
  await thomas.getByRole('link', { name: 'Betriebe' }).click();
  await thomas.locator('main h1', { hasText: 'Betriebe' }).waitFor();
  await wave(claudia, 'Während Sie weg waren');
  await thomas.getByRole('link', { name: 'Start' }).click();
  await waveCard(thomas).locator('.hello-waves li', { hasText: 'Während Sie weg waren' }).waitFor();
  await feedCard(thomas).locator('.feed li', { hasText: 'Während Sie weg waren' }).waitFor();

  // After a reload the feed still knows what was new.
  await thomas.reload();
  await feedCard(thomas).locator('.feed li', { hasText: 'Moin aus der Druckerei!' }).waitFor();
  await feedCard(thomas).locator('.feed li', { hasText: 'Während Sie weg waren' }).waitFor();
  await thomas.locator('.live-live').waitFor();
  assertClean(thomas, 'thomas');
});

test('the live indicator shows a lost connection and the catch-up after it', async () => {
  const indicator = thomas.locator('header [role="status"].live');
  assert.equal((await indicator.innerText()).trim(), 'Live');
  await env.server.stop();
  await thomas.locator('.live-offline, .live-connecting').first().waitFor();
  assert.notEqual((await indicator.innerText()).trim(), 'Live');
  env.server = await restart(env.server);
  await thomas.locator('.live-live').waitFor({ timeout: 45000 });
  await claudia.locator('.live-live').waitFor({ timeout: 45000 });
  await wave(claudia, 'Wieder da!');
  await waveCard(thomas).locator('.hello-waves li', { hasText: 'Wieder da!' }).waitFor();
  // While the server was away the browser logged its failed reconnects:
  // expected here, and nothing else.
  for (const [p, who] of [[thomas, 'thomas'], [claudia, 'claudia'], [coach, 'coach']]) {
    p.problems = p.problems.filter((x) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(x));
    assertClean(p, who);
  }
});

test('someone signing in for the first time sees what happened recently, without private things of other firms', async () => {
  const lea = await newPage(env); // never opened the dashboard here: no stored feed
  await signIn(lea, env, PEOPLE.lea);
  await feedCard(lea).locator('.feed li', { hasText: 'Claudia Brandes winkt: „Wieder für alle“' }).waitFor();
  assert.equal(await feedCard(lea).getByText('Nur für Druck und Coach').count(), 0);
  assertClean(lea, "lea");
  await lea.close();
});
