// Valid HTML (RGAA 8.2): every page each role can reach from its home page, as the server
// sends it, through the W3C Nu HTML checker (npm `vnu-jar`, run with the machine's Java).
// No error of ours is allowed; the DSFR's own markup errors, if any, would be listed in
// ARCHITECTURE.md with the reason they stay.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { demoServer, session } from './harness.mjs';

const require = createRequire(import.meta.url);
const vnu = require('vnu-jar');
const h = demoServer('bilan-html-');

const ROLES = ['editeur.allier', 'signataire.allier', 'prefecture.allier', 'region.ara', 'national', 'admin',
  'editeur.cantal'];
/** Pages per role at most (the crawl is breadth-first from the home page). */
const MAX_PAGES = 70;
/** Links that are downloads or actions, not pages. */
const NOT_A_PAGE = /^\/(dsfr|static|api)\/|\/telecharger\/|\/pieces\/|\/archive\.zip|\/donnees\/|\/note\.|\/versions\/|^\/deconnexion/;

/** Every page `login` reaches by following links, raw HTML as served. */
async function crawl(login) {
  const page = await session(h, login);
  const request = page.context().request;
  const seen = new Set();
  const queue = ['/'];
  const pages = [];
  while (queue.length && pages.length < MAX_PAGES) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    seen.add(path);
    const r = await request.get(`${h.base}${path}`);
    if (!(r.headers()['content-type'] || '').startsWith('text/html')) continue;
    const html = await r.text();
    pages.push({ path: r.url().replace(h.base, ''), html });
    for (const m of html.matchAll(/href="(\/[^"#]*)/g)) {
      const link = m[1].replaceAll('&amp;', '&');
      if (!NOT_A_PAGE.test(link) && !seen.has(link)) queue.push(link);
    }
  }
  await page.context().close();
  return pages;
}

/** The DSFR's own header markup, kept as the design system prescribes it (ARCHITECTURE.md,
 * "Valid HTML"): the mobile menu `div.fr-modal#menu-principal` carries `aria-labelledby`
 * (the button that opens it) and receives its dialog role from the DSFR script. */
function dsfrMarkup(m) {
  return m.message.startsWith('The “aria-labelledby” attribute must not be specified on any “div” element')
    && (m.extract ?? '').includes('id="menu-principal"');
}

test('every page of every role is valid HTML (W3C Nu checker)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bilan-vnu-'));
  const files = new Map();
  const write = (label, html) => {
    const file = join(dir, `page-${files.size}.html`);
    writeFileSync(file, html);
    files.set(`file:${file}`, label);
  };
  for (const login of ROLES) {
    for (const p of await crawl(login)) write(`${login} ${p.path}`, p.html);
  }
  // The page without a session, and error pages.
  const anonymous = (await session(h, null)).context().request;
  write('anonyme /connexion', await (await anonymous.get(`${h.base}/connexion`)).text());
  const editor = (await session(h, 'editeur.allier')).context().request;
  for (const path of ['/rapports/999999', '/rapports/%FF', '/rapports/1/adopter']) {
    const r = await editor.get(`${h.base}${path}`, { maxRedirects: 0 });
    assert.ok(r.status() >= 400, `${path}: ${r.status()}`);
    write(`editeur.allier ${path} (${r.status()})`, await r.text());
  }
  assert.ok(files.size > 60, `only ${files.size} pages crawled`);
  let out;
  try {
    out = execFileSync('java', ['-jar', vnu, '--format', 'json', '--stdout', '--exit-zero-always',
      ...[...files.keys()].map((f) => f.slice(5))], { maxBuffer: 64 * 1024 * 1024 }).toString();
  } catch (e) {
    throw new Error(`the Nu checker could not run (Java?): ${e.message}`);
  }
  const messages = JSON.parse(out).messages.filter((m) => m.type === 'error' && !dsfrMarkup(m));
  // One line per distinct error: how many pages, and the first of them.
  const grouped = new Map();
  for (const m of messages) {
    const g = grouped.get(m.message) ?? { count: 0, first: `${files.get(m.url) ?? m.url}:${m.lastLine ?? '?'}` };
    g.count += 1;
    grouped.set(m.message, g);
  }
  const report = [...grouped].map(([message, g]) => `${g.count}× ${message} (ex. ${g.first})`);
  assert.deepEqual(report, [], `${messages.length} HTML error(s) in ${files.size} pages`);
});
