// SPDX-License-Identifier: GPL-2.0-or-later
// dashboard.mjs URL PA_CLI SCREENSHOT PROFILE_DIR - the dashboard in a real browser.
//
// playwright-core (web/node_modules) drives Debian's chromium headless (never
// a downloaded browser): loads the page, waits for it to fill, and checks that
// no console error or failed request happened, that only the daemon itself
// was contacted, that every event's count on the page equals
// `perf-analysis --json stats` (monitoring is disabled by the caller, so the
// counts stand still), that the charts drew, and saves a screenshot.
// Prints "ok NAME" / "not ok NAME: why"; exit 1 if any failed.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const [url, pa, shot, profile] = process.argv.slice(2);
const require = createRequire(path.resolve('web/package.json'));
const { chromium } = require('playwright-core');
let failed = 0;
async function check(name, fn) {
  try {
    const note = await fn();
    console.log(`ok ${name}${note ? ' ' + note : ''}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${name}: ${e.message}`);
  }
}
function assert(c, msg) { if (!c) throw new Error(msg); }

const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1600, height: 1250 },
});
const errors = [];
const foreign = [];
const origin = new URL(url).origin;
try {
  const page = browser.pages()[0] || await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`); });
  page.on('request', (r) => { if (!r.url().startsWith(origin)) foreign.push(r.url()); });

  await check('the page loads and fills from the daemon', async () => {
    const resp = await page.goto(url, { waitUntil: 'load', timeout: 20000 });
    assert(resp.status() === 200, `status ${resp.status()}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    await page.waitForSelector('body[data-slow-ready="true"]', { timeout: 15000 });
    await page.waitForTimeout(2500); // a few refreshes, so the refresh path runs too
    const rows = await page.locator('#events tbody tr').count();
    assert(rows === 12, `${rows} event rows`);
    return `(${rows} events)`;
  });

  await check('every count on the page equals the RPC interface\'s', async () => {
    const rpc = JSON.parse(execFileSync(pa, ['--json', 'stats'], { encoding: 'utf8' }));
    const shown = await page.$$eval('#events tbody tr', (trs) => trs.map((tr) => [tr.dataset.event,
      tr.querySelector('td.count').dataset.count, tr.querySelector('td.count').textContent]));
    const want = new Map(rpc.events.map((e) => [e.name, e.count]));
    let nonzero = 0;
    for (const [name, count, text] of shown) {
      assert(String(want.get(name)) === count, `${name}: page ${count}, RPC ${want.get(name)}`);
      assert(text.replace(/,/g, '') === count, `${name}: shown as '${text}'`);
      if (Number(count) > 0) nonzero++;
    }
    assert(nonzero >= 3, `only ${nonzero} events with a count`);
    const sys = shown.find((s) => s[0] === 'syscall');
    return `(syscall ${sys[2]}, ${nonzero} events counted)`;
  });

  await check('a chart per event, drawn by uPlot with data', async () => {
    const n = await page.locator('#charts .uplot canvas').count();
    assert(n === 12, `${n} chart canvases`);
    const points = await page.evaluate(() => {
      const c = document.querySelector('#charts .chart[data-event="syscall"] .uplot');
      return c ? c.querySelectorAll('canvas').length : 0;
    });
    assert(points === 1, 'no syscall chart');
  });

  await check('sections without an endpoint say "not available"; verdicts shown', async () => {
    const texts = await page.$$eval('.panel', (ps) => ps.map((p) => [p.id, p.textContent]));
    for (const [id, t] of texts) assert(t && !/loading/.test(t), `${id}: '${t}'`);
    const verdicts = await page.locator('#verdicts .tag').count();
    assert(verdicts > 0, `no verdict tags: ${texts.find((t) => t[0] === 'verdicts')[1]}`);
    return `(${verdicts} verdicts)`;
  });

  await page.screenshot({ path: shot, fullPage: true });

  await check('no console errors, failed or 4xx requests, nothing fetched beyond the daemon', async () => {
    assert(errors.length === 0, errors.slice(0, 5).join('; '));
    assert(foreign.length === 0, `foreign requests: ${foreign.slice(0, 5).join(', ')}`);
  });
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
