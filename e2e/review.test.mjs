// The State side in a real browser, on its own `bilan demo` server: the Allier 2019 report
// (as the Département corrected it) is transmitted, sent back by the préfecture with a
// comment, corrected and retransmitted, approved; the 2020 credits note is produced and the
// regional dashboard changes. Then: the préfecture sees no other Département and no draft.
// axe-core checks every State page visited.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { demoServer, session as openSession, accessible, reportId as findReport, root, shots } from './harness.mjs';

const h = demoServer('bilan-e2e-etat-');
const session = (login) => openSession(h, login);
const reportId = (page, department, year) => findReport(h, page, department, year);

/** The signatory adopts and transmits the report (from brouillon or à corriger). */
async function adoptAndTransmit(page, id, number) {
  await page.goto(`${h.base}/rapports/${id}`);
  await page.fill('[name="deliberation_numero"]', number);
  await page.fill('[name="deliberation_date"]', '2020-06-26');
  await Promise.all([page.waitForNavigation(), page.click('#bouton-adopter')]);
  await Promise.all([page.waitForNavigation(), page.click('#bouton-transmettre')]);
  assert.equal(await page.locator('.statut').first().getAttribute('data-statut'), 'transmis');
}

/** The regional dashboard's synthesis and the Allier row, 2019. */
async function regionalView(page) {
  await page.goto(`${h.base}/tableaux/regions/84?annee=2019`);
  return {
    spent: await page.locator('#synthese-consomme').innerText(),
    allierCounted: await page.locator('#departement-03').count(),
    allierMissing: await page.locator('#liste-non-transmis [data-departement="03"]').count(),
  };
}

test('send back with a comment, correct, retransmit, approve, credits 2020, dashboard', async () => {
  const region = await session('region.ara');
  const before = await regionalView(region);
  assert.equal(before.allierCounted, 0);
  assert.equal(before.allierMissing, 1, 'Allier is listed as not transmitted');

  // The Département replaces its 2019 draft by the corrected report and transmits it.
  const editor = await session('editeur.allier');
  const id = await reportId(editor, '03', 2019);
  await editor.goto(`${h.base}/rapports/${id}/import`);
  await editor.setInputFiles('#fichier-toml', join(root, 'e2e/fixtures/allier-2019-corrige.toml'));
  await Promise.all([editor.waitForNavigation(), editor.click('#bouton-import-toml')]);
  await editor.waitForSelector('#import-reussi');
  const signatory = await session('signataire.allier');
  await adoptAndTransmit(signatory, id, 'CD-2020-118');

  // The préfecture finds it in its queue, comments on an action and sends it back.
  const prefecture = await session('prefecture.allier');
  await prefecture.goto(`${h.base}/revue`);
  await accessible(prefecture);
  await prefecture.screenshot({ path: join(shots, 'file-revue.png') });
  await Promise.all([prefecture.waitForNavigation(), prefecture.click(`#lien-revue-${id}`)]);
  await accessible(prefecture);
  await prefecture.selectOption('#cible', 'action:1.1.1');
  await prefecture.fill('#texte', 'Les perspectives 2020 doivent chiffrer les sessions de formation prévues.');
  await Promise.all([prefecture.waitForNavigation(), prefecture.click('#bouton-commenter')]);
  await prefecture.waitForSelector('#liste-commentaires li[data-cible="action:1.1.1"]');
  await prefecture.fill('#motif', 'Perspectives de l’action 1.1.1 à compléter.');
  await Promise.all([prefecture.waitForNavigation(), prefecture.click('#bouton-renvoyer')]);
  assert.match(prefecture.url(), /\/revue/);
  assert.equal((await prefecture.goto(`${h.base}/rapports/${id}/revue`)).status(), 404, 'no longer visible to the State');

  // The Département reads the comments, corrects and retransmits.
  await editor.goto(`${h.base}/rapports/${id}`);
  assert.equal(await editor.locator('.statut').first().getAttribute('data-statut'), 'a_corriger');
  const comments = await editor.locator('#liste-commentaires').innerText();
  assert.match(comments, /chiffrer les sessions/);
  assert.match(comments, /Motif du renvoi : Perspectives de l’action 1\.1\.1 à compléter\./);
  await accessible(editor);
  await editor.goto(`${h.base}/rapports/${id}/actions/1.1.1`);
  await editor.fill('[name="perspectives"]', 'Poursuite en 2020 : quatre sessions de formation, 20 000 € prévus.');
  await Promise.all([editor.waitForNavigation(), editor.click('#bouton-enregistrer')]);
  await adoptAndTransmit(signatory, id, 'CD-2020-131');

  // The préfecture sees what changed since version 1, then approves.
  await prefecture.goto(`${h.base}/rapports/${id}/revue`);
  assert.match(await prefecture.locator('#version').innerText(), /version 2/);
  const changes = await prefecture.locator('#table-modifications').innerText();
  assert.match(changes, /Action 1\.1\.1 – 9\. Perspectives/);
  assert.match(changes, /quatre sessions de formation/);
  await accessible(prefecture);
  await prefecture.evaluate(() => window.scrollTo(0, document.querySelector('#modifications').getBoundingClientRect().top + window.scrollY - 20));
  await prefecture.screenshot({ path: join(shots, 'revue.png'), fullPage: false });
  await Promise.all([prefecture.waitForNavigation(), prefecture.click('#bouton-approuver')]);
  assert.equal(await prefecture.locator('.statut').first().getAttribute('data-statut'), 'approuve');

  // Credits 2020: the State amount, one carry-over accepted and one refused.
  await prefecture.goto(`${h.base}/rapports/${id}/credits`);
  await accessible(prefecture);
  await prefecture.fill('#montant_etat', '450 000 €');
  const rows = prefecture.locator('#table-reports tbody tr');
  assert.equal(await rows.count(), 2);
  await prefecture.click('label[for="decision-0-accepte"]');
  await prefecture.fill('#motif-0', 'Sessions engagées en décembre.');
  await prefecture.click('label[for="decision-1-refuse"]');
  await prefecture.fill('#motif-1', 'Valorisation de temps agent : pas de report.');
  await Promise.all([prefecture.waitForNavigation(), prefecture.click('#bouton-credits')]);
  await prefecture.waitForSelector('#enregistre');
  const note = await prefecture.locator('.note-credits').innerText();
  assert.match(note, /450\s000,00\s€/);
  assert.match(note, /accepté/);
  assert.match(note, /refusé/);
  await accessible(prefecture);
  await prefecture.screenshot({ path: join(shots, 'credits.png'), fullPage: false });
  const odt = await prefecture.evaluate(async (url) => {
    const r = await fetch(url);
    return { status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength };
  }, `${h.base}/rapports/${id}/credits/note.odt`);
  assert.equal(odt.status, 200);
  assert.equal(odt.type, 'application/vnd.oasis.opendocument.text');
  assert.ok(odt.size > 2000);

  // The Département can now read the note.
  await editor.goto(`${h.base}/rapports/${id}/credits`);
  assert.match(await editor.locator('.note-credits').innerText(), /450\s000,00\s€/);
  assert.equal(await editor.locator('#form-credits').count(), 0, 'read only for the Département');

  // The regional dashboard now counts Allier.
  const afterView = await regionalView(region);
  assert.equal(afterView.allierCounted, 1);
  assert.equal(afterView.allierMissing, 0);
  assert.notEqual(afterView.spent, before.spent);
  await accessible(region);
  await region.screenshot({ path: join(shots, 'tableau-region.png'), fullPage: false });
  for (const p of [editor, signatory, prefecture, region]) await p.context().close();
});

