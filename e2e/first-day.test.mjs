// A real deployment's first day, as the README's production section walks through it:
// `bilan servir` on an empty PostgreSQL database (127.0.0.1:5432), the first administrator
// created with `bilan compte ajouter`, then everything else in the browser — the
// administrator creates the national reader's and an editor's accounts, the editor finds a
// button to create its report, the national reader opens the Pacte 2025 campaign and the
// editor then finds its campaign draft, with the programme's socle measures and the
// catalogue's indicators.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { root, shots, accessible, startServer, launchBrowser, stopServer, session } from './harness.mjs';

const bilan = join(root, 'target', 'debug', 'bilan');
const pgServer = process.env.BILAN_PG_SERVER || 'postgres://postgres@127.0.0.1:5432';
const dbName = `bilan_premier_jour_${process.pid}`;
const dbUrl = `${pgServer}/${dbName}`;
const ADMIN_PASSWORD = 'premier-jour-admin-2026';
const h = { base: undefined, browser: undefined, server: undefined };

function psql(sql) {
  execFileSync('psql', [`${pgServer}/postgres`, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: 'pipe' });
}

before(async () => {
  psql(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  psql(`CREATE DATABASE "${dbName}"`);
  // The first administrator: the only account made outside the browser.
  execFileSync(bilan, ['compte', 'ajouter', '--identifiant', 'admin', '--role', 'admin', '--nom', 'Administratrice',
    '--mot-de-passe', ADMIN_PASSWORD, '--base', dbUrl], { cwd: root, stdio: 'pipe' });
  ({ server: h.server, base: h.base } = await startServer(['servir', '--base', dbUrl, '--adresse', '127.0.0.1:0']));
  h.browser = await launchBrowser();
});

after(async () => {
  await h.browser?.close();
  await stopServer(h.server);
  psql(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
});

const signIn = (login, password) => session(h, login, password);

async function createAccount(page, login, name, role, territory) {
  await page.goto(`${h.base}/admin/comptes`);
  await page.fill('#compte-login', login);
  await page.fill('#compte-nom', name);
  await page.fill('#compte-mdp', `${login}-mot-de-passe-2026`);
  await page.selectOption('#compte-role', role);
  if (territory) await page.fill('#compte-territoire', territory);
  await Promise.all([page.waitForNavigation(), page.click('#bouton-creer-compte')]);
  assert.match(await page.textContent('main'), new RegExp(`compte « ${login.replace('.', '\\.')} » a été créé`));
}

test('premier jour : comptes, campagne, premier rapport', async () => {
  const admin = await signIn('admin', ADMIN_PASSWORD);
  await createAccount(admin, 'national', 'Lecteur national', 'national', '');
  await createAccount(admin, 'editeur.allier', 'Rédactrice Allier', 'editeur', '03');
  await createAccount(admin, 'editeur.lyon', 'Rédacteur Métropole', 'editeur', '69M');
  // The reference data is there from the first start, read from the repository's files.
  await admin.goto(`${h.base}/referentiels`);
  assert.equal(await admin.locator('#indicateurs-pacte tr[data-code]').count() > 0, true);
  await accessible(admin);

  // Before any campaign: the editor finds a button to create its report, not a dead end.
  const editor = await signIn('editeur.allier', 'editeur.allier-mot-de-passe-2026');
  await editor.goto(`${h.base}/rapports`);
  assert.equal(await editor.locator('#aucun-rapport').count(), 1);
  assert.equal(await editor.locator('#form-nouveau-rapport').count(), 1);
  await accessible(editor);
  await editor.screenshot({ path: join(shots, 'premier-jour-redacteur.png'), fullPage: true });

  // The national reader opens the Pacte 2025 campaign.
  const national = await signIn('national', 'national-mot-de-passe-2026');
  await national.goto(`${h.base}/campagnes`);
  assert.equal(await national.locator('#aucune-campagne').count(), 1);
  await accessible(national);
  await national.selectOption('#programme', 'pacte');
  await national.fill('#annee', '2025');
  await Promise.all([national.waitForNavigation(), national.click('#bouton-ouvrir')]);
  assert.match(national.url(), /\/campagnes\/\d+/);
  assert.match(await national.textContent('#titre-campagne'), /Pacte des solidarités 2025/);
  // Every expected signatory: 100 collectivités in 2025 (Corse and Alsace sign as one,
  // the Métropole de Lyon beside the Rhône).
  assert.equal(await national.locator('#table-conventions tbody tr').count(), 100);
  assert.equal(await national.locator('#convention-6AE').count(), 1);
  assert.equal(await national.locator('#convention-69M').count(), 1);
  assert.equal(await national.locator('#convention-03').getAttribute('data-statut'), 'brouillon');
  await accessible(national);
  await national.screenshot({ path: join(shots, 'premier-jour-campagne.png') });

  // The editor now finds its 2025 draft, built from the programme's skeleton.
  await editor.goto(`${h.base}/rapports`);
  const row = editor.locator('tr[data-departement="03"][data-annee="2025"]');
  assert.equal(await row.count(), 1);
  await Promise.all([editor.waitForNavigation(), row.locator('a').click()]);
  assert.match(await editor.textContent('#titre-rapport'), /2025/);
  assert.equal(await editor.locator('section[id^="champ-mesures-"]').count() >= 4, true);
  await accessible(editor);

  // The Métropole de Lyon has its own report, under its own name.
  const lyon = await signIn('editeur.lyon', 'editeur.lyon-mot-de-passe-2026');
  await lyon.goto(`${h.base}/rapports`);
  assert.equal(await lyon.locator('tr[data-departement="69M"][data-annee="2025"]').count(), 1);
  assert.match(await lyon.textContent('#table-rapports'), /Métropole de Lyon/);
});
