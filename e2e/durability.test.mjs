// The server is killed (SIGKILL) in the middle of a burst of saves; after a restart on the
// same SQLite file, every save it had acknowledged (303) is there.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function start(db) {
  const child = spawn(join(root, 'target', 'debug', 'bilan'),
    ['demo', '--database', `sqlite://${db}`, '--addr', '127.0.0.1:0'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/bilan est prêt : (http:\/\/[^\s/]+)\//);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  // Listen from the start: a child killed by a signal has no exitCode, and its 'exit'
  // event may fire before anyone waits for it.
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { child, url, exited };
}

/** A tiny cookie-keeping client over fetch (no redirects followed). */
function client(base) {
  const jar = new Map();
  return async (path, body) => {
    const headers = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const r = await fetch(base + path, { method: body ? 'POST' : 'GET', headers, redirect: 'manual',
      body: body ? new URLSearchParams(body) : undefined });
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return { status: r.status, text: await r.text() };
  };
}

const csrfOf = (html) => html.match(/name="csrf" value="([^"]*)"/)[1];

async function login(base) {
  const http = client(base);
  const form = await http('/connexion');
  const r = await http('/connexion', { login: 'editeur.allier', mot_de_passe: 'demo-bilan-2026', csrf: csrfOf(form.text) });
  assert.equal(r.status, 303, 'login');
  const list = await http('/rapports');
  const row = list.text.match(/<tr[^>]*>/g).find((t) => t.includes('data-departement="03"') && t.includes('data-annee="2019"'));
  const id = row.match(/rapport-(\d+)/)[1];
  return { http, id };
}

test('every acknowledged save survives a SIGKILL of the server', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'bilan-kill-')), 'demo.sqlite');
  const first = start(db);
  const base = await first.url;
  const { http, id } = await login(base);
  const csrf = csrfOf((await http(`/rapports/${id}/diagnostics`)).text);
  let acknowledged = 0;
  let killed = false;
  setTimeout(() => { killed = true; first.child.kill('SIGKILL'); }, 1500);
  for (let n = 1; n <= 100000 && !killed; n++) {
    try {
      const r = await http(`/rapports/${id}/justifications`,
        { csrf, code: 'COM004', chemin: 'deliberation', justification: `enregistrement ${n}` });
      if (r.status === 303) acknowledged = n;
      else assert.fail(`save ${n} answered ${r.status}`);
    } catch {
      break; // the connection died with the server
    }
  }
  assert.ok(acknowledged > 5, `only ${acknowledged} saves before the kill`);
  await first.exited;

  const second = start(db);
  try {
    const again = await login(await second.url);
    const page = (await again.http(`/rapports/${again.id}/diagnostics`)).text;
    const saved = Number(page.match(/enregistrement (\d+)/)[1]);
    // The last acknowledged save is there (the one in flight at the kill may be too).
    assert.ok(saved === acknowledged || saved === acknowledged + 1,
      `after restart: « enregistrement ${saved} », last acknowledged ${acknowledged}`);
    const history = (await again.http(`/rapports/${again.id}/historique`)).text;
    assert.ok(history.includes('justification'), 'the saves are in the audit log');
  } finally {
    second.child.kill('SIGTERM');
  }
});
