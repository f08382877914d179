import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../src/report/html.js';
import type { Report } from '../src/report/report.js';
import type { Fixture } from './fixtures/listen.js';
import { startNaiveApi } from './fixtures/naive-api.js';
import { check } from './support/check.js';

/** Screenshots go here (gitignored), for a person to look at after the run. */
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let naive: Fixture;
let report: Report;
let context: BrowserContext;
let profile: string;

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) {
  process.stdout.write(
    `\n[steadfast-check] HTML report browser test SKIPPED: ${CHROMIUM} is not installed (Debian package \`chromium\`; \`bash .ci/run\` installs it).\n\n`,
  );
}

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  naive = await startNaiveApi({ withSpec: true });
  report = await check(naive.url, { auth: 'Bearer a', authB: 'Bearer b', burst: 20 });
  profile = mkdtempSync(join(tmpdir(), 'steadfast-check-chromium-'));
  // A fresh profile (the user data dir) per run: no state from other runs or other tests.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1280, height: 900 },
    offline: true,
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
});

afterAll(async () => {
  await context?.close();
  await naive?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe.skipIf(!HAS_CHROMIUM)('the HTML report', () => {
  it('renders in headless Chromium with no network, and is screenshotted', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'report.html');
    writeFileSync(file, renderHtml(report));
    const page = await context.newPage();
    // Anything but the file itself would be a dependency on the network: refuse it and count it.
    const outside: string[] = [];
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.title()).toMatch(/^API readiness: http:\/\/127\.0\.0\.1:\d+ · \d+%$/);
    expect(await page.locator('details.probe').count()).toBe(report.probes.length);
    expect(await page.locator('.cards .card').count()).toBe(6);
    await expect.poll(() => page.locator('.attention li').count()).toBeGreaterThan(20);
    // Styles applied (inline CSS): a failing probe has the red left border.
    const border = await page
      .locator('details.probe.fail')
      .first()
      .evaluate((el) => getComputedStyle(el).borderLeftWidth);
    expect(border).toBe('4px');

    const shot = join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.readUInt32BE(16)).toBe(1280); // IHDR width
    expect(png.readUInt32BE(20)).toBeGreaterThan(2000); // a full page, not a blank viewport
    expect(png.length).toBeGreaterThan(100_000);
    await page.close();
  });

  it('escapes what the API answered: evidence cannot inject markup', () => {
    const html = renderHtml({
      ...report,
      probes: report.probes.map((probe, i) =>
        i === 0
          ? {
              ...probe,
              summary: '<img src=x onerror=alert(1)>',
              details: ['</pre><script>alert(1)</script>'],
            }
          : probe,
      ),
    });
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
  });
});
