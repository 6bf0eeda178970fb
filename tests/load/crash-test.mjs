// Crash test: citizens file dossiers (HTML forms with an uploaded scan) without pause while
// the server is killed with SIGKILL at random moments and restarted. Afterwards every
// dossier whose submission was answered with a receipt must be there, submitted, with its
// code, its answers and the exact bytes of its scan; no dossier code may appear twice; no
// filing may have produced two dossiers; and `guichet verify` must pass on the ledger.
//
// Usage: node crash-test.mjs BIN [--kills N] [--workers N] [--database-url URL]
// (SQLite in a temporary directory unless --database-url is given.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  Client, check, freePort, guichet, startServer, sleep, sha256, scanOf, startDraft, fillDraft, submitDraft,
} from './lib.mjs';

const args = process.argv.slice(2);
const bin = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const kills = Number(opt('kills', '20'));
const workers = Number(opt('workers', '6'));
const databaseUrl = opt('database-url', null);
check(bin, 'usage: node crash-test.mjs path/to/guichet [--kills N] [--workers N] [--database-url URL]');

const dir = mkdtempSync(join(tmpdir(), 'guichet-crash-'));
const globalArgs = ['--data-dir', join(dir, 'data'), ...(databaseUrl ? ['--database-url', databaseUrl] : [])];
const run = Date.now().toString(36);
const backend = databaseUrl ? 'PostgreSQL' : 'SQLite';

const acked = [];   // receipts received: { id, code, marker, sha }
const late = [];    // submissions whose answer was lost in a crash but which the server kept
let stopping = false;

const isNetworkError = (e) => e?.name === 'TimeoutError' || e?.cause?.code || /fetch failed|terminated|socket|ECONN/i.test(String(e?.message) + String(e?.cause));

/// Retries `step` until it gets an answer from a running server.
async function retrying(step) {
  for (;;) {
    try {
      return await step();
    } catch (e) {
      if (!isNetworkError(e)) throw e;
      await sleep(100);
    }
  }
}

async function worker(n, base) {
  const c = new Client(base);
  await retrying(() => c.login('thu.pham'));
  let seq = 0;
  while (!stopping) {
    const marker = `Crash ${run} w${n} #${++seq}`;
    const scan = scanOf(marker);
    const id = await retrying(() => startDraft(c));
    await retrying(() => fillDraft(c, id, marker));
    // A submission whose answer is lost: ask the dossier what happened before trying again.
    for (;;) {
      try {
        const code = await submitDraft(c, id);
        check(code, `the receipt of ${id}`);
        acked.push({ id, code, marker, sha: sha256(scan.bytes) });
        break;
      } catch (e) {
        if (!isNetworkError(e)) throw e;
        const state = await retrying(async () => JSON.parse((await c.get(`/api/v1/dossiers/${id}`)).text).state);
        if (state !== 'draft') {
          late.push({ id, marker, sha: sha256(scan.bytes) });
          break;
        }
      }
    }
  }
}

function countFiled(prefix) {
  const sql = `SELECT COUNT(*) FROM dossiers WHERE state <> 'draft' AND answers LIKE '%${prefix}%'`;
  const dupSql = 'SELECT COUNT(*) FROM (SELECT code FROM dossiers WHERE code IS NOT NULL GROUP BY code HAVING COUNT(*) > 1) d';
  if (databaseUrl) {
    const q = (s) => spawnSync('psql', ['-Atq', databaseUrl, '-c', s], { encoding: 'utf8' });
    const a = q(sql); const b = q(dupSql);
    check(a.status === 0 && b.status === 0, `psql: ${a.stderr}${b.stderr}`);
    return [Number(a.stdout.trim()), Number(b.stdout.trim())];
  }
  const py = `import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute(sys.argv[2]).fetchone()[0])\nprint(c.execute(sys.argv[3]).fetchone()[0])`;
  const r = spawnSync('python3', ['-c', py, join(dir, 'data', 'guichet.db'), sql, dupSql], { encoding: 'utf8' });
  check(r.status === 0, `sqlite: ${r.stderr}`);
  const [a, b] = r.stdout.trim().split('\n').map(Number);
  return [a, b];
}

async function main() {
  const started = Date.now();
  guichet(bin, globalArgs, ['demo', '--load-only']);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let server = await startServer(bin, globalArgs, port);
  const loops = Array.from({ length: workers }, (_, n) => worker(n, base));
  const failed = Promise.all(loops).catch((e) => { stopping = true; throw e; });
  failed.catch(() => {});
  for (let k = 1; k <= kills; k++) {
    // Load for a random while (at least one new receipt, so each kill lands mid-filing).
    const before = acked.length;
    const until = Date.now() + 300 + Math.random() * 1500;
    while ((Date.now() < until || acked.length === before) && !stopping) await sleep(20);
    if (stopping) break;
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    server = await startServer(bin, globalArgs, port);
    process.stdout.write(`\r${backend}: kill ${k}/${kills}, ${acked.length} receipts so far`);
  }
  await sleep(500);
  stopping = true;
  await failed;
  process.stdout.write('\n');

  // Every receipt is a dossier, submitted, intact.
  const c = new Client(base);
  await c.login('thu.pham');
  const codes = new Set();
  for (const a of [...acked, ...late]) {
    const r = await c.get(`/api/v1/dossiers/${a.id}`);
    check(r.status === 200, `dossier ${a.id} (${a.marker}) is there (${r.status})`);
    const d = JSON.parse(r.text);
    check(d.state !== 'draft', `${a.marker} is submitted (${d.state})`);
    check(/^HN-HOANKIEM-\d{6}-\d{4}$/.test(d.code), `${a.marker} has a code (${d.code})`);
    if (a.code) check(d.code === a.code, `${a.marker} keeps the code of its receipt (${a.code} → ${d.code})`);
    check(!codes.has(d.code), `code ${d.code} is given once`);
    codes.add(d.code);
    check(d.answers.person_name === a.marker, `${a.marker}'s answers are intact`);
    check(d.answers.id_scan?.sha256 === a.sha, `${a.marker}'s scan is intact`);
    const file = await fetch(`${base}/files/${d.answers.id_scan.file}`, { headers: { cookie: c.cookieHeader() } });
    check(file.ok && sha256(Buffer.from(await file.arrayBuffer())) === a.sha, `${a.marker}'s scan downloads intact`);
  }
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  const [filed, duplicateCodes] = countFiled(`Crash ${run} `);
  check(duplicateCodes === 0, `no dossier code is duplicated (${duplicateCodes})`);
  check(filed === acked.length + late.length, `each filing made one dossier (${filed} filed, ${acked.length} receipts + ${late.length} kept without a receipt)`);
  const verify = guichet(bin, globalArgs, ['verify']);
  console.log(`${backend}: ${kills} kills in ${((Date.now() - started) / 1000).toFixed(0)} s; ${acked.length} receipts and ${late.length} submissions answered during a crash, all present and intact; ${filed} dossiers filed, no duplicate; ${verify.trim().split('\n').pop()}`);
}

main()
  .then(() => rmSync(dir, { recursive: true, force: true }))
  .catch((e) => {
    console.error(`\n${backend} crash test FAILED: ${e.stack || e}\n(data kept in ${dir})`);
    process.exit(1);
  });
