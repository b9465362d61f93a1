// End-to-end tests in a real browser: Debian's Chromium driven by playwright-core, against
// the real `bilan demo` server on a fresh SQLite database. Run by scripts/test.sh
// (`node --test e2e/`). Every page visited is checked with axe-core. Screenshots of the
// main pages go to $BILAN_SCREENSHOTS_DIR when set (`BILAN_SCREENSHOTS_DIR=docs/screenshots`
// refreshes the ones committed and shown in the README), else to a temporary folder.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { demoServer, session as openSession, accessible, reportId as findReport, root, shots } from './harness.mjs';

const h = demoServer('bilan-e2e-');
const session = (login) => openSession(h, login);
const reportId = (page, department, year) => findReport(h, page, department, year);

test('an editor edits, sees the diagnostic, justifies; the signatory adopts and transmits', async () => {
  const editor = await session('editeur.allier');
  await accessible(editor);
  await editor.screenshot({ path: join(shots, 'mes-rapports.png') });
  const id = await reportId(editor, '03', 2020);

  // Fill the 2020 draft from a clean TOML file.
  await editor.goto(`${h.base}/rapports/${id}/import`);
  await accessible(editor);
  await editor.setInputFiles('#fichier-toml', join(root, 'e2e/fixtures/allier-2020-propre.toml'));
  await Promise.all([editor.waitForNavigation(), editor.click('#bouton-import-toml')]);
  await editor.waitForSelector('#import-reussi');

  // Change an amount: the forecast total no longer equals the two shares.
  await editor.goto(`${h.base}/rapports/${id}/actions/1.1.1`);
  await accessible(editor);
  await editor.fill('[name="prevision.total"]', '100 900 €');
  await Promise.all([editor.waitForNavigation(), editor.click('#bouton-enregistrer')]);
  const diag = editor.locator('#diagnostics-action [data-code="BUD001"], #diagnostics-action li:has-text("BUD001")');
  assert.ok(await diag.count() > 0, 'BUD001 appears after the save');
  await editor.screenshot({ path: join(shots, 'action.png'), fullPage: false });

  // Put it back: the error goes away.
  await editor.fill('[name="prevision.total"]', '100 000 €');
  await Promise.all([editor.waitForNavigation(), editor.click('#bouton-enregistrer')]);
  assert.equal(await editor.locator('#diagnostics-action li:has-text("BUD001")').count(), 0);

  // A malformed amount is refused with a French message, nothing saved.
  await editor.fill('[name="prevision.part_etat"]', 'douze mille');
  await editor.click('#bouton-enregistrer');
  await editor.waitForSelector('#erreurs-formulaire');
  assert.match(await editor.locator('#erreurs-formulaire').innerText(), /montant/);

  // Overview and diagnostics panel: the missing deliberation is a warning to justify.
  await editor.goto(`${h.base}/rapports/${id}`);
  await accessible(editor);
  await editor.screenshot({ path: join(shots, 'apercu.png') });
  await editor.goto(`${h.base}/rapports/${id}/diagnostics`);
  await accessible(editor);
  const form = editor.locator('form[id^="form-justification-COM004"]');
  await form.locator('textarea').fill('Le rapport sera adopté en commission permanente de mars 2021.');
  await Promise.all([editor.waitForNavigation(), form.locator('button').click()]);
  assert.match(await editor.locator('[id^="justification-texte-COM004"]').innerText(), /commission permanente/);
  await editor.screenshot({ path: join(shots, 'diagnostics.png') });
  await editor.goto(`${h.base}/rapports/${id}/annexe`);
  await accessible(editor);
  await editor.screenshot({ path: join(shots, 'annexe.png') });

  // The signatory adopts and transmits.
  const signatory = await session('signataire.allier');
  await signatory.goto(`${h.base}/rapports/${id}`);
  await signatory.fill('[name="deliberation_numero"]', 'CP-2021-042');
  await signatory.fill('[name="deliberation_date"]', '2021-03-15');
  await Promise.all([signatory.waitForNavigation(), signatory.click('#bouton-adopter')]);
  assert.equal(await signatory.locator('.statut').first().getAttribute('data-statut'), 'adopte');
  await accessible(signatory);
  await Promise.all([signatory.waitForNavigation(), signatory.click('#bouton-transmettre')]);
  assert.equal(await signatory.locator('.statut').first().getAttribute('data-statut'), 'transmis');
  assert.ok(await signatory.locator('#liste-versions li').count() >= 1, 'a frozen version is kept');
  await editor.context().close();
  await signatory.context().close();
});

