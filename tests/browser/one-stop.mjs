// The one-stop journey in headless Chromium: a citizen files a dossier with JavaScript turned
// off, an agent receives it and asks for a correction, the citizen answers, the agent approves,
// and the dossier shows it was decided in time; an agent takes a walk-in dossier at the counter,
// prints the receipt, and the applicant tracks it; then `guichet verify` passes on the ledger.
// With SCREENSHOTS_DIR=DIR, screenshots of the key pages go to DIR (docs/screenshots/).
//
// Usage: node one-stop.mjs [path/to/guichet]   (default: $CARGO_TARGET_DIR/debug/guichet)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const target = process.env.CARGO_TARGET_DIR || join(root, 'target');
const bin = process.argv[2] || join(target, 'debug', 'guichet');
// Screenshots only when asked: SCREENSHOTS_DIR=docs/screenshots node tests/browser/one-stop.mjs
const shots = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : null;
const PASSWORD = 'guichet-demo-2026';

function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitUp(base, server) {
  for (let i = 0; i < 600; i++) {
    if (server.exitCode !== null) throw new Error(`guichet exited with ${server.exitCode}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('guichet did not start in 60 s');
}

async function login(page, base, username) {
  await page.goto(`${base}/login`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  check(!page.url().endsWith('/login'), `${username} logged in`);
}

async function submitVia(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

async function stepButton(page, step, reason) {
  const form = page.locator(`form.step-form:has(input[name=step][value=${step}])`);
  if (reason) await form.locator('textarea').fill(reason);
  await Promise.all([page.waitForNavigation(), form.locator('button').click()]);
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: join(shots, name), fullPage: true });
}

const scan = { name: 'cccd.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% scan\n') };

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'guichet-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(bin, ['--data-dir', join(dir, 'data'), 'demo', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let browser;
  try {
    await waitUp(base, server);
    if (shots) mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });

    // The citizen, in Vietnamese, without JavaScript.
    const citizenCtx = await browser.newContext({ javaScriptEnabled: false, locale: 'vi-VN', viewport: { width: 1100, height: 900 } });
    const citizen = await citizenCtx.newPage();
    await login(citizen, base, 'thu.pham');
    await citizen.goto(`${base}/procedures?q=trich+luc`);
    check((await citizen.textContent('main')).includes('Cấp bản sao trích lục khai sinh'), 'accent-insensitive search finds the procedure');
    await shot(citizen, 'catalogue-vi.png');
    await citizen.goto(`${base}/procedures/HN-HOANKIEM/HT-TRICHLUC-KS`);
    await submitVia(citizen, 'form[action$="/start"] button');
    check(/\/dossiers\/[0-9a-f-]+\/edit$/.test(citizen.url()), 'the draft form opens');

    await citizen.fill('#f-full_name', 'Phạm Minh Thu');
    await citizen.fill('#f-cccd', '001190012345');
    await citizen.fill('#f-phone', '0912 345 678');
    await citizen.fill('#f-email', 'thu@example.vn');
    await citizen.check('input[name=relation][value=self]');
    await citizen.fill('#f-person_name', 'Phạm Minh Thu');
    await citizen.fill('#f-birth_date', '12/04/1990');
    await citizen.selectOption('#f-registered_at-province', 'VN-P-01');
    // No JavaScript: the communes come with a round trip, and the draft is saved on the way.
    await submitVia(citizen, 'button[name=go][value=refresh]');
    check(await citizen.inputValue('#f-full_name') === 'Phạm Minh Thu', 'answers survive the round trip');
    await citizen.selectOption('#f-registered_at-commune', 'VN-C-00004');
    await citizen.fill('#f-registered_at-street', '12 Hàng Bạc');
    await citizen.fill('#f-copies', '2');
    await citizen.setInputFiles('#f-id_scan', scan);
    await citizen.selectOption('#f-delivery', 'counter');
    await shot(citizen, 'form-vi.png');
    await submitVia(citizen, 'button[name=go][value=review]');
    check(citizen.url().endsWith('/review'), `the summary page follows (at ${citizen.url()})`);
    check((await citizen.textContent('main')).includes('Hàng Bạc'), 'the summary shows the answers');
    await shot(citizen, 'review-vi.png');
    await submitVia(citizen, 'form[action$="/submit"] button');
    const code = (await citizen.textContent('#dossier-code')).trim();
    check(/^HN-HOANKIEM-\d{6}-\d{4}$/.test(code), `a dossier code (${code})`);
    await shot(citizen, 'receipt-vi.png');
    const dossierUrl = await citizen.getAttribute('a[href^="/dossiers/"]', 'href');

    // The agent, in English, with JavaScript.
    const agentCtx = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
    const agent = await agentCtx.newPage();
    await login(agent, base, 'lan.nguyen');
    await agent.goto(`${base}/lang/en?next=/offices/HN-HOANKIEM/dossiers`);
    check((await agent.textContent('main')).includes(code), 'the new dossier is in the queue');
    await shot(agent, 'queue-en.png');
    await agent.goto(`${base}${dossierUrl}`);
    await stepButton(agent, 'receive');
    await stepButton(agent, 'request_correction', 'The scan of the identity card is blurred; please send it again.');
    check((await agent.textContent('#dossier-state')).includes('Waiting for the applicant'), 'waiting for the applicant');

    // The citizen answers the request.
    await citizen.goto(`${base}${dossierUrl}`);
    check((await citizen.textContent('#dossier-state')).includes('Chờ bổ sung'), 'the citizen sees the request');
    await submitVia(citizen, `a[href="${dossierUrl}/edit"]`);
    check((await citizen.textContent('main')).includes('blurred'), 'the reason is shown');
    await citizen.setInputFiles('#f-id_scan', { ...scan, buffer: Buffer.from('%PDF-1.4\n% sharper scan\n') });
    await citizen.fill('#note', 'Đã chụp lại ảnh CCCD.');
    await submitVia(citizen, 'button[name=go][value=resubmit]');
    check((await citizen.textContent('#dossier-state')).includes('Đang xử lý'), 'back with the office');

    // The agent approves; the dossier is decided in time.
    await agent.goto(`${base}${dossierUrl}`);
    await stepButton(agent, 'approve');
    const timing = (await agent.textContent('#dossier-timing')).trim();
    check(timing === 'Early' || timing === 'On time', `decided in time (${timing})`);
    await shot(agent, 'dossier-en.png');
    await citizen.goto(`${base}${dossierUrl}`);
    const vnTiming = (await citizen.textContent('#dossier-timing')).trim();
    check(vnTiming === 'Trước hạn' || vnTiming === 'Đúng hạn', `the citizen sees it in time (${vnTiming})`);

    // The result document: its QR code, scanned from the PDF page as a phone would, opens the
    // public verification page, which says "authentic" to anyone, without logging in.
    const docLinks = await agent.$$eval('a.document-link', (as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
    check(docLinks.length >= 4, `the dossier lists its documents (${docLinks.map((d) => d[0]).join(', ')})`);
    const resultHref = docLinks.find((d) => /Birth extract|trích lục|Result/i.test(d[0]))?.[1] || docLinks[docLinks.length - 2][1];
    const pdf = await agent.request.get(`${base}${resultHref}`);
    check(pdf.ok() && (await pdf.body()).subarray(0, 5).toString() === '%PDF-', 'the result PDF downloads');
    const pdfPath = join(dir, 'result.pdf');
    writeFileSync(pdfPath, await pdf.body());
    const png = spawnSync('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', '-singlefile', pdfPath, join(dir, 'result')], { encoding: 'utf8' });
    check(png.status === 0, `pdftoppm renders the PDF: ${png.stderr}`);
    const scanned = spawnSync('zbarimg', ['-q', '--raw', join(dir, 'result.png')], { encoding: 'utf8' });
    const qrUrl = (scanned.stdout || '').trim();
    check(qrUrl.startsWith(`${base}/verify/`), `the QR code holds the verification URL (${qrUrl})`);
    const publicCtx = await browser.newContext({ javaScriptEnabled: false, locale: 'vi-VN', viewport: { width: 1100, height: 900 } });
    const visitor = await publicCtx.newPage();
    await visitor.goto(qrUrl);
    check(await visitor.getAttribute('#verdict', 'data-verdict') === 'authentic', 'the scanned QR code says authentic');
    check((await visitor.textContent('#verdict')).includes('Xác thực'), 'in Vietnamese');
    await shot(visitor, 'verify-vi.png');
    await agent.goto(`${base}/stats?office=HN-HOANKIEM`);
    check((await agent.textContent('#stats-months')).length > 0, 'the statistics page has its table');
    await shot(agent, 'stats-en.png');

    // The counter: a walk-in applicant at UBND phường Hoàn Kiếm. The agent checks his CCCD at
    // the desk, fills the procedure's form with him (his paper documents scanned), sends it:
    // numbered and received at once, the receipt printed; he then follows it online.
    const deskCtx = await browser.newContext({ javaScriptEnabled: false, locale: 'vi-VN', viewport: { width: 1100, height: 900 } });
    const desk = await deskCtx.newPage();
    await login(desk, base, 'lan.nguyen');
    await desk.goto(`${base}/offices/HN-HOANKIEM/counter`);
    await desk.selectOption('#procedure', 'HT-TRICHLUC-KS');
    await desk.check('#channel-counter');
    await desk.fill('#applicant_name', 'Trần Văn Bình');
    await desk.selectOption('#id_kind', 'cccd');
    await desk.fill('#id_number', '001205012345');
    await submitVia(desk, 'form[action$="/counter"] button[type=submit]');
    check((await desk.textContent('.error-summary')).includes('đối chiếu'), 'no intake without checking the identity document');
    await desk.check('#identity_checked');
    await shot(desk, 'counter-vi.png');
    await submitVia(desk, 'form[action$="/counter"] button[type=submit]');
    check(/\/dossiers\/[0-9a-f-]+\/edit$/.test(desk.url()), `the procedure's form opens for the desk (at ${desk.url()})`);
    await desk.fill('#f-full_name', 'Trần Văn Bình');
    await desk.fill('#f-cccd', '001205012345');
    await desk.fill('#f-phone', '0987 654 321');
    await desk.check('input[name=relation][value=self]');
    await desk.fill('#f-person_name', 'Trần Văn Bình');
    await desk.fill('#f-birth_date', '12/04/2005');
    await desk.selectOption('#f-registered_at-province', 'VN-P-01');
    await submitVia(desk, 'button[name=go][value=refresh]');
    await desk.selectOption('#f-registered_at-commune', 'VN-C-00004');
    await desk.fill('#f-registered_at-street', '5 Hàng Mành');
    await desk.fill('#f-copies', '1');
    await desk.setInputFiles('#f-id_scan', { ...scan, name: 'cccd-binh.pdf' });
    await desk.selectOption('#f-delivery', 'counter');
    await submitVia(desk, 'button[name=go][value=review]');
    await submitVia(desk, 'form[action$="/submit"] button');
    const counterCode = (await desk.textContent('#dossier-code')).trim();
    const counterSecret = (await desk.textContent('#tracking-secret')).trim();
    check(/^HN-HOANKIEM-\d{6}-\d{4}$/.test(counterCode), `the walk-in dossier is numbered (${counterCode})`);
    check((await desk.textContent('#appointment')).trim().length > 0, 'the appointment date is given');
    await shot(desk, 'counter-receipt-vi.png');
    const slip = await desk.request.get(`${base}${await desk.getAttribute('#receipt-pdf', 'href')}`);
    check(slip.ok() && (await slip.body()).subarray(0, 5).toString() === '%PDF-', 'the receipt prints (PDF)');
    const walkIn = await (await browser.newContext({ javaScriptEnabled: false, locale: 'vi-VN' })).newPage();
    await walkIn.goto(`${base}/track`);
    await walkIn.fill('#code', counterCode);
    await walkIn.fill('#secret', counterSecret);
    await submitVia(walkIn, 'form[action="/track"] button[type=submit]');
    check((await walkIn.textContent('main')).includes('Đang xử lý'), 'the applicant follows it online: being processed');

    // Accounts: the head of office creates an agent account; the new agent sets a password
    // through the one-time link and logs in to the office's queue.
    const headAdminCtx = await browser.newContext({ javaScriptEnabled: false, locale: 'vi-VN', viewport: { width: 1100, height: 900 } });
    const headAdmin = await headAdminCtx.newPage();
    await login(headAdmin, base, 'minh.tran');
    await headAdmin.goto(`${base}/offices/HN-HOANKIEM/accounts`);
    await headAdmin.fill('#username', 'binh.tran');
    await headAdmin.fill('#display_name', 'Trần Thị Bình');
    await headAdmin.selectOption('#role', 'agent');
    await submitVia(headAdmin, 'form[action="/offices/HN-HOANKIEM/accounts"] button[type=submit]');
    const oneTime = (await headAdmin.textContent('#one-time-link')).trim();
    check(oneTime.includes('/account/link?token='), `the one-time link is shown (${oneTime})`);
    await shot(headAdmin, 'accounts-vi.png');
    const newAgent = await (await browser.newContext({ javaScriptEnabled: false, locale: 'vi-VN' })).newPage();
    await newAgent.goto(`${base}${oneTime.slice(oneTime.indexOf('/account/link'))}`);
    await newAgent.fill('#password', 'lotus-pond-2026');
    await newAgent.fill('#again', 'lotus-pond-2026');
    await submitVia(newAgent, 'form[action="/account/link"] button[type=submit]');
    await newAgent.goto(`${base}/login`);
    await newAgent.fill('#username', 'binh.tran');
    await newAgent.fill('#password', 'lotus-pond-2026');
    await submitVia(newAgent, 'form[action="/login"] button[type=submit]');
    await newAgent.goto(`${base}/offices/HN-HOANKIEM/dossiers`);
    check((await newAgent.textContent('main')).includes(counterCode), 'the new agent logs in and sees the queue');

    // Records: the head of office registers an incoming letter without JavaScript, finds it
    // by an unaccented search, and sees the disposition run with its hold.
    const headCtx = await browser.newContext({ javaScriptEnabled: false, locale: 'vi-VN', viewport: { width: 1100, height: 900 } });
    const head = await headCtx.newPage();
    await login(head, base, 'minh.tran');
    await head.goto(`${base}/records?office=HN-HOANKIEM&register=incoming`);
    await head.check('input[name=register][value=incoming]');
    await head.selectOption('#doc_type', 'cong_van');
    await head.fill('#title', 'V/v góp ý dự thảo quy chế lưu trữ điện tử');
    await head.fill('#original_ref', '77/STP-VP');
    await head.fill('#issuer', 'Sở Tư pháp Hà Nội');
    await head.setInputFiles('#content', { name: 'cong-van-77.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% letter\n') });
    await submitVia(head, 'form[action="/records/register"] button[type=submit]');
    check((await head.textContent('.notice')).includes('77/STP-VP'), 'the letter is registered with its arrival number');
    await head.goto(`${base}/records?office=HN-HOANKIEM&q=gop+y+du+thao`);
    check((await head.textContent('main')).includes('góp ý dự thảo'), 'found without accents');
    await shot(head, 'records-vi.png');
    await head.goto(`${base}/records/disposition?office=HN-HOANKIEM`);
    check((await head.textContent('main')).includes('Luật Khiếu nại 2011'), 'the legal hold is listed');
    await shot(head, 'disposition-vi.png');

    // Civil-service management: HR of the Sở Nội vụ, without JavaScript: the chart as of a
    // date, the November payroll beside October, and a computed month locked.
    const hrCtx = await browser.newContext({ javaScriptEnabled: false, locale: 'vi-VN', viewport: { width: 1100, height: 900 } });
    const hr = await hrCtx.newPage();
    await login(hr, base, 'an.vu');
    await hr.goto(`${base}/hr/chart?office=HN-SONOIVU&on=2026-11-15`);
    check((await hr.textContent('main')).includes('Phòng Lao động — Việc làm'), 'the organisation chart shows the labour unit');
    await shot(hr, 'hr-chart-vi.png');
    await hr.goto(`${base}/hr/payroll?office=HN-SONOIVU`);
    await hr.click('a:text("2026-11")');
    check((await hr.textContent('main')).includes('Vũ Thị An'), 'the payroll compares November with October');
    await shot(hr, 'hr-payroll-vi.png');
    await hr.click('a:text("Vũ Thị An")');
    check((await hr.textContent('main')).includes('Decree 204/2004/NĐ-CP'), 'the payslip names its legal sources');
    await shot(hr, 'hr-payslip-vi.png');

    // French pages render too.
    const frCtx = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1100, height: 900 } });
    const fr = await frCtx.newPage();
    await fr.goto(`${base}/lang/fr?next=/procedures/FR-PREF-33/CERFA-13750`);
    check((await fr.textContent('h1')).includes('certificat d’immatriculation'), 'French procedure page');
    await shot(fr, 'procedure-fr.png');

    console.log(`browser: ${code} filed without JavaScript, corrected, approved (${timing}); ${counterCode} taken in at the counter and tracked; binh.tran created by the head of office and logged in`);
  } finally {
    if (browser) await browser.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  const verify = spawnSync(bin, ['--data-dir', join(dir, 'data'), 'verify'], { encoding: 'utf8' });
  check(verify.status === 0, `guichet verify passes:\n${verify.stdout}${verify.stderr}`);
  console.log(verify.stdout.trim().split('\n').pop());
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
