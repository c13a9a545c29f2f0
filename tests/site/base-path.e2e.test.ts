import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../sandbox-server/src/server.ts';
import { removeInstance, startTestServer } from '../../sandbox-server/src/testing/server.ts';
import { blockWith, goto, launchChromium, recordErrors, statusOf } from './browser.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BASE = '/docs/';
const outDir = mkdtempSync('/tmp/berth-site-base-path-');
let browser: Browser;
let server: RunningServer & { instance: string };

beforeAll(async () => {
  // The site built for the base path, as a deployment under it builds it.
  // Without vitest's own Vite variables (BASE_URL=/, DEV=1 among them), which the build would take as its own.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(VITEST|BASE_URL$|MODE$|NODE_ENV$|DEV$|PROD$|SSR$)/.test(name),
    ),
  );
  await run('npx', ['astro', 'build'], {
    cwd: REPO,
    env: { ...env, BERTH_BASE_PATH: BASE, BERTH_BUILD_DIR: outDir },
  });
  browser = await launchChromium();
  server = await startTestServer({ BERTH_SITE_DIR: outDir, BERTH_BASE_PATH: BASE });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.shutdown();
  if (server) await removeInstance(server.instance);
  rmSync(outDir, { recursive: true, force: true });
});

describe('the site under a base path', () => {
  it('keeps its links under the path, and Run opens a sandbox through the API there', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const errors = recordErrors(page);
    await goto(page, `${BASE}commands/`);
    const links = await page.$$eval('a[href^="/"]', (anchors) => anchors.map((a) => a.getAttribute('href')));
    expect(links.length).toBeGreaterThan(5); // the sidebar's, at least
    expect(links.filter((href) => !href?.startsWith(BASE))).toEqual([]);

    const block = blockWith(page, 'docker images');
    await block.locator('.berth-run').click();
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 90_000 });
    await expect.poll(statusOf(block), { timeout: 30_000 }).toBe('✓ exit 0');
    expect(await context.cookies()).toContainEqual(
      expect.objectContaining({ name: 'berth_session', path: BASE }),
    );
    expect(errors).toEqual([]);
    await context.close();
  });
});
