// Signing in and out as a person does it: in German and in English, with
// the keyboard only, with a wrong password, by accepting an invitation,
// and deleting one's account. Against a real server with demo data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPage, assertClean, signIn, visit, screenshot, axe, until, pluginsReady, PEOPLE, PASSWORD, HOOD } from './browser.mjs';

let env;
before(async () => { env = await setup(); });
after(() => env?.close());

/* The console error Chromium prints for an answer it was told to expect
 * (a refused sign-in): take exactly those out of the page's record. */
function expectFailedLoad(page, status) {
  const re = new RegExp(`status of ${status}\\b`);
  const expected = page.problems.filter((p) => re.test(p));
  assert.ok(expected.length >= 1, `expected a ${status} answer; recorded: ${page.problems.join('; ')}`);
  page.problems = page.problems.filter((p) => !re.test(p));
}

test('a German browser gets German; a wrong password keeps the form; sign in and out', async () => {
  const page = await newPage(env, { locale: 'de-DE' });
  try {
    await page.goto(`${env.url}/`);
    await page.locator('main h1', { hasText: 'Anmelden' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.equal(await page.title(), 'Anmelden · nachbar');
    assert.deepEqual(await axe(page), [], 'sign-in page (de) accessibility');
    await screenshot(page, 'signin-de');

    await page.getByLabel('E-Mail-Adresse').fill(PEOPLE.thomas.email);
    await page.locator('input[name="password"]').fill('not-the-password');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('alert').filter({ hasText: 'E-Mail-Adresse oder Passwort ist falsch.' }).waitFor();
    assert.equal(await page.getByLabel('E-Mail-Adresse').inputValue(), PEOPLE.thomas.email, 'the e-mail address stays');
    expectFailedLoad(page, 401);

    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.locator('main h1', { hasText: 'Gewerbegebiet Peiner Straße' }).waitFor();
    await pluginsReady(page);
    await page.locator('.live', { hasText: 'Live' }).waitFor();
    assert.match(page.url(), new RegExp(`#/n/${HOOD}/$`));
    const nav = await page.getByRole('navigation', { name: 'Hauptmenü' }).innerText();
    for (const entry of ['Start', 'Betriebe', 'Hallo', 'Mein Konto', 'Abmelden']) assert.ok(nav.includes(entry), `nav has ${entry}: ${nav}`);
    assert.ok(!nav.includes('Koordination'), 'a firm admin sees no coordinator area');

    await page.getByRole('button', { name: 'Abmelden' }).click();
    await page.locator('main h1', { hasText: 'Anmelden' }).waitFor();
    await page.getByText('Sie sind abgemeldet.').waitFor();
    await page.locator('.live-live').waitFor({ state: 'detached' });
    // Signed out for real: the API says so, and a reload stays signed out.
    const status = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status));
    assert.equal(status, 401);
    expectFailedLoad(page, 401);
    await page.reload();
    await page.locator('main h1', { hasText: 'Anmelden' }).waitFor();
    assertClean(page);
  } finally {
    await page.context().close();
  }
});

