// Swagger UI, as a developer meets it: authorise with a bearer token, run
// "Try it out" on GET /api/v1/referrals, see a 200; request bodies come
// pre-filled with their examples. Nothing outside the server is fetched.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const base = process.env.BASE_URL;
const token = process.env.TOKEN;
const screenshot = process.env.SCREENSHOT;
assert.ok(base && token && screenshot, 'BASE_URL, TOKEN and SCREENSHOT are required');

const userDataDir = mkdtempSync(join(tmpdir(), 'sct-portal-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: { width: 1280, height: 1000 },
});

// The server enables "Try it out" by default (tryItOutEnabled); the button
// then reads "Cancel". Press it only when it offers to try.
async function tryItOut(op) {
  const button = op.locator('button.try-out__btn');
  await button.waitFor();
  if ((await button.innerText()).trim() === 'Try it out') await button.click();
}

const outside = [];
let page;
try {
  // The portal must work offline: refuse and record anything not ours.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base)) return route.continue();
    outside.push(url);
    return route.abort();
  });
  page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  await page.goto(`${base}/swagger-ui/`);
  await page.locator('.swagger-ui .info .title').waitFor();
  assert.match(await page.locator('.swagger-ui .info .title').innerText(), /School & Community Teams API/);

  // Authorize with the bearer token.
  await page.locator('.auth-wrapper button.authorize').click();
  const modal = page.locator('.modal-ux');
  await modal.locator('input').first().fill(token);
  await modal.locator('button.authorize').click();
  await modal.locator('button.btn-done').click();
  await page.locator('.auth-wrapper button.authorize.locked').waitFor();

  // Try it out: GET /api/v1/referrals.
  const op = page.locator('#operations-Referrals-list_referrals');
  await op.locator('.opblock-summary').first().click();
  await tryItOut(op);
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 15000 });
  const code = (await status.innerText()).trim();
  assert.match(code, /^200/, `expected a 200 in the page, got ${code}`);
  const curl = await op.locator('.curl-command').innerText();
  assert.match(curl, /Authorization: Bearer /, 'the request carries the token');
  const body = await op.locator('.live-responses-table .response-col_description pre').first().innerText();
  assert.match(body, /"items"/, 'the response body is a page of referrals');
  assert.match(body, /SCT-\d{4}-\d+/, 'the seeded referral is listed');

  await op.locator('.live-responses-table').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot });

  // Request examples: POST /referrals opens pre-filled with its example.
  const submit = page.locator('#operations-Referrals-submit_referral');
  await submit.locator('.opblock-summary').first().click();
  await tryItOut(submit);
  const example = await submit.locator('textarea.body-param__text').inputValue();
  assert.match(example, /B801200005001/, 'the submission example is pre-filled');

  assert.deepEqual(pageErrors, [], 'no script errors in the page');
  assert.deepEqual(outside, [], 'no request left the server');
  console.log(`portal: Authorize + Try it out on GET /api/v1/referrals -> ${code}; screenshot ${screenshot}`);
} catch (e) {
  // Keep what the browser showed, for whoever reads the failure.
  if (page) await page.screenshot({ path: screenshot.replace(/\.png$/, '-failure.png'), fullPage: true }).catch(() => {});
  throw e;
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
