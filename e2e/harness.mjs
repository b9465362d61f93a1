// What the browser test files share: a `bilan demo` server on a fresh SQLite database and
// Debian's Chromium (started before the file's tests, stopped after), signed-in sessions,
// the axe-core check, and where screenshots go ($BILAN_SCREENSHOTS_DIR when set, e.g.
// `BILAN_SCREENSHOTS_DIR=docs/screenshots` to refresh the README's, else a temporary folder).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const PASSWORD = 'demo-bilan-2026';
export const shots = process.env.BILAN_SCREENSHOTS_DIR
  ? join(root, process.env.BILAN_SCREENSHOTS_DIR)
  : mkdtempSync(join(tmpdir(), 'bilan-captures-'));

/** Starts `bilan ARGS…` from the repository root and resolves with its base URL once it
 * prints « bilan est prêt » (rejects if it exits first or takes over 30 s). */
export async function startServer(args) {
  const server = spawn(join(root, 'target', 'debug', 'bilan'), args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30000);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/bilan est prêt : (http:\/\/[^\s/]+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  return { server, base };
}

/** Debian's Chromium, headless. */
export async function launchBrowser() {
  mkdirSync(shots, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Stops a server started by [`startServer`] and waits for its exit. */
export async function stopServer(server) {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.on('exit', r));
  server.kill('SIGTERM');
  await exited;
}

/** Registers the file's before/after hooks; `h.base` and `h.browser` are set once started. */
export function demoServer(prefix) {
  const h = { base: undefined, browser: undefined, server: undefined };
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    ({ server: h.server, base: h.base } = await startServer(
      ['demo', '--database', `sqlite://${join(dir, 'demo.sqlite')}`, '--addr', '127.0.0.1:0']));
    h.browser = await launchBrowser();
  });
  after(async () => {
    await h.browser?.close();
    await stopServer(h.server);
  });
  return h;
}

/** A fresh browser context (own cookies), signed in as `login` (with the demo password
 * unless another is given) unless it is null; axe needs the CSP bypass to be injected. */
export async function session(h, login, password = PASSWORD) {
  const context = await h.browser.newContext({ bypassCSP: true, locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  if (login) {
    await page.goto(`${h.base}/connexion`);
    await page.fill('#login', login);
    await page.fill('#mot_de_passe', password);
    await Promise.all([page.waitForNavigation(), page.click('#bouton-connexion')]);
    assert.ok(!page.url().includes('/connexion'), `login of ${login} failed: ${page.url()}`);
  }
  return page;
}

/** axe-core on the current page: no violation at all. */
export async function accessible(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(violations, [], `axe violations on ${page.url()}`);
}

/** The id of a report listed on the user's « Mes rapports ». */
export async function reportId(h, page, department, year) {
  await page.goto(`${h.base}/rapports`);
  const id = await page.locator(`tr[data-departement="${department}"][data-annee="${year}"]`).getAttribute('id');
  return id.replace('rapport-', '');
}

/** Clicks `selector` and waits for the page it leads to. */
export async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** On a report's diagnostics page, asserts no error is left, then justifies with `text`,
 * one at a time, every warning left unjustified. */
export async function justifyWarnings(h, page, id, text) {
  await page.goto(`${h.base}/rapports/${id}/diagnostics`);
  assert.equal(await page.locator('#erreurs li[data-code]').count(), 0,
    await page.locator('#erreurs').innerText().catch(() => ''));
  for (;;) {
    const forms = await page.locator('form[id^="form-justification-"]').evaluateAll((fs) =>
      fs.filter((f) => !f.querySelector('textarea').value.trim()).map((f) => f.id));
    if (forms.length === 0) break;
    const suffix = forms[0].replace('form-justification-', '');
    await page.fill(`#justification-${suffix}`, text);
    await submit(page, `#bouton-justifier-${suffix}`);
  }
}
