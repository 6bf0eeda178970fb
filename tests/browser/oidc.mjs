// Sign-in in headless Chromium. (1) A citizen logs in through a real OpenID provider
// (oidc-provider, the certified Node.js implementation, on loopback with its development
// login and consent pages), comes back to guichet with an account linked to the identity,
// files a vehicle registration whose name and birth date are prefilled from the verified
// identity and locked, and logs out of both guichet and the provider (RP-initiated logout).
// (2) An agent sets up TOTP two-step verification (the code computed here with Node's own
// HMAC, independently of guichet's Rust implementation), logs out, and logs in again with
// password + code. Then `guichet verify` passes on the ledger.
//
// With SCREENSHOTS_DIR=DIR, screenshots of the sign-in pages go to DIR (docs/screenshots/).
//
// Usage: node oidc.mjs [path/to/guichet]   (default: $CARGO_TARGET_DIR/debug/guichet)
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import Provider from 'oidc-provider';
import { check, freePort, PASSWORD } from '../load/lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const target = process.env.CARGO_TARGET_DIR || join(root, 'target');
const bin = process.argv[2] || join(target, 'debug', 'guichet');
const shots = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : null;

const AGENT_NAME = 'Nguyễn Thị Lan';

async function shot(page, name) {
  if (shots) await page.screenshot({ path: join(shots, name), fullPage: true });
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

// RFC 4648 base32 and RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s), written here from the RFCs.
function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totp(secret, unixSeconds) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

// The RFC 6238 appendix B vector (SHA-1, T=59 → 94287082, last six digits) keeps this honest.
check(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59) === '287082', 'the test TOTP matches RFC 6238');

