import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../sandbox-server/src/server.ts';
import { removeInstance, startTestServer } from '../../sandbox-server/src/testing/server.ts';
import { axeFindings, blockWith, goto, launchChromium, siteDir, statusOf } from './browser.ts';

/*
 * A server on its first start (`--prepare`): the site and the status page answer while a step
 * is held, the dock says which step it is at, and once the step ends it starts the sandbox by
 * itself.
 */

let browser: Browser;
let server: RunningServer & { instance: string };
let release: () => void;

beforeAll(async () => {
  browser = await launchChromium();
  const building = new Promise<void>((resolve) => {
    release = resolve;
  });
  server = await startTestServer({ BERTH_SITE_DIR: siteDir }, undefined, {
    prepare: { labels: ['a slow build'], run: (step) => step('a slow build', () => building) },
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.shutdown();
  if (server) await removeInstance(server.instance);
});

describe('a server that is still preparing its sandboxes', () => {
  it('shows the step on the status page and in the dock, then starts the sandbox once ready', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();

    await goto(page, '/status/');
    const summary = page.locator('#berth-status-summary');
    await expect.poll(() => summary.textContent()).toMatch(/^Sandboxes are being prepared/);
    expect(await page.locator('#berth-status-step').textContent()).toBe('Step 1 of 2: a slow build.');
    expect(await page.locator('#berth-status-checks').textContent()).toContain('Not yet');
    expect(await axeFindings(page)).toEqual([]);

    await goto(page, '/');
    const block = blockWith(page, 'docker run hello-world');
    await block.locator('.berth-run').click();
    const dock = page.locator('berth-dock');
    await page.locator('berth-dock[data-state="preparing"]').waitFor();
    expect(await dock.locator('.berth-dock-status').textContent()).toBe(
      'Sandboxes are being prepared: step 1 of 2 (a slow build)',
    );
    expect(await dock.locator('[data-dock-notice="failure"]').textContent()).toContain(
      "A server's first start builds its images",
    );
    // The Run could not have succeeded: it says so, and shows no ✓.
    await expect.poll(statusOf(block)).not.toBe('');
    expect(await statusOf(block)()).not.toContain('✓');

    release();
    // The dock asks again by itself (every few seconds) and gets a sandbox.
    await page.locator('berth-dock[data-state="ready"]').waitFor({ timeout: 120_000 });
    await goto(page, '/status/');
    await expect.poll(() => summary.textContent(), { timeout: 10_000 }).toBe('Ready: sandboxes start now.');
    await context.close();
  });
});
