// The main screens as the people of the demo neighbourhood use them:
// navigation built from the plugins, the firm directory and a firm admin
// editing their profile, my account, the coordinator area, and a phone.
// Every main screen is checked with axe-core (no serious or critical
// violations), for console errors, and saved as a screenshot under
// <build>/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../integration/harness.mjs';
import { setup, newPage, assertClean, signIn, visit, screenshot, axe, until, pluginsReady, PEOPLE, HOOD } from './browser.mjs';

let env;
before(async () => { env = await setup(); });
after(() => env?.close());

/* Take the console line Chromium prints for an answer the test provoked
 * on purpose (a refused form) out of the page's record. */
function expectFailedLoad(page, status) {
  const re = new RegExp(`status of ${status}\\b`);
  assert.ok(page.problems.some((p) => re.test(p)), `expected a ${status} answer; recorded: ${page.problems.join('; ')}`);
  page.problems = page.problems.filter((p) => !re.test(p));
}

async function checkScreen(page, name) {
  assert.deepEqual(await axe(page), [], `${name}: accessibility`);
  await screenshot(page, name);
}

test('navigation is built from the plugins enabled in the neighbourhood', async () => {
  const coord = await newPage(env);
  try {
    await signIn(coord, env, PEOPLE.coordinator);
    await checkScreen(coord, 'dashboard');
    // hello's UI module registered a navigation entry, a page and a card.
    await coord.getByRole('heading', { name: 'Winken' }).waitFor();
    await coord.getByRole('link', { name: 'Hallo' }).click();
    await coord.locator('main h1', { hasText: 'Grüße aus der Nachbarschaft' }).waitFor();
    assert.match(coord.url(), new RegExp(`#/n/${HOOD}/hello$`));
    await coord.getByText('Moin, Nachbarn!').waitFor(); // demo greeting
    assert.equal(await coord.getByRole('link', { name: 'Hallo' }).getAttribute('aria-current'), 'page');

    // A failed submit shows the server's error at its field, keeps the text.
    await coord.getByLabel('Von').fill('Sabine vom Netzwerk');
    await coord.getByRole('textbox', { name: 'Gruß', exact: true }).fill('');
    await coord.getByRole('button', { name: 'Gruß senden' }).click();
    await coord.locator('.field', { has: coord.getByRole('textbox', { name: 'Gruß', exact: true }) }).getByRole('alert').waitFor();
    assert.equal(await coord.getByLabel('Von').inputValue(), 'Sabine vom Netzwerk');
    expectFailedLoad(coord, 400);
    await coord.getByRole('textbox', { name: 'Gruß', exact: true }).fill('Willkommen im Netzwerk!');
    await coord.getByRole('button', { name: 'Gruß senden' }).click();
    await coord.locator('.hello-greetings li', { hasText: 'Willkommen im Netzwerk!' }).waitFor();
    await checkScreen(coord, 'plugin-hello');

    // Switched off here, hello leaves the navigation and the dashboard at once.
    await coord.getByRole('link', { name: 'Koordination' }).click();
    await coord.getByRole('link', { name: 'Plugins' }).click();
    const box = coord.getByLabel('hello verwenden');
    assert.equal(await box.isChecked(), true);
    await checkScreen(coord, 'admin-plugins');
    await box.uncheck();
    await coord.getByRole('link', { name: 'Hallo' }).waitFor({ state: 'detached' });
    await coord.getByRole('link', { name: 'Start' }).click();
    await coord.locator('main h2', { hasText: 'Was gibt es Neues' }).waitFor();
    assert.equal(await coord.getByRole('heading', { name: 'Winken' }).count(), 0);
    await visit(coord, env, '/hello', 'Nicht gefunden');

    await visit(coord, env, '/admin/plugins', 'Koordination');
    await coord.getByLabel('hello verwenden').check();
    await coord.getByRole('link', { name: 'Hallo' }).waitFor();
    assertClean(coord);
  } finally {
    await coord.context().close();
  }
});

