// A campaign in the browser, on the demo data: the national reader opens the Pacte 2025
// campaign; the Allier's draft exists, prefilled from its 2024 report; the editor adds an
// action and a catalogue indicator, removes an expense line after confirming and restores
// it. axe-core on every page visited.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { demoServer, session, accessible, reportId, shots } from './harness.mjs';

const h = demoServer('bilan-e2e-campagne-');

async function go(page, url) {
  const r = await page.goto(url);
  assert.equal(r.status(), 200, url);
  await accessible(page);
}

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
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
  await select.selectOption(options[0]);
  await editor.fill('input[name="intitule"]', 'ignoré : le référentiel impose son intitulé');
  await submit(editor, '#bouton-enregistrer');
  await go(editor, `${h.base}/rapports/${id}/actions/${added}`);
  assert.match(await editor.textContent('#table-indicateurs'), new RegExp(options[0]));

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
});