test('a transmission while errors remain is refused', async () => {
  const signatory = await session('signataire.allier');
  const id = await reportId(signatory, '03', 2019);
  await signatory.goto(`${h.base}/rapports/${id}`);
  await signatory.fill('[name="deliberation_numero"]', 'CD-2020-118');
  await signatory.fill('[name="deliberation_date"]', '2020-06-26');
  await Promise.all([signatory.waitForNavigation(), signatory.click('#bouton-adopter')]);
  const response = await Promise.all([signatory.waitForNavigation(), signatory.click('#bouton-transmettre')]);
  assert.equal(response[0].status(), 409);
  await signatory.waitForSelector('#titre-refus');
  assert.ok(await signatory.locator('#liste-bloquants li[data-code="BUD001"]').count() > 0);
  await accessible(signatory);
  await signatory.context().close();
});

test('an editor of another Département reaches the Allier report by no URL', async () => {
  const allier = await session('editeur.allier');
  const id = await reportId(allier, '03', 2019);
  await allier.context().close();
  const cantal = await session('editeur.cantal');
  assert.equal(await cantal.locator('tr[data-departement="03"]').count(), 0, 'not listed');
  for (const path of ['', '/actions/1.1.1', '/diagnostics', '/annexe', '/general', '/historique',
    '/import', '/telecharger/odt', '/telecharger/xlsx', '/telecharger/toml', '/versions/1']) {
    const response = await cantal.goto(`${h.base}/rapports/${id}${path}`);
    assert.equal(response.status(), 404, `GET ${path}`);
    const body = await cantal.content();
    assert.ok(!body.includes('Allier'), `no data of the report in ${path}`);
  }
  // A POST from the page itself (right CSRF token) is refused too.
  const status = await cantal.evaluate(async (url) => {
    const csrf = document.querySelector('input[name="csrf"]')?.value ?? '';
    const r = await fetch(url, { method: 'POST', body: new URLSearchParams({ csrf, 'prevision.total': '1 €', revision: '1' }) });
    return r.status;
  }, `${h.base}/rapports/${id}/actions/1.1.1`);
  assert.ok(status === 404 || status === 403, `POST answered ${status}`);
  await cantal.context().close();
});

test('the login page is accessible and refuses a wrong password in French', async () => {
  const page = await session(null);
  await page.goto(`${h.base}/connexion`);
  await accessible(page);
  await page.screenshot({ path: join(shots, 'connexion.png') });
  await page.fill('#login', 'editeur.allier');
  await page.fill('#mot_de_passe', 'pas le bon');
  await page.click('#bouton-connexion');
  await page.waitForSelector('#erreur-connexion');
  assert.match(await page.locator('#erreur-connexion').innerText(), /incorrect|invalide|refus/i);
  await page.context().close();
});

test('the other pages are accessible too, the conflict page included', async () => {
  // The Cantal draft: the Allier reports are adopted or transmitted by the tests above.
  const editor = await session('editeur.cantal');
  const id = await reportId(editor, '15', 2019);
  for (const path of ['/general', '/historique', '/actions/1.1.1/depenses/0', '/actions/1.1.1/indicateurs/0',
    '/actions/1.2.1/lignes/0', '/actions/1.1.1/depenses/nouvelle']) {
    const response = await editor.goto(`${h.base}/rapports/${id}${path}`);
    assert.equal(response.status(), 200, path);
    await accessible(editor);
  }
  const missing = await editor.goto(`${h.base}/rapports/999999`);
  assert.equal(missing.status(), 404);
  await accessible(editor);

  // Two tabs on the same action: the second save of a stale form gets the conflict page.
  const other = await editor.context().newPage();
  await editor.goto(`${h.base}/rapports/${id}/actions/1.1.1`);
  await other.goto(`${h.base}/rapports/${id}/actions/1.1.1`);
  await editor.fill('[name="duree"]', 'Première version');
  await Promise.all([editor.waitForNavigation(), editor.click('#bouton-enregistrer')]);
  await other.fill('[name="duree"]', 'Seconde version');
  const [conflict] = await Promise.all([other.waitForNavigation(), other.click('#bouton-enregistrer')]);
  assert.equal(conflict.status(), 409);
  await other.waitForSelector('#titre-conflit');
  const row = other.locator('tr[data-champ="duree"]');
  assert.match(await row.locator('.conflit-mien').innerText(), /Seconde version/);
  assert.match(await row.locator('.conflit-actuel').innerText(), /Première version/);
  await accessible(other);
  await other.screenshot({ path: join(shots, 'conflit.png') });
  await editor.context().close();

  const admin = await session('admin');
  await admin.goto(`${h.base}/admin/comptes`);
  await accessible(admin);
  await admin.context().close();
});