test('the firm directory finds who can help, and shows profiles', async () => {
  const page = await newPage(env);
  try {
    await signIn(page, env, PEOPLE.tobias);
    await page.getByRole('link', { name: 'Betriebe' }).click();
    await page.locator('main h1', { hasText: 'Betriebe' }).waitFor();
    await page.getByText('12 Betriebe', { exact: true }).waitFor();
    await page.getByLabel('Wer hier kann helfen bei …').fill('e-rechnung');
    await page.getByText('2 Betriebe', { exact: true }).waitFor();
    const names = await page.locator('.firm-item h2').allInnerTexts();
    assert.deepEqual(names.sort(), ['Druck & Etikett Brandes', 'Steuerberatung Weber & Partner']);
    await until(page, () => location.hash.endsWith('/firms?q=e-rechnung'));
    await checkScreen(page, 'firms-search');

    // The search survives a reload (the address carries ?q=).
    await page.reload();
    await page.getByText('2 Betriebe', { exact: true }).waitFor();
    assert.equal(await page.getByLabel('Wer hier kann helfen bei …').inputValue(), 'e-rechnung');

    await page.getByLabel('Wer hier kann helfen bei …').fill('kein Betrieb kann das');
    await page.getByText('Kein Betrieb passt zu „kein Betrieb kann das“.').waitFor();

    await page.getByLabel('Wer hier kann helfen bei …').fill('');
    await page.getByRole('link', { name: 'Steuerberatung Weber & Partner' }).click();
    await page.locator('main h1', { hasText: 'Steuerberatung Weber & Partner' }).waitFor();
    await page.locator('.people li', { hasText: 'Dr. Karin Weber' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Profil bearbeiten' }).count(), 0, 'not his firm: no edit');
    await checkScreen(page, 'firm-profile');
    assertClean(page);
  } finally {
    await page.context().close();
  }
});

test('a firm admin edits the own firm profile; errors appear at the field', async () => {
  const page = await newPage(env);
  try {
    await signIn(page, env, PEOPLE.thomas);
    await visit(page, env, '/firms', 'Betriebe');
    await page.getByRole('link', { name: 'Glaserei Hoffmann' }).click();
    await page.locator('main h1', { hasText: 'Glaserei Hoffmann' }).waitFor();
    await page.getByRole('button', { name: 'Profil bearbeiten' }).click();
    const offers = 'Glaszuschnitt, Spiegel und Notverglasung für Nachbarn';
    await page.getByLabel('Angebote für Nachbarn').fill(offers);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('   ');
    await page.getByRole('button', { name: 'Speichern' }).click();
    const nameField = page.locator('.field', { has: page.getByRole('textbox', { name: 'Name', exact: true }) });
    await nameField.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Name', exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Angebote für Nachbarn').inputValue(), offers, 'nothing typed is lost');
    expectFailedLoad(page, 400);
    await checkScreen(page, 'firm-edit-error');

    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Glaserei Hoffmann');
    await page.getByLabel('Stichwörter').fill('glas, montage, spiegel');
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByText('Das Profil ist gespeichert.').waitFor();
    await page.getByText(offers).waitFor();
    await page.locator('.tags li', { hasText: 'spiegel' }).waitFor();

    // A firm admin invites staff of the own firm, and sees those invitations.
    await page.getByRole('button', { name: 'Kolleg:in einladen' }).click();
    assert.equal(await page.getByLabel('Einladen').count(), 0, 'only staff of this firm');
    await page.getByLabel('Rolle im Betrieb').selectOption('member');
    await page.getByLabel('Name der Person').fill('Ole Glas');
    await page.getByLabel('E-Mail-Adresse').fill('ole@glaserei-hoffmann.example');
    await page.getByRole('button', { name: 'Einladung erstellen' }).click();
    assert.match(await page.getByLabel('Einladungslink').inputValue(), /#\/invite\//);
    await page.locator('tbody tr', { hasText: 'ole@glaserei-hoffmann.example' }).waitFor();
    await checkScreen(page, 'firm-admin-invite');

    // Another firm's profile is not his to edit.
    await visit(page, env, '/firms', 'Betriebe');
    await page.getByRole('link', { name: 'Elektro Schulz' }).click();
    await page.locator('main h1', { hasText: 'Elektro Schulz' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Profil bearbeiten' }).count(), 0);
    assertClean(page);
  } finally {
    await page.context().close();
  }
});

test('my account: name, password, tokens shown once, data export', async () => {
  const page = await newPage(env);
  try {
    await signIn(page, env, PEOPLE.lea);
    await page.getByRole('link', { name: 'Mein Konto' }).click();
    await page.locator('main h1', { hasText: 'Mein Konto' }).waitFor();
    await page.getByText('Sie haben keine Token.').waitFor();
    await checkScreen(page, 'account');

    const profile = page.locator('section[aria-labelledby="acc-profile"]');
    await profile.getByLabel('Angezeigter Name').fill('Lea Schubert-Nord');
    await profile.getByRole('button', { name: 'Speichern' }).click();
    await page.locator('.nav-user', { hasText: 'Lea Schubert-Nord' }).waitFor();

    // A token: shown once in full, then only listed by name; revocable.
    const tokens = page.locator('section[aria-labelledby="acc-tokens"]');
    await tokens.getByRole('textbox', { name: 'Name', exact: true }).fill('Monatsbericht');
    await tokens.getByLabel('Berechtigung').selectOption('read');
    await tokens.getByRole('button', { name: 'Token erstellen' }).click();
    const token = await tokens.getByLabel('Token „Monatsbericht“').inputValue();
    assert.match(token, /^nb_[A-Za-z0-9_-]{20,}$/);
    const viaToken = await page.evaluate(async (tok) => (await fetch('/api/v1/me', { headers: { Authorization: `Bearer ${tok}` } })).json(), token);
    assert.equal(viaToken.display_name, 'Lea Schubert-Nord');
    await tokens.locator('tbody tr', { hasText: 'Monatsbericht' }).waitFor();
    await screenshot(page, 'account-token');
    await tokens.getByRole('button', { name: 'Token Monatsbericht widerrufen' }).click();
    await tokens.getByText('Sie haben keine Token.').waitFor();
    assert.equal(await tokens.getByLabel('Token „Monatsbericht“').count(), 0, 'the token is not shown again');

    // The export is a download of everything stored about her.
    const href = await page.getByRole('link', { name: 'Meine Daten herunterladen' }).getAttribute('href');
    const exp = await page.evaluate(async (u) => (await fetch(u)).json(), href);
    assert.equal(exp.format, 'nachbar-export-1');
    assert.equal(exp.person.email, PEOPLE.lea.email);

    // Password: a wrong current one is named at its field; then it changes.
    const pw = page.locator('section[aria-labelledby="acc-password"]');
    await pw.getByLabel('Bisheriges Passwort').fill('falsch-falsch');
    await pw.getByLabel('Neues Passwort').fill('Rohre verlegen wir im Frühjahr');
    await pw.getByLabel('Passwort wiederholen').fill('Rohre verlegen wir im Frühjahr');
    await pw.getByRole('button', { name: 'Passwort ändern' }).click();
    await pw.locator('.field:has(input[name="current"]) [role="alert"]').waitFor();
    expectFailedLoad(page, 403);
    assert.equal(await pw.getByLabel('Neues Passwort').inputValue(), 'Rohre verlegen wir im Frühjahr');
    await pw.getByLabel('Bisheriges Passwort').fill('nachbar-demo');
    await pw.getByRole('button', { name: 'Passwort ändern' }).click();
    await pw.getByText('Ihr Passwort wurde geändert.').waitFor();
    await page.locator('.live-live').waitFor(); // reconnected after the server's 4000 close

    await page.getByRole('button', { name: 'Auf allen Geräten abmelden' }).click();
    await page.locator('main h1', { hasText: 'Anmelden' }).waitFor();
    await signIn(page, env, { email: PEOPLE.lea.email, password: 'Rohre verlegen wir im Frühjahr' });
    assertClean(page);
  } finally {
    await page.context().close();
  }
});

test('the coordinator area: firms, people and roles, plugins, audit log', async () => {
  const page = await newPage(env);
  try {
    await signIn(page, env, PEOPLE.coordinator);
    await page.getByRole('link', { name: 'Koordination' }).click();
    await page.locator('main h1', { hasText: 'Koordination' }).waitFor();
    await page.locator('table', { hasText: 'Rohrleitungsbau Nordmann GmbH' }).waitFor();
    await checkScreen(page, 'admin-firms');

    await page.getByRole('link', { name: 'Personen' }).click();
    const row = page.locator('tbody tr', { hasText: 'Jonas Reinhardt' });
    await row.waitFor();
    await checkScreen(page, 'admin-people');
    // Make the coach a coordinator too, then take it back.
    const coordBox = row.getByLabel('Koordination');
    assert.equal(await coordBox.isChecked(), false);
    await coordBox.check();
    await row.getByRole('button', { name: 'Rollen von Jonas Reinhardt speichern' }).click();
    await row.getByRole('button', { name: 'Rollen von Jonas Reinhardt speichern' }).waitFor({ state: 'detached' });
    const roles = await page.evaluate(async (hood) => {
      const r = await (await fetch(`/api/v1/n/${hood}/people?limit=200`)).json();
      return r.items.find((p) => p.email === 'coach@demo.example').roles.sort();
    }, HOOD);
    assert.deepEqual(roles, ['coach', 'coordinator']);
    await coordBox.uncheck();
    await row.getByRole('button', { name: 'Rollen von Jonas Reinhardt speichern' }).click();
    await row.getByRole('button', { name: 'Rollen von Jonas Reinhardt speichern' }).waitFor({ state: 'detached' });

    // A password link for someone who forgot theirs, ready to copy.
    await row.getByRole('button', { name: 'Passwort-Link für Jonas Reinhardt erstellen' }).click();
    assert.match(await row.getByRole('textbox', { name: 'Passwort-Link für Jonas Reinhardt', exact: true }).inputValue(), /#\/invite\//);

    await page.getByRole('link', { name: 'Einladungen' }).click();
    await page.getByLabel('Einladen').selectOption('staff');
    await page.getByLabel('Betrieb', { exact: true }).selectOption({ label: 'Bäckerei Meyer' });
    await page.getByLabel('Rolle im Betrieb').selectOption('member');
    await page.getByLabel('Name der Person').fill('Kai Azubi');
    await page.getByLabel('E-Mail-Adresse').fill('kai@baeckerei-meyer.example');
    await page.getByRole('button', { name: 'Einladung erstellen' }).click();
    await page.getByLabel('Einladungslink').waitFor();
    const open = page.locator('tbody tr', { hasText: 'kai@baeckerei-meyer.example' });
    await open.waitFor();
    await open.getByRole('button', { name: 'Einladung von kai@baeckerei-meyer.example zurückziehen' }).click();
    await open.waitFor({ state: 'detached' });

    await page.getByRole('link', { name: 'Protokoll' }).click();
    await page.locator('tbody tr', { hasText: 'invite.created' }).first().waitFor();
    await checkScreen(page, 'admin-audit');
    assertClean(page);
  } finally {
    await page.context().close();
  }
});

test('on a phone: the menu opens and closes, nothing scrolls sideways', async () => {
  const page = await newPage(env, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  try {
    await signIn(page, env, PEOPLE.claudia);
    const menu = page.getByRole('button', { name: 'Menü' });
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.getByRole('link', { name: 'Betriebe' }).isVisible(), false);
    const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= innerWidth);
    assert.ok(await noSideways(), 'the dashboard fits the width');
    await checkScreen(page, 'phone-dashboard');
    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await screenshot(page, 'phone-menu');
    await page.getByRole('link', { name: 'Betriebe' }).click();
    await page.locator('main h1', { hasText: 'Betriebe' }).waitFor();
    await page.locator('.menu-toggle[aria-expanded="false"]').waitFor(); // the menu closes after choosing
    assert.equal(await page.getByRole('link', { name: 'Betriebe' }).isVisible(), false);
    assert.ok(await noSideways(), 'the directory fits the width');
    await checkScreen(page, 'phone-firms');
    await visit(page, env, '/account', 'Mein Konto');
    assert.ok(await noSideways(), 'the account page fits the width');
    assertClean(page);
  } finally {
    await page.context().close();
  }
});

test('a person in two neighbourhoods switches between them', async () => {
  // A second neighbourhood with its own coordinator (operator commands),
  // who adds the demo coordinator there (an existing account: added at once).
  const admin = (args, extra = {}) => runCli(['admin', ...args, '--data', env.server.dataDir], { env: { NACHBAR_PASSWORD: '', ...extra } });
  let r = await admin(['create-neighbourhood', '--slug', 'hafen-ost', '--name', 'Gewerbegebiet Hafen Ost']);
  assert.equal(r.code, 0, r.stderr);
  const pw = 'Hafenkran-Nummer-Sieben';
  r = await admin(['create-user', '--email', 'leitung@hafen-ost.example', '--name', 'Hanna Hafen', '--role', 'coordinator', '--hood', 'hafen-ost'], { NACHBAR_PASSWORD: pw });
  assert.equal(r.code, 0, r.stderr);
  const login = await fetch(`${env.url}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'leitung@hafen-ost.example', password: pw }),
  });
  assert.equal(login.status, 200);
  const { csrf } = await login.json();
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const inv = await fetch(`${env.url}/api/v1/n/hafen-ost/invites`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
    body: JSON.stringify({ email: PEOPLE.coordinator.email, display_name: PEOPLE.coordinator.name, role: 'coordinator' }),
  });
  assert.equal(inv.status, 201, await inv.text());

  const page = await newPage(env);
  try {
    // Neighbourhoods are listed by name: Hafen Ost comes first.
    await signIn(page, env, PEOPLE.coordinator, { expectHeading: 'Gewerbegebiet Hafen Ost' });
    const switcher = page.getByRole('combobox', { name: 'Nachbarschaft' });
    assert.equal(await switcher.inputValue(), 'hafen-ost');
    await page.getByRole('heading', { name: 'Winken' }).waitFor(); // hello is on here too
    await page.getByRole('link', { name: 'Betriebe' }).click();
    await page.getByText('Noch keine Betriebe.').waitFor();
    await checkScreen(page, 'hood-switch');

    await switcher.selectOption(HOOD);
    await page.locator('main h1', { hasText: 'Gewerbegebiet Peiner Straße' }).waitFor();
    assert.match(page.url(), new RegExp(`#/n/${HOOD}/$`));
    await pluginsReady(page);
    await page.locator('.live-live').waitFor();
    // The last neighbourhood is where the next visit starts.
    await page.goto(`${env.url}/`);
    await page.locator('main h1', { hasText: 'Gewerbegebiet Peiner Straße' }).waitFor();
    assertClean(page);
  } finally {
    await page.context().close();
  }
});
