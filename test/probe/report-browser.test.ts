// The drill report in a real browser, offline: Debian's headless chromium through playwright-core opens the file; no
// console or page error, no request leaves file://, one uPlot canvas per probe path that is not blank (decoded
// screenshot: grey variance, the red outage band, the green state line), the verdict shown, the hostile mon_name
// inert. Skipped without /usr/bin/chromium, except in CI. NFSPROBE_SAVE_SCREENSHOT=1 refreshes docs/drill-report.png.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { renderReport } from '../../src/probe/report/html.js';
import { parseWatchLog } from '../../src/probe/report/log.js';
import { root } from '../helpers/cli.js';
import { countPixels, decodePng, greyVariance } from '../helpers/png.js';
import { tempDir } from '../helpers/temp.js';
import { moveLog, problemLog } from './report-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  if (process.env.CI === 'true') t.fail('chromium is missing — .ci/run must install it');
  else t.skip('chromium is not installed', () => {});
} else {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.teardown(() => browser.close());
  const dir = tempDir('nfsprobe-report-browser-');

  const open = async (name: string, log: string) => {
    const file = join(dir, name);
    const html = renderReport(parseWatchLog(log));
    writeFileSync(file, html);
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, offline: true });
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-charts]', { timeout: 10_000 });
    return { page, context, errors, requests, html };
  };

  t.test('the real move drill: OK, a non-blank chart per path', async (t) => {
    const { page, context, errors, requests } = await open('move.html', moveLog());
    t.teardown(() => context.close());
    const paths = parseWatchLog(moveLog()).summary.paths.length;
    t.equal((await page.textContent('.verdict h2'))?.trim(), 'OK', 'the verdict');
    const canvases = page.locator('.chart canvas');
    t.equal(await canvases.count(), paths, `${paths} uPlot canvases`);
    t.equal(await page.getAttribute('body', 'data-charts'), String(paths));
    for (let i = 0; i < paths; i++) {
      const image = decodePng(await page.locator(`#chart-${i} canvas`).screenshot());
      t.ok(greyVariance(image) > 0, `chart ${i}: grey variance ${greyVariance(image).toFixed(1)} > 0`);
      t.ok(
        countPixels(image, (r, g, b) => r > 230 && g < 225 && b < 225 && r - g > 10) > 100,
        `chart ${i}: an outage band`,
      );
      t.ok(
        countPixels(image, (r, g, b) => g > r + 40 && g > b + 40),
        `chart ${i}: the green state line`,
      );
    }
    t.same(errors, [], 'no console or page error');
    t.same(requests, [], 'no request outside file://');
    if (process.env.NFSPROBE_SAVE_SCREENSHOT === '1') {
      writeFileSync(
        join(root, 'docs', 'drill-report.png'),
        await page.screenshot({ fullPage: true, clip: { x: 0, y: 0, width: 1100, height: 1180 } }),
      );
    }
  });

  t.test('the problem drill: PROBLEMS, the hostile mon_name stays text', async (t) => {
    const { page, context, errors, requests } = await open('problems.html', problemLog());
    t.teardown(() => context.close());
    t.equal((await page.textContent('.verdict h2'))?.trim(), 'PROBLEMS (3)');
    t.equal(await page.locator('.verdict li').count(), 3, 'the problem list');
    t.equal(await page.locator('img').count(), 0, 'no <img> from a peer string');
    t.equal(await page.locator('script').count(), 3, 'no script element from a peer string');
    t.match(await page.textContent('body'), /<\/script><img src=x onerror=alert\(1\)>/, 'shown as text');
    t.same(errors, [], 'no console or page error, no dialog');
    t.same(requests, [], 'no request outside file://');
  });
}