test('an English browser gets English until the saved language of the person wins', async () => {
  const page = await newPage(env, { locale: 'en-GB' });
  try {
    await page.goto(`${env.url}/`);
    await page.locator('main h1', { hasText: 'Sign in' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.deepEqual(await axe(page), [], 'sign-in page (en) accessibility');
    await screenshot(page, 'signin-en');

    // The coach's saved language is German (demo data): it wins.
    await page.getByLabel('E-mail address').fill(PEOPLE.coach.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('main h1', { hasText: 'Gewerbegebiet Peiner Straße' }).waitFor();
    await pluginsReady(page);
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    await page.getByRole('link', { name: 'Betriebe' }).waitFor();

    // Saved as English in the account: English now and after a reload.
    await page.getByRole('link', { name: 'Mein Konto' }).click();
    await page.locator('main h1', { hasText: 'Mein Konto' }).waitFor();
    await page.getByLabel('Sprache', { exact: true }).selectOption('en');
    await page.locator('section[aria-labelledby="acc-profile"]').getByRole('button', { name: 'Speichern' }).click();
    await page.locator('main h1', { hasText: 'My account' }).waitFor();
    await page.reload();
    await page.locator('main h1', { hasText: 'My account' }).waitFor();
    await pluginsReady(page); // plugins register once their module has loaded
    const nav = await page.getByRole('navigation', { name: 'Main' }).innerText();
    for (const entry of ['Home', 'Firms', 'Hello', 'My account', 'Sign out']) assert.ok(nav.includes(entry), `nav has ${entry}: ${nav}`);
    assert.ok(!nav.includes('Coordination'), 'a coach sees no coordinator area');
    await page.getByRole('link', { name: 'Home' }).click();
    await page.locator('main h2', { hasText: 'What is new' }).waitFor();
    await screenshot(page, 'dashboard-en');
    assertClean(page);
  } finally {
    await page.context().close();
  }
});

test('signing in works with the keyboard alone, and focus is visible', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}/`);
    await page.locator('main h1', { hasText: 'Anmelden' }).waitFor();
    const focused = () => page.evaluate(() => {
      const el = document.activeElement;
      const cs = getComputedStyle(el);
      return { name: el.getAttribute('name'), tag: el.tagName, text: el.textContent.trim(), outline: cs.outlineStyle, width: cs.outlineWidth };
    });
    let f;
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      f = await focused();
      if (f.name === 'email') break;
    }
    assert.equal(f.name, 'email', 'Tab reaches the e-mail field');
    assert.notEqual(f.outline, 'none', 'the focused field shows a focus ring');
    await page.keyboard.type(PEOPLE.tobias.email);
    await page.keyboard.press('Tab');
    assert.equal((await focused()).name, 'password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('main h1', { hasText: 'Gewerbegebiet Peiner Straße' }).waitFor();

    // On to the firm directory by keyboard: focus lands on the new heading.
    let text = '';
    for (let i = 0; i < 15 && text !== 'Betriebe'; i++) {
      await page.keyboard.press('Tab');
      f = await focused();
      text = f.tag === 'A' ? f.text : '';
    }
    assert.equal(text, 'Betriebe', 'Tab reaches the navigation');
    assert.notEqual(f.outline, 'none', 'the focused link shows a focus ring');
    await page.keyboard.press('Enter');
    await page.locator('main h1', { hasText: 'Betriebe' }).waitFor();
    await until(page, () => document.activeElement?.tagName === 'H1');
    assertClean(page);
  } finally {
    await page.context().close();
  }
});

test('an invitation link lets the invitee choose a password and signs them in', async () => {
  const coord = await newPage(env);
  const invitee = await newPage(env);
  try {
    await signIn(coord, env, PEOPLE.coordinator);
    await visit(coord, env, '/admin/invites', 'Koordination');
    await coord.getByLabel('Name des Betriebs').fill('Dachdeckerei Sommer');
    await coord.getByLabel('Name der Person').fill('Petra Sommer');
    await coord.getByLabel('E-Mail-Adresse').fill('petra@dachdeckerei-sommer.example');
    await coord.getByRole('button', { name: 'Einladung erstellen' }).click();
    const link = await coord.getByLabel('Einladungslink').inputValue();
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#\/invite\/[A-Za-z0-9_-]+$/);
    await coord.locator('table', { hasText: 'petra@dachdeckerei-sommer.example' }).waitFor();
    assert.deepEqual(await axe(coord), [], 'invitations tab accessibility');
    await screenshot(coord, 'admin-invites');

    await invitee.goto(link);
    await invitee.locator('main h1', { hasText: 'Einladung annehmen' }).waitFor();
    await invitee.getByText('Willkommen, Petra Sommer!').waitFor();
    assert.equal(await invitee.getByLabel('E-Mail-Adresse').inputValue(), 'petra@dachdeckerei-sommer.example');
    assert.deepEqual(await axe(invitee), [], 'invitation page accessibility');
    await screenshot(invitee, 'invite-accept');
    // Too short: the server's reason appears at the password field.
    await invitee.getByLabel('Neues Passwort').fill('kurz');
    await invitee.getByLabel('Passwort wiederholen').fill('kurz');
    await invitee.getByRole('button', { name: 'Passwort festlegen und anmelden' }).click();
    await invitee.locator('.field', { has: invitee.getByLabel('Neues Passwort') }).getByRole('alert').waitFor();
    expectFailedLoad(invitee, 400);
    const good = 'Dachziegel sind rot und schwer';
    await invitee.getByLabel('Neues Passwort').fill(good);
    await invitee.getByLabel('Passwort wiederholen').fill(good);
    await invitee.getByRole('button', { name: 'Passwort festlegen und anmelden' }).click();
    await invitee.locator('main h1', { hasText: 'Gewerbegebiet Peiner Straße' }).waitFor();
    await invitee.locator('.nav-user', { hasText: 'Petra Sommer' }).waitFor();
    await visit(invitee, env, '/firms?q=Sommer', 'Betriebe');
    await invitee.getByRole('link', { name: 'Dachdeckerei Sommer' }).waitFor();

    // The invitation is no longer open.
    await coord.reload();
    await coord.getByText('Keine offenen Einladungen.').waitFor();
    assertClean(coord, 'coordinator');
    assertClean(invitee, 'invitee');
  } finally {
    await coord.context().close();
    await invitee.context().close();
  }
});

test('deleting one\'s account signs out and the sign-in is gone', async () => {
  const page = await newPage(env);
  try {
    await signIn(page, env, PEOPLE.sophie);
    await visit(page, env, '/account', 'Mein Konto');
    const button = page.getByRole('button', { name: 'Mein Konto löschen' });
    assert.equal(await button.isDisabled(), true, 'disabled until the address is typed');
    await page.getByLabel(/Geben Sie zur Bestätigung Ihre E-Mail-Adresse/).fill(PEOPLE.sophie.email);
    await button.click();
    await page.locator('main h1', { hasText: 'Anmelden' }).waitFor();
    await page.getByText('Ihr Konto wurde gelöscht.').waitFor();
    const r = await page.evaluate(async (email) => (await fetch('/api/v1/session', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password: 'nachbar-demo' }),
    })).status, PEOPLE.sophie.email);
    assert.equal(r, 401);
    expectFailedLoad(page, 401);
    assertClean(page);
  } finally {
    await page.context().close();
  }
});