async function click(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'guichet-oidc-'));
  const [port, opPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const issuer = `http://127.0.0.1:${opPort}`;

  // The provider: one client (guichet), PKCE required, development login and consent pages.
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'guichet',
      client_secret: 'browser-test-secret-not-a-real-one',
      redirect_uris: [`${base}/auth/callback`],
      post_logout_redirect_uris: [`${base}/?notice=logged-out`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      profile: ['given_name', 'family_name', 'birthdate', 'gender'],
      email: ['email', 'email_verified'],
    },
    findAccount: async (ctx, id) => ({
      accountId: id,
      claims: async () => ({
        sub: id,
        given_name: 'Camille',
        family_name: 'Martin',
        birthdate: '1985-07-14',
        gender: 'female',
        email: 'camille.martin@example.fr',
        email_verified: true,
      }),
    }),
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    cookies: { keys: ['browser-test-cookie-key-not-a-real-one'] },
  });
  provider.on('server_error', (ctx, err) => console.error('oidc-provider:', err));
  const op = provider.listen(opPort, '127.0.0.1');

  writeFileSync(join(dir, 'guichet.toml'), `
public_url = "${base}"
default_language = "en"

[[oidc_providers]]
id = "demo-fc"
name = "FranceConnect (test)"
issuer = "${issuer}"
client_id = "guichet"
client_secret = "browser-test-secret-not-a-real-one"
scopes = ["profile", "email"]
algorithms = ["RS256", "ES256", "PS256", "EdDSA"]
`);
  const server = spawn(bin, ['--config', join(dir, 'guichet.toml'), '--data-dir', join(dir, 'data'), 'demo', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let browser;
  try {
    await waitUp(base, server);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });

    // (1) The citizen, through the provider.
    const ctx = await browser.newContext({ locale: 'en-GB' });
    const page = await ctx.newPage();
    await page.goto(`${base}/login`);
    await shot(page, 'login-providers-en.png');
    await click(page, '#login-demo-fc');
    check(page.url().startsWith(issuer), `at the provider: ${page.url()}`);
    await page.fill('input[name=login]', 'camille');
    await page.fill('input[name=password]', 'any password the development page accepts');
    await click(page, 'button[type=submit]');
    // Consent.
    if (page.url().startsWith(issuer)) await click(page, 'button[type=submit]');
    check(page.url().startsWith(base), `back at guichet: ${page.url()}`);
    check((await page.textContent('header')).includes('Camille Martin'), 'logged in as the verified identity');

    await page.goto(`${base}/account`);
    const account = await page.textContent('main');
    check(account.includes('1985-07-14') && account.includes('FranceConnect (test)'), 'the account shows the verified identity');
    await shot(page, 'account-verified-identity-en.png');

    // File the vehicle registration: verified fields are prefilled and locked.
    await page.goto(`${base}/procedures/FR-PREF-33/CERFA-13750`);
    await click(page, 'form[action$="/start"] button[type=submit]');
    check(/\/dossiers\/[^/]+\/edit$/.test(page.url()), `the form: ${page.url()}`);
    const verified = await page.locator('.field.verified').allTextContents();
    check(verified.length === 3, `three verified fields, got ${verified.length}`);
    check(verified.join(' ').includes('Martin') && verified.join(' ').includes('Camille'), 'names prefilled');
    check(verified.every((t) => t.includes('FranceConnect (test)')), 'each says where it came from');
    check(await page.locator('input[name=last_name][type=text]').count() === 0, 'the last name cannot be typed');
    await shot(page, 'form-prefilled-en.png');
    await page.fill('#f-email', 'camille.martin@example.fr');
    await page.check('input[name=reason][value=new]');
    await page.fill('#f-vin', 'VF1AB000123456789');
    await page.setInputFiles('#f-proof_of_address', { name: 'facture.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% proof\n') });
    // The address: the first département, then its first commune.
    const province = page.locator('#f-address-province');
    const firstProvince = await province.locator('option:not([value=""])').first().getAttribute('value');
    await province.selectOption(firstProvince);
    await click(page, 'button[name=go][value=refresh]');
    const commune = page.locator('#f-address-commune');
    await commune.selectOption(await commune.locator('option:not([value=""])').first().getAttribute('value'));
    await page.fill('#f-address-street', '12 rue Sainte-Catherine');
    if (await page.locator('#f-proof_of_address').count()) {
      await page.setInputFiles('#f-proof_of_address', { name: 'facture.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% proof\n') });
    }
    await click(page, 'button[name=go][value=review]');
    if (!page.url().endsWith('/review')) {
      throw new Error(`not at review: ${page.url()}\n${await page.textContent('.error-summary').catch(() => '')}`);
    }
    check((await page.textContent('main')).includes('Martin'), 'the review shows the verified name');
    await click(page, 'form[action$="/submit"] button[type=submit]');
    const code = (await page.textContent('#dossier-code')).trim();
    check(/^FR-PREF-33-\d{6}-\d{4}$/.test(code), `a receipt: ${code}`);

    // Log out of guichet, then of the provider, and come back.
    await click(page, 'form[action="/logout"] button');
    check(page.url().startsWith(issuer), `the provider's logout page: ${page.url()}`);
    await click(page, 'button[type=submit][value=yes], button[autofocus]');
    check(page.url().startsWith(`${base}/?notice=logged-out`), `back home logged out: ${page.url()}`);
    check(!(await page.textContent('header')).includes('Camille Martin'), 'logged out');

    // (2) An agent sets up TOTP and logs in with it.
    const agentCtx = await browser.newContext({ locale: 'en-GB' });
    const agent = await agentCtx.newPage();
    await agent.goto(`${base}/login`);
    await agent.fill('#username', 'lan.nguyen');
    await agent.fill('#password', PASSWORD);
    await click(agent, 'form[action="/login"] button[type=submit]');
    await agent.goto(`${base}/account`);
    await click(agent, 'a[href="/account/second-factor"]');
    check(await agent.locator('.qr svg').count() === 1, 'a QR code');
    await shot(agent, 'second-factor-setup-en.png');
    const secret = (await agent.textContent('#totp-secret')).trim();
    const now = Math.floor(Date.now() / 1000);
    await agent.fill('#code', totp(secret, now));
    await click(agent, 'form[action="/account/second-factor"] button[type=submit]');
    const recovery = await agent.locator('#recovery-codes li').count();
    check(recovery === 10, `ten recovery codes, got ${recovery}`);
    await click(agent, 'form[action="/logout"] button');
    await agent.goto(`${base}/login`);
    await agent.fill('#username', 'lan.nguyen');
    await agent.fill('#password', PASSWORD);
    await click(agent, 'form[action="/login"] button[type=submit]');
    check(agent.url().endsWith('/login/code'), `the second step: ${agent.url()}`);
    // The enrolment used this time step's code; the next step's is accepted once.
    await agent.fill('#code', totp(secret, now + 30));
    await click(agent, 'form[action="/login/code"] button[type=submit]');
    check(!agent.url().endsWith('/login/code'), `logged in with the code: ${agent.url()}`);
    check((await agent.textContent('header')).includes(AGENT_NAME), 'the agent is logged in');
    await agent.goto(`${base}/account`);
    const status = await agent.textContent('#second-factor-status');
    check(status.includes('On:') && status.includes('10'), `two-step verification is on, ten codes left: ${status}`);
    await agent.goto(`${base}/offices/HN-HOANKIEM/dossiers`);
    check(agent.url().endsWith('/offices/HN-HOANKIEM/dossiers'), 'the agent works after the second step');

    console.log(`oidc: logged in through oidc-provider, filed ${code} with verified fields locked, logged out of both; TOTP set up and used in the browser`);
  } finally {
    if (browser) await browser.close();
    op.close();
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
