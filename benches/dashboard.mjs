// Part of benches/dashboard.sh: signs in as the national reader, then for each dashboard
// takes N sequential server times (time to the last byte of the HTML, from Node's fetch)
// and N page loads in Chromium (Navigation Timing: responseEnd and loadEventEnd, with the
// DSFR styles, scripts and the inline SVG map). Prints a Markdown table of medians.
import { chromium } from 'playwright-core';

const base = process.env.BASE;
const n = Number(process.env.N || 20);
const pages = [
  ['national, Pacte 2025 (76 reports counted)', '/tableaux/national?annee=2025'],
  ['national, CALPAE 2019 (101 reports)', '/tableaux/national?annee=2019'],
  ['Auvergne-Rhône-Alpes, CALPAE 2019 (12 reports)', '/tableaux/regions/84?annee=2019'],
  ['review page, one report (outliers against the 101)', null],
];

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
await page.goto(`${base}/connexion`);
await page.fill('#login', 'national');
await page.fill('#mot_de_passe', 'demo-bilan-2026');
await Promise.all([page.waitForNavigation(), page.click('#bouton-connexion')]);
const cookie = (await context.cookies()).filter((c) => c.name === 'bilan_session').map((c) => `${c.name}=${c.value}`).join('; ');
// A report to review: the first link of the national dashboard's Département table.
await page.goto(`${base}/tableaux/national?annee=2019`);
pages[3][1] = await page.locator('#table-departements a').first().getAttribute('href');

console.log(`| page | HTML size | server time (median of ${n}) | page load: response end | page load: load event |`);
console.log('|---|---|---|---|---|');
for (const [label, path] of pages) {
  const server = [];
  let size = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await fetch(base + path, { headers: { cookie } });
    const body = await r.arrayBuffer();
    server.push(performance.now() - t0);
    size = body.byteLength;
    if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
  }
  const response = [];
  const load = [];
  for (let i = 0; i < Math.max(3, Math.floor(n / 4)); i++) {
    await page.goto(base + path, { waitUntil: 'load' });
    const t = await page.evaluate(() => performance.getEntriesByType('navigation')[0].toJSON());
    response.push(t.responseEnd);
    load.push(t.loadEventEnd);
  }
  const ms = (x) => `${x.toFixed(0)} ms`;
  console.log(`| ${label} | ${(size / 1024).toFixed(0)} KB | ${ms(median(server))} | ${ms(median(response))} | ${ms(median(load))} |`);
}
await browser.close();
