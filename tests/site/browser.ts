import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, never a downloaded one; these flags keep it off the closed network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const siteDir = fileURLToPath(new URL('../../dist', import.meta.url));
const contentDir = new URL('../../content/', import.meta.url);

/** Every page of the guide, as a path: one per file in content/. */
export function guidePaths(): string[] {
  return readdirSync(contentDir)
    .filter((name) => /^[^_].*\.mdx?$/.test(name))
    .map((name) => name.replace(/\.mdx?$/, ''))
    .map((slug) => (slug === 'index' ? '/' : `/${slug}/`))
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

/** Types into the terminal as a reader would, through xterm's own input element. */
export async function typeInTerminal(page: Page, text: string): Promise<void> {
  await page.locator('berth-dock .xterm-helper-textarea').focus();
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
