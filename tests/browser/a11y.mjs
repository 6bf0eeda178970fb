// Accessibility, languages and keyboard, in headless Chromium against the demo:
// 1. axe-core (WCAG 2.0/2.1 A and AA rules) on every page of the main journeys, as each kind
//    of visitor, in Vietnamese, French and English: zero violations allowed.
// 2. The same pages with JavaScript disabled: each renders in its language with its main
//    landmark; the citizen's filing journey (form with an upload, review, submit, receipt)
//    completes without JavaScript in each language.
// 3. Keyboard only: skip link first, visible focus, log in, find a procedure, start a dossier
//    and fill its first fields without a mouse.
// With SCREENSHOTS_DIR=DIR, screenshots of the pages in French and English go to DIR.
//
// Usage: node a11y.mjs [path/to/guichet]   (default: $CARGO_TARGET_DIR/debug/guichet)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const target = process.env.CARGO_TARGET_DIR || join(root, 'target');
const bin = process.argv[2] || join(target, 'debug', 'guichet');
const shots = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : null;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PASSWORD = 'guichet-demo-2026';
const LANGS = { vi: 'vi-VN', fr: 'fr-FR', en: 'en-GB' };
const LOGIN_WORD = { vi: 'Đăng nhập', fr: 'Connexion', en: 'Log in' };

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
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('guichet did not start in 60 s');
}

/// The pages each visitor can reach; `{…}` parts are found by following links.
const JOURNEYS = [
  { who: null, pages: ['/', '/procedures', '/procedures?q=trich+luc', '/procedures/HN-HOANKIEM/HT-TRICHLUC-KS', '/procedures/FR-PREF-33/CERFA-13750', '/login', '/track', '/verify', '/transparency/HN-HOANKIEM', '/units', '/units/VN-P-01', '/units/convert', '/no-such-page', '/auth/oidc/no-such-provider'] },
  { who: 'thu.pham', pages: ['/', '/my/dossiers', '{dossier}', '{draft}/edit', '/account'] },
  { who: 'lan.nguyen', pages: ['/offices/HN-HOANKIEM/dossiers', '{queue-dossier}', '/stats?office=HN-HOANKIEM', '/exports?office=HN-HOANKIEM', '/records?office=HN-HOANKIEM', '/records/plan?office=HN-HOANKIEM', '{record}'] },
  { who: 'minh.tran', pages: ['/admin', '/admin/offices/HN-HOANKIEM/calendar', '/offices/HN-HOANKIEM/procedures', '/offices/HN-HOANKIEM/procedures/HT-TRICHLUC-KS', '/admin/documents', '/records/disposition?office=HN-HOANKIEM', '/records/fixity?office=HN-HOANKIEM', '/account'] },
  { who: 'an.vu', pages: ['/hr?office=HN-SONOIVU', '/hr/chart?office=HN-SONOIVU', '/hr/payroll?office=HN-SONOIVU', '/hr/parameters', '{staff}', '{run}'] },
  { who: 'hoa.le', pages: ['/hr/me', '/account/second-factor'] },
  { who: 'kiem.tran', pages: ['/ledger'] },
];

