// A campaign in the browser, on the demo data: the national reader opens the Pacte 2025
// campaign; the Allier's draft exists, prefilled from its 2024 report; the editor imports
// the figures the Département completed (e2e/fixtures/allier-2025-complet.toml), adds an
// action and a catalogue indicator, removes an expense line after confirming and restores
// it, justifies what the new action leaves open; the signatory adopts and transmits; the
// préfecture approves; the national dashboard adds the catalogue indicator up over the
// signatories that reported it and lists the others. axe-core on every page visited.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { demoServer, session, accessible, reportId, shots, root, submit, justifyWarnings } from './harness.mjs';

const h = demoServer('bilan-e2e-campagne-');

async function go(page, url) {
  const r = await page.goto(url);
  assert.equal(r.status(), 200, url);
  await accessible(page);
}

test('campagne Pacte 2025 : ouverture, brouillon prérempli, construction dans le navigateur', async () => {
  const national = await session(h, 'national');
  await go(national, `${h.base}/campagnes`);
  await national.selectOption('#programme', 'pacte');
  await national.fill('#annee', '2025');
  await submit(national, '#bouton-ouvrir');
  assert.match(national.url(), /\/campagnes\/\d+/);
  await accessible(national);
  assert.equal(await national.locator('#convention-03').getAttribute('data-statut'), 'brouillon');
  await go(national, `${h.base}/referentiels`);

  // The Allier's draft: its 2024 report carried forward (same actions, codes kept).
  const editor = await session(h, 'editeur.allier');
  const id2024 = await reportId(h, editor, '03', 2024);
  const id = await reportId(h, editor, '03', 2025);
  await go(editor, `${h.base}/rapports/${id2024}/structure`);
  const actions2024 = await editor.locator('tr[data-action]').evaluateAll((rows) => rows.map((r) => r.dataset.action));
  await go(editor, `${h.base}/rapports/${id}/structure`);
  const actions2025 = await editor.locator('tr[data-action]').evaluateAll((rows) => rows.map((r) => r.dataset.action));
  assert.deepEqual(actions2025, actions2024);
  await editor.screenshot({ path: join(shots, 'structure-2025.png'), fullPage: true });

  // The Département completes its figures, results and texts offline and imports them.
  await go(editor, `${h.base}/rapports/${id}/import`);
  await editor.setInputFiles('#fichier-toml', join(root, 'e2e/fixtures/allier-2025-complet.toml'));
  await Promise.all([editor.waitForNavigation(), editor.click('#bouton-import-toml')]);
  await editor.waitForSelector('#import-reussi');
  await accessible(editor);
  await go(editor, `${h.base}/rapports/${id}/structure`);

  // A new action in the first measure.
  const firstMeasure = await editor.locator('section[data-mesure]').first().getAttribute('data-mesure');
  const m = firstMeasure.replace(/[^A-Za-z0-9]/g, '-');
  await editor.fill(`#nouvelle-action-${m}`, 'Accompagnement renforcé des familles');
  await submit(editor, `#bouton-ajouter-action-${m}`);
  assert.equal(await editor.locator('#enregistre').count(), 1);
  const added = await editor.locator(`#table-actions-${m} tr[data-action]`).last().getAttribute('data-action');
  assert.equal(actions2025.includes(added), false);

  // A catalogue indicator on the new action: its code and unit are the catalogue's.
  await go(editor, `${h.base}/rapports/${id}/actions/${added}/indicateurs/nouvelle`);
  const select = editor.locator('select[id$="-catalogue"]');
  const options = await select.locator('option').evaluateAll((o) => o.map((x) => x.value).filter((v) => v));
  assert.ok(options.length > 0, 'the measure has catalogue indicators');
  const code = options[0];
  await select.selectOption(code);
  await editor.fill('input[name="intitule"]', 'ignoré : le référentiel impose son intitulé');
  await editor.fill('input[name="resultat"]', '1 234');
  await submit(editor, '#bouton-enregistrer');
  await go(editor, `${h.base}/rapports/${id}/actions/${added}`);
  assert.match(await editor.textContent('#table-indicateurs'), new RegExp(code));

  // Remove an expense line of the first action that has one, after confirming; restore it.
  let withLine;
  let lines = 0;
  for (const a of actions2025) {
    await editor.goto(`${h.base}/rapports/${id}/actions/${a}`);
    lines = await editor.locator('#table-depenses tbody tr').count();
    if (lines > 0) { withLine = a; break; }
  }
  assert.ok(withLine, 'an action of the draft has expense lines');
  await accessible(editor);
  await Promise.all([editor.waitForNavigation(), editor.click('#supprimer-depense-0')]);
  await accessible(editor);
  assert.match(await editor.textContent('#titre-suppression'), /Supprimer/);
  await submit(editor, '#bouton-confirmer-suppression');
  await go(editor, `${h.base}/rapports/${id}/actions/${withLine}`);
  assert.equal(await editor.locator('#table-depenses tbody tr').count(), lines - 1);
  await go(editor, `${h.base}/rapports/${id}/structure`);
  const removed = editor.locator('#liste-elements-supprimes li[data-element="depense"]');
  assert.equal(await removed.count(), 1);
  await submit(editor, '#liste-elements-supprimes form[id^="restaurer-"] button');
  await go(editor, `${h.base}/rapports/${id}/actions/${withLine}`);
  assert.equal(await editor.locator('#table-depenses tbody tr').count(), lines);

  // What the new action leaves open (no forecast, no texts yet) is justified, one warning
  // at a time, on the diagnostics page; no error remains.
  await go(editor, `${h.base}/rapports/${id}/diagnostics`);
  await justifyWarnings(h, editor, id, 'Action engagée en fin d’année : bilan au rapport 2026.');
  await accessible(editor);

  // The signatory adopts and transmits.
  const signatory = await session(h, 'signataire.allier');
  await go(signatory, `${h.base}/rapports/${id}`);
  await signatory.fill('[name="deliberation_numero"]', 'AD-2026-33');
  await signatory.fill('[name="deliberation_date"]', '2026-03-18');
  await submit(signatory, '#bouton-adopter');
  assert.equal(await signatory.locator('.statut').first().getAttribute('data-statut'), 'adopte');
  await accessible(signatory);
  await submit(signatory, '#bouton-transmettre');
  assert.equal(await signatory.locator('.statut').first().getAttribute('data-statut'), 'transmis',
    await signatory.locator('#liste-bloquants').innerText().catch(() => ''));

  // The préfecture approves from its review page.
  const prefecture = await session(h, 'prefecture.allier');
  await go(prefecture, `${h.base}/rapports/${id}/revue`);
  await submit(prefecture, '#bouton-approuver');
  assert.equal(await prefecture.locator('.statut').first().getAttribute('data-statut'), 'approuve');

  // The national dashboard adds the catalogue indicator up over the signatories that
  // reported it (here the Allier, whose value is the sum of its actions' values) and lists
  // the others.
  await go(national, `${h.base}/tableaux/national?annee=2025`);
  const row = national.locator(`tr#referentiel-${code}`);
  assert.equal(await row.count(), 1, `the catalogue indicator ${code} has its row`);
  const text = await row.innerText();
  assert.match(text, /\b1 \/ 100\b/, text); // déclaré par 1 signataire sur les 100 attendus
  // PACTE-ENFANCE-01 (a sum): 213 and 282 in the imported actions, 1 234 in the new one.
  assert.equal(code, 'PACTE-ENFANCE-01');
  assert.match(text.replace(/\s/g, ''), /1729/, text);
  assert.ok(await row.locator('details li[data-departement]').count() > 50, 'the signatories that did not report it are listed');
  assert.equal(await row.locator('details li[data-departement="03"]').count(), 0);
  await national.screenshot({ path: join(shots, 'tableau-national-2025.png'), fullPage: true });
});
