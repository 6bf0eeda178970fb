// Shared by the load and crash scripts: start guichet on loopback, a cookie-keeping HTTP
// client, and the citizen's filing journey through the HTML forms (start, answers with an
// uploaded scan, review, submit), exactly as a browser without JavaScript sends it.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';

export const PASSWORD = 'guichet-demo-2026';
export const OFFICE = 'HN-HOANKIEM';
export const PROCEDURE = 'HT-TRICHLUC-KS';

export function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/// Runs a guichet command to completion; throws with its output when it fails.
export function guichet(bin, globalArgs, args) {
  const r = spawnSync(bin, [...globalArgs, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`guichet ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/// Starts `guichet serve` and waits until /healthz answers.
export async function startServer(bin, globalArgs, port) {
  const server = spawn(bin, [...globalArgs, 'serve', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  let stderr = '';
  server.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 1200; i++) {
    if (server.exitCode !== null) throw new Error(`guichet exited with ${server.exitCode}: ${stderr}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return server;
    } catch { /* not up yet */ }
    await sleep(50);
  }
  throw new Error(`guichet did not start in 60 s: ${stderr}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// A client that keeps cookies and does not follow redirects.
export class Client {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
    this.csrf = null;
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method, path, { body, headers = {} } = {}) {
    const r = await fetch(this.base + path, {
      method,
      body,
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), ...headers },
      signal: AbortSignal.timeout(30_000),
    });
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    const text = await r.text();
    return { status: r.status, location: r.headers.get('location'), text };
  }

  async get(path) {
    return this.request('GET', path);
  }

  /// A urlencoded form with the CSRF token.
  async postForm(path, fields = {}) {
    const body = new URLSearchParams({ csrf: this.csrf, ...fields });
    return this.request('POST', path, { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  async postMultipart(path, fields, files) {
    const form = new FormData();
    form.set('csrf', this.csrf);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    for (const [k, { name, type, bytes }] of Object.entries(files)) form.append(k, new Blob([bytes], { type }), name);
    return this.request('POST', path, { body: form });
  }

  async login(username) {
    const page = await this.get('/login');
    this.csrf = csrfOf(page.text);
    const r = await this.postForm('/login', { username, password: PASSWORD });
    check(r.status === 303, `login as ${username} (${r.status})`);
    this.csrf = csrfOf((await this.get('/')).text);
  }
}

export function csrfOf(html) {
  const m = /name="csrf" value="([0-9a-f]{64})"/.exec(html);
  check(m, 'the page has a CSRF field');
  return m[1];
}

export function revOf(html) {
  const m = /name="rev" value="(\d+)"/.exec(html);
  check(m, 'the page has the revision of the dossier');
  return m[1];
}

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/// The answers of a birth-extract request; `marker` makes the dossier recognisable.
export function answers(marker) {
  return {
    full_name: 'Phạm Minh Thu',
    cccd: '001190012345',
    phone: '0912 345 678',
    email: 'thu@example.vn',
    relation: 'self',
    person_name: marker,
    birth_date: '12/04/1990',
    'registered_at.province': 'VN-P-01',
    'registered_at.commune': 'VN-C-00004',
    'registered_at.street': '12 Hàng Bạc',
    copies: '2',
    delivery: 'counter',
  };
}

export function scanOf(marker) {
  return { name: 'cccd.pdf', type: 'application/pdf', bytes: Buffer.from(`%PDF-1.4\n% scan of ${marker}\n`) };
}

const dossierOf = (location) => /\/dossiers\/([0-9a-f-]{36})/.exec(location || '')?.[1];

/// The steps of one filing. Each returns the dossier id once known; `submit` returns whether
/// the server answered success.
export async function startDraft(c) {
  const r = await c.postForm(`/procedures/${OFFICE}/${PROCEDURE}/start`);
  const id = dossierOf(r.location);
  check(r.status === 303 && id, `start answers with the draft (${r.status} ${r.location})`);
  return id;
}

export async function fillDraft(c, id, marker) {
  const form = await c.get(`/dossiers/${id}/edit`);
  const rev = revOf(form.text);
  const r = await c.postMultipart(`/dossiers/${id}/edit`, { ...answers(marker), rev, go: 'review' }, { id_scan: scanOf(marker) });
  check(r.status === 303 && r.location?.endsWith('/review'), `the answers are accepted (${r.status} ${r.location} ${r.status === 303 ? '' : r.text.slice(0, 300)})`);
}

/// Submits the draft as the review page's button does. Returns the dossier code when the
/// server answered with the receipt, `null` when it answered anything else.
export async function submitDraft(c, id) {
  const review = await c.get(`/dossiers/${id}/review`);
  check(review.status === 200, `the review page (${review.status})`);
  const rev = revOf(review.text);
  const r = await c.postForm(`/dossiers/${id}/submit`, { rev });
  if (r.status !== 200) return null;
  return /id="dossier-code"[^>]*>\s*([A-Z0-9-]+)/.exec(r.text)?.[1] ?? null;
}