test('a préfecture reviewer sees neither another Département nor a draft', async () => {
  const region = await session('region.ara');
  const hauteLoire = await reportId(region, '43', 2019); // transmitted, region 84
  await region.context().close();
  const editor = await session('editeur.allier');
  const draft = await reportId(editor, '03', 2020); // Allier's own draft
  await editor.context().close();

  const prefecture = await session('prefecture.allier');
  await prefecture.goto(`${h.base}/revue`);
  assert.equal(await prefecture.locator('tr[data-departement="43"]').count(), 0);
  assert.equal(await prefecture.locator(`#revue-${draft}`).count(), 0);
  for (const id of [hauteLoire, draft]) {
    for (const path of ['', '/revue', '/credits', '/diagnostics', '/telecharger/toml']) {
      const response = await prefecture.goto(`${h.base}/rapports/${id}${path}`);
      assert.equal(response.status(), 404, `GET /rapports/${id}${path}`);
      const body = await prefecture.content();
      assert.ok(!body.includes('Haute-Loire'), `no data in ${path}`);
    }
  }
  assert.equal((await prefecture.goto(`${h.base}/tableaux/regions/84`)).status(), 403);
  await accessible(prefecture);
  await prefecture.context().close();
});

test('the national reader\'s pages are accessible: queue, dashboards, open data links, API tokens', async () => {
  const national = await session('national');
  for (const path of ['/revue?annee=2019', '/tableaux', '/tableaux/national?annee=2019', '/tableaux/national?annee=2019&mesure=0',
    '/tableaux/regions/84?annee=2019', '/compte/jetons']) {
    const response = await national.goto(`${h.base}${path}`);
    assert.equal(response.status(), 200, path);
    await accessible(national);
  }
  // The map links each counted Département to its review page.
  await national.goto(`${h.base}/tableaux/national?annee=2019`);
  assert.ok(await national.locator('#figure-carte svg a[href$="/revue"]').count() >= 2);
  const csv = await national.evaluate(async (url) => (await fetch(url)).text(),
    `${h.base}/tableaux/national/donnees/execution-par-mesure.csv?annee=2019`);
  assert.match(csv.split('\n')[0], /^programme,annee,/);
  await national.context().close();
});
