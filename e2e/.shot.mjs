import { chromium } from 'playwright-core';
const [,, login, ...paths] = process.argv;
const base = 'http://127.0.0.1:8091';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
await page.goto(base + '/connexion');
await page.fill('#login', login); await page.fill('#mot_de_passe', 'demo-bilan-2026');
await Promise.all([page.waitForNavigation(), page.click('#bouton-connexion')]);
for (const p of paths) {
  const t0 = Date.now();
  const r = await page.goto(base + p);
  console.log(p, r.status(), Date.now() - t0, 'ms');
  const name = p.replace(/[^a-z0-9]/gi, '_');
  const h = await page.evaluate(() => document.body.scrollHeight);
  for (let y = 0, i = 0; y < h && i < 6; y += 1800, i++) {
    await page.screenshot({ path: `/tmp/shot-${name}-${i}.png`, fullPage: true, clip: { x: 0, y, width: 1280, height: Math.min(1800, h - y) } });
  }
}
await browser.close();
