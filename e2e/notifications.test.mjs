// Notifications, the signed deliberation and bulk approval in a real browser, on a
// `bilan demo` server of its own (issue 13): the Allier's editor completes three reports
// (2019 corrected, 2020, 2024); the signatory adopts the 2020 report with its signed
// deliberation (a PDF) and transmits the three; the préfecture is told (unread count in
// the header, « Notifications » page), finds the deliberation on the review page and
// downloads it byte for byte (following the notification marked it read), then approves the three reports in one go from the queue
// (« Toutes les années »); the Département is told of each approval. axe-core on every
// page visited.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { demoServer, session, accessible, reportId, shots, root, submit, justifyWarnings as justify } from './harness.mjs';

const h = demoServer('bilan-e2e-notifications-');
const deliberation = join(root, 'e2e/fixtures/deliberation-signee.pdf');
const justifyWarnings = (editor, id) => justify(h, editor, id, 'Écart expliqué en commission permanente.');

async function go(page, url) {
  const r = await page.goto(url);
  assert.ok(r.ok(), `${url}: ${r.status()}`);
}

/** The unread count in the header (0 when the badge is absent). */
async function unread(page) {
  const badge = page.locator('#notifications-non-lues');
  if ((await badge.count()) === 0) return 0;
  return Number((await badge.innerText()).replace(/\D/g, ''));
}

/** The editor replaces a draft's text by a fixture. */
async function importFixture(editor, id, fixture) {
  await go(editor, `${h.base}/rapports/${id}/import`);
  await editor.setInputFiles('#fichier-toml', join(root, 'e2e/fixtures', fixture));
  await submit(editor, '#bouton-import-toml');
  await editor.waitForSelector('#import-reussi');
}

/** The signatory adopts (deliberation `number` of `date`, with the signed act when `pdf`
 * is given) and transmits. */
async function adoptAndTransmit(signatory, id, number, date, pdf) {
  await go(signatory, `${h.base}/rapports/${id}`);
  await signatory.fill('[name="deliberation_numero"]', number);
  await signatory.fill('[name="deliberation_date"]', date);
  if (pdf) await signatory.setInputFiles('#deliberation_fichier', pdf);
  await submit(signatory, '#bouton-adopter');
  assert.equal(await signatory.locator('.statut').first().getAttribute('data-statut'), 'adopte');
  await submit(signatory, '#bouton-transmettre');
  assert.equal(await signatory.locator('.statut').first().getAttribute('data-statut'), 'transmis');
}