async function login(page, base, username) {
  await page.goto(`${base}/login`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
  check(!page.url().endsWith('/login'), `${username} logged in`);
}

/// Follows the first link matching `selector` on `from` and returns its path.
async function linkFrom(page, base, from, selector) {
  await page.goto(base + from);
  const href = await page.getAttribute(selector, 'href');
  check(href, `a link ${selector} on ${from}`);
  return href;
}

async function resolvePage(page, base, path) {
  switch (path) {
    case '{dossier}': return linkFrom(page, base, '/my/dossiers', 'main a[href^="/dossiers/"]');
    case '{draft}/edit': {
      await page.goto(`${base}/procedures/HN-HOANKIEM/HT-TRICHLUC-KS`);
      await Promise.all([page.waitForNavigation(), page.click('form[action$="/start"] button')]);
      return new URL(page.url()).pathname;
    }
    case '{queue-dossier}': return linkFrom(page, base, '/offices/HN-HOANKIEM/dossiers', 'main a[href^="/dossiers/"]');
    case '{record}': return linkFrom(page, base, '/records?office=HN-HOANKIEM', 'main a[href^="/records/r/"]');
    case '{staff}': return linkFrom(page, base, '/hr?office=HN-SONOIVU', 'main a[href^="/hr/staff/"]');
    case '{run}': return linkFrom(page, base, '/hr/payroll?office=HN-SONOIVU', 'main a[href^="/hr/payroll/"]');
    default: return path;
  }
}

async function axe(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'guichet-a11y-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(bin, ['--data-dir', join(dir, 'data'), 'demo', '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  let browser;
  const problems = [];
  let audited = 0;
  let rendered = 0;
  try {
    await waitUp(base, server);
    if (shots) mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });

    // The auditor itself works: a page with known faults must show them.
    {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await p.setContent('<html><body><img src="x.png"><input type="text"><p style="color:#777;background:#888">faint</p></body></html>');
      const found = (await axe(p)).map((v) => v.id);
      for (const rule of ['html-has-lang', 'image-alt', 'label', 'color-contrast']) {
        check(found.includes(rule), `axe-core reports ${rule} on a faulty page (found ${found.join(', ')})`);
      }
      await ctx.close();
    }

    // The pages the composed slices ask to be audited (`guichet slices`), one journey per visitor.
    const described = JSON.parse(execFileSync(bin, ['slices'], { encoding: 'utf8' }));
    const journeys = JOURNEYS.map((j) => ({ who: j.who, pages: [...j.pages] }));
    for (const slice of described.slices) {
      for (const { who, path } of slice.a11y) {
        let journey = journeys.find((j) => j.who === who);
        if (!journey) journeys.push(journey = { who, pages: [] });
        journey.pages.push(path);
      }
    }

    for (const [lang, locale] of Object.entries(LANGS)) {
      for (const { who, pages } of journeys) {
        // axe needs scripts: this context runs them (bypassing the CSP for axe alone).
        const withJs = await browser.newContext({ locale, bypassCSP: true, viewport: { width: 1100, height: 900 } });
        const withoutJs = await browser.newContext({ locale, javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });
        const page = await withJs.newPage();
        const plain = await withoutJs.newPage();
        for (const p of [page, plain]) {
          if (who) await login(p, base, who);
          await p.goto(`${base}/lang/${lang}?next=/`);
        }
        for (const raw of pages) {
          const path = await resolvePage(page, base, raw);
          const response = await page.goto(base + path);
          check(response.status() < 500, `${path} as ${who ?? 'anonymous'} (${response.status()})`);
          check(await page.getAttribute('html', 'lang') === lang, `${path} is in ${lang}`);
          for (const v of await axe(page)) {
            problems.push(`${lang} ${who ?? 'anonymous'} ${path}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.join(', ')}`);
          }
          audited++;
          // Without JavaScript: the same page renders, in the language, with its main landmark.
          const r = await plain.goto(base + path);
          check(r.status() < 500, `${path} without JavaScript (${r.status()})`);
          check(await plain.getAttribute('html', 'lang') === lang, `${path} without JavaScript is in ${lang}`);
          check(await plain.locator('main').count() === 1, `${path} has one main landmark`);
          rendered++;
          if (shots && lang !== 'vi' && ['/', '/procedures', '/offices/HN-HOANKIEM/dossiers', '/hr/chart?office=HN-SONOIVU'].includes(raw)) {
            const name = `${(raw.split('?')[0].replace(/[/{}]+/g, '-').replace(/^-|-$/g, '') || 'home')}-${lang}.png`;
            await plain.screenshot({ path: join(shots, name), fullPage: true });
          }
        }
        await withJs.close();
        await withoutJs.close();
      }
    }

    // The citizen's filing, without JavaScript, in each language.
    for (const [lang, locale] of Object.entries(LANGS)) {
      const ctx = await browser.newContext({ locale, javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });
      const p = await ctx.newPage();
      await login(p, base, 'thu.pham');
      await p.goto(`${base}/lang/${lang}?next=/procedures/HN-HOANKIEM/HT-TRICHLUC-KS`);
      await Promise.all([p.waitForNavigation(), p.click('form[action$="/start"] button')]);
      await p.fill('#f-full_name', 'Phạm Minh Thu');
      await p.fill('#f-cccd', '001190012345');
      await p.fill('#f-phone', '0912 345 678');
      await p.fill('#f-email', 'thu@example.vn');
      await p.check('input[name=relation][value=self]');
      await p.fill('#f-person_name', `Phạm Minh Thu (${lang})`);
      await p.fill('#f-birth_date', lang === 'en' ? '12/04/1990' : '12/04/1990');
      await p.selectOption('#f-registered_at-province', 'VN-P-01');
      await Promise.all([p.waitForNavigation(), p.click('button[name=go][value=refresh]')]);
      await p.selectOption('#f-registered_at-commune', 'VN-C-00004');
      await p.fill('#f-copies', '1');
      await p.setInputFiles('#f-id_scan', { name: 'cccd.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% scan\n') });
      await p.selectOption('#f-delivery', 'counter');
      await Promise.all([p.waitForNavigation(), p.click('button[name=go][value=review]')]);
      check(p.url().endsWith('/review'), `${lang}: the summary follows (${p.url()})`);
      await Promise.all([p.waitForNavigation(), p.click('form[action$="/submit"] button')]);
      const code = (await p.textContent('#dossier-code')).trim();
      check(/^HN-HOANKIEM-\d{6}-\d{4}$/.test(code), `${lang}: a receipt with the dossier code (${code})`);
      check(await p.getAttribute('html', 'lang') === lang, `${lang}: the receipt is in ${lang}`);
      if (shots && lang !== 'vi') await p.screenshot({ path: join(shots, `receipt-${lang}.png`), fullPage: true });
      await ctx.close();
    }

    // Keyboard only, with JavaScript on (the usual browser), in French.
    const kctx = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1100, height: 900 } });
    const k = await kctx.newPage();
    await k.goto(`${base}/lang/fr?next=/`);
    await k.keyboard.press('Tab');
    const first = await k.evaluate(() => ({ cls: document.activeElement.className, href: document.activeElement.getAttribute('href') }));
    check(first.cls.includes('skip-link') && first.href === '#main', `the first Tab reaches the skip link (${JSON.stringify(first)})`);
    const outline = await k.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return `${s.outlineStyle} ${s.outlineWidth}|${s.boxShadow}`;
    });
    check(!outline.startsWith('none') || !outline.endsWith('|none'), `focus is visible (${outline})`);
    const tabTo = async (predicate, what, limit = 60) => {
      for (let i = 0; i < limit; i++) {
        await k.keyboard.press('Tab');
        if (await k.evaluate(predicate)) return;
      }
      throw new Error(`check failed: ${what} is reachable with Tab`);
    };
    await tabTo(() => document.activeElement.getAttribute('href') === '/login', 'the login link');
    await Promise.all([k.waitForNavigation(), k.keyboard.press('Enter')]);
    await tabTo(() => document.activeElement.id === 'username', 'the user name field');
    await k.keyboard.type('thu.pham');
    await k.keyboard.press('Tab');
    check(await k.evaluate(() => document.activeElement.id) === 'password', 'Tab goes from the user name to the password');
    await k.keyboard.type(PASSWORD);
    await Promise.all([k.waitForNavigation(), k.keyboard.press('Enter')]);
    check(!k.url().endsWith('/login'), 'logged in with the keyboard');
    await tabTo(() => document.activeElement.getAttribute('href') === '/procedures', 'the catalogue link');
    await Promise.all([k.waitForNavigation(), k.keyboard.press('Enter')]);
    await tabTo(() => document.activeElement.tagName === 'INPUT' && document.activeElement.type === 'search' || document.activeElement.name === 'q', 'the search field');
    await k.keyboard.type('trich luc');
    await Promise.all([k.waitForNavigation(), k.keyboard.press('Enter')]);
    await tabTo(() => document.activeElement.getAttribute('href') === '/procedures/HN-HOANKIEM/HT-TRICHLUC-KS', 'the procedure found');
    await Promise.all([k.waitForNavigation(), k.keyboard.press('Enter')]);
    await tabTo(() => document.activeElement.closest('form[action$="/start"]') !== null, 'the start button');
    await Promise.all([k.waitForNavigation(), k.keyboard.press('Enter')]);
    check(/\/dossiers\/[0-9a-f-]+\/edit$/.test(k.url()), `the form opened from the keyboard (${k.url()})`);
    await tabTo(() => document.activeElement.id === 'f-full_name', 'the first field');
    await k.keyboard.type('Phạm Minh Thu');
    check(await k.inputValue('#f-full_name') === 'Phạm Minh Thu', 'typed into the first field');
    await tabTo(() => document.activeElement.id === 'f-id_scan', 'the file field');
    await tabTo(() => document.activeElement.name === 'go', 'a form button');
    await kctx.close();
  } finally {
    if (browser) await browser.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  if (problems.length) {
    console.error(`axe-core found ${problems.length} violations:\n${problems.join('\n')}`);
    process.exit(1);
  }
  const verify = spawnSync(bin, ['--data-dir', join(dir, 'data'), 'verify'], { encoding: 'utf8' });
  check(verify.status === 0, `guichet verify passes:\n${verify.stdout}${verify.stderr}`);
  rmSync(dir, { recursive: true, force: true });
  console.log(`a11y: ${audited} page views audited by axe-core (vi, fr, en) with zero violations; ${rendered} rendered without JavaScript; filing without JavaScript in vi, fr, en; keyboard-only journey passed`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
