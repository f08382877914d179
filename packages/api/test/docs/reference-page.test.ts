import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';
import { API_DIR } from '../support/process.js';

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** What the reference page must list, counted in the committed OpenAPI document of `version`. */
function publishedCounts(version: 'v1' | 'v2') {
  const file = join(API_DIR, '..', '..', 'openapi', `${version}.json`);
  const document = JSON.parse(readFileSync(file, 'utf8')) as {
    paths: Record<string, Record<string, { deprecated?: boolean }>>;
    webhooks?: Record<string, unknown>;
  };
  const operations = Object.values(document.paths).flatMap((item) =>
    Object.entries(item).filter(([method]) => METHODS.has(method)),
  );
  return {
    operations: operations.length,
    deprecated: operations.filter(([, operation]) => operation.deprecated === true).length,
    webhooks: Object.keys(document.webhooks ?? {}).length,
  };
}

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(API_DIR, 'test', 'artifacts');

/**
 * The reference page as a person sees it, in headless Chromium (Debian's, installed by
 * .ci/run): it loads with the network cut off at the machine's edge (every request that is not
 * to the API itself is refused and recorded), shows v2 first, switches to v1, and a screenshot
 * of each is saved under test/artifacts/.
 */
if (!existsSync(CHROMIUM)) {
  process.stdout.write(
    `\n[steadfast] browser suite (reference page) SKIPPED: ${CHROMIUM} is not installed (Debian package \`chromium\`; \`bash .ci/run\` installs it).\n\n`,
  );
}

describe.skipIf(!existsSync(CHROMIUM))('the /docs reference page in a browser', () => {
  let t: TestApp;
  let baseUrl: string;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const blocked: string[] = [];

  beforeAll(async () => {
    t = await startApp('sqlite');
    baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
    profile = mkdtempSync(join(tmpdir(), 'steadfast-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 1600 },
    });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith(baseUrl)) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await t?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const screenshot = async (name: string) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, name);
    await page.screenshot({ path, fullPage: false });
    const png = readFileSync(path);
    // A PNG (signature), and not a blank page: a rendered reference is tens of kilobytes.
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.length).toBeGreaterThan(20_000);
    return path;
  };

  it('loads with no network, opening on v2 with every operation listed', async () => {
    await page.goto(`${baseUrl}/docs/`, { waitUntil: 'load' });
    const title = page.locator('.swagger-ui .information-container .title');
    await expect.poll(() => title.textContent(), { timeout: 20_000 }).toContain('Steadfast API v2');
    await page.locator('.opblock').first().waitFor();
    // Every operation (the API's, the probes, the index, the API catalog) and every webhook.
    const { operations, webhooks } = publishedCounts('v2');
    await expect.poll(() => page.locator('.opblock').count()).toBe(operations + webhooks);
    // In the project's own name: no third-party branding in the title, icon or top bar.
    expect(await page.title()).toBe('Steadfast API reference');
    const logo = page.locator('.topbar-wrapper a.link img');
    await expect.poll(() => logo.count()).toBe(1);
    expect(await logo.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(await page.locator('.topbar-wrapper a.link > svg').isVisible()).toBe(false);
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(icon).toContain('/theme/favicon.svg');
    expect((await page.request.get(new URL(icon!, page.url()).href)).status()).toBe(200);
    const ordersPath = page.locator('.opblock-summary-path', { hasText: /^\/v2\/orders$/ });
    expect(await ordersPath.count()).toBe(2);
    expect(await page.locator('.opblock-deprecated').count()).toBe(0);
    await screenshot('reference-page-v2.png');
    expect(blocked).toEqual([]);
  }, 60_000);

  it('switches to v1, marked deprecated', async () => {
    const select = page.locator('.topbar select');
    const options = await select.locator('option').allTextContents();
    expect(options).toEqual(['v2', 'v1']);
    await select.selectOption('v1');
    const title = page.locator('.swagger-ui .information-container .title');
    await expect.poll(() => title.textContent(), { timeout: 20_000 }).toContain('v1 (deprecated)');
    await page.locator('.opblock-deprecated').first().waitFor();
    const { deprecated } = publishedCounts('v1');
    expect(deprecated).toBeGreaterThan(20);
    await expect.poll(() => page.locator('.opblock-deprecated').count()).toBe(deprecated);
    await screenshot('reference-page-v1.png');
    expect(blocked).toEqual([]);
  }, 60_000);

  it('opens on v1 from the rel="deprecation" link that v1 responses carry', async () => {
    await page.goto(`${baseUrl}/docs/?urls.primaryName=v1`, { waitUntil: 'load' });
    const title = page.locator('.swagger-ui .information-container .title');
    await expect.poll(() => title.textContent(), { timeout: 20_000 }).toContain('v1 (deprecated)');
    expect(blocked).toEqual([]);
  }, 60_000);

  it('opens one operation with its example, parameters and errors', async () => {
    await page.goto(`${baseUrl}/docs/?urls.primaryName=v2#/payments/createPayment`, {
      waitUntil: 'load',
    });
    const operation = page.locator('#operations-payments-createPayment');
    await operation.waitFor({ timeout: 20_000 });
    await expect.poll(() => operation.locator('.opblock-body').count()).toBe(1);
    // The body element appears before Swagger UI has rendered its parameters and responses.
    for (const expected of ['idempotency-key', 'amount_money', '422', '429', 'Retry-After']) {
      await expect
        .poll(async () => (await operation.textContent()) ?? '', { timeout: 20_000 })
        .toContain(expected);
    }
    await screenshot('reference-page-create-payment.png');
    expect(blocked).toEqual([]);
  }, 60_000);
});
