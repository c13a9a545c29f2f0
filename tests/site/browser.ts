import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page, Request, Response } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { RunningServer } from '../../sandbox-server/src/server.ts';
import { removeInstance, startTestServer } from '../../sandbox-server/src/testing/server.ts';
import { pageFiles, pageSlug } from '../../src/content-pages.ts';
import { launchChromium } from './chromium.ts';

export { launchChromium };

export const siteDir = fileURLToPath(new URL('../../dist', import.meta.url));

export type Site = { browser: Browser; server: RunningServer & { instance: string } };

/**
 * For one test file: Debian's Chromium and a real server for the built site, both ready before the
 * first test; afterwards both are closed and every sandbox the server made is removed.
 */
export function useSite(): Site {
  const site = {} as Site;
  beforeAll(async () => {
    site.browser = await launchChromium();
    site.server = await startTestServer({ BERTH_SITE_DIR: siteDir, BERTH_SESSIONS_PER_CLIENT: '10' });
  });
  afterAll(async () => {
    await site.browser?.close();
    await site.server?.shutdown();
    if (site.server) await removeInstance(site.server.instance);
  });
  return site;
}

const contentDir = new URL('../../content/', import.meta.url);

/** Every page of the guide, as a path: one per page in content/. */
export function guidePaths(): string[] {
  return pageFiles(fileURLToPath(contentDir))
    .map(pageSlug)
    .map((slug) => (slug === '' ? '/' : `/${slug}/`))
    .sort();
}

/** The text of the dock's terminal, read from xterm's buffer rather than from pixels. */
export function terminalText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const dock = document.querySelector('berth-dock') as
      | (HTMLElement & {
          terminal: {
            buffer: {
              active: { length: number; getLine(i: number): { translateToString(trim: boolean): string } };
            };
          };
        })
      | null;
    if (!dock) return '';
    const buffer = dock.terminal.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n');
  });
}

/** Types into the shown terminal as a reader would, through xterm's own input element. */
export async function typeInTerminal(page: Page, text: string): Promise<void> {
  await page.locator('berth-dock [role="tabpanel"]:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.type(text);
}

export async function waitForTerminalText(page: Page, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await terminalText(page);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline)
      throw new Error(`terminal never showed ${pattern}; it shows:\n${text.trimEnd().slice(-1500)}`);
    await page.waitForTimeout(100);
  }
}

/**
 * Chromium drops the loads in flight whenever the host's addresses change, as they do each time
 * Docker gives a sandbox (of this test file or a parallel one) its bridge: a page that lost its
 * script that way has buttons that do nothing. A reader's browser is not on the Docker host; a
 * test's is, so each navigation is made again until none of its loads was dropped.
 */
async function steadily(
  page: Page,
  navigate: (attempt: number) => Promise<Response | null>,
): Promise<Response | null> {
  for (let attempt = 1; ; attempt++) {
    let dropped = false;
    const onFailed = (request: Request) => {
      if (request.failure()?.errorText.includes('ERR_NETWORK_CHANGED')) dropped = true;
    };
    page.on('requestfailed', onFailed);
    try {
      const response = await navigate(attempt).catch((error: Error) => {
        if (!error.message.includes('ERR_NETWORK_CHANGED')) throw error;
        dropped = true;
        return null;
      });
      if (!dropped) return response;
      if (attempt === 5)
        throw new Error('Chromium dropped a load of this page five times: the network kept changing');
    } finally {
      page.off('requestfailed', onFailed);
    }
  }
}

/**
 * page.goto, made again while Chromium drops the page's loads (see steadily). Again from a blank
 * page: going to the address the page is at, when it has a fragment (a share link's), would only
 * scroll, not load it again.
 */
export function goto(page: Page, path: string): Promise<Response | null> {
  return steadily(page, async (attempt) => {
    if (attempt > 1) await page.goto('about:blank');
    return page.goto(path);
  });
}

/** page.reload, made again while Chromium drops the page's loads (see steadily). */
export function reload(page: Page): Promise<Response | null> {
  return steadily(page, () => page.reload());
}

/** Collects the page's console errors and uncaught exceptions, for a test to expect none. */
export function recordErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    // Chromium aborts loads in flight when the host's addresses change, as they do each time
    // Docker gives a new sandbox (of this or a parallel test file) its bridge: the machine's doing.
    if (message.text().includes('net::ERR_NETWORK_CHANGED')) return;
    if (message.type() === 'error') errors.push(`${message.text()} ${message.location().url}`);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** A block's status line (`✓ exit 0`, `✗ exit 1`, `Not run: …`), read afresh each call: for expect.poll. */
export function statusOf(block: Locator): () => Promise<string | null> {
  return () => block.locator('.berth-block-status').textContent();
}

/** The first runnable block on the page whose commands include `text`. */
export function blockWith(page: Page, text: string) {
  return page
    .locator('.berth-block', { has: page.locator('.berth-run') })
    .filter({ hasText: text })
    .first();
}

/**
 * What the page shows when a run is stuck: the dock's state, each runnable block's first command
 * and status, and the end of the shown terminal, so a failure in CI explains itself.
 */
export async function runReport(page: Page): Promise<string> {
  const state = await page.locator('berth-dock').getAttribute('data-state');
  const blocks = await page
    .locator('.berth-block', { has: page.locator('.berth-run') })
    .evaluateAll((found) =>
      found.map((block) => {
        const command = block.querySelector('code')?.textContent?.split('\n')[0] ?? '';
        const status = block.querySelector('.berth-block-status')?.textContent ?? '';
        return `  ${command.slice(0, 60)} → ${status || '(no status)'}`;
      }),
    );
  const terminal = (await terminalText(page)).trimEnd().slice(-2000);
  return `dock: ${state}\nblocks:\n${blocks.join('\n')}\nterminal (shown tab):\n${terminal}`;
}

// Evaluated through the DevTools protocol, not injected as a <script>: the site's CSP rightly refuses those.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe's serious and critical findings, for the whole page or an axe context (a selector, `{ exclude }`). */
export async function axeFindings(page: Page, context: string | object = {}): Promise<string[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async (axeContext) => {
    type Violation = { id: string; impact: string; nodes: { html: string }[] };
    type Axe = { run(context: unknown): Promise<{ violations: Violation[] }> };
    const result = await (window as unknown as { axe: Axe }).axe.run(axeContext);
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.html.slice(0, 160)).join(' | ')}`);
  }, context);
}