test('deliberation PDF, notifications both ways, three reports approved in one go', async () => {
  const editor = await session(h, 'editeur.allier');
  const signatory = await session(h, 'signataire.allier');
  const prefecture = await session(h, 'prefecture.allier');
  const ids = {
    2019: await reportId(h, editor, '03', 2019),
    2020: await reportId(h, editor, '03', 2020),
    2024: await reportId(h, editor, '03', 2024),
  };
  await go(prefecture, `${h.base}/notifications`);
  assert.equal(await unread(prefecture), 0, 'nothing to tell the préfecture yet');
  await prefecture.waitForSelector('#aucune-notification');

  await importFixture(editor, ids[2019], 'allier-2019-corrige.toml');
  await importFixture(editor, ids[2020], 'allier-2020-propre.toml');
  // 2019 first: once transmitted, it is the year before that the 2020 checks compare with.
  await justifyWarnings(editor, ids[2019]);
  await adoptAndTransmit(signatory, ids[2019], 'CP-2020-118', '2020-06-26');
  for (const year of [2020, 2024]) await justifyWarnings(editor, ids[year]);

  // The 2020 report is adopted with its signed deliberation; its page then lists it.
  await adoptAndTransmit(signatory, ids[2020], 'CP-2021-207', '2021-06-25', deliberation);
  await go(signatory, `${h.base}/rapports/${ids[2020]}`);
  await signatory.waitForSelector('#deliberation-signee');
  await accessible(signatory);
  await adoptAndTransmit(signatory, ids[2024], 'AD-2025-36', '2025-01-19');

  // The préfecture is told: three unread notifications, one per transmission, each
  // linking to the review page of its report.
  await go(prefecture, `${h.base}/revue`);
  assert.equal(await unread(prefecture), 3);
  await submit(prefecture, '#lien-notifications');
  await accessible(prefecture);
  await prefecture.screenshot({ path: join(shots, 'notifications-prefecture.png'), fullPage: true });
  const told = prefecture.locator('#liste-notifications li[data-type="transmis"][data-lue="non"]');
  assert.equal(await told.count(), 3);
  const links = await told.locator('a[id^="lien-notification-"]').evaluateAll((as) => as.map((a) => a.dataset.page));
  for (const year of [2019, 2020, 2024]) {
    assert.ok(links.includes(`/rapports/${ids[year]}/revue`), `${links} lacks the ${year} report`);
  }
  assert.match(await told.first().innerText(), /Allier/);

  // From the 2020 notification to the review page: the signed deliberation is there, and
  // the download is the very file the signatory gave.
  await submit(prefecture, `#liste-notifications a[data-page="/rapports/${ids[2020]}/revue"]`);
  assert.equal(new URL(prefecture.url()).pathname, `/rapports/${ids[2020]}/revue`);
  await prefecture.waitForSelector('#deliberation-signee');
  assert.match(await prefecture.locator('#deliberation-signee').innerText(), /CP-2021-207|délibération/i);
  await accessible(prefecture);
  const [download] = await Promise.all([
    prefecture.waitForEvent('download'),
    prefecture.click('#telecharger-deliberation'),
  ]);
  const got = readFileSync(await download.path());
  assert.deepEqual(got, readFileSync(deliberation), 'the deliberation downloaded is the one uploaded');
  // Back on the list, the notification followed is read; « Marquer comme lue » reads
  // another one (2019) without leaving the list.
  await go(prefecture, `${h.base}/notifications`);
  const item = (year) => prefecture.locator('#liste-notifications li', {
    has: prefecture.locator(`a[data-page="/rapports/${ids[year]}/revue"]`),
  });
  assert.equal(await item(2020).getAttribute('data-lue'), 'oui');
  assert.equal(await unread(prefecture), 2);
  await submit(prefecture, `#${await item(2019).getAttribute('id')} form[id^="lire-notification-"] button`);
  assert.equal(await item(2019).getAttribute('data-lue'), 'oui');
  assert.equal(await unread(prefecture), 1);

  // The queue of every year: the three transmitted reports, checked and approved at once.
  await go(prefecture, `${h.base}/revue`);
  await prefecture.selectOption('#annee', 'toutes');
  await submit(prefecture, '#bouton-annee');
  await accessible(prefecture);
  for (const year of [2019, 2020, 2024]) {
    const row = prefecture.locator(`#revue-${ids[year]}`);
    assert.equal(await row.getAttribute('data-statut'), 'transmis');
    // DSFR draws the box with the label, which takes the click at the box's place (hence
    // `force`: the mouse goes where the box is, and the label checks the input).
    await prefecture.check(`#choisir-${ids[year]}`, { force: true });
    assert.ok(await prefecture.isChecked(`#choisir-${ids[year]}`));
  }
  await prefecture.screenshot({ path: join(shots, 'approbation-groupee.png'), fullPage: true });
  await submit(prefecture, '#bouton-approuver-selection');
  assert.equal(await prefecture.locator('#resume-approbation').innerText(),
    '3 rapport(s) approuvé(s), 0 non approuvé(s).',
    await prefecture.locator('#rapports-refuses').innerText().catch(() => ''));
  for (const year of [2019, 2020, 2024]) {
    await prefecture.waitForSelector(`#approuve-${ids[year]}`);
  }
  await accessible(prefecture);
  await go(prefecture, `${h.base}/revue?annee=toutes`);
  for (const year of [2019, 2020, 2024]) {
    assert.equal(await prefecture.locator(`#revue-${ids[year]}`).getAttribute('data-statut'), 'approuve');
  }

  // The Département is told of each approval, with the link to its report.
  await go(editor, `${h.base}/rapports`);
  assert.ok((await unread(editor)) >= 3, `editor unread: ${await unread(editor)}`);
  await submit(editor, '#lien-notifications');
  await accessible(editor);
  const approved = editor.locator('#liste-notifications li[data-type="approuve"]');
  assert.equal(await approved.count(), 3);
  const editorLinks = await approved.locator('a[id^="lien-notification-"]').evaluateAll((as) => as.map((a) => a.dataset.page));
  for (const year of [2019, 2020, 2024]) {
    assert.ok(editorLinks.includes(`/rapports/${ids[year]}`), `${editorLinks} lacks the ${year} report`);
  }
  await editor.screenshot({ path: join(shots, 'notifications-departement.png'), fullPage: true });
  // The editor's report page shows the approval.
  await go(editor, `${h.base}/rapports/${ids[2020]}`);
  assert.equal(await editor.locator('.statut').first().getAttribute('data-statut'), 'approuve');
  await editor.context().close();
  await signatory.context().close();
  await prefecture.context().close();
});
